// Package contract is the shape of a family contract: what a family's
// algorithms promise to write into a trace (marks with typed payloads,
// published state keys, client operations) and what its checkers read.
// Each family's contract is a leaf package beside this one
// (contract/election, contract/mutex, contract/clocks, contract/kv…) that
// both the algorithms and the checkers import, so the two sides share one
// definition instead of two copies that agree by hope.
//
// A mark is declared once, with its payload type:
//
//	var Leader = contract.Mark[LeaderMark]{Name: "leader", Doc: "…"}
//
// an algorithm records it, and a checker decodes it, through that value:
//
//	ec.Leader.Record(env, ec.LeaderMark{Term: 3})       // algorithm
//	if ec.Leader.Is(&e) { m, err := ec.Leader.Decode(&e) } // checker
//
// Checkers also derive facts from the messages in the trace (a vote
// granted, a leader's heartbeat), not only from what an algorithm marks
// about itself. What they may read of a message is declared the same way,
// with the fields read as a type (their JSON names, as a trace file writes
// them):
//
//	var RaftVoteReply = contract.Message[GrantFields]{Names: []string{"RequestVoteReply"}}
//	if ec.RaftVoteReply.Is(&e) { m, err := ec.RaftVoteReply.Decode(&e) } // checker
//
// Decode reads a live run's message value (field by field, without
// encoding it) or a trace file's JSON alike. The algorithm's message types
// do not import the field type; its tests call Conforms, which fails when
// a type lacks a field the contract reads.
//
// A Contract lists a family's marks and messages for what needs them all:
// strict runs validate every payload as it is recorded (Validator), and
// the check runner refuses to pass a check on a trace that holds none of
// its contract's evidence (Evidence, HasEvidence).
package contract
