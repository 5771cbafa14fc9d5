package gossip

import (
	"context"
	"fmt"
	"sort"
	"time"

	"distlab/contract"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// write is one client write and what became of it.
type write struct {
	idx     int // trace index of the invocation
	client  trace.NodeID
	replica string
	key     string
	value   string
	invoke  time.Duration
	ret     time.Duration // when it returned (acked or given up)
	acked   bool
	stamp   gc.Stamp // as the replica stamped it (acked, or seen applied)
	stamped bool
	origin  time.Duration // when the replica took it (its write apply), or invoke
}

// precedes reports whether w was acknowledged before o was invoked: in
// real time, w happened before o.
func (w *write) precedes(o *write) bool { return w.acked && w.ret < o.invoke }

// read is one client read.
type read struct {
	idx     int
	client  trace.NodeID
	replica string
	invoke  time.Duration
	ret     time.Duration
	entries map[string]gc.Entry
	list    []gc.Entry // the entries in the order returned
}

// apply is one Apply mark.
type apply struct {
	idx   int
	node  trace.NodeID
	at    time.Duration
	entry gc.Entry
	via   string
	from  string
}

// history is what the gossip checkers need from a trace: the client
// history, every store change, who was up at the end, and the rounds.
type history struct {
	tr        *trace.Trace
	events    int // the trace's length when it was read
	byName    map[string]trace.NodeID
	servers   []trace.NodeID
	isServer  []bool
	writes    []*write
	byValue   map[string]*write
	reads     []*read
	applies   []apply
	period    time.Duration // the replicas' round (0: none)
	protocol  string
	liveEnd   []trace.NodeID // servers up at the end
	end       time.Duration
	quiet     time.Duration   // the later of the last write and the last fault
	faults    []time.Duration // the time of every fault, in order
	lastFault time.Duration
	sends     []time.Duration // the time of every message between replicas, in order
	problems  []problem       // payloads that do not decode
	// What each server's store held over time, replayed from the marks:
	// stores is the current (at the end: final) store of each server,
	// timeline every version each (server, key) held, a crash included
	// (the zero stamp: the volatile store is gone), lastChange the time of
	// each server's last change.
	stores     []map[string]gc.Entry
	timeline   map[nodeKey][]point
	lastChange []time.Duration
}

type nodeKey struct {
	node trace.NodeID
	key  string
}

// point is one version a server held from a time on.
type point struct {
	at    time.Duration
	stamp gc.Stamp
}

// problem is something wrong found while reading the trace.
type problem struct {
	idx  int
	at   time.Duration
	node trace.NodeID
	text string
}

var errTimeout = fmt.Errorf("out of time")

// parse reads the client history and the marks. It checks ctx now and
// then, so a huge trace yields unknown rather than running on.
func parse(ctx context.Context, tr *trace.Trace) (*history, error) {
	h := &history{tr: tr, events: tr.Len(), servers: contract.Servers(tr.Header), byValue: map[string]*write{}, end: tr.End()}
	n := len(tr.Header.Nodes)
	h.byName = make(map[string]trace.NodeID, n)
	for i, name := range tr.Header.Nodes {
		h.byName[name] = trace.NodeID(i)
	}
	h.isServer = make([]bool, n)
	h.stores = make([]map[string]gc.Entry, n)
	h.lastChange = make([]time.Duration, n)
	h.timeline = map[nodeKey][]point{}
	for _, id := range h.servers {
		h.isServer[id] = true
		h.stores[id] = map[string]gc.Entry{}
	}
	pendingW := map[int64]*write{}
	pendingR := map[int64]*read{}
	w := trace.NewWorld(tr.Header) // asked only who is up: starts and faults make it
	reads := trace.FaultKinds | trace.KindsOf(trace.Start, trace.Send, trace.Invoke, trace.Return, trace.Mark)
	seen := 0
	var e trace.Event
	for i := range tr.Scan(reads, 0, tr.Len()) {
		if seen++; seen&0xffff == 0 && ctx.Err() != nil {
			return nil, errTimeout
		}
		tr.Fill(i, &e)
		w.Apply(&e)
		if e.Kind.IsFault() {
			h.faults = append(h.faults, e.Time)
		}
		switch e.Kind {
		case trace.Send:
			if h.server(e.Node) && h.server(e.Peer) {
				h.sends = append(h.sends, e.Time)
			}
		case trace.Crash:
			if h.server(e.Node) {
				// The volatile store is gone; a durable replica marks what
				// it reads back at its restart.
				for key := range h.stores[e.Node] {
					k := nodeKey{e.Node, key}
					h.timeline[k] = append(h.timeline[k], point{at: e.Time})
				}
				clear(h.stores[e.Node])
				h.lastChange[e.Node] = e.Time
			}
		case trace.Invoke:
			var in gc.Input
			if err := e.DecodeData(&in); err != nil {
				h.problem(&e, "invocation %d does not decode: %v", e.Op, err)
				continue
			}
			switch in.Kind {
			case gc.OpWrite:
				wr := &write{idx: i, client: e.Node, replica: in.Replica, key: in.Key, value: in.Value, invoke: e.Time, ret: -1, origin: e.Time}
				if old := h.byValue[in.Value]; old != nil {
					h.problem(&e, "value %q is written twice (first at %v): values must be unique", in.Value, old.invoke)
					continue
				}
				h.writes = append(h.writes, wr)
				h.byValue[in.Value] = wr
				pendingW[e.Op] = wr
				h.quiet = max(h.quiet, e.Time)
			case gc.OpRead:
				pendingR[e.Op] = &read{idx: i, client: e.Node, replica: in.Replica, invoke: e.Time}
			}
		case trace.Return:
			var out gc.Output
			if err := e.DecodeData(&out); err != nil {
				h.problem(&e, "return of operation %d does not decode: %v", e.Op, err)
				continue
			}
			if wr := pendingW[e.Op]; wr != nil {
				delete(pendingW, e.Op)
				wr.ret = e.Time
				h.quiet = max(h.quiet, e.Time)
				if out.OK && out.Entry != nil {
					wr.acked = true
					if wr.stamped && wr.stamp != out.Entry.Stamp() {
						h.problem(&e, "write %q was acknowledged with version %v but applied with %v", wr.value, out.Entry.Stamp(), wr.stamp)
					}
					wr.stamp, wr.stamped = out.Entry.Stamp(), true
				}
			} else if rd := pendingR[e.Op]; rd != nil {
				delete(pendingR, e.Op)
				if out.OK {
					rd.ret = e.Time
					rd.list = out.Entries
					rd.entries = make(map[string]gc.Entry, len(out.Entries))
					for _, en := range out.Entries {
						rd.entries[en.Key] = en
					}
					h.reads = append(h.reads, rd)
				}
			}
		case trace.Mark:
			switch {
			case gc.Apply.Is(&e):
				m, err := gc.Apply.Decode(&e)
				if err != nil {
					h.problem(&e, "%v", err)
					continue
				}
				h.applies = append(h.applies, apply{idx: i, node: e.Node, at: e.Time, entry: m.Entry(), via: m.Via, from: m.From})
				if h.server(e.Node) {
					h.stores[e.Node][m.Key] = m.Entry()
					k := nodeKey{e.Node, m.Key}
					h.timeline[k] = append(h.timeline[k], point{at: e.Time, stamp: m.Entry().Stamp()})
					h.lastChange[e.Node] = e.Time
				}
				if m.Via == gc.ViaWrite {
					if wr := h.byValue[m.Value]; wr != nil && !wr.stamped {
						wr.stamp, wr.stamped, wr.origin = m.Entry().Stamp(), true, e.Time
					} else if wr != nil && wr.origin == wr.invoke {
						wr.origin = e.Time
					}
				}
			case gc.Config.Is(&e):
				m, err := gc.Config.Decode(&e)
				if err != nil {
					h.problem(&e, "%v", err)
					continue
				}
				h.period = max(h.period, time.Duration(m.Period))
				h.protocol = m.Protocol
			}
		}
	}
	h.lastFault = tr.LastFault()
	h.quiet = max(h.quiet, h.lastFault)
	sort.SliceStable(h.reads, func(i, j int) bool { return h.reads[i].idx < h.reads[j].idx })
	for _, id := range h.servers {
		if w.Up(id) {
			h.liveEnd = append(h.liveEnd, id)
		}
	}
	return h, nil
}

func (h *history) server(id trace.NodeID) bool {
	return id >= 0 && int(id) < len(h.isServer) && h.isServer[id]
}

func (h *history) problem(e *trace.Event, format string, args ...any) {
	h.problems = append(h.problems, problem{idx: e.Index, at: e.Time, node: e.Node, text: fmt.Sprintf(format, args...)})
}

// acked lists the acknowledged writes.
func (h *history) acked() []*write {
	var out []*write
	for _, w := range h.writes {
		if w.acked {
			out = append(out, w)
		}
	}
	return out
}

// sees reports whether read r shows write w: it returns w itself, or a
// newer version of w's key written by a write that does not precede w in
// real time (a write that finished before w began cannot legitimately
// replace it, whatever its timestamp says).
func (h *history) sees(r *read, w *write) bool {
	e, ok := r.entries[w.key]
	if !ok {
		return false
	}
	if e.Value == w.value {
		return true
	}
	other := h.byValue[e.Value]
	if other == nil || other.precedes(w) {
		return false
	}
	return !w.stamp.After(e.Stamp())
}

// holds reports whether read r returned w's key at w's version or newer.
func (r *read) holds(w *write) bool {
	e, ok := r.entries[w.key]
	return ok && !w.stamp.After(e.Stamp())
}

// readsAfter lists the reads invoked at or after t, in invocation order.
func (h *history) readsAfter(t time.Duration) []*read {
	i := sort.Search(len(h.reads), func(i int) bool { return h.reads[i].invoke >= t })
	return h.reads[i:]
}

// sentBetween counts the messages between replicas sent in [from, to].
func (h *history) sentBetween(from, to time.Duration) int {
	i := sort.Search(len(h.sends), func(i int) bool { return h.sends[i] >= from })
	j := sort.Search(len(h.sends), func(i int) bool { return h.sends[i] > to })
	return j - i
}

// rounds counts the round instants (multiples of the period) in [from, to):
// the rounds an update took to get from one time to another.
func (h *history) rounds(from, to time.Duration) float64 {
	if h.period <= 0 || to <= from {
		return 0
	}
	first := (from + h.period - 1) / h.period // the first round at or after from
	last := (to - 1) / h.period               // the last round before to
	return float64(max(0, last-first+1))
}
