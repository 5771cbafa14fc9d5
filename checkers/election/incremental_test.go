package election

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlab/checkers/check"
	"distlab/checkers/checktest"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// observed judges a trace as a session does (checktest.Observed).
func observed(spec check.Spec, tr *trace.Trace, opts any) check.Result {
	return checktest.Observed(ctx, spec, tr, opts)
}

// Every election check gives the same result judged event by event as
// folded over the whole trace, on passing and failing traces alike.
func TestObservedAsFolded(t *testing.T) {
	ae := func(term int64) appendEntries { return appendEntries{Term: term} }
	granted := voteReply{Term: 2, Granted: true}
	lookingFor := func(leader int32, round int64) notification {
		n := notification{Round: round, State: ec.ZabLooking}
		n.Vote.Leader = leader
		return n
	}
	zl := func(h *hist, at, node int, epoch, zxid int64, round int64, quorum ...int32) *hist {
		return h.mark(at, node, ec.Leader.Name, ec.LeaderMark{Term: epoch, Zxid: zxid, Quorum: quorum, Round: round})
	}
	five := [][]trace.NodeID{{4}, {0, 1, 2, 3}}
	traces := map[string]*hist{
		"leaders in turn": newHist(3).leader(100, 0, 1, 0, 1).everyoneKnows(105, 0, 3).send(110, 0, 1, "AppendEntries", ae(1)).
			ev(1000, trace.Crash, 0).leader(1400, 1, 2, 1, 2).everyoneKnows(1405, 1, 3).sendJSON(1410, 1, 2, "AppendEntries", ae(2)).
			ev(1500, trace.Restart, 0).knows(1600, 0, 1).ev(5000, trace.End, -1),
		"two leaders of a term": newHist(3).leader(100, 0, 1, 0, 1).vote(500, 2, 2, 0, 0).vote(501, 2, 2, 1, 0).
			leader(510, 0, 2, 0, 2).leader(512, 1, 2, 1, 2).ev(3000, trace.Log, 0),
		"a leader's message without its mark": newHist(3).leader(10, 0, 1, 0, 1).sendJSON(30, 1, 0, "AppendEntries", ae(2)).ev(2000, trace.Log, 0),
		"a stepped-down leader heartbeats": newHist(3).leader(10, 2, 1).mark(30, 2, ec.Stepdown.Name, ec.TermMark{Term: 1}).
			send(40, 2, 0, "Heartbeat", heartbeat{Term: 1}).ev(1000, trace.Log, 0),
		"votes marked and sent": newHist(3).vote(10, 2, 2, 0, 0).send(10, 2, 0, "RequestVoteReply", granted).
			ev(20, trace.Crash, 2).ev(30, trace.Restart, 2).send(40, 2, 0, "RequestVoteReply", granted).leader(50, 0, 2, 0, 2).everyoneKnows(60, 0, 3),
		"a second vote only a message shows": newHist(3).vote(10, 2, 2, 0, 0).sendJSON(10, 2, 0, "RequestVoteReply", granted).
			send(20, 2, 1, "RequestVoteReply", granted),
		"a vote lost in a restart": newHist(3).vote(100, 2, 5, 0, 0).ev(120, trace.Crash, 2).ev(200, trace.Restart, 2).vote(210, 2, 5, 1, 0),
		"zab: the freshest leads": zl(newHist(3).vote(10, 0, 1, 1, 3).vote(10, 1, 1, 1, 9).vote(10, 2, 1, 2, 5).
			send(10, 0, 1, "Notification", lookingFor(1, 1)), 50, 1, 1, 9, 1, 0, 1).everyoneKnows(60, 1, 3).send(70, 1, 0, "Ping", ping{Epoch: 1}),
		"zab: a stale leader":      zl(newHist(3).vote(10, 0, 1, 2, 9).vote(10, 2, 1, 2, 5), 50, 2, 1, 5, 0, 0, 2),
		"zab: a minority leader":   zl(newHist(5).vote(10, 4, 1, 4, 9).vote(10, 3, 1, 4, 5), 50, 4, 1, 9, 1, 3, 4),
		"zab: a vote never marked": newHist(3).vote(10, 2, 3, 2, 9).send(12, 0, 2, "Notification", lookingFor(2, 3)),
		"split brain": newHist(5).leader(10, 4, 1).everyoneKnows(15, 4, 5).partition(1000, five...).leader(1400, 3, 2).
			add(trace.Event{Time: ms_(4000), Kind: trace.Heal, Node: trace.None, Peer: trace.None}).
			mark(4010, 3, ec.Stepdown.Name, ec.TermMark{Term: 2}).everyoneKnows(4020, 4, 5).ev(6000, trace.Log, 0),
		"two leaders side by side": newHist(3).leader(10, 1, 1).leader(1000, 2, 2).leader(1070, 0, 3).
			mark(1080, 1, ec.Stepdown.Name, ec.TermMark{Term: 1}).ev(3000, trace.Log, 0),
		"agreement lost and back": newHist(3).ev(100, trace.Crash, 0).ev(200, trace.Restart, 0).leader(400, 2, 2).everyoneKnows(410, 2, 3).
			add(trace.Event{Time: ms_(1500), Kind: trace.State, Node: 1, Peer: trace.None, Name: "leader", Value: ec.NoLeader}).
			knows(2800, 1, 2).ev(3000, trace.Log, 0),
		"flapping leaders":         newHist(3).leader(10, 2, 1).leader(60, 1, 2).leader(70, 0, 3).ev(1000, trace.Log, 0),
		"too slow after the fault": newHist(3).ev(1000, trace.Crash, 2).leader(2500, 1, 2).everyoneKnows(2510, 1, 3).ev(3000, trace.Log, 0),
		"run too short":            newHist(3).ev(1000, trace.Crash, 2).ev(1500, trace.Log, 0),
		"nobody leads":             newHist(3).ev(1000, trace.Log, 0),
	}
	options := map[string][]any{
		SplitBrain: {nil, &SplitBrainOptions{Handover: 50 * time.Millisecond}, &SplitBrainOptions{Grace: 5 * time.Second, Handover: 5 * time.Second}},
		Liveness:   {nil, &LivenessOptions{Bound: time.Second}, &LivenessOptions{Bound: 100 * time.Millisecond}},
		Cost:       {nil, &CostOptions{MaxLeaderChanges: 1}, &CostOptions{MaxLeaderChanges: -1, KeepAlive: []string{"AppendEntries", "Ping"}}},
	}
	seen := map[string]map[check.Verdict]bool{}
	for _, spec := range Specs() {
		if !assert.NotNil(t, spec.Observe, "%s judges event by event", spec.Name) {
			continue
		}
		seen[spec.Name] = map[check.Verdict]bool{}
		for name, h := range traces {
			for _, opts := range append([]any{nil}, options[spec.Name]...) {
				whole := spec.Run(ctx, &h.tr, opts)
				assert.Equal(t, whole, observed(spec, &h.tr, opts), "%s on %q (options %+v)", spec.Name, name, opts)
				seen[spec.Name][whole.Verdict] = true
			}
		}
	}
	for name, verdicts := range seen {
		assert.True(t, verdicts[check.Pass] && verdicts[check.Fail], "%s passes some traces and fails others: %v", name, verdicts)
	}
}

