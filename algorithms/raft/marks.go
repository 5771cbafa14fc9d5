package raft

import (
	"slices"

	ec "distlab/contract/election"
)

func (s *Server) markLeader() {
	var q []int32
	for id, ok := range s.granted {
		if ok {
			q = append(q, int32(id))
		}
	}
	slices.Sort(q)
	ec.Leader.Record(s.env, ec.LeaderMark{Term: s.term, Quorum: q})
}

func (s *Server) markStepdown() { ec.Stepdown.Record(s.env, ec.TermMark{Term: s.term}) }

func (s *Server) markElection() { ec.Election.Record(s.env, ec.TermMark{Term: s.term}) }

func (s *Server) markVote(candidate NodeID) {
	ec.Vote.Record(s.env, ec.VoteMark{Term: s.term, Leader: int32(candidate)})
}
