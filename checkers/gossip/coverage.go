package gossip

import (
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// coverage is how far one update got: which live servers hold it (or a
// newer version of its key) at the end, since when, and in how many hops.
type coverage struct {
	w       *write
	holders int            // live servers holding it at the end
	missing []trace.NodeID // live servers that do not
	at      time.Duration  // when the last holder got it for good (complete coverage only)
	hops    int            // the longest chain of messages that carried this very value
}

// complete reports whether every live server holds the update.
func (c coverage) complete() bool { return len(c.missing) == 0 }

// heldSince is when server n began to hold w's key at w's version or
// newer for good (until the end), or false when it does not at the end.
func (h *history) heldSince(n trace.NodeID, w *write) (time.Duration, bool) {
	tl := h.timeline[nodeKey{n, w.key}]
	j := len(tl)
	for j > 0 && !w.stamp.After(tl[j-1].stamp) {
		j--
	}
	if j == len(tl) {
		return 0, false
	}
	return tl[j].at, true
}

// cover measures every stamped update's coverage of the servers up at
// the end.
func (h *history) cover() []coverage {
	hops := h.hopDepths()
	var out []coverage
	for _, w := range h.writes {
		if !w.stamped {
			continue
		}
		c := coverage{w: w, hops: hops[w.value]}
		for _, n := range h.liveEnd {
			at, ok := h.heldSince(n, w)
			if !ok {
				c.missing = append(c.missing, n)
				continue
			}
			c.holders++
			c.at = max(c.at, at)
		}
		out = append(out, c)
	}
	return out
}

// hopDepths follows each written value from replica to replica: a replica
// that took the write is at depth 0, one that got it from a peer at the
// peer's depth plus one. It returns each value's deepest replica.
func (h *history) hopDepths() map[string]int {
	type nodeValue struct {
		node  trace.NodeID
		value string
	}
	depth := map[nodeValue]int{}
	deepest := map[string]int{}
	for _, a := range h.applies {
		var d int
		switch a.via {
		case gc.ViaWrite:
			d = 0
		case gc.ViaGossip:
			from, ok := h.byName[a.from]
			if !ok {
				continue
			}
			pd, ok := depth[nodeValue{from, a.entry.Value}]
			if !ok {
				continue
			}
			d = pd + 1
		default:
			continue
		}
		k := nodeValue{a.node, a.entry.Value}
		if _, seen := depth[k]; !seen {
			depth[k] = d
			deepest[a.entry.Value] = max(deepest[a.entry.Value], d)
		}
	}
	return deepest
}
