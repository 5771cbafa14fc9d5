package chain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"distlab/algorithms/algo"
	"distlab/simnet"
	"distlab/simnet/trace"
)

func runSim(t *testing.T, spec algo.Spec, nodes int, params, work any, dur time.Duration) *simnet.Sim {
	sim := simnet.New(simnet.Config{Seed: 1})
	require.NoError(t, spec.Build(algo.Build{Sim: sim, Nodes: nodes, Params: params, Workload: work}))
	sim.Run(dur)
	return sim
}

func TestSmoke(t *testing.T) {
	specs := Specs()
	for _, tc := range []struct {
		i      int
		params any
	}{{0, DefaultPoW()}, {0, func() any { p := DefaultPoW(); p.RealHash = true; p.K = 2; return p }()}, {1, DefaultPoS()}, {2, DefaultDPoS()}} {
		n := 5
		if tc.i == 2 {
			n = 21
		}
		sim := runSim(t, specs[tc.i], n, tc.params, DefaultWorkload(), 20*time.Second)
		for i := 0; i < n; i++ {
			s := sim.NodeState(simnet.NodeID(i)).(*server)
			t.Logf("%s %s height %d tip %.8s lib %d pool %d", specs[tc.i].Name, s.me, s.tip.height(), s.tip.hash(), s.lib.height(), len(s.pool))
		}
		crashes := 0
		for _, e := range sim.Trace().All() {
			if e.Kind == trace.Crash {
				crashes++
				t.Log(e.Value, e.Stack)
			}
		}
		require.Zero(t, crashes)
	}
}
