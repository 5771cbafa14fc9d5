package election

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// Message bodies as the algorithms send them (only the fields read).
type (
	voteReply struct {
		Term    int64
		Granted bool
		PreVote bool
	}
	appendEntries struct{ Term int64 }
	ping          struct{ Epoch int64 }
	heartbeat     struct{ Term int64 }
	notification  struct {
		Round int64
		State int
		Vote  struct {
			Leader int32
			Epoch  int64
			Zxid   int64
		}
	}
)

func (h *hist) send(at, from, to int, name string, body any) *hist {
	return h.add(trace.Event{Time: ms_(at), Kind: trace.Send, Node: trace.NodeID(from), Peer: trace.NodeID(to), Name: name, Body: body})
}

// sendJSON sends a body as a trace file holds it.
func (h *hist) sendJSON(at, from, to int, name string, body any) *hist {
	b, _ := json.Marshal(body)
	return h.send(at, from, to, name, json.RawMessage(b))
}

func TestVotesFromMessages(t *testing.T) {
	granted := voteReply{Term: 2, Granted: true}
	tests := []struct {
		name string
		h    *hist
		want check.Verdict
		msg  string
	}{
		{"marked and sent", newHist(3).vote(10, 2, 2, 0, 0).send(10, 2, 0, "RequestVoteReply", granted), check.Pass, "1 vote marks and 1 votes granted in messages"},
		{"a persisted vote granted again after a restart", newHist(3).vote(10, 2, 2, 0, 0).send(10, 2, 0, "RequestVoteReply", granted).
			ev(20, trace.Crash, 2).ev(30, trace.Restart, 2).send(40, 2, 0, "RequestVoteReply", granted), check.Pass, ""},
		{"pre-votes and refusals are not votes", newHist(3).vote(10, 2, 2, 0, 0).send(10, 2, 0, "RequestVoteReply", granted).
			send(12, 2, 1, "RequestVoteReply", voteReply{Term: 2, Granted: true, PreVote: true}).send(13, 2, 1, "RequestVoteReply", voteReply{Term: 2}), check.Pass, ""},
		{"a second vote only the message shows", newHist(3).vote(10, 2, 2, 0, 0).send(10, 2, 0, "RequestVoteReply", granted).
			send(20, 2, 1, "RequestVoteReply", granted), check.Fail, "n2 voted twice in term 2: for n0 at 10ms and for n1 at 20ms (RequestVoteReply granted)"},
		{"a vote never marked", newHist(3).vote(10, 0, 2, 0, 0).sendJSON(10, 2, 0, "RequestVoteReply", granted), check.Fail,
			"marks and messages disagree: n2 sent RequestVoteReply at 10ms, a vote for n0 in term 2, but never marked that vote"},
		{"messages alone are evidence", newHist(3).sendJSON(10, 2, 0, "RequestVoteReply", granted), check.Fail, "never marked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckOneVotePerTerm(ctx, &tc.h.tr)
			require.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.msg)
		})
	}
}

