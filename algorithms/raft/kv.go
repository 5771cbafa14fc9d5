package raft

import (
	"maps"
	"time"

	"distlab/contract/kv"
	rc "distlab/contract/raftlog"
)

// handleClient takes a client's operation. Only the leader accepts one; it
// goes through the log (Gets too, which is what makes them linearizable)
// and is answered when applied.
func (s *Server) handleClient(from NodeID, m ClientRequest) {
	if s.bugs.StaleReads && m.Op == kv.OpGet {
		// The broken variant: answer from whatever this server has applied.
		s.env.Send(from, ClientReply{Seq: m.Seq, OK: true, Value: s.kv[m.Key], Leader: s.leader})
		return
	}
	if s.role != Leader {
		s.env.Send(from, ClientReply{Seq: m.Seq, Leader: s.leader})
		return
	}
	if sess, ok := s.sessions[from]; ok && m.Seq <= sess.Seq {
		if m.Seq == sess.Seq { // a retry of what was applied: answer again
			s.env.Send(from, ClientReply{Seq: m.Seq, OK: true, Value: sess.Value, Swapped: sess.Swapped, Leader: s.id})
		}
		return
	}
	if w, ok := s.waiting[from]; ok && w.seq == m.Seq && w.term == s.term {
		return // already in this leader's log; answered when applied
	}
	if s.bugs.CASAtLeader && m.Op == kv.OpCAS && s.kv[m.Key] != m.Expected {
		// The broken variant: refused against the state applied so far,
		// not against the entries already in the log before it.
		s.env.Send(from, ClientReply{Seq: m.Seq, OK: true, Value: s.kv[m.Key], Leader: s.id})
		return
	}
	idx := s.appendLocal(Command{Client: from, Seq: m.Seq, Op: m.Op, Key: m.Key, Value: m.Value, Expected: m.Expected})
	s.waiting[from] = pending{seq: m.Seq, index: idx, term: s.term}
	s.broadcastAppend(false)
	s.advanceCommit() // a one-server cluster commits at once
}

// applyCommitted applies every committed entry not yet applied, then
// compacts the log if it has grown past the threshold.
func (s *Server) applyCommitted() {
	for s.applied < s.commit {
		s.applied++
		e := s.entry(s.applied)
		rc.Apply.Record(s.env, rc.ApplyMark{Index: e.Index, Term: e.Term})
		s.apply(e)
	}
	if t := s.p.SnapshotThreshold; t > 0 && s.applied-s.snapIndex() > int64(t) {
		s.takeSnapshot()
	}
	s.publish()
}

// apply runs one command on the key-value map, once per (client, seq):
// a duplicate (a retry that reached the log twice) only answers.
func (s *Server) apply(e Entry) {
	c := e.Cmd
	if c.Op == "" {
		return // a leader's no-op
	}
	if s.bugs.CASAtLeader && c.Op == kv.OpCAS {
		c.Expected = s.kv[c.Key] // the broken variant: the leader compared already
	}
	// BEGIN SOLUTION kv
	sess, seen := s.sessions[c.Client]
	if !seen || c.Seq > sess.Seq {
		sess = Session{Seq: c.Seq}
		switch c.Op {
		case kv.OpGet:
			sess.Value = s.kv[c.Key]
		case kv.OpPut:
			s.kv[c.Key] = c.Value
		case kv.OpAppend:
			s.kv[c.Key] += c.Value
		case kv.OpCAS:
			sess.Value = s.kv[c.Key]
			if sess.Value == c.Expected {
				s.kv[c.Key], sess.Swapped = c.Value, true
			}
		}
		s.sessions[c.Client] = sess
	}
	// STUB
	// // TODO(lab): apply each (client, seq) once; remember its result for retries
	// sess := Session{Seq: c.Seq}
	// switch c.Op {
	// case kv.OpGet:
	// 	sess.Value = s.kv[c.Key]
	// case kv.OpPut:
	// 	s.kv[c.Key] = c.Value
	// case kv.OpAppend:
	// 	s.kv[c.Key] += c.Value
	// case kv.OpCAS:
	// 	// TODO(lab): swap only if the key holds c.Expected; say whether it did
	// }
	// END SOLUTION
	if w, ok := s.waiting[c.Client]; ok && w.seq == c.Seq {
		delete(s.waiting, c.Client)
		s.env.Send(c.Client, ClientReply{Seq: c.Seq, OK: true, Value: sess.Value, Swapped: sess.Swapped, Leader: s.id})
	}
}

