package checkers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// chatter is a node that talks but records no family's marks.
type chatter struct{ env *simnet.Env }

type hello struct{ N int }

func (c *chatter) Start()                     { c.env.SetTimer(time.Millisecond, "tick") }
func (c *chatter) Receive(simnet.NodeID, any) {}
func (c *chatter) Timer(any) {
	c.env.Broadcast(hello{1})
	c.env.Publish("leader", "n0") // a state key alone is no evidence
	c.env.SetTimer(5*time.Millisecond, "tick")
}

// noEvidence is a busy run (messages, timers, state, a crash, a partition)
// with no family's marks and no client operations.
func noEvidence(t *testing.T) *trace.Trace {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 3, contract.ServerGroup, func(env *simnet.Env) simnet.Node { return &chatter{env: env} })
	sim.Schedule(simnet.Fault{At: 50 * time.Millisecond, Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{0}, {1, 2}}})
	sim.Schedule(simnet.Fault{At: 100 * time.Millisecond, Kind: simnet.FaultCrash, Node: 2})
	sim.Run(5 * time.Second)
	tr := sim.Trace()
	require.Greater(t, tr.Len(), 1000)
	return tr
}

// Every registered check that reads a contract says unknown on a trace
// without its evidence — through the runner, and on its own (a checker
// called directly must not pass on nothing either).
func TestEveryCheckIsUnknownWithoutEvidence(t *testing.T) {
	tr := noEvidence(t)
	ctx := context.Background()
	n := 0
	for _, spec := range checkers.All() {
		if spec.Contract == nil {
			continue
		}
		n++
		t.Run(spec.Name, func(t *testing.T) {
			var opts any
			if spec.Options != nil {
				opts = spec.Options()
			}
			r := checkers.Run(spec, tr, opts, checkers.RunConfig{Timeout: 10 * time.Second})
			assert.Equal(t, check.Unknown, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, "no evidence")
			direct := spec.Run(ctx, tr, opts)
			assert.NotEqual(t, check.Pass, direct.Verdict, "called directly, %s passed on nothing: %s", spec.Name, direct.Detail)
		})
	}
	assert.GreaterOrEqual(t, n, 10, "the family checks are registered")
}

func TestNoPanicNeedsARun(t *testing.T) {
	spec, err := checkers.Lookup("no-panic")
	require.NoError(t, err)
	empty := trace.New(trace.Header{Nodes: []string{"n0"}})
	assert.Equal(t, check.Unknown, checkers.Run(spec, empty, nil, checkers.RunConfig{}).Verdict, "no node ran")
	assert.Equal(t, check.Pass, checkers.Run(spec, noEvidence(t), nil, checkers.RunConfig{}).Verdict)
}
