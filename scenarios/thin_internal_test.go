package scenarios

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// earlySend is a check no real checker should be: its verdict hangs on
// event indexes, which a thin trace numbers differently (in the run below,
// thin: three starts, then the first send; full: timers set in between).
type earlySend struct{ first int }

func (o *earlySend) Kinds() trace.KindSet { return trace.KindsOf(trace.Send) }
func (o *earlySend) Observe(e *trace.Event) {
	if o.first < 0 {
		o.first = e.Index
	}
}
func (o *earlySend) Finish(context.Context) check.Result {
	if o.first <= 3 {
		return check.Failed("first-send", 0, nil, "a send among the first events")
	}
	return check.Passed("first-send", "no send among the first events")
}

// An exploration runs its seeds thin and a failing one again in full; a
// seed the two runs judge differently is reported as distlab's bug, never
// as the algorithm's failure.
func TestExploreRefusesThinAndFullDisagreeing(t *testing.T) {
	sc, err := Parse("x.yaml", []byte("version: 1\nalgorithm: lamport\nnodes: 3\nduration: 200ms\nworkload: {events: 5, interval: 20ms}\n"))
	require.NoError(t, err)
	observe := func(trace.Header, any) check.Observer { return &earlySend{first: -1} }
	var checks []CheckSpec
	for _, c := range sc.Checks {
		if c.Name == noPanic { // watched, reads starts and crashes
			checks = append(checks, c)
		}
	}
	require.Len(t, checks, 1)
	sc.Checks = append(checks, CheckSpec{Name: "first-send",
		spec: check.Spec{Name: "first-send", Observe: observe, Run: check.Fold("first-send", observe)}})

	seed := int64(1)
	full, err := sc.Run(RunOptions{Seed: &seed})
	require.NoError(t, err)
	thin, err := sc.Run(RunOptions{Seed: &seed, Thin: true})
	require.NoError(t, err)
	require.True(t, thin.Thin)
	require.True(t, full.ExpectationMet, full.Why)
	require.False(t, thin.ExpectationMet, "the index-reading check tells the two runs apart")

	_, _, err = sc.Explore(ExploreOptions{From: 1, Seeds: 2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a check reads events it does not declare")
}
