package trace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet/trace"
)

func ev(kind trace.Kind, node, peer trace.NodeID) trace.Event {
	return trace.Event{Kind: kind, Node: node, Peer: peer}
}

func TestNetRules(t *testing.T) {
	type step struct {
		e       trace.Event
		blocked [][2]trace.NodeID // pairs that must be blocked after the event
		open    [][2]trace.NodeID // pairs that must pass
	}
	part := trace.Event{Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0, 1}, {2}}}
	cases := []struct {
		name  string
		steps []step
	}{
		{"a partition splits groups and leaves unlisted nodes linked to all", []step{
			{e: trace.Event{Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0}, {1}}},
				blocked: [][2]trace.NodeID{{0, 1}, {1, 0}}, open: [][2]trace.NodeID{{0, 2}, {2, 1}, {1, 1}}},
		}},
		{"a new partition replaces the old one", []step{
			{e: part, blocked: [][2]trace.NodeID{{0, 2}}},
			{e: trace.Event{Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0}, {1, 2}}},
				blocked: [][2]trace.NodeID{{0, 1}, {0, 2}}, open: [][2]trace.NodeID{{1, 2}}},
		}},
		// The case the visualizer once got wrong: rejoining ends the
		// isolation, not the partition.
		{"isolate inside a partition, then rejoin", []step{
			{e: part, blocked: [][2]trace.NodeID{{0, 2}, {2, 0}}, open: [][2]trace.NodeID{{0, 1}}},
			{e: ev(trace.Isolate, 0, trace.None), blocked: [][2]trace.NodeID{{0, 1}, {1, 0}, {0, 2}}},
			{e: ev(trace.Rejoin, 0, trace.None), blocked: [][2]trace.NodeID{{0, 2}, {2, 0}}, open: [][2]trace.NodeID{{0, 1}, {1, 0}}},
		}},
		{"cuts are one-way and add up; heal ends everything", []step{
			{e: ev(trace.Cut, 0, 1), blocked: [][2]trace.NodeID{{0, 1}}, open: [][2]trace.NodeID{{1, 0}}},
			{e: ev(trace.Cut, 2, 1), blocked: [][2]trace.NodeID{{0, 1}, {2, 1}}, open: [][2]trace.NodeID{{1, 2}}},
			{e: ev(trace.Isolate, 2, trace.None), blocked: [][2]trace.NodeID{{1, 2}}},
			{e: trace.Event{Kind: trace.Heal, Node: trace.None, Peer: trace.None}, open: [][2]trace.NodeID{{0, 1}, {2, 1}, {1, 2}}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n trace.Net
			n.Grow(3)
			for k, s := range tc.steps {
				e := s.e
				require.True(t, n.Apply(&e))
				for _, p := range s.blocked {
					assert.True(t, n.Blocked(p[0], p[1]), "step %d: %v must be blocked", k, p)
				}
				for _, p := range s.open {
					assert.False(t, n.Blocked(p[0], p[1]), "step %d: %v must pass", k, p)
				}
			}
		})
	}
}

func TestNetComponentsAndDescribe(t *testing.T) {
	var n trace.Net
	n.Grow(5)
	n.Partition([][]trace.NodeID{{0, 1}, {2, 3}})
	n.Isolate(4)
	n.Cut(1, 0)
	ids := []trace.NodeID{0, 1, 2, 3, 4}
	// 0 and 1 are no longer linked both ways; 4 is alone.
	assert.Equal(t, []int{0, 1, 2, 2, 3}, n.Components(ids))
	names := func(id trace.NodeID) string { return []string{"a", "b", "c", "d", "e"}[id] }
	assert.Equal(t, "{a,b}|{c,d} · e isolated · cut b→a", n.Describe(names))
	c := n.Clone()
	n.Heal()
	assert.False(t, n.Faulty())
	assert.True(t, c.Faulty(), "a clone is independent")
	assert.Equal(t, "", n.Describe(names))
}