func TestLeadersFromMessages(t *testing.T) {
	ae := func(term int64) appendEntries { return appendEntries{Term: term} }
	tests := []struct {
		name string
		h    *hist
		want check.Verdict
		msg  string
	}{
		{"the marked leader sends", newHist(3).leader(10, 0, 1, 0, 1).send(11, 0, 1, "AppendEntries", ae(1)), check.Pass, "1 leader messages, each from the marked leader of its term"},
		{"two senders in one term", newHist(3).leader(10, 0, 1, 0, 1).send(11, 0, 1, "AppendEntries", ae(1)).send(12, 2, 1, "AppendEntries", ae(1)),
			check.Fail, "term 1 has two leaders: n0 (at 10ms) and n2 (at 12ms, who sent AppendEntries as only the leader does)"},
		{"a leader that never marked", newHist(3).leader(10, 0, 1, 0, 1).sendJSON(30, 1, 0, "AppendEntries", ae(2)), check.Fail,
			"marks and messages disagree: n1 sent AppendEntries of term 2 at 30ms, as only the leader of term 2 does, but never marked itself leader of term 2"},
		{"zab pings carry the epoch", newHist(3).leader(10, 2, 4, 1, 2).send(20, 2, 0, "Ping", ping{Epoch: 4}).send(30, 1, 0, "Ping", ping{Epoch: 4}), check.Fail, "term 4 has two leaders"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckOneLeaderPerTerm(ctx, &tc.h.tr)
			require.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.msg)
		})
	}

	// split-brain: a node acting as leader against its own marks.
	opts := SplitBrainOptions{Handover: time.Second}
	good := newHist(3).leader(10, 2, 1).send(20, 2, 0, "Heartbeat", heartbeat{Term: 1}).ev(1000, trace.Log, 0)
	assert.Equal(t, check.Pass, CheckSplitBrain(ctx, &good.tr, opts).Verdict)
	bad := newHist(3).leader(10, 2, 1).mark(30, 2, ec.Stepdown.Name, ec.TermMark{Term: 1}).send(40, 2, 0, "Heartbeat", heartbeat{Term: 1}).ev(1000, trace.Log, 0)
	r := CheckSplitBrain(ctx, &bad.tr, opts)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "marks and messages disagree: n2 sent Heartbeat at 40ms, as only a leader does, but its marks say it does not lead")
	wrongTerm := newHist(3).leader(10, 2, 3, 1, 2).send(40, 2, 0, "AppendEntries", ae(2)).ev(1000, trace.Log, 0)
	r = CheckSplitBrain(ctx, &wrongTerm.tr, opts)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "its leader mark is for term 3")
}

func TestSplitBrainHandoverPerPair(t *testing.T) {
	// n1 and n2 overlap 80ms, then n2 and n0 overlap 80ms: 160ms of two
	// leaders in a row, but no pair longer than 100ms.
	h := newHist(3).leader(10, 1, 1).leader(1000, 2, 2).mark(1080, 1, ec.Stepdown.Name, ec.TermMark{Term: 1}).
		leader(1070, 0, 3).mark(1150, 2, ec.Stepdown.Name, ec.TermMark{Term: 2}).ev(2000, trace.Log, 0)
	r := CheckSplitBrain(ctx, &h.tr, SplitBrainOptions{Handover: 100 * time.Millisecond})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 80.0, r.Metrics["longest_double_ms"])
	r = CheckSplitBrain(ctx, &h.tr, SplitBrainOptions{Handover: 50 * time.Millisecond})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n1 and n2 both leading")
}

func TestLivenessAllowsShortReelections(t *testing.T) {
	opts := LivenessOptions{Bound: time.Second}
	lose := func(h *hist, at, node int) *hist {
		return h.add(trace.Event{Time: ms_(at), Kind: trace.State, Node: trace.NodeID(node), Peer: trace.None, Name: "leader", Value: ec.NoLeader})
	}
	base := func() *hist {
		return newHist(3).ev(100, trace.Crash, 0).ev(200, trace.Restart, 0).leader(400, 2, 2).everyoneKnows(410, 2, 3)
	}
	short := lose(base(), 1500, 1).knows(1800, 1, 2).ev(3000, trace.Log, 0)
	r := CheckLiveness(ctx, &short.tr, opts)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "agreement lost 1 time(s) later, each time back within the bound (longest 300ms without)")
	atEnd := lose(base(), 2500, 1).ev(3000, trace.Log, 0)
	r = CheckLiveness(ctx, &atEnd.tr, opts)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "a new election was under way")
	long := lose(base(), 1500, 1).knows(2800, 1, 2).ev(3000, trace.Log, 0)
	r = CheckLiveness(ctx, &long.tr, opts)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "from 1.5s to 2.8s (1.3s, bound 1s) no single leader was known to every live server, after one had been")
	never := lose(base(), 1500, 1).ev(3000, trace.Log, 0)
	r = CheckLiveness(ctx, &never.tr, opts)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "the leader known to all was lost at 1.5s")
}

