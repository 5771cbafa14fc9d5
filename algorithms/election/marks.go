package election

// The payloads of the election mark contract (documented in package
// distlab/checkers/election); the JSON names are the contract.

type leaderMark struct {
	Term   int64   `json:"term"`
	Epoch  int64   `json:"epoch,omitempty"`
	Zxid   int64   `json:"zxid,omitempty"`
	Quorum []int32 `json:"quorum,omitempty"`
}

type termMark struct {
	Term int64 `json:"term"`
}

type voteMark struct {
	Term   int64 `json:"term"`
	Leader int32 `json:"leader"`
	Epoch  int64 `json:"epoch,omitempty"`
	Zxid   int64 `json:"zxid,omitempty"`
}

// noLeader is what a node publishes as "leader" when it knows none.
const noLeader = "-"
