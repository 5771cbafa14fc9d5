// Package demo is the contract of the demonstration algorithms (the
// simulator benchmarks and the visualizer's toy broadcast): a leader mark
// from the election contract's vocabulary is not borrowed; the toy has its
// own, so that no checker mistakes it for an election.
package demo

import "distlab/contract"

// TermMark is the payload of Leading.
type TermMark struct {
	Term int `json:"term"`
}

// SeqMark is the payload of Committed.
type SeqMark struct {
	Seq int `json:"seq"`
}

// The toy's marks.
var (
	Leading   = contract.Mark[TermMark]{Name: "leading", Doc: "the toy's fixed leader announces its term"}
	Committed = contract.Mark[SeqMark]{Name: "committed", Doc: "a majority acknowledged the toy leader's broadcast Seq"}
)

// Contract lists the demonstration marks.
var Contract = &contract.Contract{
	Name:  "demo",
	Doc:   "demonstration algorithms; no checker reads them",
	Marks: []contract.MarkDef{Leading.Def(), Committed.Def()},
}
