package election

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// hist builds a trace by hand: n servers n0…, all started at time 0.
type hist struct{ tr trace.Trace }

func newHist(n int) *hist {
	h := &hist{}
	for i := 0; i < n; i++ {
		h.tr.Header.Nodes = append(h.tr.Header.Nodes, fmt.Sprintf("n%d", i))
		h.tr.Header.Groups = append(h.tr.Header.Groups, "server")
	}
	for i := 0; i < n; i++ {
		h.add(trace.Event{Kind: trace.Start, Node: trace.NodeID(i), Peer: trace.None})
	}
	return h
}

func ms_(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func (h *hist) add(e trace.Event) *hist {
	e.Index = h.tr.Len()
	if e.Time == 0 && h.tr.Len() > 0 {
		e.Time = h.tr.At(h.tr.Len() - 1).Time
	}
	h.tr.Append(e)
	return h
}

func (h *hist) mark(at, node int, name string, data any) *hist {
	b, _ := json.Marshal(data)
	return h.add(trace.Event{Time: ms_(at), Kind: trace.Mark, Node: trace.NodeID(node), Peer: trace.None, Name: name, Data: json.RawMessage(b)})
}

func (h *hist) leader(at, node int, term int64, quorum ...int32) *hist {
	h.mark(at, node, ec.Leader.Name, ec.LeaderMark{Term: term, Quorum: quorum})
	return h.knows(at, node, node)
}

func (h *hist) knows(at, node, leader int) *hist {
	return h.add(trace.Event{Time: ms_(at), Kind: trace.State, Node: trace.NodeID(node), Peer: trace.None, Name: "leader", Value: fmt.Sprintf("n%d", leader)})
}

func (h *hist) everyoneKnows(at, leader, n int) *hist {
	for i := 0; i < n; i++ {
		if i != leader {
			h.knows(at, i, leader)
		}
	}
	return h
}

func (h *hist) ev(at int, k trace.Kind, node int) *hist {
	return h.add(trace.Event{Time: ms_(at), Kind: k, Node: trace.NodeID(node), Peer: trace.None})
}

func (h *hist) partition(at int, groups ...[]trace.NodeID) *hist {
	return h.add(trace.Event{Time: ms_(at), Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: groups})
}

func (h *hist) vote(at, node int, term int64, leader int32, zxid int64) *hist {
	return h.mark(at, node, ec.Vote.Name, ec.VoteMark{Term: term, Leader: leader, Zxid: zxid})
}

var ctx = context.Background()

func TestOneLeaderPerTerm(t *testing.T) {
	good := newHist(3).leader(100, 0, 1, 0, 1).leader(900, 1, 2, 1, 2).leader(1500, 0, 3, 0, 2)
	r := CheckOneLeaderPerTerm(ctx, &good.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 3.0, r.Metrics["terms"])

	// A broken Raft whose n2 votes for both candidates of term 2 lets both win.
	bad := newHist(3).leader(100, 0, 1, 0, 1).
		vote(500, 2, 2, 0, 0).vote(501, 2, 2, 1, 0).
		leader(510, 0, 2, 0, 2).leader(512, 1, 2, 1, 2)
	r = CheckOneLeaderPerTerm(ctx, &bad.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Equal(t, "term 2 has two leaders: n0 (at 510ms) and n1 (at 512ms)", r.Detail)
	assert.Equal(t, []string{"n0", "n1"}, r.Nodes)
	assert.Len(t, r.Events, 2)
	r = CheckOneVotePerTerm(ctx, &bad.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n2 voted twice in term 2")
}

func TestOneVotePerTermAcrossRestart(t *testing.T) {
	// A Raft that does not persist its vote: n2 votes for n0, crashes,
	// restarts and votes for n1 in the same term.
	bad := newHist(3).vote(100, 2, 5, 0, 0).ev(120, trace.Crash, 2).ev(200, trace.Restart, 2).vote(210, 2, 5, 1, 0)
	r := CheckOneVotePerTerm(ctx, &bad.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Equal(t, "n2 voted twice in term 5: for n0 at 100ms and for n1 at 210ms", r.Detail)

	good := newHist(3).vote(100, 2, 5, 0, 0).ev(120, trace.Crash, 2).ev(200, trace.Restart, 2).vote(210, 2, 5, 0, 0).vote(300, 2, 6, 1, 0)
	assert.Equal(t, check.Pass, CheckOneVotePerTerm(ctx, &good.tr).Verdict)
}

func TestZabFreshestLeader(t *testing.T) {
	zl := func(h *hist, at, node int, epoch, zxid int64, quorum ...int32) *hist {
		return h.mark(at, node, ec.Leader.Name, ec.LeaderMark{Term: epoch, Zxid: zxid, Quorum: quorum})
	}
	tests := []struct {
		name string
		h    *hist
		want check.Verdict
		msg  string
	}{
		{"freshest wins", zl(newHist(3).vote(10, 0, 1, 1, 3).vote(10, 1, 1, 1, 9).vote(10, 2, 1, 2, 5), 50, 1, 1, 9, 0, 1), check.Pass, ""},
		{"tie broken by id", zl(newHist(3).vote(10, 0, 1, 2, 9).vote(10, 2, 1, 2, 9), 50, 2, 1, 9, 0, 2), check.Pass, ""},
		{"stale leader", zl(newHist(3).vote(10, 0, 1, 2, 9).vote(10, 2, 1, 2, 5), 50, 2, 1, 5, 0, 2), check.Fail,
			"n2 became leader of epoch 1 with (zxid 0x5, id 2), but n0 in its quorum voted for it holding fresher (zxid 0x9, id 0)"},
		{"tie lost on id", zl(newHist(3).vote(10, 1, 1, 0, 9).vote(10, 0, 1, 0, 9), 50, 0, 1, 9, 0, 1), check.Fail, "fresher (zxid 0x9, id 1)"},
		{"quorum member never voted", zl(newHist(3).vote(10, 2, 1, 2, 5), 50, 2, 1, 5, 1, 2), check.Fail, "n1 never voted for it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckFreshestLeader(ctx, &tc.h.tr)
			require.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.msg)
		})
	}
}

func TestSplitBrain(t *testing.T) {
	five := [][]trace.NodeID{{4}, {0, 1, 2, 3}}
	opts := SplitBrainOptions{Handover: time.Second}
	tests := []struct {
		name string
		h    *hist
		want check.Verdict
		msg  string
	}{
		{"one leader", newHist(5).leader(10, 4, 1).ev(3000, trace.Log, 0), check.Pass, ""},
		{"bully: isolated leader and a new one", newHist(5).leader(10, 4, 1).partition(1000, five...).leader(1400, 3, 2).
			add(trace.Event{Time: ms_(4000), Kind: trace.Heal, Node: trace.None, Peer: trace.None}).
			mark(4010, 3, ec.Stepdown.Name, ec.TermMark{Term: 2}), check.Fail,
			"split brain from 1.4s to 4s (2.6s): n3 leading {n0,n1,n2,n3} | n4 leading {n4}"},
		{"split brain until the end", newHist(5).leader(10, 4, 1).partition(1000, five...).leader(1400, 3, 2).ev(2000, trace.Log, 0), check.Fail,
			"to the end of the run (2s)"},
		{"raft: the stale leader in the minority does not count", newHist(5).leader(10, 4, 1, 2, 3, 4).partition(1000, five...).
			leader(1400, 3, 2, 0, 1, 3).ev(3000, trace.Log, 0), check.Pass, ""},
		{"even split, a quorum leader on neither side counts", newHist(4).leader(10, 3, 1, 1, 2, 3).
			partition(1000, []trace.NodeID{0, 1}, []trace.NodeID{2, 3}).ev(3000, trace.Log, 0), check.Pass, ""},
		{"a crash ends leadership", newHist(5).leader(10, 4, 1).ev(1000, trace.Crash, 4).leader(1400, 3, 2).ev(3000, trace.Log, 0), check.Pass, ""},
		{"isolation by the isolate fault", newHist(3).leader(10, 2, 1).ev(1000, trace.Isolate, 2).leader(1400, 1, 2).ev(1500, trace.Log, 0), check.Fail,
			"n1 leading {n0,n1} | n2 leading {n2}"},
		{"a short handover in one component", newHist(3).leader(10, 1, 1).leader(1000, 2, 2).mark(1010, 1, ec.Stepdown.Name, ec.TermMark{Term: 1}).ev(3000, trace.Log, 0), check.Pass, ""},
		{"two leaders side by side too long", newHist(3).leader(10, 1, 1).leader(1000, 2, 2).ev(3000, trace.Log, 0), check.Fail,
			"two leaders in one component from 1s to 3s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckSplitBrain(ctx, &tc.h.tr, opts)
			require.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.msg)
		})
	}
}

