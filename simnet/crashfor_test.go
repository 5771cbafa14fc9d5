package simnet_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet"
	"distlab/simnet/trace"
)

// highlighter highlights itself as "leader" when it is node 1.
type highlighter struct{ env *simnet.Env }

func (h *highlighter) Start() {
	if h.env.ID() == 1 {
		h.env.Highlight("leader")
	}
}
func (h *highlighter) Receive(simnet.NodeID, any) {}
func (h *highlighter) Timer(any)                  {}

// A crash with a downtime restarts the node it took down after that long,
// whichever it was when the crash was aimed at a highlight.
func TestCrashForRestartsTheNodeItTookDown(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	for _, name := range []string{"n0", "n1", "n2"} {
		sim.AddNode(name, "server", func(env *simnet.Env) simnet.Node { return &highlighter{env: env} })
	}
	sim.Schedule(simnet.Fault{At: 100 * time.Millisecond, Kind: simnet.FaultCrash, Highlighted: "leader", For: 50 * time.Millisecond})
	sim.Schedule(simnet.Fault{At: 300 * time.Millisecond, Kind: simnet.FaultCrash, Node: 2, For: 20 * time.Millisecond})
	sim.Run(time.Second)
	type ev struct {
		at   time.Duration
		kind trace.Kind
		node trace.NodeID
	}
	var got []ev
	for _, e := range sim.Trace().All() {
		if e.Kind == trace.Crash || e.Kind == trace.Restart {
			got = append(got, ev{e.Time, e.Kind, e.Node})
		}
	}
	require.Equal(t, []ev{
		{100 * time.Millisecond, trace.Crash, 1},
		{150 * time.Millisecond, trace.Restart, 1},
		{300 * time.Millisecond, trace.Crash, 2},
		{320 * time.Millisecond, trace.Restart, 2},
	}, got)
	assert.Equal(t, "300ms crash n2 for 20ms", simnet.Fault{At: 300 * time.Millisecond, Kind: simnet.FaultCrash, Node: 2, For: 20 * time.Millisecond}.Describe(func(id simnet.NodeID) string { return []string{"n0", "n1", "n2"}[id] }))
}

// storm answers every message with two.
type storm struct{ env *simnet.Env }

func (s *storm) Start() {
	if s.env.ID() == 0 {
		s.env.Broadcast(ping{})
	}
}
func (s *storm) Receive(from simnet.NodeID, _ any) {
	s.env.Send(from, ping{})
	s.env.Send(from, ping{})
}
func (s *storm) Timer(any) {}

// A message storm stops at the event limit, reported as a misuse.
func TestEventLimitStopsAStorm(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1, MaxEvents: 10_000})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &storm{env: env} })
	sim.Run(time.Hour)
	assert.LessOrEqual(t, sim.Processed(), int64(10_000))
	require.NotEmpty(t, sim.Errors())
	assert.Contains(t, sim.Errors()[0], "the run went past")
	assert.Contains(t, sim.Errors()[0], "a message storm?")
}