func TestCostDefaultBoundFollowsFaults(t *testing.T) {
	// Three leaders in a row with no fault: two changes, one allowed.
	flapping := newHist(3).leader(10, 2, 1).leader(60, 1, 2).leader(70, 0, 3).ev(1000, trace.Log, 0)
	r := CheckCost(ctx, &flapping.tr, CostOptions{})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "leadership changed hands 2 times, more than the 1 allowed by then (one per fault so far, plus one)")
	assert.Equal(t, check.Pass, CheckCost(ctx, &flapping.tr, CostOptions{MaxLeaderChanges: -1}).Verdict, "negative: no limit")
	// The same changes, each after a crash: allowed.
	crashes := newHist(3).leader(10, 2, 1).ev(50, trace.Crash, 2).leader(60, 1, 2).ev(65, trace.Crash, 1).leader(70, 0, 3).ev(1000, trace.Log, 0)
	assert.Equal(t, check.Pass, CheckCost(ctx, &crashes.tr, CostOptions{}).Verdict)
}

func TestZabLeaderNeedsAMajorityOfVoters(t *testing.T) {
	zl := func(h *hist, at, node int, epoch, zxid int64, quorum ...int32) *hist {
		return h.mark(at, node, ec.Leader.Name, ec.LeaderMark{Term: epoch, Zxid: zxid, Quorum: quorum, Round: 1})
	}
	minority := zl(newHist(5).vote(10, 4, 1, 4, 9).vote(10, 3, 1, 4, 5), 50, 4, 1, 9, 3, 4)
	r := CheckFreshestLeader(ctx, &minority.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Equal(t, "n4 became leader of epoch 1 elected by 2 vote(s) (n3, n4), not a majority of the 5 voting servers (3 needed)", r.Detail)
	// With two observers (they say so in their notifications), 2 of 3 voters are a majority.
	obs := notification{State: ec.ZabObserving}
	obs.Vote.Leader = -1
	observed := zl(newHist(5).send(5, 0, 1, "Notification", obs).send(5, 1, 0, "Notification", obs).vote(10, 4, 1, 4, 9).vote(10, 3, 1, 4, 5), 50, 4, 1, 9, 3, 4)
	r = CheckFreshestLeader(ctx, &observed.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
}

func TestZabFreshnessJudgesTheWinningRound(t *testing.T) {
	// n0 voted for n2 in round 3 holding zxid 5, synced to n2's new epoch
	// (zxid 2<<32), crashed, restarted and voted for n2 again in round 3:
	// the vote n2 counted is the first.
	synced := int64(2) << 32
	h := newHist(3).vote(10, 2, 3, 2, 9).vote(10, 0, 3, 2, 5).
		ev(20, trace.Crash, 0).ev(25, trace.Restart, 0).vote(30, 0, 3, 2, synced).
		mark(40, 2, ec.Leader.Name, ec.LeaderMark{Term: 2, Zxid: 9, Quorum: []int32{0, 2}, Round: 3})
	r := CheckFreshestLeader(ctx, &h.tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	// A vote of another round does not count for this one.
	other := newHist(3).vote(10, 2, 3, 2, 9).vote(10, 0, 4, 2, 5).
		mark(40, 2, ec.Leader.Name, ec.LeaderMark{Term: 2, Zxid: 9, Quorum: []int32{0, 2}, Round: 3})
	r = CheckFreshestLeader(ctx, &other.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "n0 never voted for it in round 3")
	// A notification's vote must be marked.
	n := notification{Round: 3, State: ec.ZabLooking}
	n.Vote.Leader = 2
	unmarked := newHist(3).vote(10, 2, 3, 2, 9).send(12, 0, 2, "Notification", n)
	r = CheckFreshestLeader(ctx, &unmarked.tr)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "marks and messages disagree: n0 sent Notification at 12ms, a vote for n2 in term 3")
}
