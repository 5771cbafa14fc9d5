package raft

import (
	"strconv"

	"distlab/simnet"
)

// Durable layout. Term and vote share one key; each log entry has its own
// key, so appending costs one write per entry plus the "last" marker, not a
// rewrite of the whole log. Keys past "last" may linger after a conflict
// cut the log; they are ignored and later overwritten.
const (
	keyHard = "raft/hard" // hardState
	keySnap = "raft/snap" // Snapshot
	keyLast = "raft/last" // int64: index of the last entry
	keyBase = "raft/base" // Entry: the last compacted entry (log[0])
)

func logKey(i int64) string { return "raft/log/" + strconv.FormatInt(i, 10) }

// load reads a typed value from durable storage; ok is false when absent.
func load[T any](s *Server, key string) (T, bool) {
	return simnet.Load[T](s.env.Storage(), key)
}

// hardState is what a server must remember before it answers anyone: the
// term it is in and whom it voted for in it.
type hardState struct {
	Term int64
	Vote NodeID
}

// persistHard saves term and vote.
func (s *Server) persistHard() {
	// BEGIN SOLUTION persistence
	s.env.Storage().Put(keyHard, hardState{Term: s.term, Vote: s.votedFor})
	// STUB
	// // TODO(lab): save term and vote
	// END SOLUTION
}

// persistEntries saves entries just added at the end of the log.
func (s *Server) persistEntries(es []Entry) {
	// BEGIN SOLUTION persistence
	st := s.env.Storage()
	for _, e := range es {
		st.Put(logKey(e.Index), e)
	}
	st.Put(keyLast, s.lastIndex())
	// STUB
	// // TODO(lab): save each entry under logKey(index), then the last index
	// END SOLUTION
}

// persistSnapshot saves the snapshot and forgets the log keys it covers.
func (s *Server) persistSnapshot(oldBase, oldLast int64) {
	st := s.env.Storage()
	st.Put(keySnap, *s.snap)
	st.Put(keyBase, s.log[0])
	for i := oldBase + 1; i <= min(oldLast, s.base()); i++ {
		st.Delete(logKey(i))
	}
	st.Put(keyLast, s.lastIndex())
}

// restore rebuilds a restarted server from durable storage: term, vote,
// snapshot (which also restores the state machine) and the log after the
// last compacted entry (which may include a tail the snapshot covers).
// Commit and apply progress are volatile and start at the snapshot.
func (s *Server) restore() {
	s.log = []Entry{{}}
	// BEGIN SOLUTION persistence
	if h, ok := load[hardState](s, keyHard); ok {
		s.term, s.votedFor = h.Term, h.Vote
	}
	if sn, ok := load[Snapshot](s, keySnap); ok {
		s.snap = &sn
		s.log[0] = Entry{Index: sn.Index, Term: sn.Term}
		if b, ok := load[Entry](s, keyBase); ok {
			s.log[0] = b // the log may reach back before the snapshot
		}
		s.loadSnapshot(sn)
	}
	if last, ok := load[int64](s, keyLast); ok {
		for i := s.base() + 1; i <= last; i++ {
			e, ok := load[Entry](s, logKey(i))
			if !ok {
				break
			}
			s.log = append(s.log, e)
		}
	}
	// STUB
	// // TODO(lab): load term, vote, snapshot (see loadSnapshot) and log
	// END SOLUTION
}
