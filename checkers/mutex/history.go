package mutex

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"distlab/checkers/check"
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

// history is what the checkers need from a trace, gathered event by
// event (observe) so that the checks can judge a run as it is recorded.
type history struct {
	hdr       trace.Header
	requests  []*request
	intervals []*interval
	coord     []coordEvent
	crashes   []trace.Event // crashes, for the coordinator's lost queue
	ring      []ringEvent   // crashes, requests and entries in order, for the ring's fairness
	lastFault time.Duration
	end       time.Duration
	lastExit  time.Duration
	problems  []string // enter twice, exit while outside…
	firstProb int      // trace index of the first problem
	probAt    time.Duration
	probNode  trace.NodeID
	sends     sendCount // messages sent, for the cost
	err       error     // a mark that could not be read: the history stops there

	cur       []*request  // each node's latest request
	in        []*interval // each node's open interval
	restarted []bool
}

// ringEvent is one step of what the ring's fairness replays.
type ringEvent struct {
	kind        trace.Kind // Crash, or Mark for a request (req set), a regenerated token or an entry
	node        trace.NodeID
	req         *request
	regenerated bool
	at          time.Duration
	idx         int
}

// sendCount counts the messages sent up to the last exit from the
// critical section (mutex-cost's window): all of them so far, and a copy
// taken once the instant of the latest exit is over.
type sendCount struct {
	total, atExit    int
	byType, byAtExit map[string]int
	exitOpen         bool          // an exit happened in the instant being gathered
	now              time.Duration // that instant
}

func (c *sendCount) observe(e *trace.Event) {
	if c.exitOpen && e.Time != c.now {
		c.closeExit()
	}
	c.now = e.Time
	if e.Kind == trace.Send {
		c.total++
		c.byType[e.Name]++
	}
}

func (c *sendCount) closeExit() {
	c.exitOpen = false
	c.atExit = c.total
	c.byAtExit = maps.Clone(c.byType)
}

var errTimeout = fmt.Errorf("out of time")

func newHistory(hdr trace.Header) *history {
	return &history{hdr: hdr, firstProb: -1, sends: sendCount{byType: map[string]int{}, byAtExit: map[string]int{}}}
}

// parse gathers a whole trace; it checks ctx now and then so a huge trace
// yields Unknown rather than running on.
func parse(ctx context.Context, tr *trace.Trace) (*history, error) {
	h := newHistory(tr.Header)
	for i, e := range tr.All() {
		if i&0xffff == 0xffff && ctx.Err() != nil {
			return nil, errTimeout
		}
		h.observe(&e)
	}
	return h, h.finish()
}

func (h *history) grow(id trace.NodeID) {
	for int(id) >= len(h.cur) {
		h.cur, h.in, h.restarted = append(h.cur, nil), append(h.in, nil), append(h.restarted, false)
	}
}

func (h *history) problem(e *trace.Event, f string, a ...any) {
	if h.firstProb < 0 {
		h.firstProb, h.probAt, h.probNode = e.Index, e.Time, e.Node
	}
	h.problems = append(h.problems, fmt.Sprintf("%v %s: ", e.Time, h.hdr.NodeName(e.Node))+fmt.Sprintf(f, a...))
}