func TestWorldFollowsNodesStateAndHighlight(t *testing.T) {
	h := trace.Header{Nodes: []string{"n0", "n1", "c0"}, Groups: []string{"server", "server", "client"}}
	tr := trace.New(h,
		ev(trace.Start, 0, trace.None),
		ev(trace.Start, 1, trace.None),
		trace.Event{Kind: trace.State, Node: 0, Peer: trace.None, Name: trace.HighlightKey, Value: "leader"},
		trace.Event{Kind: trace.State, Node: 0, Peer: trace.None, Name: "term", Value: "3"},
		trace.Event{Time: 5, Kind: trace.Crash, Node: 0, Peer: trace.None},
		trace.Event{Time: 9, Kind: trace.Restart, Node: 0, Peer: trace.None},
	)
	w := trace.NewWorld(h)
	var changes []trace.Change
	for _, e := range tr.All() {
		changes = append(changes, w.Apply(&e))
		if e.Index == 3 {
			assert.Equal(t, "leader", w.Highlight(0))
			assert.Equal(t, "3", w.Value(0, "term"))
		}
	}
	assert.Equal(t, []trace.Change{trace.ChangedUp, trace.ChangedUp, trace.ChangedState | trace.ChangedHighlight,
		trace.ChangedState, trace.ChangedUp | trace.ChangedState | trace.ChangedHighlight, trace.ChangedUp}, changes)
	assert.True(t, w.Up(0))
	assert.Equal(t, 1, w.Incarnation(0), "one crash")
	assert.Equal(t, "", w.Highlight(0), "a crash ends the highlight")
	assert.Empty(t, w.State(0), "a crash loses published state")
	assert.Equal(t, []trace.NodeID{0, 1}, h.Members("server"))
	assert.Equal(t, []trace.NodeID{2}, h.Members("client"))
	assert.EqualValues(t, 9, w.LastFault())
	assert.EqualValues(t, 9, tr.LastFault())
}

func TestTimelineLooksUpAnyEvent(t *testing.T) {
	h := trace.Header{Nodes: []string{"n0", "n1", "n2"}}
	var evs []trace.Event
	for id := range trace.NodeID(3) {
		evs = append(evs, ev(trace.Start, id, trace.None))
	}
	// many state events, to cross state checkpoints, with network changes
	for k := range 5000 {
		evs = append(evs, trace.Event{Kind: trace.State, Node: trace.NodeID(k % 3), Peer: trace.None, Name: "k", Value: string(rune('a' + k%26))})
		if k == 2500 {
			evs = append(evs, trace.Event{Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0}, {1, 2}}})
		}
		if k == 4000 {
			evs = append(evs, ev(trace.Crash, 1, trace.None))
		}
	}
	tr := trace.New(h, evs[:3000]...)
	tl := trace.NewTimeline(tr)
	for _, e := range evs[3000:] {
		tr.Append(e) // the trace grows, as in a live run
	}
	tl.Extend()
	require.Equal(t, tr.Len(), tl.Len())
	w := trace.NewWorld(h)
	for i, e := range tr.All() {
		w.Apply(&e)
		if i%97 != 0 && i != tr.Len()-1 {
			continue
		}
		ep := tl.At(i)
		for id := range trace.NodeID(3) {
			assert.Equal(t, w.Up(id), ep.IsUp(id), "event %d node %d up", i, id)
			for p := range trace.NodeID(3) {
				assert.Equal(t, w.Net.Blocked(id, p), ep.Net.Blocked(id, p), "event %d link %d→%d", i, id, p)
			}
		}
		states := tl.StateAt(i)
		for id := range trace.NodeID(3) {
			assert.Equal(t, len(w.State(id)), len(states[id]), "event %d node %d", i, id)
			for k, v := range w.State(id) {
				assert.Equal(t, v, states[id][k], "event %d node %d key %s", i, id, k)
			}
		}
	}
	assert.True(t, tl.Started(1, 5), "n1 started at event 1")
	assert.False(t, tl.Started(2, 1), "n2 starts at event 2")
}

func TestDescriberWordsEveryKindOnce(t *testing.T) {
	tr := sample()
	tr.Append(trace.Event{Time: 12, Kind: trace.Deliver, Node: 1, Peer: 0, Msg: 1, Name: "Ping"})
	d := trace.NewDescriber(tr)
	assert.Equal(t, "send Ping →n1 {N:1}", d.Event(0))
	assert.Equal(t, "Ping n0→n1 {N:1}", d.Event(1), "a delivery shows its send's body")
	assert.Equal(t, "lost Pong n1→n0: loss", d.Event(3))
	assert.Equal(t, "partition {n0}|{n1}", d.Event(4))
	assert.Equal(t, "★ leader {term:2}", d.Event(5))
	assert.Equal(t, `ünïcode "quoted" …`, d.Event(6), "one line")
	assert.Equal(t, "CRASH n1 (panic: x)", d.Event(7))
	assert.Equal(t, "Ping n0→n1 {N:1} (duplicate)", d.Event(8))
	d.Actor, d.IDs = true, true
	assert.Equal(t, "n0  send Ping #1 →n1 {N:1}", d.Event(0))
	assert.Equal(t, "n0  ★ leader {term:2}", d.Event(5))
	assert.Equal(t, 0, d.SendOf(1))
	assert.True(t, d.Duplicate(8))
	assert.False(t, d.Duplicate(1))
}
