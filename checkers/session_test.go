package checkers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet/trace"
)

// counter is an incremental check: it passes when it saw a tick, and
// panics or dawdles on request.
type counter struct {
	ticks int
	panic bool
	sleep time.Duration
}

func (c *counter) Observe(e *trace.Event) {
	if c.panic {
		panic("observer bug")
	}
	time.Sleep(c.sleep)
	if e.Kind == trace.Mark && e.Name == "tick" {
		c.ticks++
	}
}

func (c *counter) Finish(context.Context) check.Result {
	if c.ticks == 0 {
		return check.Unknowable("ticks", "no tick")
	}
	return check.Passed("ticks", "ticks seen")
}

func tickSpec(make func() *counter) check.Spec {
	type payload struct {
		N int `json:"n"`
	}
	tick := contract.Mark[payload]{Name: "tick"}
	observe := func(trace.Header, any) check.Observer { return make() }
	return check.Spec{Name: "ticks", Contract: &contract.Contract{Name: "ticks", Marks: []contract.MarkDef{tick.Def()}},
		Observe: observe, Run: check.Fold("ticks", observe)}
}

func tickTrace(ticks int) *trace.Trace {
	tr := trace.New(trace.Header{Nodes: []string{"n0"}}, trace.Event{Kind: trace.Start, Node: 0, Peer: trace.None})
	for i := range 200 {
		e := trace.Event{Time: time.Duration(i), Kind: trace.Log, Node: 0, Peer: trace.None, Value: "x"}
		if i < ticks {
			e = trace.Event{Time: time.Duration(i), Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "tick", Data: json.RawMessage(`{"n":1}`)}
		}
		tr.Append(e)
	}
	return tr
}

// watch runs a session over a trace as the simulator would feed it.
func watch(t *testing.T, spec check.Spec, tr *trace.Trace, timeout time.Duration) check.Result {
	t.Helper()
	s := checkers.NewSession(tr.Header)
	require.True(t, s.Watch(spec, nil))
	for _, e := range tr.All() {
		s.Observe(&e)
	}
	return checkers.Run(spec, tr, nil, checkers.RunConfig{Session: s, Timeout: timeout})
}

func TestSessionFinishesWhatItWatched(t *testing.T) {
	spec := tickSpec(func() *counter { return &counter{} })
	for _, ticks := range []int{0, 3} {
		tr := tickTrace(ticks)
		whole := checkers.Run(spec, tr, nil, checkers.RunConfig{})
		assert.Equal(t, whole, watch(t, spec, tr, time.Minute), "the same verdict either way (%d ticks)", ticks)
	}
	assert.Equal(t, check.Pass, watch(t, spec, tickTrace(3), time.Minute).Verdict)
	r := watch(t, spec, tickTrace(0), time.Minute)
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Contains(t, r.Detail, "no evidence", "evidence is counted as the events go by")
}

func TestSessionRules(t *testing.T) {
	r := watch(t, tickSpec(func() *counter { return &counter{panic: true} }), tickTrace(3), time.Minute)
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Contains(t, r.Detail, "checker panicked: observer bug")

	r = watch(t, tickSpec(func() *counter { return &counter{sleep: time.Millisecond} }), tickTrace(3), 20*time.Millisecond)
	assert.Equal(t, check.Unknown, r.Verdict, "observing counts against the bound")
	assert.Contains(t, r.Detail, "observing the run took")

	s := checkers.NewSession(trace.Header{})
	plain := check.Spec{Name: "plain", Run: func(context.Context, *trace.Trace, any) check.Result { return check.Passed("plain", "read the trace") }}
	assert.False(t, s.Watch(plain, nil), "a check without Observe is run over the trace")
	assert.Equal(t, "read the trace", checkers.Run(plain, tickTrace(0), nil, checkers.RunConfig{Session: s}).Detail)
}

// A session that follows a growing trace reads each event once, before it
// spills, and judges as a whole-trace run does.
func TestSessionFollowsASpillingTrace(t *testing.T) {
	spec := tickSpec(func() *counter { return &counter{} })
	tr := &trace.Trace{Header: trace.Header{Nodes: []string{"n0"}}}
	require.NoError(t, tr.Spill(t.TempDir(), 4096))
	s := checkers.NewSession(tr.Header)
	require.True(t, s.Watch(spec, nil))
	s.Follow(tr)
	tick := trace.Event{Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "tick", Data: json.RawMessage(`{"n":1}`)}
	for i := range 30_000 {
		e := trace.Event{Time: time.Duration(i), Kind: trace.Log, Node: 0, Peer: trace.None, Value: "x"}
		if i%1000 == 0 {
			e = tick
		}
		tr.Append(e)
	}
	assert.Positive(t, tr.SpilledBytes(), "the trace spilled")
	got := checkers.Run(spec, tr, nil, checkers.RunConfig{Session: s})
	assert.Equal(t, checkers.Run(spec, tr, nil, checkers.RunConfig{}), got)
	assert.Equal(t, check.Pass, got.Verdict)
}
