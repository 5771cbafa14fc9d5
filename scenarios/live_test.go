package scenarios_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/scenarios"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// A live session with faults injected by hand (crash, restart, partition,
// cut, heal, drop and duplicate a message in flight), saved as a scenario,
// replays exactly: the same trace, event for event. With a nemesis and a
// swarm too: they are written out as the faults and network they drew.
func TestLiveSessionSavedReplaysExactly(t *testing.T) {
	messages := 0
	for _, path := range []string{"election/bully-partition.yaml", "raft/leader-partition.yaml", "raft/swarm.yaml", "mutex/ricart-agrawala-lossy.yaml"} {
		t.Run(path, func(t *testing.T) {
			sc, err := scenarios.Load(path)
			require.NoError(t, err)
			live, err := sc.StartLive(sc.Seed)
			require.NoError(t, err)
			step := func(n int) { // as the visualizer does: never past the end
				for range n {
					if at, ok := live.NextAt(); !ok || at > sc.Duration/2 {
						return
					}
					live.Step()
				}
			}
			// the latest message sent that is still in flight, or 0
			inFlight := func() int64 {
				tr := live.Trace()
				arrived := map[int64]bool{}
				for i := tr.Len() - 1; i >= 0; i-- {
					e := tr.At(i)
					switch e.Kind {
					case trace.Deliver, trace.Drop:
						arrived[e.Msg] = true
					case trace.Send:
						if !arrived[e.Msg] {
							return e.Msg
						}
					}
				}
				return 0
			}
			step(400)
			require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultCrash, Node: 1}))
			step(300)
			require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{0, 1}, {2, 3, 4}}}))
			if id := inFlight(); id > 0 {
				require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultDuplicate, Msg: id}))
			}
			step(300)
			require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultRestart, Node: 1}))
			require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultCut, From: 2, To: 0}))
			if id := inFlight(); id > 0 {
				require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultDrop, Msg: id}))
			}
			step(200)
			require.NoError(t, live.Inject(simnet.Fault{Kind: simnet.FaultHeal}))
			live.Run(sc.Duration)

			data, err := live.Encode()
			require.NoError(t, err)
			saved, err := scenarios.Parse("saved.yaml", data)
			require.NoError(t, err, "%s", data)
			assert.Nil(t, saved.Nemesis, "the nemesis is written out as faults")
			assert.Equal(t, len(live.Faults()), len(saved.Faults))
			res, err := saved.Run(scenarios.RunOptions{SkipChecks: true})
			require.NoError(t, err)
			want, got := live.Trace(), res.Trace
			require.Equal(t, want.Len(), got.Len(), "%s", data)
			for i := range want.Len() {
				a, b := want.At(i), got.At(i)
				a.Body, b.Body = a.BodyJSON(), b.BodyJSON()
				require.Equal(t, a, b, "event %d", i)
			}
			added := live.Faults()[len(live.Faults())-5-msgFaults(live.Faults()):]
			assert.Equal(t, simnet.FaultCrash, added[0].Kind, "the run's faults first, then the injected ones")
			messages += msgFaults(live.Faults())
		})
	}
	assert.GreaterOrEqual(t, messages, 4, "messages in flight were dropped and duplicated")
}

func msgFaults(fs []simnet.Fault) (n int) {
	for _, f := range fs {
		if f.Kind == simnet.FaultDrop || f.Kind == simnet.FaultDuplicate {
			n++
		}
	}
	return n
}

// Injecting after the run's end is refused.
func TestLiveInjectAfterTheEnd(t *testing.T) {
	sc, err := scenarios.Load("election/bully-partition.yaml")
	require.NoError(t, err)
	live, err := sc.StartLive(sc.Seed)
	require.NoError(t, err)
	live.Run(sc.Duration)
	assert.ErrorContains(t, live.Inject(simnet.Fault{Kind: simnet.FaultHeal}), "the run is over")
}

// drop and duplicate name a message by its id; the file says which.
func TestDropAndDuplicateInTheFormat(t *testing.T) {
	base := "version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 1s\nfaults:\n"
	sc, err := scenarios.Parse("ok.yaml", []byte(base+"  - {at: 10ms, drop: 3}\n  - {at: 20ms, duplicate: 4}\n"))
	require.NoError(t, err)
	require.Len(t, sc.Faults, 2)
	assert.Equal(t, scenarios.FaultSpec{At: 10e6, Kind: simnet.FaultDrop, Msg: 3}, sc.Faults[0])
	assert.Equal(t, scenarios.FaultSpec{At: 20e6, Kind: simnet.FaultDuplicate, Msg: 4}, sc.Faults[1])
	_, err = scenarios.Parse("bad.yaml", []byte(base+"  - {at: 10ms, drop: -3}\n"))
	assert.ErrorContains(t, err, "faults[0].drop: a message id is positive")
	_, err = scenarios.Parse("bad.yaml", []byte(base+"  - {at: 10ms, drop: 3, crash: n1}\n"))
	assert.ErrorContains(t, err, "exactly one of")
}
