// Package mutate runs a lab's graded tests against the classic wrong
// solutions of its parts (mutants), so that a lab can never again give full
// marks to a known wrong answer.
//
// A mutant is one file, labs/<lab>/mutants/<name>.patch: a few header
// lines, a description, then the code change as a unified diff (what
// `git diff` prints), against the reference with its solution markers:
//
//	Part: replication
//	Caught-by: TestFigure8
//
//	Figure 8: the leader commits the highest index a majority holds
//	whatever its term, counting replicas of an earlier term's entry.
//
//	diff --git a/algorithms/raft/raft.go b/algorithms/raft/raft.go
//	--- a/algorithms/raft/raft.go
//	+++ b/algorithms/raft/raft.go
//	@@ -566,9 +566,6 @@ func (s *Server) advanceCommit() {
//	…
//
// Headers: Part (the solution part, or the given code it belongs to),
// Caught-by (the test expected to catch it: run first, so a caught mutant
// costs one test), and Equivalent (why no test can tell it from the
// reference: such a mutant is listed, documented, and not run unless asked).
// A lab plugs its mutants in by adding files to its own mutants folder; no
// list elsewhere names them.
//
// Run applies a mutant without touching the source tree: the changed files
// are written to a scratch folder and the go command sees them through
// -overlay, so the repository's build cache serves everything else. It then
// runs the lab's graded tests and reports the test that failed and its seed
// (caught), or that every test passed (survived), or that the patch does not
// apply or compile (broken).
package mutate
