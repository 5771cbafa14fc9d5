// Package election is the election family's contract: the marks and
// published state that every leader-election algorithm (Bully, Raft's
// election, ZAB's fast leader election) records, and that the election
// checkers read.
//
// Node ids in payloads are trace.NodeID values (the server n3 is id 3).
//
// The checks built on it (checkers/election): one-leader-per-term and
// one-vote-per-term (Raft, ZAB), zab-freshest-leader, split-brain per
// connected component, election-liveness and election-cost.
package election

import "distlab/contract"

// LeaderMark is the payload of Leader.
type LeaderMark struct {
	// Term is the term won (Raft), the NEW epoch led (ZAB), or the node's
	// own election counter (Bully: not comparable across nodes, so the
	// per-term checks are not applied to Bully).
	Term int64 `json:"term"`
	// Epoch and Zxid are ZAB's: the epoch and zxid in the leader's winning
	// vote. ZAB zxids embed the epoch as ZooKeeper's do: epoch<<32 | counter.
	Epoch int64 `json:"epoch,omitempty"`
	Zxid  int64 `json:"zxid,omitempty"`
	// Quorum lists the ids whose votes made it leader, itself included,
	// sorted (Raft: granted votes; ZAB: the votes for it in this round).
	// Omitted when the algorithm has no quorum (Bully).
	Quorum []int32 `json:"quorum,omitempty"`
	// Round is ZAB's: the election round the leader won, in which its
	// quorum cast the votes zab-freshest-leader compares.
	Round int64 `json:"round,omitempty"`
}

// TermMark is the payload of Election and Stepdown.
type TermMark struct {
	Term int64 `json:"term"`
}

// VoteMark is the payload of Vote.
type VoteMark struct {
	// Term is the round voted in; Leader the candidate voted for.
	Term   int64 `json:"term"`
	Leader int32 `json:"leader"`
	// Epoch and Zxid are ZAB's: the VOTER'S OWN credentials (its current
	// epoch and last zxid), so the freshness check compares a leader with
	// what each quorum member itself reported.
	Epoch int64 `json:"epoch,omitempty"`
	Zxid  int64 `json:"zxid,omitempty"`
}

// The marks.
var (
	Election = contract.Mark[TermMark]{Name: "election",
		Doc: "the node starts an election (a Raft candidate's new term, a Bully node's Election messages, a ZAB node entering LOOKING); used for cost"}
	Leader = contract.Mark[LeaderMark]{Name: "leader",
		Doc: "the node has just become leader"}
	Stepdown = contract.Mark[TermMark]{Name: "stepdown",
		Doc: "the node stops being leader without crashing (a crash ends leadership implicitly; a restarted node is never leader until it marks leader again)"}
	Vote = contract.Mark[VoteMark]{Name: "vote",
		Doc: "the node votes for Leader in round Term (ZAB: required, with its own credentials; Raft: at most once per term)"}
)

// Published state keys.
const (
	// StateLeader names the node a node believes leads ("n3"; a leader
	// names itself), or NoLeader. election-liveness reads it.
	StateLeader = "leader"
	// NoLeader is StateLeader's value when a node knows no leader.
	NoLeader = "-"
	// StateRole and StateTerm are for the visualizer (role: leader,
	// follower, candidate, looking, following, leading, observing,
	// electing, waiting; term: the current term or epoch).
	StateRole = "role"
	StateTerm = "term"
)

// Contract lists the family's marks and checked state.
var Contract = &contract.Contract{
	Name:     "election",
	Doc:      "leader election: who starts elections, who votes for whom, who leads in which term",
	Marks:    []contract.MarkDef{Election.Def(), Leader.Def(), Stepdown.Def(), Vote.Def()},
	State:    []contract.StateKey{{Key: StateLeader, Doc: "the node this node believes leads, or " + NoLeader}},
	Messages: []contract.MessageDef{RaftVoteReply.Def(), ZabNotification.Def(), RaftLeading.Def(), ZabLeading.Def(), BullyLeading.Def()},
}
