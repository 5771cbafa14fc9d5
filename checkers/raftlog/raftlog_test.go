package raftlog

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	rc "distlab/contract/raftlog"
	"distlab/simnet/trace"
)

var ctx = context.Background()

// Bodies as Raft sends them (the fields read).
type (
	entry struct {
		Term  int64 `json:"term"`
		Index int64 `json:"index"`
	}
	appendEntries struct {
		Term, PrevLogIndex, PrevLogTerm, LeaderCommit int64
		Entries                                       []entry
	}
	appendReply struct {
		Term    int64
		Success bool
		Match   int64
	}
	requestVote struct {
		Term, LastLogIndex, LastLogTerm int64
		PreVote                         bool
	}
)

type hist struct {
	tr  trace.Trace
	msg int64
}

func newHist(n int) *hist {
	h := &hist{}
	for i := range n {
		h.tr.Header.Nodes = append(h.tr.Header.Nodes, fmt.Sprintf("n%d", i))
		h.tr.Header.Groups = append(h.tr.Header.Groups, "server")
	}
	return h
}

func (h *hist) add(e trace.Event) *hist {
	h.tr.Append(e)
	return h
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// send sends a message and delivers it at once (or not, when lost).
func (h *hist) send(at, from, to int, name string, body any, delivered bool) *hist {
	h.msg++
	b, _ := json.Marshal(body)
	h.add(trace.Event{Time: ms(at), Kind: trace.Send, Node: trace.NodeID(from), Peer: trace.NodeID(to), Msg: h.msg, Name: name, Body: json.RawMessage(b)})
	if delivered {
		h.add(trace.Event{Time: ms(at), Kind: trace.Deliver, Node: trace.NodeID(to), Peer: trace.NodeID(from), Msg: h.msg, Name: name})
	}
	return h
}

func (h *hist) ae(at, from, to int, m appendEntries) *hist {
	return h.send(at, from, to, "AppendEntries", m, true)
}

func (h *hist) apply(at, node int, index, term int64) *hist {
	b, _ := json.Marshal(rc.ApplyMark{Index: index, Term: term})
	return h.add(trace.Event{Time: ms(at), Kind: trace.Mark, Node: trace.NodeID(node), Peer: trace.None, Name: rc.Apply.Name, Data: json.RawMessage(b)})
}

func TestCommitRule(t *testing.T) {
	// n0 leads term 4 with entries 1–2 of term 2 (uncommitted) and its own
	// no-op at 3.
	start := func() *hist {
		return newHist(3).ae(10, 0, 1, appendEntries{Term: 4, PrevLogIndex: 0, LeaderCommit: 0, Entries: []entry{{2, 1}}}).
			ae(11, 0, 1, appendEntries{Term: 4, PrevLogIndex: 1, PrevLogTerm: 2, LeaderCommit: 0, Entries: []entry{{2, 2}}}).
			ae(12, 0, 1, appendEntries{Term: 4, PrevLogIndex: 2, PrevLogTerm: 2, LeaderCommit: 0, Entries: []entry{{4, 3}}})
	}
	good := start().ae(20, 0, 2, appendEntries{Term: 4, PrevLogIndex: 3, PrevLogTerm: 4, LeaderCommit: 3})
	r := CheckCommitRule(ctx, &good.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	figure8 := start().ae(20, 0, 2, appendEntries{Term: 4, PrevLogIndex: 3, PrevLogTerm: 4, LeaderCommit: 2})
	r = CheckCommitRule(ctx, &figure8.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n0, leader of term 4, committed index 2 — an entry of term 2 — by counting replicas")
	none := newHist(3).ae(10, 0, 1, appendEntries{Term: 1})
	assert.Equal(t, check.Unknown, CheckCommitRule(ctx, &none.tr).Verdict)
	assert.Equal(t, check.Unknown, CheckCommitRule(ctx, &newHist(3).tr).Verdict)
}

func TestStateMachineSafety(t *testing.T) {
	good := newHist(3).apply(10, 0, 1, 1).apply(11, 1, 1, 1).apply(12, 0, 2, 1).apply(20, 2, 1, 1)
	assert.Equal(t, check.Pass, CheckStateMachineSafety(ctx, &good.tr).Verdict)
	bad := newHist(3).apply(10, 0, 1, 1).apply(12, 0, 2, 1).apply(30, 2, 1, 1).apply(31, 2, 2, 3)
	r := CheckStateMachineSafety(ctx, &bad.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Equal(t, "n2 applied the entry of term 3 at index 2 (at 31ms), but n0 had applied the entry of term 1 there (at 12ms): their state machines diverge", r.Detail)
	assert.Equal(t, check.Unknown, CheckStateMachineSafety(ctx, &newHist(3).tr).Verdict)
}

func TestLogMatching(t *testing.T) {
	// n1 acknowledges n0's entries 1–2 of term 3.
	acked := func() *hist {
		return newHist(3).ae(10, 0, 1, appendEntries{Term: 3, PrevLogIndex: 0, Entries: []entry{{3, 1}, {3, 2}}}).
			send(10, 1, 0, "AppendEntriesReply", appendReply{Term: 3, Success: true, Match: 2}, true)
	}
	// Later n1 campaigns: its last entry must be of term 3 or later.
	good := acked().send(100, 1, 2, "RequestVote", requestVote{Term: 4, LastLogIndex: 2, LastLogTerm: 3}, true)
	r := CheckLogMatching(ctx, &good.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	stale := acked().send(100, 1, 2, "RequestVote", requestVote{Term: 4, LastLogIndex: 3, LastLogTerm: 1}, true)
	r = CheckLogMatching(ctx, &stale.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n1 campaigned at 100ms saying its last entry is index 3 of term 1, but it had acknowledged holding n0's entry 2 of term 3")
	// A newer leader may cut entries an older one had: no claim then.
	newer := acked().ae(50, 2, 1, appendEntries{Term: 5, PrevLogIndex: 0, Entries: []entry{{1, 1}}}).
		send(50, 1, 2, "AppendEntriesReply", appendReply{Term: 5, Success: true, Match: 1}, true).
		send(100, 1, 2, "RequestVote", requestVote{Term: 6, LastLogIndex: 1, LastLogTerm: 1}, true)
	assert.Equal(t, check.Pass, CheckLogMatching(ctx, &newer.tr).Verdict)
	// The same leader's entries do not conflict with what was acknowledged.
	lost := acked().ae(60, 0, 1, appendEntries{Term: 3, PrevLogIndex: 2, PrevLogTerm: 3, Entries: []entry{{3, 3}}}).
		send(60, 1, 0, "AppendEntriesReply", appendReply{Term: 3, Success: false}, true).
		send(100, 1, 2, "RequestVote", requestVote{Term: 4, LastLogIndex: 2, LastLogTerm: 3}, true)
	r = CheckLogMatching(ctx, &lost.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n1 rejected n0's AppendEntries after index 2 (term 3) at 60ms, but it had acknowledged holding that leader's log up to index 2")
	assert.Equal(t, check.Unknown, CheckLogMatching(ctx, &acked().tr).Verdict, "no RequestVote: nothing said to judge")
}

// The table of messages in flight finds what was put, whatever the order
// and spread of the ids (a hand-made trace's may be anything), and slides
// on without losing the ones still in flight.
func TestFlightsTable(t *testing.T) {
	var tb flights
	live := map[int64]*inFlight{}
	ids := []int64{5, 6, 9, 7, 3, -2, 1 << 40, 12, 2_000_000, 10}
	for _, id := range ids {
		f := &inFlight{}
		tb.put(id, f)
		live[id] = f
	}
	for _, id := range []int64{5, 3, 6, -2, 12} {
		tb.remove(id)
		delete(live, id)
	}
	tb.put(13, &inFlight{copies: 13})
	live[13] = tb.get(13)
	for _, id := range []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -2, 1 << 40, 2_000_000} {
		assert.Same(t, live[id], tb.get(id), "id %d", id)
	}
	assert.Equal(t, 13, tb.get(13).copies)

	// An id kept aside while the window was elsewhere is still found, and
	// removed, once the window has moved over it.
	var moved flights
	far, near := &inFlight{}, &inFlight{}
	moved.put(100, far)
	moved.put(5, near) // below the window: kept aside
	moved.remove(100)  // the window is empty now
	moved.put(3, &inFlight{})
	moved.put(7, &inFlight{}) // the window now spans 3–7
	assert.Same(t, near, moved.get(5))
	moved.remove(5)
	assert.Nil(t, moved.get(5))
}
