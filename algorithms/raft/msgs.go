package raft

import "distlab/simnet"

// NodeID is a simulator node id.
type NodeID = simnet.NodeID

// None is "no node": no vote cast, no leader known.
const None NodeID = -1

// Command is what a log entry asks the state machine to do. Op is one of
// kv's operations (get, put, append, cas); the empty Op is the no-op a new
// leader appends to commit entries of earlier terms.
type Command struct {
	Client   NodeID `json:"client"`
	Seq      int64  `json:"seq"`
	Op       string `json:"op,omitempty"`
	Key      string `json:"key,omitempty"`
	Value    string `json:"value,omitempty"`
	Expected string `json:"expected,omitempty"` // cas only
}

// Entry is one log entry.
type Entry struct {
	Term  int64   `json:"term"`
	Index int64   `json:"index"`
	Cmd   Command `json:"cmd"`
}

// RequestVote asks for a vote (or, with PreVote, asks whether a vote would
// be granted at Term, without anyone changing term).
type RequestVote struct {
	Term         int64
	LastLogIndex int64
	LastLogTerm  int64
	PreVote      bool
}

// RequestVoteReply answers RequestVote.
type RequestVoteReply struct {
	Term    int64
	Granted bool
	PreVote bool
}

// AppendEntries replicates entries and doubles as the leader's heartbeat.
type AppendEntries struct {
	Term         int64
	PrevLogIndex int64
	PrevLogTerm  int64
	LeaderCommit int64
	Entries      []Entry
}

// AppendEntriesReply answers AppendEntries. On success Match is the last
// index the follower now holds in agreement with the leader. On failure
// ConflictTerm and ConflictIndex let the leader skip a whole term at once
// (the paper's §5.3 optimisation): ConflictTerm is the follower's term at
// PrevLogIndex (0 when its log is too short) and ConflictIndex the first
// index it holds of that term (or its log length + 1).
type AppendEntriesReply struct {
	Term          int64
	Success       bool
	Match         int64
	ConflictTerm  int64
	ConflictIndex int64
}

// Session is what the state machine remembers per client so that a retried
// request is answered, not applied again: the answer to its last request.
type Session struct {
	Seq     int64  `json:"seq"`
	Value   string `json:"value,omitempty"`
	Swapped bool   `json:"swapped,omitempty"`
}

// Snapshot is the state machine as of log index Index (of term Term).
type Snapshot struct {
	Index    int64
	Term     int64
	KV       map[string]string
	Sessions map[NodeID]Session
}

// InstallSnapshot sends a follower the leader's snapshot when the entries
// it needs have been compacted away. Whole, not chunked: the simulator
// delivers a message of any size in one piece.
type InstallSnapshot struct {
	Term int64
	Snap Snapshot
}

// InstallSnapshotReply answers InstallSnapshot; Index is the snapshot's
// index, which the follower now holds.
type InstallSnapshotReply struct {
	Term  int64
	Index int64
}

// ClientRequest is a client's operation, sent to the server it believes
// leads. (client, Seq) identifies it across retries.
type ClientRequest struct {
	Seq      int64
	Op       string
	Key      string
	Value    string
	Expected string // cas only
}

// ClientReply answers a ClientRequest. OK false means "not the leader":
// Leader is who this server believes leads, or None. Value is what a get
// read, or what a cas found; Swapped is whether a cas swapped.
type ClientReply struct {
	Seq     int64
	OK      bool
	Value   string
	Swapped bool
	Leader  NodeID
}
