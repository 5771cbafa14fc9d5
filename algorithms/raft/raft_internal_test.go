package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/contract/kv"
	"distlab/simnet"
)

func cluster(seed int64, p Params, w Workload) *simnet.Sim {
	sim := simnet.New(simnet.Config{Seed: seed})
	sim.AddNodes("n", 5, "server", func(env *simnet.Env) simnet.Node { return NewServer(env, p, Bugs{}) })
	for i := range w.Clients {
		sim.AddNode("c"+string(rune('0'+i)), "client", func(env *simnet.Env) simnet.Node { return NewClient(env, w, i, false) })
	}
	return sim
}

// Persisting an entry costs a constant number of storage writes, however
// long the log: one key per entry, not a rewrite of the whole log.
func TestPersistenceIsPerEntry(t *testing.T) {
	w := *DefaultWorkload()
	w.Ops = 300
	sim := cluster(3, *DefaultParams(), w)
	sim.Run(10 * time.Second)
	for _, id := range sim.Group("server") {
		s := sim.NodeState(id).(*Server)
		entries := s.lastIndex()
		require.Greater(t, entries, int64(300), "every operation is in the log")
		writes := s.env.Storage().Writes()
		// Each entry: its key and the "last" marker; plus term/vote writes.
		assert.Less(t, writes, 3*entries, "%s: %d writes for %d entries", s.env.Name(), writes, entries)
	}
}

// A restarted server comes back with exactly its persisted term, vote,
// snapshot and log.
func TestRestoreRoundTrip(t *testing.T) {
	p := *DefaultParams()
	p.SnapshotThreshold = 20
	w := *DefaultWorkload()
	w.Ops = 120
	sim := cluster(5, p, w)
	sim.Run(5 * time.Second)
	for _, id := range sim.Group("server") {
		s := sim.NodeState(id).(*Server)
		require.NotNil(t, s.snap, "%s snapshotted", s.env.Name())
		fresh := &Server{env: s.env, votedFor: None}
		fresh.restore()
		assert.Equal(t, s.term, fresh.term)
		assert.Equal(t, s.votedFor, fresh.votedFor)
		assert.Equal(t, s.log, fresh.log)
		assert.Equal(t, s.snap.Index, fresh.applied, "the state machine restarts at the snapshot")
	}
}

// A follower whose log diverges over many entries of one term is brought
// back with one rejection, not one per entry (the fast back-up of §5.3).
func TestFastBackup(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return NewServer(env, *DefaultParams(), Bugs{}) })
	sim.Run(time.Millisecond)
	logOf := func(terms ...int64) []Entry {
		log := []Entry{{}}
		for i, t := range terms {
			log = append(log, Entry{Term: t, Index: int64(i + 1)})
		}
		return log
	}
	repeat := func(t int64, n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = t
		}
		return out
	}
	follower := sim.NodeState(0).(*Server)
	follower.term = 2
	follower.log = logOf(append([]int64{1, 1, 1}, repeat(2, 17)...)...) // 1..3 term 1, 4..20 term 2
	leader := sim.NodeState(1).(*Server)
	leader.term, leader.role = 3, Leader
	leader.log = logOf(append([]int64{1, 1, 1}, repeat(3, 22)...)...) // 1..3 term 1, 4..25 term 3
	leader.next[0] = 21

	follower.handleAppendEntries(1, AppendEntries{Term: 3, PrevLogIndex: 20, PrevLogTerm: 3})
	tr := sim.Trace()
	last := tr.At(tr.Len() - 1)
	require.Equal(t, "AppendEntriesReply", last.Name)
	reply := last.Body.(AppendEntriesReply)
	assert.Equal(t, AppendEntriesReply{Term: 3, ConflictTerm: 2, ConflictIndex: 4}, reply, "one reply names the whole stale term")

	leader.handleAppendReply(0, reply)
	assert.Equal(t, int64(4), leader.next[0], "the leader skips the follower's whole term 2")
	tr = sim.Trace() // again: the events recorded since the last call
	last = tr.At(tr.Len() - 1)
	require.Equal(t, "AppendEntries", last.Name)
	m := last.Body.(AppendEntries)
	assert.Equal(t, int64(3), m.PrevLogIndex)
	assert.Len(t, m.Entries, 22, "and resends everything from there at once")

	follower.handleAppendEntries(1, m)
	assert.Equal(t, leader.log, follower.log, "the stale term is replaced")
}

// A late AppendEntries (reordered behind a newer one) must not cut entries
// the newer one added.
func TestStaleAppendKeepsNewerEntries(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return NewServer(env, *DefaultParams(), Bugs{}) })
	sim.Run(time.Millisecond)
	f := sim.NodeState(0).(*Server)
	es := []Entry{{Term: 1, Index: 1}, {Term: 1, Index: 2}, {Term: 1, Index: 3}}
	f.handleAppendEntries(1, AppendEntries{Term: 1, Entries: es})
	f.handleAppendEntries(1, AppendEntries{Term: 1, Entries: es[:1]}) // the older message
	assert.Equal(t, int64(3), f.lastIndex())
}

// Figure 8 of the paper: a leader never commits an entry of an earlier
// term by counting replicas, only under an entry of its own term.
func TestCommitOnlyCurrentTerm(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 5, "server", func(env *simnet.Env) simnet.Node { return NewServer(env, *DefaultParams(), Bugs{}) })
	sim.Run(time.Millisecond)
	l := sim.NodeState(0).(*Server)
	l.term, l.role = 4, Leader
	l.log = []Entry{{}, {Term: 1, Index: 1}, {Term: 2, Index: 2}}
	copy(l.match, []int64{2, 2, 2, 0, 0})
	l.advanceCommit()
	assert.Equal(t, int64(0), l.commit, "index 2 is on a majority but of term 2")

	l.log = append(l.log, Entry{Term: 4, Index: 3})
	copy(l.match, []int64{3, 3, 3, 0, 0})
	l.advanceCommit()
	assert.Equal(t, int64(3), l.commit, "an entry of term 4 on a majority commits everything before it")
}

// A cas that reaches the log twice (a client's retry) is applied once; the
// duplicate is answered with the first answer, and the next cas of the
// same client sees the swapped value.
func TestCASAppliedOnce(t *testing.T) {
	sim := cluster(1, *DefaultParams(), Workload{})
	sim.Run(time.Second)
	s := sim.NodeState(sim.Group("server")[0]).(*Server)
	const client NodeID = 99
	cas := func(seq int64, expected, value string) Entry {
		return Entry{Cmd: Command{Client: client, Seq: seq, Op: kv.OpCAS, Key: "k", Expected: expected, Value: value}}
	}
	s.apply(cas(1, "", "a"))
	assert.Equal(t, "a", s.kv["k"])
	assert.Equal(t, Session{Seq: 1, Swapped: true}, s.sessions[client])

	s.kv["k"] = "" // had the duplicate been applied, it would swap again
	s.apply(cas(1, "", "a"))
	assert.Equal(t, "", s.kv["k"], "the duplicate was applied again")
	assert.Equal(t, Session{Seq: 1, Swapped: true}, s.sessions[client], "the duplicate keeps the first answer")

	s.kv["k"] = "b"
	s.apply(cas(2, "a", "c"))
	assert.Equal(t, "b", s.kv["k"], "a cas whose compare fails changes nothing")
	assert.Equal(t, Session{Seq: 2, Value: "b"}, s.sessions[client], "it answers not swapped, with the value found")
}
