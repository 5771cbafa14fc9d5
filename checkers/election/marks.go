package election

// The payloads of the mark contract (see the package comment). Algorithms
// declare their own structs with the same JSON tags.

// LeaderMark is the payload of a "leader" mark.
type LeaderMark struct {
	Term   int64   `json:"term"`
	Epoch  int64   `json:"epoch,omitempty"`
	Zxid   int64   `json:"zxid,omitempty"`
	Quorum []int32 `json:"quorum,omitempty"`
}

// TermMark is the payload of "election" and "stepdown" marks.
type TermMark struct {
	Term int64 `json:"term"`
}

// VoteMark is the payload of a "vote" mark: the voter's choice and its own
// credentials.
type VoteMark struct {
	Term   int64 `json:"term"`
	Leader int32 `json:"leader"`
	Epoch  int64 `json:"epoch,omitempty"`
	Zxid   int64 `json:"zxid,omitempty"`
}

// Mark names.
const (
	MarkElection = "election"
	MarkLeader   = "leader"
	MarkStepdown = "stepdown"
	MarkVote     = "vote"
)
