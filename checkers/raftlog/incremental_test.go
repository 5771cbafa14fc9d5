package raftlog

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/checkers/check"
	"distlab/checkers/checktest"
	"distlab/simnet/trace"
)

// observed judges a trace as a session does (checktest.Observed).
func observed(spec check.Spec, tr *trace.Trace) check.Result {
	return checktest.Observed(ctx, spec, tr, nil)
}

// Every raft-log check gives the same result judged event by event as
// folded over the whole trace, on passing and failing traces alike.
func TestObservedAsFolded(t *testing.T) {
	// n0 leads term 4 with entries 1–2 of term 2 and its own no-op at 3;
	// n1 acknowledges them.
	start := func() *hist {
		return newHist(3).ae(10, 0, 1, appendEntries{Term: 4, PrevLogIndex: 0, LeaderCommit: 0, Entries: []entry{{2, 1}}}).
			ae(11, 0, 1, appendEntries{Term: 4, PrevLogIndex: 1, PrevLogTerm: 2, LeaderCommit: 0, Entries: []entry{{2, 2}}}).
			ae(12, 0, 1, appendEntries{Term: 4, PrevLogIndex: 2, PrevLogTerm: 2, LeaderCommit: 0, Entries: []entry{{4, 3}}}).
			send(13, 1, 0, "AppendEntriesReply", appendReply{Term: 4, Success: true, Match: 3}, true)
	}
	traces := map[string]*hist{
		"a good run": start().ae(20, 0, 2, appendEntries{Term: 4, PrevLogIndex: 3, PrevLogTerm: 4, LeaderCommit: 3}).
			apply(21, 0, 1, 2).apply(21, 0, 2, 2).apply(21, 0, 3, 4).apply(22, 1, 1, 2).apply(22, 1, 2, 2).
			send(100, 1, 2, "RequestVote", requestVote{Term: 5, LastLogIndex: 3, LastLogTerm: 4}, true),
		"figure 8": start().ae(20, 0, 2, appendEntries{Term: 4, PrevLogIndex: 3, PrevLogTerm: 4, LeaderCommit: 2}).
			apply(21, 0, 1, 2).apply(22, 2, 1, 3),
		"a stale suffix kept": start().send(100, 1, 2, "RequestVote", requestVote{Term: 5, LastLogIndex: 4, LastLogTerm: 1}, true),
		"acknowledged entries lost": start().ae(60, 0, 1, appendEntries{Term: 4, PrevLogIndex: 3, PrevLogTerm: 4, Entries: []entry{{4, 4}}}).
			send(60, 1, 0, "AppendEntriesReply", appendReply{Term: 4, Success: false}, true).
			send(100, 1, 2, "RequestVote", requestVote{Term: 5, LastLogIndex: 3, LastLogTerm: 4}, true),
		"a crash forgets what arrived": start().add(trace.Event{Time: ms(50), Kind: trace.Crash, Node: 1, Peer: trace.None}).
			send(60, 1, 0, "AppendEntriesReply", appendReply{Term: 4, Success: true, Match: 3}, true).
			send(100, 1, 2, "RequestVote", requestVote{Term: 5, LastLogIndex: 3, LastLogTerm: 4}, true),
		"nothing": newHist(3),
	}
	seen := map[string]map[check.Verdict]bool{}
	for _, spec := range Specs() {
		if !assert.NotNil(t, spec.Observe, "%s judges event by event", spec.Name) {
			continue
		}
		seen[spec.Name] = map[check.Verdict]bool{}
		for name, h := range traces {
			whole := spec.Run(ctx, &h.tr, nil)
			assert.Equal(t, whole, observed(spec, &h.tr), "%s on %q", spec.Name, name)
			seen[spec.Name][whole.Verdict] = true
		}
	}
	for name, verdicts := range seen {
		assert.True(t, verdicts[check.Pass] && verdicts[check.Fail], "%s passes some traces and fails others: %v", name, verdicts)
	}
}

// The observers read only the kinds they say.
func TestObserverKinds(t *testing.T) {
	want := map[string]trace.KindSet{
		CommitRule:         trace.KindsOf(trace.Send),
		StateMachineSafety: trace.KindsOf(trace.Mark),
		LogMatching:        trace.KindsOf(trace.Send, trace.Deliver, trace.Drop, trace.Duplicate, trace.Crash),
	}
	for _, spec := range Specs() {
		assert.Equal(t, want[spec.Name], check.Wanted(spec.Observe(trace.Header{}, nil)), spec.Name)
	}
}

// raft-log-matching forgets an AppendEntries once every copy of it was
// delivered or lost; a copy delivered again after that (a trace no network
// records) leaves it unable to judge.
func TestLogMatchingForgetsDeliveredMessages(t *testing.T) {
	again := func(h *hist, at int, kind trace.Kind, to trace.NodeID) *hist {
		return h.add(trace.Event{Time: ms(at), Kind: kind, Node: to, Peer: 0, Msg: h.msg, Name: "AppendEntries"})
	}
	// n0's AppendEntries to n1 is duplicated; the late copy arrives after
	// n1 acknowledged a newer one, and n1 acknowledges it again.
	dup := newHist(3).send(10, 0, 1, "AppendEntries", appendEntries{Term: 3, Entries: []entry{{3, 1}, {3, 2}}}, false)
	again(dup, 10, trace.Duplicate, 1)
	again(dup, 11, trace.Deliver, 1)
	dup.send(12, 1, 0, "AppendEntriesReply", appendReply{Term: 3, Success: true, Match: 2}, true)
	again(dup, 30, trace.Deliver, 1)
	dup.send(31, 1, 0, "AppendEntriesReply", appendReply{Term: 3, Success: true, Match: 1}, true).
		send(100, 1, 2, "RequestVote", requestVote{Term: 4, LastLogIndex: 2, LastLogTerm: 3}, true)
	r := CheckLogMatching(ctx, &dup.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 2.0, r.Metrics["comparisons"], "both acknowledgements, the duplicate's too")
	assert.Equal(t, r, observed(Specs()[2], &dup.tr))

	// The same message delivered twice without a duplicate.
	over := newHist(3).send(10, 0, 1, "AppendEntries", appendEntries{Term: 3, Entries: []entry{{3, 1}}}, true)
	again(over, 30, trace.Deliver, 1)
	over.send(31, 1, 0, "AppendEntriesReply", appendReply{Term: 3, Success: true, Match: 1}, true).
		send(100, 1, 2, "RequestVote", requestVote{Term: 4, LastLogIndex: 1, LastLogTerm: 3}, true)
	r = CheckLogMatching(ctx, &over.tr)
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Equal(t, "n1 received message 1 at 30ms (event 2) more often than it was sent and duplicated: the trace is not one a network records", r.Detail)
}