// The observers read only the kinds they say: a check that reads messages
// asks for sends, and the ones that follow instants or the end of the run
// read everything.
func TestObserverKinds(t *testing.T) {
	want := map[string]trace.KindSet{
		OneLeaderPerTerm:  trace.KindsOf(trace.Send, trace.Mark),
		OneVotePerTerm:    trace.KindsOf(trace.Send, trace.Mark),
		ZabFreshestLeader: trace.KindsOf(trace.Start, trace.Restart, trace.Send, trace.Mark),
		SplitBrain:        ^trace.KindSet(0),
		Liveness:          ^trace.KindSet(0),
		Cost:              ^trace.KindSet(0),
	}
	for _, spec := range Specs() {
		var opts any
		if spec.Options != nil {
			opts = spec.Options()
		}
		assert.Equal(t, want[spec.Name], check.Wanted(spec.Observe(trace.Header{}, opts)), spec.Name)
	}
}

// A trace whose time goes back (made by hand: a recorded run's never
// does) has no instants to judge liveness by.
func TestLivenessNeedsTimeThatGoesForward(t *testing.T) {
	h := newHist(3).leader(100, 2, 1).everyoneKnows(110, 2, 3).ev(50, trace.Crash, 0).ev(3000, trace.Log, 0)
	r := CheckLiveness(ctx, &h.tr, LivenessOptions{Bound: time.Second})
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Contains(t, r.Detail, "time goes back")
}
