package commit

import cm "distlab/contract/commit"

// Messages between clients and the coordinator.
type (
	// Submit asks the coordinator to run a transaction; a client re-sends
	// it until it hears the outcome (the coordinator knows it by Txn).
	Submit struct {
		Txn  string  `json:"txn"`
		Kind string  `json:"kind"`
		Ops  []cm.Op `json:"ops"`
	}
	// Outcome answers a Submit once the transaction is decided.
	Outcome struct {
		Txn       string             `json:"txn"`
		Committed bool               `json:"committed"`
		Reads     map[string]cm.Read `json:"reads,omitempty"`
	}
)

// Messages of the commit protocols. CanCommit and Vote are the contract's
// (the checkers read them); the others are the algorithms' own. Every
// protocol message names its transaction in a "txn" field, which
// commit-cost reads.
type (
	// DoCommit and DoAbort carry a decision: the coordinator's, or a
	// participant's that knows it (a termination coordinator, a peer).
	DoCommit struct {
		Txn string `json:"txn"`
	}
	DoAbort struct {
		Txn string `json:"txn"`
	}
	// HaveCommitted acknowledges a decision (the seed sends it after an
	// abort too).
	HaveCommitted struct {
		Txn string `json:"txn"`
	}
	// PreCommit is 3PC's second phase; Ballot is 0 from the coordinator
	// and a termination round's ballot from a participant.
	PreCommit struct {
		Txn    string `json:"txn"`
		Ballot int64  `json:"ballot,omitempty"`
	}
	// Ack acknowledges a PreCommit (the seed's ACK).
	Ack struct {
		Txn    string `json:"txn"`
		Ballot int64  `json:"ballot,omitempty"`
	}
	// DecisionReq asks what was decided (an uncertain participant asking
	// the coordinator or a peer, a restarted coordinator asking around).
	DecisionReq struct {
		Txn string `json:"txn"`
	}
	// Uncertain answers a DecisionReq from a node that does not know the
	// decision either.
	Uncertain struct {
		Txn string `json:"txn"`
	}
	// StateReq opens a round of Skeen's termination protocol: report your
	// state, and ignore PreCommits of lower ballots from now on.
	StateReq struct {
		Txn    string `json:"txn"`
		Ballot int64  `json:"ballot"`
	}
	// StateReply reports a node's state to a termination round.
	StateReply struct {
		Txn    string `json:"txn"`
		Ballot int64  `json:"ballot"`
		State  string `json:"state"`
		// Recovered: the node crashed since it voted; it knows its own
		// state but not what happened while it was down.
		Recovered bool `json:"recovered,omitempty"`
	}
)