func TestSplitBrainGrace(t *testing.T) {
	h := newHist(3).leader(10, 2, 1).ev(1000, trace.Isolate, 2).leader(1400, 1, 2).ev(1500, trace.Rejoin, 2).
		mark(1510, 2, ec.Stepdown.Name, ec.TermMark{Term: 1}).ev(3000, trace.Log, 0)
	r := CheckSplitBrain(ctx, &h.tr, SplitBrainOptions{Grace: 200 * time.Millisecond, Handover: time.Second})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 100.0, r.Metrics["split_brain_ms"])
	r = CheckSplitBrain(ctx, &h.tr, SplitBrainOptions{Grace: 50 * time.Millisecond, Handover: time.Second})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
}

func TestComponents(t *testing.T) {
	var v trace.Net
	v.Grow(5)
	ids := []trace.NodeID{0, 1, 2, 3, 4}
	v.Apply(&trace.Event{Kind: trace.Partition, Groups: [][]trace.NodeID{{0, 1}, {2, 3}}})
	// n4 is in no group: it keeps every link and joins both sides.
	assert.Equal(t, []int{0, 0, 0, 0, 0}, v.Components(ids))
	v.Apply(&trace.Event{Kind: trace.Isolate, Node: 4})
	assert.Equal(t, []int{0, 0, 1, 1, 2}, v.Components(ids))
	v.Apply(&trace.Event{Kind: trace.Heal})
	v.Apply(&trace.Event{Kind: trace.Cut, Node: 0, Peer: 1})
	assert.False(t, v.Linked(0, 1), "a one-way cut breaks the two-way link")
	assert.Equal(t, []int{0, 0, 0, 0, 0}, v.Components(ids), "still connected through the others")
}

