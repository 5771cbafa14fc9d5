package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/contract"
	ec "distlab/contract/election"
	rc "distlab/contract/raftlog"
)

// The checkers read these messages by their fields (contract/election,
// contract/raftlog): Raft's message types must carry them.
func TestMessagesCarryWhatTheCheckersRead(t *testing.T) {
	cases := []struct {
		def contract.MessageDef
		msg any
	}{
		{ec.RaftVoteReply.Def(), RequestVoteReply{}},
		{ec.RaftLeading.Def(), AppendEntries{}},
		{ec.RaftLeading.Def(), InstallSnapshot{}},
		{rc.AppendEntries.Def(), AppendEntries{}},
		{rc.AppendReply.Def(), AppendEntriesReply{}},
		{rc.RequestVote.Def(), RequestVote{}},
	}
	for _, c := range cases {
		assert.NoError(t, contract.Conforms(c.def, c.msg), "%T as %v", c.msg, c.def.Names)
	}
}
