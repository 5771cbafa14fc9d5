package tui

import (
	"fmt"

	"distlab/simnet/trace"
)

// hbIndex holds the happens-before links of a trace, as the causality
// checker derives them: program order on each node (its own steps: what
// it received, fired, published, sent…), and each message's send before
// its delivery. A loss hangs off its send (the message's fate) and leads
// nowhere. Network faults belong to no node: they are concurrent with
// everything. Each event keeps its links in flat arrays, so that the past
// or the future of an event is one walk over exactly the events in it.
type hbIndex struct {
	n       int
	prev    []int32 // previous step of the same node, -1
	next    []int32 // next step of the same node, -1
	send    []int32 // a delivery's or loss's send, -1
	endHead []int32 // a send's first delivery or loss, -1
	endNext []int32 // the next delivery or loss of the same message, -1
	endTail []int32 // a send's last delivery or loss so far (to append), -1
	last    []int32 // per node: its last step so far
	// ops: client operations, (node, op id) → invoke and return events.
	ops map[opKey]opSpan
}

type opKey struct {
	node trace.NodeID
	op   int64
}

type opSpan struct{ invoke, ret int }

func (ix *index) happensBefore() *hbIndex {
	if ix.hb == nil {
		ix.hb = &hbIndex{ops: map[opKey]opSpan{}}
		ix.hb.extend(ix)
	}
	return ix.hb
}

func (h *hbIndex) extend(ix *index) {
	tr := ix.tr
	for i := h.n; i < tr.Len(); i++ {
		e := tr.At(i)
		h.prev = append(h.prev, -1)
		h.next = append(h.next, -1)
		h.send = append(h.send, -1)
		h.endHead = append(h.endHead, -1)
		h.endNext = append(h.endNext, -1)
		h.endTail = append(h.endTail, -1)
		if a := actor(&e); a >= 0 {
			for int(a) >= len(h.last) {
				h.last = append(h.last, -1)
			}
			if p := h.last[a]; p >= 0 {
				h.prev[i] = p
				h.next[p] = int32(i)
			}
			h.last[a] = int32(i)
		}
		switch e.Kind {
		case trace.Deliver, trace.Drop:
			if s := ix.desc.SendOf(e.Msg); s >= 0 && s < i {
				h.send[i] = int32(s)
				if t := h.endTail[s]; t >= 0 {
					h.endNext[t] = int32(i)
				} else {
					h.endHead[s] = int32(i)
				}
				h.endTail[s] = int32(i)
			}
		case trace.Invoke, trace.Return:
			k := opKey{e.Node, e.Op}
			sp, ok := h.ops[k]
			if !ok {
				sp = opSpan{-1, -1}
			}
			if e.Kind == trace.Invoke {
				sp.invoke = i
			} else {
				sp.ret = i
			}
			h.ops[k] = sp
		}
	}
	h.n = tr.Len()
}

// bits is a set of event indexes.
type bits []uint64

func newBits(n int) bits      { return make(bits, (n+63)/64) }
func (b bits) has(i int) bool { return i >= 0 && i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }
func (b bits) add(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bits) and(o bits) {
	for k := range b {
		b[k] &= o[k]
	}
}
func (b bits) count() (n int) {
	for _, w := range b {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

// past is every event that happened before event i, and i.
func (h *hbIndex) past(i int) bits {
	seen := newBits(h.n)
	stack := []int32{int32(i)}
	seen.add(i)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range [2]int32{h.prev[x], h.send[x]} {
			if p >= 0 && !seen.has(int(p)) {
				seen.add(int(p))
				stack = append(stack, p)
			}
		}
	}
	return seen
}

// future is every event that event i happened before, and i.
func (h *hbIndex) future(i int) bits {
	seen := newBits(h.n)
	stack := []int32{int32(i)}
	seen.add(i)
	push := func(p int32) {
		if p >= 0 && !seen.has(int(p)) {
			seen.add(int(p))
			stack = append(stack, p)
		}
	}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		push(h.next[x])
		for d := h.endHead[x]; d >= 0; d = h.endNext[d] {
			push(d)
		}
	}
	return seen
}

// causalView is what c (an event's causal past and future) or o (one
// operation's chain) shows: rows in it are drawn as usual, the rest dimmed.
type causalView struct {
	ev      int // the selected event, or the operation's invoke
	past    bits
	future  bits // nil for an operation's chain
	chain   bool
	label   string
	ofTotal int // events in the trace when it was computed
}

// in reports whether event i is in the view.
func (c *causalView) in(i int) bool {
	return c.past.has(i) || (c.future != nil && c.future.has(i))
}

// mark is the gutter sign of event i: ↑ before, ↓ after, ● the event itself.
func (c *causalView) mark(i int) rune {
	switch {
	case i == c.ev:
		return '◉'
	case c.chain && c.past.has(i):
		return '┃'
	case c.past.has(i):
		return '↑'
	case c.future != nil && c.future.has(i):
		return '↓'
	}
	return 0
}

// causalOf computes the causal past and future of event ev.
func (ix *index) causalOf(ev int) *causalView {
	h := ix.happensBefore()
	c := &causalView{ev: ev, past: h.past(ev), future: h.future(ev), ofTotal: h.n}
	c.label = fmt.Sprintf("causal past of #%d: %d events, future: %d (c again: off)", ev+1, c.past.count()-1, c.future.count()-1)
	return c
}

// requestOf follows one client operation from its invoke to its return:
// the events after the invoke and before the return (its request, the
// replication, the commit, the reply). An operation still open at the end
// is followed to the end of the trace.
func (ix *index) requestOf(ev int) (*causalView, error) {
	h := ix.happensBefore()
	e := ix.tr.At(ev)
	if e.Kind != trace.Invoke && e.Kind != trace.Return {
		return nil, fmt.Errorf("select a client's invoke ▷ or return ◁ first (f invoke lists them)")
	}
	sp := h.ops[opKey{e.Node, e.Op}]
	if sp.invoke < 0 {
		return nil, fmt.Errorf("operation #%d of %s has no invoke in the trace", e.Op, ix.tr.NodeName(e.Node))
	}
	chain := h.future(sp.invoke)
	what := "to its return"
	if sp.ret >= 0 {
		chain.and(h.past(sp.ret))
	} else {
		what = "(it never returned)"
	}
	c := &causalView{ev: sp.invoke, past: chain, chain: true, ofTotal: h.n}
	c.label = fmt.Sprintf("operation #%d of %s %s: %d events (o again: off)", e.Op, ix.tr.NodeName(e.Node), what, chain.count())
	return c, nil
}
