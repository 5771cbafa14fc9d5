package mutex

import (
	"context"
	"fmt"
	"slices"
	"time"

	"distlab/contract"
	mc "distlab/contract/mutex"
	"distlab/simnet/trace"
)

// request is one cs-request and what became of it.
type request struct {
	node      trace.NodeID
	seq, ts   int64
	at        time.Duration
	idx       int // trace index of the request mark
	enterIdx  int // trace index of its cs-enter, or -1
	enterAt   time.Duration
	cancelled bool // its node crashed before it entered
	restarted bool // made by an instance that follows a crash
}

// interval is one stay inside the critical section, [start, end).
type interval struct {
	node             trace.NodeID
	start, end       time.Duration
	startIdx, endIdx int // endIdx is -1 when the run ended inside
	open             bool
}

// coordEvent is a queued or grant mark of the central coordinator.
type coordEvent struct {
	grant bool
	node  string
	seq   int64
	at    time.Duration
	idx   int
	coord trace.NodeID
}

// history is what the checkers need from a trace.
type history struct {
	tr        *trace.Trace
	requests  []*request
	intervals []*interval
	coord     []coordEvent
	crashes   []trace.Event // crashes, for the coordinator's lost queue
	lastFault time.Duration
	end       time.Duration
	lastExit  time.Duration
	problems  []string // enter twice, exit while outside…
	firstProb int      // trace index of the first problem
}

var errTimeout = fmt.Errorf("out of time")

// parse reads the marks; it checks ctx now and then so a huge trace
// yields Unknown rather than running on.
func parse(ctx context.Context, tr *trace.Trace) (*history, error) {
	h := &history{tr: tr, end: tr.End(), firstProb: -1}
	n := len(tr.Header.Nodes)
	cur := make([]*request, n) // each node's latest request
	in := make([]*interval, n) // each node's open interval
	restarted := make([]bool, n)
	grow := func(id trace.NodeID) {
		for int(id) >= len(cur) {
			cur, in, restarted = append(cur, nil), append(in, nil), append(restarted, false)
		}
	}
	problem := func(e *trace.Event, f string, a ...any) {
		if h.firstProb < 0 {
			h.firstProb = e.Index
		}
		h.problems = append(h.problems, fmt.Sprintf("%v %s: ", e.Time, tr.NodeName(e.Node))+fmt.Sprintf(f, a...))
	}
	for i := range tr.Len() {
		if i&0xffff == 0xffff && ctx.Err() != nil {
			return nil, errTimeout
		}
		e := tr.At(i)
		switch e.Kind {
		case trace.Crash:
			grow(e.Node)
			h.lastFault = e.Time
			h.crashes = append(h.crashes, e)
			if iv := in[e.Node]; iv != nil {
				iv.end, iv.endIdx, iv.open = e.Time, e.Index, false
				in[e.Node] = nil
			}
			if r := cur[e.Node]; r != nil && r.enterIdx < 0 {
				r.cancelled = true
			}
			cur[e.Node] = nil
			restarted[e.Node] = true
		case trace.Restart, trace.Partition, trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin:
			h.lastFault = e.Time
		case trace.Mark:
			grow(e.Node)
			switch {
			case mc.Request.Is(&e):
				d, err := mc.Request.Decode(&e)
				if err != nil {
					return nil, err
				}
				if r := cur[e.Node]; r != nil && r.enterIdx < 0 {
					problem(&e, "requested again before its request %d was granted", r.seq)
				}
				r := &request{node: e.Node, seq: d.Seq, ts: d.TS, at: e.Time, idx: e.Index, enterIdx: -1, restarted: restarted[e.Node]}
				h.requests = append(h.requests, r)
				cur[e.Node] = r
			case mc.Enter.Is(&e):
				if in[e.Node] != nil {
					problem(&e, "entered again without leaving")
					continue
				}
				iv := &interval{node: e.Node, start: e.Time, startIdx: e.Index, endIdx: -1, open: true}
				h.intervals = append(h.intervals, iv)
				in[e.Node] = iv
				if r := cur[e.Node]; r != nil && r.enterIdx < 0 {
					r.enterIdx, r.enterAt = e.Index, e.Time
				}
			case mc.Exit.Is(&e):
				iv := in[e.Node]
				if iv == nil {
					problem(&e, "left the critical section without being inside")
					continue
				}
				iv.end, iv.endIdx, iv.open = e.Time, e.Index, false
				in[e.Node] = nil
				h.lastExit = e.Time
			case mc.Queued.Is(&e), mc.Grant.Is(&e):
				m := mc.Queued
				if mc.Grant.Is(&e) {
					m = mc.Grant
				}
				d, err := m.Decode(&e)
				if err != nil {
					return nil, err
				}
				h.coord = append(h.coord, coordEvent{grant: mc.Grant.Is(&e), node: d.Node, seq: d.Seq, at: e.Time, idx: e.Index, coord: e.Node})
			}
		}
	}
	for _, iv := range h.intervals {
		if iv.open {
			iv.end = h.end
		}
	}
	return h, nil
}

// servers counts the servers (every node when the header has no groups).
func servers(tr *trace.Trace) int { return len(contract.Servers(tr.Header)) }

func names(tr *trace.Trace, ids ...trace.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tr.NodeName(id)
	}
	return out
}

// sortedKeys returns a map's keys in order (reports must not depend on map order).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
