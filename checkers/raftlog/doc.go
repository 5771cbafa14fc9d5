// Package raftlog checks Raft's log replication from the trace: the
// messages that carry the log (AppendEntries, its replies, RequestVote)
// and the entries each server applied, as contract/raftlog defines them.
// Linearizability judges what the clients saw; these checks judge the
// rules that keep it so, and fail as soon as a rule is broken, whether or
// not a client happened to notice.
//
//	raft-commit-rule           a leader of term T counts replicas only to
//	                           commit an entry of term T (§5.4.2, Figure 8):
//	                           every LeaderCommit it sends beyond the one it
//	                           started with names an entry its own messages
//	                           show to be of term T.
//	raft-state-machine-safety  no two servers apply different entries
//	                           (different terms) at the same index.
//	raft-log-matching          a server that campaigns states the last entry
//	                           of its log (RequestVote's LastLogIndex and
//	                           LastLogTerm); in a log that was cut at every
//	                           conflict, that term is at least the term of
//	                           any entry it acknowledged holding from its
//	                           current leader (a successful AppendEntries
//	                           reply). A lower one means it kept a stale
//	                           suffix after a conflict.
//
// Each check judges a run as it is recorded (check.Spec.Observe), reading
// only the kinds of event it needs: sends for raft-commit-rule (whose
// commits are judged at the end, since an entry's term may show in a later
// message), marks for raft-state-machine-safety, and sends, deliveries,
// drops, duplicates and crashes for raft-log-matching, which keeps an
// AppendEntries only until each of its copies was delivered or lost. (A
// trace made by hand that delivers a message more often than it was sent
// and duplicated gets unknown from it.) Over a whole trace, Run folds the
// same observer.
package raftlog
