package raftlog_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/checkers/raftlog"
	"distlab/scenarios"
)

// Recorded Raft runs judged as they go — by a session following the trace
// as it spills to a file, and by one fed the events as they are recorded
// — get the verdicts the checks give over the whole trace afterwards.
// (The library's Raft keeps the rules, so these runs pass; the failing
// traces are in TestObservedAsFolded.)
func TestSessionJudgesAsTheWholeTrace(t *testing.T) {
	spilled := 0
	for _, file := range []string{"nemesis", "snapshot-nemesis", "leader-churn"} {
		sc, err := scenarios.Load("../../scenarios/raft/" + file + ".yaml")
		require.NoError(t, err)
		sim, _, err := sc.Prepare(sc.Seed)
		require.NoError(t, err)
		require.NoError(t, sim.Spill(t.TempDir(), 0))
		follow, stream := checkers.NewSession(sim.Trace().Header), checkers.NewSession(sim.Trace().Header)
		for _, spec := range raftlog.Specs() {
			require.True(t, follow.Watch(spec, nil))
			require.True(t, stream.Watch(spec, nil))
		}
		follow.Follow(sim.Trace())
		sim.SetStream(stream.Observe)
		sim.Run(sc.Duration)
		tr := sim.Trace()
		require.NoError(t, tr.SpillError())
		if tr.SpilledBytes() > 0 {
			spilled++
		}
		for _, spec := range raftlog.Specs() {
			whole := checkers.Run(spec, tr, nil, checkers.RunConfig{})
			assert.Equal(t, check.Pass, whole.Verdict, "%s, %s: %s", file, spec.Name, whole.Detail)
			assert.Equal(t, whole, checkers.Run(spec, tr, nil, checkers.RunConfig{Session: follow}), "%s, %s followed", file, spec.Name)
			assert.Equal(t, whole, checkers.Run(spec, tr, nil, checkers.RunConfig{Session: stream}), "%s, %s streamed", file, spec.Name)
		}
	}
	assert.Positive(t, spilled, "a run spilled: its older events were judged before they left memory")
}
