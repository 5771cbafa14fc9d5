// Package algorithms is the registry of reference implementations: one
// subpackage per family (clocks, mutex, election, raft, commit, …), each
// exporting Specs(), collected here so scenario files can name them.
//
// Algorithm packages import simnet and algo only — never a checker or the
// visualizer. What checkers need, nodes record as trace marks.
package algorithms
