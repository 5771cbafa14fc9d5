package trace

import "iter"

// indexedKinds are the kinds a run records seldom — operations, marks,
// faults, starts and ends — whose events the store lists as they are
// recorded (a few per thousand messages and timers), so that Scan finds
// them without reading the rest.
var indexedKinds = KindsOf(Start, Crash, Restart, Partition, Heal, Cut, Isolate, Rejoin,
	Invoke, Return, Mark, Log, Error, End, Pause, Resume)

// FaultKinds are the kinds Kind.IsFault reports: network changes,
// crashes, restarts, pauses and their ends.
var FaultKinds = KindsOf(Partition, Heal, Cut, Isolate, Rejoin, Crash, Restart, Pause, Resume)

// Scan yields, in order, the indexes in [from, to) of the events whose
// kind is in kinds (to is cut to Len). Kinds a run records seldom
// (operations, marks, faults) come from an index; other kinds are found
// by reading each event's kind and nothing else.
func (t *Trace) Scan(kinds KindSet, from, to int) iter.Seq[int] {
	from, to = max(from, 0), min(to, t.n)
	return func(yield func(int) bool) {
		if from >= to || t.st == nil {
			return
		}
		if kinds&^indexedKinds == 0 {
			t.st.scanIndexed(kinds, from, to, yield)
			return
		}
		t.st.scanKinds(kinds, from, to, yield)
	}
}

// scanIndexed merges the index lists of kinds.
func (st *store) scanIndexed(kinds KindSet, from, to int, yield func(int) bool) {
	type cursor struct {
		list []uint32
		at   int
	}
	var cursors [numKinds]cursor
	n := 0
	for k := range numKinds {
		if !kinds.Has(k) || len(st.posts[k]) == 0 {
			continue
		}
		list := st.posts[k]
		cursors[n] = cursor{list, searchIndex(list, from)}
		n++
	}
	live := cursors[:n]
	if len(live) == 1 { // the common case: one kind, no merging
		c := live[0]
		for _, i := range c.list[c.at:] {
			if int(i) >= to || !yield(int(i)) {
				return
			}
		}
		return
	}
	for {
		best, bestAt := -1, to
		for k := range live {
			c := &live[k]
			if c.at < len(c.list) && int(c.list[c.at]) < bestAt {
				best, bestAt = k, int(c.list[c.at])
			}
		}
		if best < 0 {
			return
		}
		live[best].at++
		if !yield(bestAt) {
			return
		}
	}
}

// searchIndex is the position of the first entry of list at or after i.
func searchIndex(list []uint32, i int) int {
	lo, hi := 0, len(list)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if int(list[mid]) < i {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// scanKinds reads the kind of every event in [from, to).
func (st *store) scanKinds(kinds KindSet, from, to int, yield func(int) bool) {
	for i := from; i < to; {
		c := st.chunks[i>>chunkBits]
		end := min(to, (i>>chunkBits+1)<<chunkBits)
		if c.spilled() {
			for ; i < end; i++ {
				if kinds.Has(c.sp.recAt(c, i).kind) && !yield(i) {
					return
				}
			}
			continue
		}
		base := i &^ chunkMask
		for k, r := range c.recs[i-base : end-base] {
			if kinds.Has(r.kind) && !yield(i+k) {
				return
			}
		}
		i = end
	}
}
