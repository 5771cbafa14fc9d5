package gossip

import (
	gc "distlab/contract/gossip"
)

// Store is one replica's versioned key-value store: one entry per key,
// kept in the order the keys were first seen (deterministic, and cheap to
// send whole). Entries returns the store's own slice; the store copies it
// before the next change, so a slice handed to Env.Send is never written
// through (strict mode would catch that).
type Store struct {
	entries []gc.Entry
	index   map[string]int
	shared  bool // entries was handed out: copy before writing
	// arrival makes Merge keep whatever arrives last (the broken variant).
	arrival bool
	// scratch is reused by Diff.
	scratch []bool
}

// Len is the number of keys.
func (s *Store) Len() int { return len(s.entries) }

// Get returns the entry of key.
func (s *Store) Get(key string) (gc.Entry, bool) {
	i, ok := s.index[key]
	if !ok {
		return gc.Entry{}, false
	}
	return s.entries[i], true
}

// Entries is every entry, in the store's order. Read it or send it; do
// not change it.
func (s *Store) Entries() []gc.Entry {
	s.shared = true
	return s.entries
}

// set writes entry i (or appends a new key), copying first if the slice
// was handed out.
func (s *Store) set(e gc.Entry) {
	if s.shared {
		s.entries = append(make([]gc.Entry, 0, len(s.entries)+1), s.entries...)
		s.shared = false
	}
	if i, ok := s.index[e.Key]; ok {
		s.entries[i] = e
		return
	}
	if s.index == nil {
		s.index = map[string]int{}
	}
	s.index[e.Key] = len(s.entries)
	s.entries = append(s.entries, e)
}

// Merge takes e into the store if it is newer than what the store holds
// for its key, and reports whether the store changed. Newer means the
// later timestamp; equal timestamps are broken by the larger node id, so
// every replica picks the same winner whatever order entries arrive in.
func (s *Store) Merge(e gc.Entry) bool {
	cur, ok := s.Get(e.Key)
	if s.arrival {
		// BROKEN on purpose: the last arrival wins, whatever its version.
		if ok && cur == e {
			return false
		}
		s.set(e)
		return true
	}
	// BEGIN SOLUTION merge
	if ok && !newer(e, cur) {
		return false
	}
	s.set(e)
	return true
	// STUB
	// _ = cur
	// _ = ok
	// panic("TODO(lab gossip): keep e only if it is newer than the entry held for its key")
	// END SOLUTION
}

// newer reports whether a's version beats b's: a later timestamp, or the
// same timestamp and a larger node id.
func newer(a, b gc.Entry) bool {
	// BEGIN SOLUTION merge-order
	return a.TS > b.TS || (a.TS == b.TS && a.Node > b.Node)
	// STUB
	// panic("TODO(lab gossip): compare (timestamp, node id)")
	// END SOLUTION
}

// KeyStamp is one key's version in a digest: no value.
type KeyStamp struct {
	Key  string
	TS   int64
	Node int32
}

// Digest is the store without its values: what anti-entropy sends first,
// so that only the entries that differ travel.
func (s *Store) Digest() []KeyStamp {
	out := make([]KeyStamp, len(s.entries))
	for i, e := range s.entries {
		out[i] = KeyStamp{Key: e.Key, TS: e.TS, Node: e.Node}
	}
	return out
}

// Diff compares a peer's digest with the store: send lists the entries
// this store should send the peer (keys the digest lacks, or holds an older
// version of), want the keys for which the peer holds something newer (or
// that this store lacks).
func (s *Store) Diff(digest []KeyStamp) (send []gc.Entry, want []string) {
	// BEGIN SOLUTION diff
	// covered[i]: entry i appears in the digest (scratch, reused).
	covered := s.scratch[:0]
	for range s.entries {
		covered = append(covered, false)
	}
	for _, d := range digest {
		i, ok := s.index[d.Key]
		if !ok {
			want = append(want, d.Key)
			continue
		}
		covered[i] = true
		mine := s.entries[i]
		theirs := gc.Entry{Key: d.Key, TS: d.TS, Node: d.Node}
		switch {
		case newer(theirs, mine):
			want = append(want, d.Key)
		case newer(mine, theirs):
			send = append(send, mine)
		}
	}
	for i, e := range s.entries {
		if !covered[i] {
			send = append(send, e)
		}
	}
	s.scratch = covered
	return send, want
	// STUB
	// _ = digest
	// panic("TODO(lab gossip): the entries the peer lacks or holds older, and the keys it holds newer")
	// END SOLUTION
}

// Pick returns the entries of the given keys (those the store holds).
func (s *Store) Pick(keys []string) []gc.Entry {
	out := make([]gc.Entry, 0, len(keys))
	for _, k := range keys {
		if e, ok := s.Get(k); ok {
			out = append(out, e)
		}
	}
	return out
}
