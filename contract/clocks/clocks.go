// Package clocks is the logical-clock family's contract: one mark per
// clock event, recorded so that the causality checker can tie it to the
// message it stands for without trusting the clock.
//
// The send mark comes immediately before the Send it stands for; the recv
// mark is the first thing a node records after the Deliver of the message
// it stands for. That adjacency is the contract as much as the payload.
package clocks

import (
	"fmt"

	"distlab/contract"
)

// The kinds of clock event.
const (
	KindLocal = "local"
	KindSend  = "send"
	KindRecv  = "recv"
)

// ClockMark is the payload of Clock: the event's kind and the clock's value
// after it, a Lamport time or a vector (one entry per node, in id order), or
// both.
type ClockMark struct {
	Kind    string  `json:"kind"`
	Lamport *int64  `json:"lamport,omitempty"`
	Vector  []int64 `json:"vector,omitempty"`
}

// Validate requires a known kind and a clock value.
func (m ClockMark) Validate() error {
	switch m.Kind {
	case KindLocal, KindSend, KindRecv:
	default:
		return fmt.Errorf("kind %q is not local, send or recv", m.Kind)
	}
	if m.Lamport == nil && m.Vector == nil {
		return fmt.Errorf("a clock mark carries lamport, vector or both")
	}
	return nil
}

// Clock is the mark of every clock event.
var Clock = contract.Mark[ClockMark]{Name: "clock",
	Doc: "a clock event (local, send or recv) with the clock's value after it"}

// Contract lists the family's mark.
var Contract = &contract.Contract{
	Name:  "clocks",
	Doc:   "logical clocks: every local, send and receive event with the clock's value",
	Marks: []contract.MarkDef{Clock.Def()},
}
