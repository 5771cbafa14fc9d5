package gossip

import (
	"context"
	"fmt"

	"distlab/checkers/check"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// violation is what gossip-validity found first.
type violation struct {
	at     int
	nodes  []trace.NodeID
	detail string
}

func runValidity(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := parsed(ctx, Validity, tr)
	if bad != nil {
		return *bad
	}
	if len(h.applies) == 0 {
		return check.Unknowable(Validity, "no replica's store ever changed: no version to validate")
	}
	v := h.validate(ctx)
	if v == nil && ctx.Err() != nil {
		return check.Unknowable(Validity, "out of time")
	}
	if v != nil {
		e := tr.At(v.at)
		r := check.Failed(Validity, e.Time, names(tr, v.nodes...), v.detail)
		r.Events = []int{v.at}
		return r
	}
	return check.Passed(Validity, fmt.Sprintf("%d store changes and %d reads: every entry is a client's write with the version its replica gave it, every gossiped entry came in a message that carried it, and no replica's version of a key went backwards", len(h.applies), len(h.reads)))
}

// validate walks the trace once and returns the first violation.
func (h *history) validate(ctx context.Context) *violation {
	tr := h.tr
	// genuine checks that an entry is some client's write as stamped.
	genuine := func(e gc.Entry) string {
		w := h.byValue[e.Value]
		switch {
		case w == nil:
			return fmt.Sprintf("value %q was never written by a client (invented)", e.Value)
		case w.key != e.Key:
			return fmt.Sprintf("value %q was written to key %s, not %s", e.Value, w.key, e.Key)
		case w.stamped && w.stamp != e.Stamp():
			return fmt.Sprintf("value %q carries version %v, but its replica stamped it %v", e.Value, e.Stamp(), w.stamp)
		case tr.NodeName(trace.NodeID(e.Node)) != w.replica:
			return fmt.Sprintf("value %q carries the version of %s, but it was written at %s", e.Value, tr.NodeName(trace.NodeID(e.Node)), w.replica)
		}
		return ""
	}
	sends := map[int64]int{} // message id → its send event, replica to replica
	n := len(tr.Header.Nodes)
	last := make([]map[string]gc.Stamp, n) // per replica: this incarnation's version of each key
	held := make([]map[gc.Entry]bool, n)   // per replica: every entry it ever held, for restores
	for _, id := range h.servers {
		last[id], held[id] = map[string]gc.Stamp{}, map[gc.Entry]bool{}
	}
	var cur handler
	next := 0 // the next apply in h.applies
	reads := trace.KindsOf(trace.Start, trace.Restart, trace.Deliver, trace.TimerFire, trace.Send, trace.Crash, trace.Mark)
	seen := 0
	var e trace.Event
	for i := range tr.Scan(reads, 0, tr.Len()) {
		if seen++; seen&0xffff == 0 && ctx.Err() != nil {
			return nil
		}
		tr.Fill(i, &e)
		if startsHandler(e.Kind) {
			cur = handlerOf(&e)
		}
		switch e.Kind {
		case trace.Send:
			if h.server(e.Node) && h.server(e.Peer) {
				sends[e.Msg] = i
			}
		case trace.Crash:
			if h.server(e.Node) {
				clear(last[e.Node])
			}
		case trace.Mark:
			for next < len(h.applies) && h.applies[next].idx < i {
				next++
			}
			if next == len(h.applies) || h.applies[next].idx != i || !h.server(e.Node) {
				continue
			}
			m := h.applies[next]
			en := m.entry
			node := tr.NodeName(e.Node)
			if why := genuine(en); why != "" {
				return &violation{i, []trace.NodeID{e.Node}, fmt.Sprintf("%s applied %s: %s", node, en.Key, why)}
			}
			if prev, ok := last[e.Node][en.Key]; ok && !en.Stamp().After(prev) {
				return &violation{i, []trace.NodeID{e.Node}, fmt.Sprintf("%s's version of %s went backwards: it held %v and took %q with the older version %v (%s from %s)",
					node, en.Key, prev, en.Value, en.Stamp(), m.via, m.from)}
			}
			last[e.Node][en.Key] = en.Stamp()
			switch m.via {
			case gc.ViaGossip:
				if why := h.deliveredIt(cur, e.Node, m.from, en, sends); why != "" {
					return &violation{i, []trace.NodeID{e.Node}, fmt.Sprintf("%s applied %s=%q from %s, but %s", node, en.Key, en.Value, m.from, why)}
				}
			case gc.ViaWrite:
				if !cur.deliver || cur.node != e.Node || tr.NodeName(cur.from) != m.from || h.server(cur.from) {
					return &violation{i, []trace.NodeID{e.Node}, fmt.Sprintf("%s applied %s=%q as a client's write, but it was not handling a message from client %s", node, en.Key, en.Value, m.from)}
				}
			case gc.ViaRestore:
				if !held[e.Node][en] {
					return &violation{i, []trace.NodeID{e.Node}, fmt.Sprintf("%s restored %s=%q %v from storage, but never held it before", node, en.Key, en.Value, en.Stamp())}
				}
			}
			held[e.Node][en] = true
		}
	}
	for _, r := range h.reads {
		for _, en := range r.list {
			if why := genuine(en); why != "" {
				c := tr.At(r.idx)
				return &violation{r.idx, []trace.NodeID{c.Node}, fmt.Sprintf("a read of %s returned %s: %s", r.replica, en.Key, why)}
			}
		}
	}
	return nil
}

// deliveredIt says why an apply from peer is not backed by the message
// being handled, or "" when that message came from peer and carried en.
func (h *history) deliveredIt(cur handler, node trace.NodeID, peer string, en gc.Entry, sends map[int64]int) string {
	if !cur.deliver || cur.node != node {
		return "it was not handling a message then"
	}
	if from := h.tr.NodeName(cur.from); from != peer {
		return fmt.Sprintf("the message it was handling came from %s", from)
	}
	idx, ok := sends[cur.msg]
	if !ok {
		return "the message it was handling was never sent by a replica"
	}
	send := h.tr.At(idx)
	entries, ok := carried(&send)
	if !ok {
		return fmt.Sprintf("the message it was handling (%s) carries no entries", send.Name)
	}
	for _, x := range entries {
		if x == en {
			return ""
		}
	}
	return fmt.Sprintf("the message it was handling (%s #%d) did not carry it", send.Name, cur.msg)
}