// snapIndex is the index the last snapshot covers (0 without one).
func (s *Server) snapIndex() int64 {
	if s.snap == nil {
		return 0
	}
	return s.snap.Index
}

// takeSnapshot snapshots the state machine at the last applied entry and
// compacts the log. It keeps a tail of half the threshold behind the
// snapshot, so a follower a few entries behind still gets AppendEntries
// rather than the whole snapshot.
func (s *Server) takeSnapshot() {
	// BEGIN SOLUTION snapshots
	oldBase, oldLast := s.base(), s.lastIndex()
	s.snap = &Snapshot{Index: s.applied, Term: s.termAt(s.applied),
		KV: maps.Clone(s.kv), Sessions: maps.Clone(s.sessions)}
	if cut := s.applied - int64(s.p.SnapshotThreshold/2); cut > s.base() {
		s.compact(cut, s.termAt(cut))
	}
	s.persistSnapshot(oldBase, oldLast)
	// STUB
	// // TODO(lab): snapshot the state machine, compact the log, persist both
	// END SOLUTION
}

// compact drops the log up to index (of term), keeping any entries after
// it; a fresh slice lets the dropped entries be collected.
func (s *Server) compact(index, term int64) {
	var rest []Entry
	if s.termAt(index) == term {
		rest = s.log[index-s.base()+1:]
	}
	log := make([]Entry, 1, len(rest)+16)
	log[0] = Entry{Index: index, Term: term}
	s.log = append(log, rest...)
}

// loadSnapshot replaces the state machine with a snapshot's.
func (s *Server) loadSnapshot(sn Snapshot) {
	s.kv = maps.Clone(sn.KV)
	if s.kv == nil {
		s.kv = map[string]string{}
	}
	s.sessions = maps.Clone(sn.Sessions)
	if s.sessions == nil {
		s.sessions = map[NodeID]Session{}
	}
	s.commit = max(s.commit, sn.Index)
	s.applied = sn.Index
}

func (s *Server) handleInstallSnapshot(from NodeID, m InstallSnapshot) {
	if !acceptLeader(s, from, m.Term, InstallSnapshotReply{Term: s.term}) {
		return
	}
	sn := m.Snap
	// BEGIN SOLUTION snapshots
	if sn.Index > s.commit {
		oldBase, oldLast := s.base(), s.lastIndex()
		s.snap = &sn
		s.compact(sn.Index, sn.Term)
		s.persistSnapshot(oldBase, oldLast)
		s.loadSnapshot(sn)
		s.publish()
	}
	// STUB
	// // TODO(lab): install a snapshot newer than what is committed here
	// END SOLUTION
	s.env.Send(from, InstallSnapshotReply{Term: s.term, Index: sn.Index})
}

func (s *Server) handleSnapshotReply(from NodeID, m InstallSnapshotReply) {
	if m.Term > s.term {
		s.becomeFollower(m.Term, None)
		return
	}
	if s.role != Leader || m.Term != s.term {
		return
	}
	s.replied[from] = s.env.Now()
	s.snapSent[from] = -time.Hour // answered: another may go at once
	if m.Index > s.match[from] {
		s.match[from] = m.Index
		s.next[from] = max(s.next[from], m.Index+1)
		s.advanceCommit()
		if s.match[from] < s.lastIndex() {
			s.sendAppend(from)
		}
	}
}
