package simnet_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet"
	"distlab/simnet/trace"
)

// babbler sends a message to a random peer every few milliseconds, so every
// link is exercised under every fault.
type babbler struct{ env *simnet.Env }

type babble struct{ N int }

func (c *babbler) Start()                     { c.env.SetTimer(time.Millisecond, "tick") }
func (c *babbler) Receive(simnet.NodeID, any) {}
func (c *babbler) Timer(any) {
	peers := c.env.Peers()
	c.env.Send(peers[c.env.Rand().IntN(len(peers))], babble{N: 1})
	c.env.SetTimer(time.Duration(1+c.env.Rand().IntN(3))*time.Millisecond, "tick")
}

// agree replays a trace with trace.World and checks that, event for event,
// the replay's reachability and liveness agree with what the simulator
// decided: a send is dropped for a partition exactly when the world says
// the link is blocked; a delivery happens only over an open link to a live
// receiver of the incarnation the message was sent to; a late drop names
// the reason the world gives. It returns how many decisions it compared.
func agree(t *testing.T, tr *trace.Trace) int {
	t.Helper()
	w := trace.NewWorld(tr.Header)
	type sent struct {
		from, to trace.NodeID
		inc      int
		idx      int
	}
	msgs := map[int64]sent{}
	resumed := map[trace.NodeID]time.Duration{}
	compared := 0
	for i, e := range tr.All() {
		switch e.Kind {
		case trace.Send:
			msgs[e.Msg] = sent{e.Node, e.Peer, w.Incarnation(e.Peer), i}
			droppedAtOnce := i+1 < tr.Len() && tr.At(i+1).Kind == trace.Drop && tr.At(i+1).Msg == e.Msg && tr.At(i+1).Value == "partition"
			require.Equal(t, w.Net.Blocked(e.Node, e.Peer), droppedAtOnce, "event %d: send %s→%s", i, tr.NodeName(e.Node), tr.NodeName(e.Peer))
			compared++
		case trace.Resume:
			resumed[e.Node] = e.Time
		case trace.Deliver:
			s := msgs[e.Msg]
			require.False(t, w.Paused(e.Node), "event %d: delivered to a paused node", i)
			if at, ok := resumed[e.Node]; !ok || at != e.Time { // a message held through a pause passed the network when it arrived
				require.False(t, w.Net.Blocked(e.Peer, e.Node), "event %d: delivered over a blocked link", i)
			}
			require.True(t, w.Up(e.Node), "event %d: delivered to a node that is down", i)
			require.Equal(t, s.inc, w.Incarnation(e.Node), "event %d: delivered to a later incarnation", i)
			compared++
		case trace.Drop:
			s := msgs[e.Msg]
			if s.idx == i-1 && e.Value != "receiver crashed" {
				break // decided at the send, compared there (or lost to chance)
			}
			switch e.Value {
			case "partition":
				require.True(t, w.Net.Blocked(e.Node, e.Peer), "event %d: dropped for a partition the world does not see", i)
				compared++
			case "receiver crashed":
				require.True(t, !w.Up(e.Peer) || w.Incarnation(e.Peer) != s.inc, "event %d: dropped for a crash the world does not see", i)
				compared++
			}
		}
		w.Apply(&e)
	}
	return compared
}

func TestReplayAgreesWithTheSimulator(t *testing.T) {
	kinds := map[trace.Kind]int{}
	defer func() {
		for _, k := range []trace.Kind{trace.Partition, trace.Isolate, trace.Rejoin, trace.Cut, trace.Heal, trace.Crash, trace.Restart, trace.Pause, trace.Resume} {
			assert.Positive(t, kinds[k], "the nemesis runs include %s", k)
		}
	}()
	for seed := int64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			sim := simnet.New(simnet.Config{Seed: seed})
			ids := sim.AddNodes("n", 5, "server", func(env *simnet.Env) simnet.Node { return &babbler{env: env} })
			nem := simnet.Nemesis{Start: 10 * time.Millisecond, End: 900 * time.Millisecond, Interval: 20 * time.Millisecond,
				Partition: 1, Isolate: 1, Cut: 1, Crash: 1, Heal: 0.5, Swizzle: 1, Pause: 1, Amnesia: 0.3, MaxDown: 2}
			faults := nem.Generate(sim.Streams().Get("faults"), ids)
			require.NotEmpty(t, faults)
			for _, f := range faults {
				sim.Schedule(f)
			}
			sim.Run(time.Second)
			for _, e := range sim.Trace().All() {
				kinds[e.Kind]++
			}
			n := agree(t, sim.Trace())
			assert.Greater(t, n, 500, "seed %d: enough decisions compared", seed)
		})
	}
}

// The case the visualizer once drew wrong: isolating and then rejoining a
// node inside a partition leaves the partition in force.
func TestReplayIsolateInsideAPartition(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return &babbler{env: env} })
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	sim.Schedule(simnet.Fault{At: at(10), Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{0, 1}, {2}}})
	sim.Schedule(simnet.Fault{At: at(20), Kind: simnet.FaultIsolate, Node: 0})
	sim.Schedule(simnet.Fault{At: at(30), Kind: simnet.FaultRejoin, Node: 0})
	sim.Run(at(100))
	tr := sim.Trace()
	agree(t, tr)
	// After the rejoin n0 talks to n1 again, never to n2.
	var toN1, toN2 int
	for _, e := range tr.All() {
		if e.Time > at(30) && e.Kind == trace.Deliver && e.Peer == 0 {
			switch e.Node {
			case 1:
				toN1++
			case 2:
				toN2++
			}
		}
	}
	assert.Positive(t, toN1)
	assert.Zero(t, toN2)
	tl := trace.NewTimeline(tr)
	last := tl.At(tr.Len() - 1)
	assert.True(t, last.Net.Blocked(0, 2), "the timeline keeps the partition after the rejoin")
	assert.False(t, last.Net.Isolated(0))
}
