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
// A Contract lists a family's marks for what needs them all: strict runs
// validate every payload as it is recorded (Validator), and the check
// runner refuses to pass a check on a trace that holds none of its
// contract's evidence (Evidence).
package contract
