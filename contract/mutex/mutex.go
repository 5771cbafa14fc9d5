// Package mutex is the mutual-exclusion family's contract: the marks that
// every mutex algorithm (central coordinator, Ricart-Agrawala, token ring)
// records around the critical section, and that the mutex checkers
// (mutex-safety, -liveness, -fairness, -cost) read.
package mutex

import "distlab/contract"

// RequestMark is the payload of Request. TS is the request's Lamport
// timestamp, set by Ricart-Agrawala only (mutex-fairness then checks
// (timestamp, id) order).
type RequestMark struct {
	Seq int64 `json:"seq"`
	TS  int64 `json:"ts,omitempty"`
}

// SeqMark is the payload of Enter and Exit: the request's number.
type SeqMark struct {
	Seq int64 `json:"seq"`
}

// NodeMark is the payload of the coordinator's Queued and Grant: whose
// request (by node name) and which one.
type NodeMark struct {
	Node string `json:"node"`
	Seq  int64  `json:"seq"`
}

// GenMark is the payload of TokenRegenerated: the new token's generation.
type GenMark struct {
	Gen int64 `json:"gen"`
}

// The marks.
var (
	Request = contract.Mark[RequestMark]{Name: "cs-request",
		Doc: "the node wants the critical section (its Seq-th request of this incarnation)"}
	Enter = contract.Mark[SeqMark]{Name: "cs-enter",
		Doc: "the node entered the critical section; [enter, exit) is its stay"}
	Exit = contract.Mark[SeqMark]{Name: "cs-exit",
		Doc: "the node left the critical section"}
	Queued = contract.Mark[NodeMark]{Name: "queued",
		Doc: "the central coordinator queued a request (mutex-fairness: grants in FIFO order)"}
	Grant = contract.Mark[NodeMark]{Name: "grant",
		Doc: "the central coordinator granted a request"}
	TokenRegenerated = contract.Mark[GenMark]{Name: "token-regenerated",
		Doc: "a token-ring node gave up on the lost token and made a new one"}
)

// Contract lists the family's marks.
var Contract = &contract.Contract{
	Name:  "mutex",
	Doc:   "mutual exclusion: requests for the critical section, entries and exits, a coordinator's queue",
	Marks: []contract.MarkDef{Request.Def(), Enter.Def(), Exit.Def(), Queued.Def(), Grant.Def(), TokenRegenerated.Def()},
}
