// Package raftlog is the contract of Raft's log replication: what a Raft
// server records when it applies a log entry, and what the checkers read
// of its AppendEntries and RequestVote messages. algorithms/raft writes
// it; checkers/raftlog reads it.
//
// The checks built on it: raft-commit-rule (a leader commits only entries
// of its own term by counting replicas, Figure 8 of the Raft paper, read
// from the LeaderCommit of its AppendEntries), raft-state-machine-safety
// (no two servers apply different entries at one index, from the apply
// marks) and raft-log-matching (what a server says of its log when it
// campaigns agrees with the entries it acknowledged: a follower that keeps
// a stale suffix after a conflict shows here).
package raftlog

import "distlab/contract"

// ApplyMark is the payload of Apply: the log entry a server just applied
// to its state machine.
type ApplyMark struct {
	Index int64 `json:"index"`
	Term  int64 `json:"term"`
}

// Apply is recorded by a server each time it applies a committed entry
// (given code, not a student's: it says what the server did, not whether
// it was right).
var Apply = contract.Mark[ApplyMark]{Name: "apply",
	Doc: "the server applied the log entry at Index (of Term) to its state machine"}

// EntryFields are what the checkers read of a log entry.
type EntryFields struct {
	Term  int64 `json:"term"`
	Index int64 `json:"index"`
}

// AppendFields are what the checkers read of an AppendEntries.
type AppendFields struct {
	Term         int64
	PrevLogIndex int64
	PrevLogTerm  int64
	LeaderCommit int64
	Entries      []EntryFields
}

// ReplyFields are what the checkers read of an AppendEntriesReply.
type ReplyFields struct {
	Term    int64
	Success bool
	Match   int64
}

// VoteRequestFields are what the checkers read of a RequestVote.
type VoteRequestFields struct {
	Term         int64
	LastLogIndex int64
	LastLogTerm  int64
	PreVote      bool
}

// The messages.
var (
	AppendEntries = contract.Message[AppendFields]{Names: []string{"AppendEntries"},
		Doc: "the leader of Term sends entries after (PrevLogIndex, PrevLogTerm), and its commit index"}
	AppendReply = contract.Message[ReplyFields]{Names: []string{"AppendEntriesReply"},
		Doc: "with Success, the sender holds the leader's log up to Match"}
	RequestVote = contract.Message[VoteRequestFields]{Names: []string{"RequestVote"},
		Doc: "a candidate (or pre-candidate) states the index and term of its last log entry"}
)

// Contract is Raft log replication's contract.
var Contract = &contract.Contract{
	Name:     "raft-log",
	Doc:      "Raft log replication: entries applied, and the AppendEntries and RequestVote that carry the log",
	Marks:    []contract.MarkDef{Apply.Def()},
	Messages: []contract.MessageDef{AppendEntries.Def(), AppendReply.Def(), RequestVote.Def()},
}
