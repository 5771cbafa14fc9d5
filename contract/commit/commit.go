// Package commit is the distributed-commit family's contract: what the
// atomic-commit algorithms (2PC, 3PC, their broken variants) and the
// message-queue method record, and what the commit checkers read.
//
// Two contracts live here. Contract is atomic commit: a coordinator ("tm")
// runs transactions over participants (n0, n1, …) that hold accounts and
// stock; clients submit transfers, orders and snapshot reads. MQ is the
// message-queue method: a chain of services (order, pay, stock) joined by a
// broker, driven by clients that place orders.
//
// Facts come from messages where the trace shows them: the CanCommit
// messages name a transaction's participants and the Vote messages carry
// the votes (the checkers decode these bodies). Marks say what a message
// cannot: a node's decision, its durable log writes, its initial data.
package commit

import (
	"fmt"
	"reflect"

	"distlab/contract"
)

// Item kinds: money in an account, or units of stock.
const (
	KindAccount = "account"
	KindStock   = "stock"
)

// Op is one operation of a transaction at one participant: add Delta to
// the item Key held by Node (a debit is negative; taking stock is
// negative), or read it.
type Op struct {
	Node  string `json:"node"`
	Key   string `json:"key"`
	Delta int64  `json:"delta,omitempty"`
	Read  bool   `json:"read,omitempty"`
}

// Item names an item across the cluster: "n1/A".
func (o Op) Item() string { return o.Node + "/" + o.Key }

// The kinds of client transaction.
const (
	TxnTransfer = "transfer"
	TxnOrder    = "order"
	TxnRead     = "read"
)

// CanCommit is the coordinator's first message (the seed's CanCommit, XA's
// prepare): vote on these operations. Participants lists every participant
// of the transaction, so that a participant can ask its peers.
type CanCommit struct {
	Txn          string   `json:"txn"`
	Ops          []Op     `json:"ops"`
	Participants []string `json:"participants"`
}

// Vote is a participant's answer to CanCommit: Yes (it has locked and
// logged, and promises to commit if told to) or No, with why.
type Vote struct {
	Txn    string `json:"txn"`
	Yes    bool   `json:"yes"`
	Reason string `json:"reason,omitempty"`
	// Reads are the values of the items the transaction reads, with their
	// versions (a Yes vote only).
	Reads map[string]Read `json:"reads,omitempty"`
}

// Read is one item's value as read, with its version: the number of
// committed transactions that wrote it.
type Read struct {
	Value   int64 `json:"value"`
	Version int64 `json:"version"`
}

// ItemMark is the payload of Item.
type ItemMark struct {
	Item  string `json:"item"` // "n1/A"
	Kind  string `json:"kind"` // KindAccount or KindStock
	Value int64  `json:"value"`
}

// Validate rejects an unknown kind.
func (m ItemMark) Validate() error {
	if m.Kind != KindAccount && m.Kind != KindStock {
		return fmt.Errorf("kind %q is neither %s nor %s", m.Kind, KindAccount, KindStock)
	}
	return nil
}

// BeginMark is the payload of Begin.
type BeginMark struct {
	Txn          string   `json:"txn"`
	Participants []string `json:"participants"`
}

// VoteMark is the payload of Voted.
type VoteMark struct {
	Txn string `json:"txn"`
	Yes bool   `json:"yes"`
}

// TxnMark names a transaction.
type TxnMark struct {
	Txn string `json:"txn"`
}

// How a node came to its decision.
const (
	ByVotes       = "votes"       // the coordinator, from the votes (or their absence)
	ByCoordinator = "coordinator" // a participant told by the coordinator
	ByTermination = "termination" // a participant, by the termination protocol
	ByPeer        = "peer"        // a participant told by a peer that knew
	ByTimeout     = "timeout"     // a participant's own timeout rule (the seed's 3PC)
	ByHeuristic   = "heuristic"   // a prepared participant deciding alone (XA heuristic)
	ByRecovery    = "recovery"    // the coordinator after a restart (presumed abort)
	ByUnilateral  = "unilateral"  // a participant that never voted Yes aborts on its own
)

// DecideMark is the payload of Decide.
type DecideMark struct {
	Txn    string `json:"txn"`
	Commit bool   `json:"commit"`
	By     string `json:"by"`
	// Versions are the versions of the items this participant wrote, after
	// a commit ("n1/A": 4): atomic-visibility reads them.
	Versions map[string]int64 `json:"versions,omitempty"`
}

// LogMark is the payload of Log.
type LogMark struct {
	Txn    string `json:"txn"`
	Record string `json:"record"` // prepared, voted, precommit, commit, abort, end
	// Forced: the record must be on disk before the next message leaves
	// (an fsync on the critical path).
	Forced bool `json:"forced,omitempty"`
}

// The marks of atomic commit.
var (
	Item = contract.Mark[ItemMark]{Name: "item",
		Doc: "a participant's initial item (account or stock) at its first start; bank-invariant sums the accounts"}
	Begin = contract.Mark[BeginMark]{Name: "txn-begin",
		Doc: "the coordinator starts a transaction over these participants"}
	Voted = contract.Mark[VoteMark]{Name: "vote",
		Doc: "a participant votes (a Yes vote takes the locks: lock-hold runs from here to its decision)"}
	PreCommitted = contract.Mark[TxnMark]{Name: "precommitted",
		Doc: "a 3PC participant acknowledged PreCommit (executed, undo/redo logged)"}
	Decide = contract.Mark[DecideMark]{Name: "decide",
		Doc: "a node decides a transaction (commit or abort), and how; a participant's locks are released"}
	Log = contract.Mark[LogMark]{Name: "log",
		Doc: "a durable log record written (commit-cost counts the forced ones)"}
)

// Published state keys (for the visualizer).
const (
	// StateRole is coordinator, participant, client.
	StateRole = "role"
	// StateTxns lists a participant's undecided transactions and their
	// states ("c0.3:prepared").
	StateTxns = "txns"
)

// Input is a client transaction as recorded at Invoke.
type Input struct {
	Txn  string `json:"txn"`
	Kind string `json:"kind"` // TxnTransfer, TxnOrder or TxnRead
	Ops  []Op   `json:"ops"`
}

// Output is its outcome as recorded at Return: committed or aborted, with
// the values a committed read saw.
type Output struct {
	Txn       string          `json:"txn"`
	Committed bool            `json:"committed"`
	Reads     map[string]Read `json:"reads,omitempty"`
}

// Contract is atomic commit.
var Contract = &contract.Contract{
	Name:  "commit",
	Doc:   "atomic commit: a coordinator, participants holding accounts and stock, votes, decisions, durable log records, client transactions",
	Marks: []contract.MarkDef{Item.Def(), Begin.Def(), Voted.Def(), PreCommitted.Def(), Decide.Def(), Log.Def()},
	Ops:   &contract.Ops{Input: reflect.TypeFor[Input](), Output: reflect.TypeFor[Output](), Doc: "Input at Invoke, Output at Return"},
}

// MsgName is how the trace names a message of type T (its type name).
func MsgName[T any]() string { return reflect.TypeFor[T]().Name() }
