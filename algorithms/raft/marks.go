package raft

import "slices"

// The marks follow the election family's contract (checkers/election's
// package comment); these structs carry the same JSON tags.

// LeaderMark is the payload of "leader": the term won and the servers
// whose votes won it, itself included, sorted.
type LeaderMark struct {
	Term   int64   `json:"term"`
	Quorum []int32 `json:"quorum,omitempty"`
}

// TermMark is the payload of "election" and "stepdown".
type TermMark struct {
	Term int64 `json:"term"`
}

// VoteMark is the payload of "vote": in Term this server voted for Leader.
type VoteMark struct {
	Term   int64 `json:"term"`
	Leader int32 `json:"leader"`
}

func (s *Server) markLeader() {
	var q []int32
	for id, ok := range s.granted {
		if ok {
			q = append(q, int32(id))
		}
	}
	slices.Sort(q)
	s.env.Mark("leader", LeaderMark{Term: s.term, Quorum: q})
}

func (s *Server) markStepdown() { s.env.Mark("stepdown", TermMark{Term: s.term}) }

func (s *Server) markElection() { s.env.Mark("election", TermMark{Term: s.term}) }

func (s *Server) markVote(candidate NodeID) {
	s.env.Mark("vote", VoteMark{Term: s.term, Leader: int32(candidate)})
}
