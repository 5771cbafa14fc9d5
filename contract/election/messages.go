package election

import (
	"distlab/contract"
	"distlab/simnet/trace"
)

// What the election checkers read of the algorithms' messages, so that a
// vote or a leader's reign is a fact the trace shows, not only the word of
// the node's own marks. The shapes are the algorithms' own (Raft, ZAB,
// Bully); each algorithm's tests prove its message types carry them
// (contract.Conforms).

// GrantFields are what a Raft RequestVoteReply says: the voter's term,
// whether it grants its vote, and whether it answers a pre-vote (which
// is not a vote).
type GrantFields struct {
	Term    int64
	Granted bool
	PreVote bool
}

// NotificationFields are what a ZAB notification says: the sender's
// election round and state, and its current vote (the proposed leader's
// credentials). A notification whose State is ZabLooking is its sender's
// vote in that round.
type NotificationFields struct {
	Round int64
	State int
	Vote  struct {
		Leader int32
		Epoch  int64
		Zxid   int64
	}
}

// ZabLooking is a ZAB notification's State while its sender is electing;
// ZabObserving the State an observer always sends (it never votes).
const (
	ZabLooking   = 0
	ZabObserving = 3
)

// TermFields and EpochFields carry the term (Raft) or epoch (ZAB) a
// leader's message is sent in.
type (
	TermFields  struct{ Term int64 }
	EpochFields struct{ Epoch int64 }
	// NoFields: a message whose presence is the fact (Bully's terms are
	// each node's own counter and say nothing across nodes).
	NoFields struct{}
)

// The messages.
var (
	RaftVoteReply = contract.Message[GrantFields]{Names: []string{"RequestVoteReply"},
		Doc: "Raft: a reply with Granted true (not a pre-vote) is the sender's vote for the receiver in Term"}
	ZabNotification = contract.Message[NotificationFields]{Names: []string{"Notification"},
		Doc: "ZAB: a notification sent while LOOKING is the sender's vote for Vote.Leader in Round"}
	RaftLeading = contract.Message[TermFields]{Names: []string{"AppendEntries", "InstallSnapshot"},
		Doc: "Raft: only the leader of Term sends these"}
	ZabLeading = contract.Message[EpochFields]{Names: []string{"Ping"},
		Doc: "ZAB: only the established leader of Epoch pings"}
	BullyLeading = contract.Message[NoFields]{Names: []string{"Heartbeat", "Victory"},
		Doc: "Bully: only a node that believes it leads sends these"}
)

// SentVote is a vote a message shows: its sender votes for Candidate in
// round Term.
type SentVote struct {
	Term      int64
	Candidate trace.NodeID
}

// VoteOf reads the vote a sent message casts, if it casts one.
func VoteOf(e *trace.Event) (SentVote, bool, error) {
	switch {
	case RaftVoteReply.Is(e):
		m, err := RaftVoteReply.Decode(e)
		if err != nil || !m.Granted || m.PreVote {
			return SentVote{}, false, err
		}
		return SentVote{Term: m.Term, Candidate: e.Peer}, true, nil
	case ZabNotification.Is(e):
		m, err := ZabNotification.Decode(e)
		if err != nil || m.State != ZabLooking || m.Vote.Leader < 0 {
			return SentVote{}, false, err
		}
		return SentVote{Term: m.Round, Candidate: trace.NodeID(m.Vote.Leader)}, true, nil
	}
	return SentVote{}, false, nil
}

// Leading is what a leader's message shows: its sender acts as leader, in
// Term when Termed (Raft's term, ZAB's epoch; Bully's counters are not
// comparable across nodes).
type Leading struct {
	Term   int64
	Termed bool
}

// LeadingOf reads whether a sent message is one only a leader sends.
func LeadingOf(e *trace.Event) (Leading, bool, error) {
	switch {
	case RaftLeading.Is(e):
		m, err := RaftLeading.Decode(e)
		return Leading{Term: m.Term, Termed: true}, err == nil, err
	case ZabLeading.Is(e):
		m, err := ZabLeading.Decode(e)
		return Leading{Term: m.Epoch, Termed: true}, err == nil, err
	case BullyLeading.Is(e):
		return Leading{}, true, nil
	}
	return Leading{}, false, nil
}