// observe takes the next event.
func (h *history) observe(e *trace.Event) {
	if h.err != nil {
		return
	}
	h.end = e.Time
	h.sends.observe(e)
	switch e.Kind {
	case trace.Crash:
		h.grow(e.Node)
		h.lastFault = e.Time
		h.crashes = append(h.crashes, *e)
		h.ring = append(h.ring, ringEvent{kind: trace.Crash, node: e.Node})
		if iv := h.in[e.Node]; iv != nil {
			iv.end, iv.endIdx, iv.open = e.Time, e.Index, false
			h.in[e.Node] = nil
		}
		if r := h.cur[e.Node]; r != nil && r.enterIdx < 0 {
			r.cancelled = true
		}
		h.cur[e.Node] = nil
		h.restarted[e.Node] = true
	case trace.Restart, trace.Partition, trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin:
		h.lastFault = e.Time
	case trace.Mark:
		h.grow(e.Node)
		switch {
		case mc.Request.Is(e):
			d, err := mc.Request.Decode(e)
			if err != nil {
				h.err = err
				return
			}
			if r := h.cur[e.Node]; r != nil && r.enterIdx < 0 {
				h.problem(e, "requested again before its request %d was granted", r.seq)
			}
			r := &request{node: e.Node, seq: d.Seq, ts: d.TS, at: e.Time, idx: e.Index, enterIdx: -1, restarted: h.restarted[e.Node]}
			h.requests = append(h.requests, r)
			h.cur[e.Node] = r
			h.ring = append(h.ring, ringEvent{kind: trace.Mark, node: e.Node, req: r})
		case mc.TokenRegenerated.Is(e):
			h.ring = append(h.ring, ringEvent{kind: trace.Mark, node: e.Node, regenerated: true})
		case mc.Enter.Is(e):
			h.ring = append(h.ring, ringEvent{kind: trace.Mark, node: e.Node, at: e.Time, idx: e.Index})
			if h.in[e.Node] != nil {
				h.problem(e, "entered again without leaving")
				return
			}
			iv := &interval{node: e.Node, start: e.Time, startIdx: e.Index, endIdx: -1, open: true}
			h.intervals = append(h.intervals, iv)
			h.in[e.Node] = iv
			if r := h.cur[e.Node]; r != nil && r.enterIdx < 0 {
				r.enterIdx, r.enterAt = e.Index, e.Time
			}
		case mc.Exit.Is(e):
			iv := h.in[e.Node]
			if iv == nil {
				h.problem(e, "left the critical section without being inside")
				return
			}
			iv.end, iv.endIdx, iv.open = e.Time, e.Index, false
			h.in[e.Node] = nil
			h.lastExit = e.Time
			h.sends.exitOpen = true
		case mc.Queued.Is(e), mc.Grant.Is(e):
			m := mc.Queued
			if mc.Grant.Is(e) {
				m = mc.Grant
			}
			d, err := m.Decode(e)
			if err != nil {
				h.err = err
				return
			}
			h.coord = append(h.coord, coordEvent{grant: mc.Grant.Is(e), node: d.Node, seq: d.Seq, at: e.Time, idx: e.Index, coord: e.Node})
		}
	}
}

// finish closes what was open at the end of the run.
func (h *history) finish() error {
	if h.err != nil {
		return h.err
	}
	for _, iv := range h.intervals {
		if iv.open {
			iv.end = h.end
		}
	}
	if h.sends.exitOpen {
		h.sends.closeExit()
	}
	return nil
}

// observer is one mutex check judging as the run goes: every check
// gathers the same history, and judges it at the end.
type observer struct {
	name  string
	h     *history
	opts  any
	judge func(h *history, opts any) check.Result
}

func (o *observer) Observe(e *trace.Event) { o.h.observe(e) }

func (o *observer) Finish(context.Context) check.Result {
	if err := o.h.finish(); err != nil {
		return unknown(o.name, err)
	}
	return o.judge(o.h, o.opts)
}

// incremental is the spec of a check that judges a history.
func incremental(s check.Spec, judge func(h *history, opts any) check.Result) check.Spec {
	s.Observe = func(hdr trace.Header, opts any) check.Observer {
		return &observer{name: s.Name, h: newHistory(hdr), opts: opts, judge: judge}
	}
	s.Run = check.Fold(s.Name, s.Observe)
	return s
}

// servers counts the servers (every node when the header has no groups).
func servers(h trace.Header) int { return len(contract.Servers(h)) }

func names(h trace.Header, ids ...trace.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = h.NodeName(id)
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