func TestLiveness(t *testing.T) {
	opts := LivenessOptions{Bound: time.Second}
	tests := []struct {
		name string
		h    *hist
		want check.Verdict
		msg  string
	}{
		{"known soon after the last fault", newHist(3).leader(10, 2, 1).everyoneKnows(15, 2, 3).ev(1000, trace.Crash, 2).
			leader(1500, 1, 2).everyoneKnows(1510, 1, 3).ev(3000, trace.Log, 0), check.Pass, "n1 known as leader by every live server 510ms after the last fault at 1s"},
		{"too slow", newHist(3).ev(1000, trace.Crash, 2).leader(2500, 1, 2).everyoneKnows(2510, 1, 3).ev(3000, trace.Log, 0), check.Fail,
			"only 1.51s after"},
		{"never", newHist(3).leader(10, 2, 1).everyoneKnows(15, 2, 3).ev(1000, trace.Crash, 2).ev(3000, trace.Log, 0), check.Fail,
			"no single leader known to every live server from 1s after the last fault at 1s to the end; at the end: n0:→n2 n1:→n2 n2:down"},
		{"one live server does not know", newHist(3).leader(10, 2, 1).knows(15, 1, 2).ev(3000, trace.Log, 0), check.Fail, "n0:→? n1:→n2 n2:LEADER"},
		{"two leaders", newHist(3).leader(10, 2, 1).leader(10, 1, 1).everyoneKnows(15, 2, 3).ev(3000, trace.Log, 0), check.Fail, ""},
		{"run too short", newHist(3).ev(1000, trace.Crash, 2).ev(1500, trace.Log, 0), check.Unknown, "before the bound ran out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckLiveness(ctx, &tc.h.tr, opts)
			require.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.msg)
		})
	}
}

func TestCost(t *testing.T) {
	send := func(h *hist, at, from, to int) *hist {
		return h.add(trace.Event{Time: ms_(at), Kind: trace.Send, Node: trace.NodeID(from), Peer: trace.NodeID(to)})
	}
	h := newHist(3)
	send(h, 1, 0, 1)
	send(h, 2, 1, 2)
	h.leader(10, 2, 1).everyoneKnows(12, 2, 3)
	h.ev(1000, trace.Crash, 2).mark(1300, 1, ec.Election.Name, ec.TermMark{Term: 2})
	send(h, 1301, 1, 0)
	h.leader(1310, 1, 2).ev(1400, trace.Restart, 2).mark(1400, 2, ec.Election.Name, ec.TermMark{Term: 3}).leader(1420, 2, 3)
	r := CheckCost(ctx, &h.tr, CostOptions{})
	require.Equal(t, check.Pass, r.Verdict)
	assert.Equal(t, 3.0, r.Metrics["elections"])
	assert.Equal(t, 2.0, r.Metrics["leader_changes"])
	assert.Equal(t, 1.0, r.Metrics["msgs_per_election"]) // 2 + 1 + 0 over 3
	assert.InDelta(t, (10.0+10+20)/3, r.Metrics["ms_per_election"], 1e-9)
	assert.Equal(t, 12.0, r.Metrics["first_known_ms"])
	assert.Equal(t, 2.0, r.Metrics["msgs_to_first_known"])

	r = CheckCost(ctx, &h.tr, CostOptions{MaxLeaderChanges: 1})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "leadership changed hands 2 times, more than the 1 allowed")
}

func TestCancelledIsUnknown(t *testing.T) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	h := newHist(3).leader(10, 2, 1)
	for _, s := range Specs() {
		var o any
		if s.Options != nil {
			o = s.Options()
		}
		assert.Equal(t, check.Unknown, s.Run(c, &h.tr, o).Verdict, s.Name)
	}
}
