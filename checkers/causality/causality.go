package causality

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	cc "distlab/contract/clocks"
	"distlab/simnet/trace"
)

// Name is the checker's name in scenario files.
const Name = "causality"

// Specs registers the checker.
func Specs() []check.Spec {
	return []check.Spec{{
		Name:     Name,
		Contract: cc.Contract,
		Summary:  "happens-before from the trace: a→b ⇒ L(a)<L(b) for Lamport, a→b ⇔ V(a)<V(b) for vector clocks",
		Run:      func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return Check(ctx, tr) },
		Observe:  func(h trace.Header, _ any) check.Observer { return newChecker(h) },
	}}
}

// The kinds of clock event a mark's "kind" may say.
const (
	kindLocal = cc.KindLocal
	kindSend  = cc.KindSend
	kindRecv  = cc.KindRecv
)

// payload is a clock mark's data (Lamport is a pointer so that a missing
// value is told apart from zero).
type payload = cc.ClockMark

// event is one clock event.
type event struct {
	idx  int // trace index of its mark
	at   time.Duration
	node trace.NodeID
	pos  int // 1-based place in its node's program order
	kind string
	lam  int64
	voff int32 // its vector is vecs[voff : voff+vlen]
	vlen int32
	gt   int32 // sends only: the ground-truth vector at gts[gt : gt+glen]
	glen int32 // (as many nodes as were known then)
	send int   // sends only: trace index of the Send
}

// open is what a node owes the trace next: the Send after a send mark, or
// the recv mark after a Deliver.
type open struct {
	want    trace.Kind // trace.Send or trace.Mark; 0 when nothing is owed
	at      int        // trace index of the mark or Deliver that opened it
	atTime  time.Duration
	ev      int   // the send's event (want Send)
	msg     int64 // the delivered message (want Mark)
	deliver int   // trace index of the Deliver
}

// checker holds one run of Check. It reads the trace event by event, as
// it is recorded (an Observer), keeping the clock events.
type checker struct {
	h          trace.Header
	n          int
	hasL, hasV bool
	evs        []event
	vecs       []int64
	gts        []int32
	perNode    [][]int // event numbers per node, in program order
	lams       [][]int64
	gt         [][]int32     // each node's current ground-truth vector
	sends      map[int64]int // message id → its send event
	owed       []open        // per node
	restarted  []int         // per node: trace index of its latest restart, or -1
	pl         payload
	lamBuf     int64   // where pl.Lamport points after a fast decode
	vecBuf     []int64 // reused for pl.Vector by the fast decode
	m          metrics
	firstFail  *violation
	verdict    *check.Result // decided before the end (a violation, a malformed mark)
}

type msgLink struct {
	msg             int64
	sendIdx, delIdx int // trace indexes of the Send and the Deliver
}

type metrics struct {
	local, send, recv, messages int
	ordered, concurrent         int64
	lamOrderedConc, lamTiedConc int64
	vecDetectedConc             int64
}

// violation is the first offending pair.
type violation struct {
	a, b   int // event numbers, a before b in the trace
	detail string
}

// Check runs the causality check on a trace. It is exact: the cost is
// O(E·N²) for E clock events among N nodes (see the package comment), with
// no cap on pairs; it stops with Unknown when ctx ends.
func Check(ctx context.Context, tr *trace.Trace) check.Result {
	c := newChecker(tr.Header)
	var e trace.Event
	for i := range tr.Len() {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return c.result(check.Unknown, fmt.Sprintf("stopped at trace event %d of %d (%v): no verdict", i, tr.Len(), err))
			}
		}
		tr.Fill(i, &e)
		c.Observe(&e)
		if c.verdict != nil {
			break
		}
	}
	return c.Finish(ctx)
}

func newChecker(h trace.Header) *checker {
	c := &checker{h: h, sends: map[int64]int{}}
	c.grow(len(h.Nodes))
	return c
}

// grow makes room for nodes 0..n-1.
func (c *checker) grow(n int) {
	for c.n < n {
		c.n++
		for q := range c.gt {
			c.gt[q] = append(c.gt[q], 0)
		}
		c.perNode = append(c.perNode, nil)
		c.lams = append(c.lams, nil)
		c.gt = append(c.gt, make([]int32, c.n))
		c.owed = append(c.owed, open{})
		c.restarted = append(c.restarted, -1)
	}
}

// Observe takes the next event of the run.
func (c *checker) Observe(e *trace.Event) {
	if c.verdict != nil {
		return
	}
	if id := int(e.Node); id >= c.n {
		c.grow(id + 1)
	}
	if bad := c.step(e); bad != "" {
		r := c.result(check.Fail, "malformed clock marks: "+bad)
		r.Events = []int{e.Index}
		if e.Node != trace.None {
			if o := c.owed[e.Node]; o.want != 0 {
				r.Events = []int{o.at, e.Index} // the debt and what came instead
			}
			r.Nodes = []string{c.h.NodeName(e.Node)}
		}
		r.At = e.Time
		c.verdict = &r
		return
	}
	if c.firstFail != nil {
		r := c.fail()
		c.verdict = &r
	}
}

// Finish judges what was observed.
func (c *checker) Finish(context.Context) check.Result {
	if c.verdict != nil {
		return *c.verdict
	}
	for p, o := range c.owed {
		if o.want != 0 {
			r := c.result(check.Fail, "malformed clock marks: "+c.owedText(trace.NodeID(p), o, "the trace ends"))
			r.Events = []int{o.at}
			r.Nodes = []string{c.h.NodeName(trace.NodeID(p))}
			r.At = o.atTime
			return r
		}
	}
	if len(c.evs) == 0 {
		return c.result(check.Unknown, fmt.Sprintf("no %q marks in the trace: nothing to check", cc.Clock.Name))
	}
	return c.result(check.Pass, c.passText())
}

// step reads one event; it returns why the trace is malformed, or "".
func (c *checker) step(e *trace.Event) string {
	i := e.Index
	if e.Node < 0 {
		return ""
	}
	p := e.Node
	if e.Kind == trace.Restart {
		c.restarted[p] = i
	}
	isClock := cc.Clock.Is(e)
	if o := c.owed[p]; o.want != 0 {
		switch {
		case e.Kind == trace.State || e.Kind == trace.Log || e.Kind == trace.TimerSet || e.Kind == trace.TimerCancel:
			return "" // bookkeeping inside the same handler; the debt stays open
		case o.want == trace.Send && e.Kind == trace.Send:
			c.owed[p] = open{}
			c.sends[e.Msg] = o.ev
			c.evs[o.ev].send = i
			c.m.messages++
			return ""
		case o.want == trace.Mark && isClock:
			// handled below, with the debt still open
		default:
			return c.owedText(p, o, fmt.Sprintf("its next record is %s at event %d", kindOf(e), i))
		}
	}
	switch {
	case e.Kind == trace.Deliver:
		if _, ok := c.sends[e.Msg]; ok {
			c.owed[p] = open{want: trace.Mark, at: i, atTime: e.Time, msg: e.Msg, deliver: i}
		}
		return ""
	case !isClock:
		return ""
	}
	c.pl = payload{}
	if !decodeFast(e.DataJSON(), &c.pl, &c.lamBuf, &c.vecBuf) {
		c.pl = payload{}
		if err := e.DecodeData(&c.pl); err != nil {
			return fmt.Sprintf("%s's clock mark at event %d cannot be read: %v", c.h.NodeName(p), i, err)
		}
	}
	hasL, hasV := c.pl.Lamport != nil, c.pl.Vector != nil
	if len(c.evs) == 0 {
		if !hasL && !hasV {
			return fmt.Sprintf("%s's clock mark at event %d has neither \"lamport\" nor \"vector\"", c.h.NodeName(p), i)
		}
		c.hasL, c.hasV = hasL, hasV
	} else if hasL != c.hasL || hasV != c.hasV {
		return fmt.Sprintf("%s's clock mark at event %d carries %s, earlier marks carried %s", c.h.NodeName(p), i, carries(hasL, hasV), carries(c.hasL, c.hasV))
	}
	var via *msgLink
	switch c.pl.Kind {
	case kindLocal, kindSend:
		if o := c.owed[p]; o.want != 0 {
			return c.owedText(p, o, fmt.Sprintf("its next record is a %s mark at event %d", c.pl.Kind, i))
		}
	case kindRecv:
		o := c.owed[p]
		if o.want != trace.Mark {
			return fmt.Sprintf("%s's recv mark at event %d does not follow the Deliver of a clock message (a recv mark must be the first record of Receive)", c.h.NodeName(p), i)
		}
		c.owed[p] = open{}
		link := msgLink{msg: o.msg, delIdx: o.deliver, sendIdx: -1}
		via = &link
	default:
		return fmt.Sprintf("%s's clock mark at event %d has kind %q (want local, send or recv)", c.h.NodeName(p), i, c.pl.Kind)
	}
	c.add(i, e.Time, p, via)
	if c.pl.Kind == kindSend {
		c.owed[p] = open{want: trace.Send, at: i, atTime: e.Time, ev: len(c.evs) - 1}
	}
	return ""
}

func carries(l, v bool) string {
	switch {
	case l && v:
		return "lamport and vector"
	case l:
		return "lamport"
	case v:
		return "vector"
	}
	return "no clock value"
}

func (c *checker) owedText(p trace.NodeID, o open, next string) string {
	name := c.h.NodeName(p)
	if o.want == trace.Send {
		return fmt.Sprintf("%s's send mark at event %d is not followed by its Send: %s (the send mark must be the last record before env.Send)", name, o.at, next)
	}
	return fmt.Sprintf("message %d was delivered to %s at event %d but no recv mark follows: %s (the recv mark must be the first record of Receive)", o.msg, name, o.at, next)
}

// add records clock event b (trace index i on node p) and checks it
// against everything before it.
func (c *checker) add(i int, at time.Duration, p trace.NodeID, via *msgLink) {
	b := len(c.evs)
	ev := event{idx: i, at: at, node: p, kind: c.pl.Kind, gt: -1, send: -1}
	if c.hasL {
		ev.lam = *c.pl.Lamport
	}
	if c.hasV {
		ev.voff, ev.vlen = int32(len(c.vecs)), int32(len(c.pl.Vector))
		c.vecs = append(c.vecs, c.pl.Vector...)
	}

	// Ground truth: the checker's own vector clock over the trace.
	g := c.gt[p]
	send := -1
	if via != nil {
		send = c.sends[via.msg]
		sg := c.gts[c.evs[send].gt : c.evs[send].gt+c.evs[send].glen]
		for q := range sg {
			g[q] = max(g[q], sg[q])
		}
		via.sendIdx = c.evs[send].send
	}
	g[p]++
	ev.pos = int(g[p])
	if ev.kind == kindSend {
		ev.gt, ev.glen = int32(len(c.gts)), int32(len(g))
		c.gts = append(c.gts, g...)
	}
	switch ev.kind {
	case kindLocal:
		c.m.local++
	case kindSend:
		c.m.send++
	case kindRecv:
		c.m.recv++
	}
	var past int64
	for _, x := range g {
		past += int64(x)
	}
	c.m.ordered += past - 1

	c.evs = append(c.evs, ev)
	bev := &c.evs[b]

	// a→b ⇒ C(a) < C(b), on the direct edges; transitivity covers the rest.
	var best *violation
	consider := func(v *violation) {
		if v != nil && (best == nil || c.evs[v.a].idx < c.evs[best.a].idx) {
			best = v
		}
	}
	mine := c.perNode[p]
	if len(mine) > 0 {
		consider(c.edge(mine[len(mine)-1], b, nil))
	}
	if send >= 0 {
		consider(c.edge(send, b, via))
	}

	// Concurrency: for each other node q, q's events that b does not know
	// of and that came earlier in the trace are positions g[q]+1 … len.
	for q := range c.n {
		if trace.NodeID(q) == p {
			continue
		}
		evq := c.perNode[q]
		lo, hi := int(g[q]), len(evq)
		if lo >= hi {
			continue
		}
		c.m.concurrent += int64(hi - lo)
		if c.hasL {
			ties := 0
			if _, found := slices.BinarySearch(c.lams[q][lo:hi], bev.lam); found {
				ties = 1 // strictly increasing along q, so at most one
			}
			c.m.lamTiedConc += int64(ties)
			c.m.lamOrderedConc += int64(hi - lo - ties)
		}
		if c.hasV {
			vb := c.vec(b)
			detected := int64(hi - lo)
			// V(a) < V(b) is downward closed along q: test the earliest.
			if first := evq[lo]; less(c.vec(first), vb) {
				consider(c.concurrentPair(first, b))
				detected--
			}
			// V(b) < V(a) is upward closed: find the earliest that is.
			if less(vb, c.vec(evq[hi-1])) {
				k := lo + sortSearch(hi-lo, func(j int) bool { return less(vb, c.vec(evq[lo+j])) })
				consider(c.concurrentPair(evq[k], b))
				detected--
			}
			c.m.vecDetectedConc += detected
		}
	}
	c.perNode[p] = append(mine, b)
	c.lams[p] = append(c.lams[p], bev.lam)
	if best != nil {
		c.firstFail = best
	}
}

func sortSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if !f(h) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

func (c *checker) vec(k int) []int64 {
	e := &c.evs[k]
	return c.vecs[e.voff : e.voff+e.vlen]
}

// less reports a < b for vectors (padded with zeros): a ≤ b entrywise and
// a ≠ b.
func less(a, b []int64) bool {
	strict := false
	for i := range max(len(a), len(b)) {
		var x, y int64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x > y {
			return false
		}
		if x < y {
			strict = true
		}
	}
	return strict
}

// edge checks one direct happens-before edge a→b: program order, or a
// message when via is set.
func (c *checker) edge(a, b int, via *msgLink) *violation {
	ea, eb := &c.evs[a], &c.evs[b]
	how := "in program order"
	if via != nil {
		how = fmt.Sprintf("through message %d (sent at event %d, delivered at event %d)", via.msg, via.sendIdx, via.delIdx)
	}
	if c.hasL && ea.lam >= eb.lam {
		hint := "every event must advance the clock"
		if r := c.restarted[eb.node]; via == nil && r > ea.idx {
			hint = fmt.Sprintf("%s restarted in between (event %d): a restarted node is the same process, so its clock must survive the crash (durable storage)", c.h.NodeName(eb.node), r)
		}
		if via != nil {
			hint = "the receive must move the clock past the message's timestamp"
		}
		return &violation{a: a, b: b, detail: fmt.Sprintf(
			"clock condition a→b ⇒ L(a)<L(b) fails: %s happens before %s %s, but L(a)=%d is not below L(b)=%d; %s",
			c.describeEv(a), c.describeEv(b), how, ea.lam, eb.lam, hint)}
	}
	if c.hasV && !less(c.vec(a), c.vec(b)) {
		hint := "every event must advance its own entry"
		if r := c.restarted[eb.node]; via == nil && r > ea.idx {
			hint = fmt.Sprintf("%s restarted in between (event %d): a restarted node is the same process, so its clock must survive the crash (durable storage)", c.h.NodeName(eb.node), r)
		}
		if via != nil {
			hint = "the receive must merge the message's vector (entrywise max) and advance its own entry"
		}
		return &violation{a: a, b: b, detail: fmt.Sprintf(
			"a→b ⇒ V(a)<V(b) fails: %s happens before %s %s, but V(a)=%v is not below V(b)=%v; %s",
			c.describeEv(a), c.describeEv(b), how, c.vec(a), c.vec(b), hint)}
	}
	return nil
}

func (c *checker) concurrentPair(a, b int) *violation {
	rel := "V(a) < V(b)"
	if less(c.vec(b), c.vec(a)) {
		rel = "V(b) < V(a)"
	}
	return &violation{a: a, b: b, detail: fmt.Sprintf(
		"V(a)<V(b) ⇒ a→b fails: %s and %s are concurrent (no chain of program order and messages joins them), but %s (V(a)=%v, V(b)=%v): the vector clock claims an order that did not happen",
		c.describeEv(a), c.describeEv(b), rel, c.vec(a), c.vec(b))}
}

func (c *checker) describeEv(k int) string {
	e := &c.evs[k]
	t := e.at
	var val []string
	if c.hasL {
		val = append(val, fmt.Sprintf("L=%d", e.lam))
	}
	if c.hasV {
		val = append(val, fmt.Sprintf("V=%v", c.vec(k)))
	}
	return fmt.Sprintf("%s's %s #%d (event %d, %v, %s)", c.h.NodeName(e.node), e.kind, e.pos, e.idx, t, strings.Join(val, ", "))
}

func (c *checker) fail() check.Result {
	v := c.firstFail
	ea, eb := &c.evs[v.a], &c.evs[v.b]
	r := c.result(check.Fail, v.detail)
	r.At = eb.at
	r.Events = []int{ea.idx, eb.idx}
	r.Nodes = []string{c.h.NodeName(ea.node)}
	if eb.node != ea.node {
		r.Nodes = append(r.Nodes, c.h.NodeName(eb.node))
	}
	return r
}

func (c *checker) result(v check.Verdict, detail string) check.Result {
	m := map[string]float64{
		"nodes":            float64(c.n),
		"clock_events":     float64(len(c.evs)),
		"local_events":     float64(c.m.local),
		"send_events":      float64(c.m.send),
		"recv_events":      float64(c.m.recv),
		"messages":         float64(c.m.messages),
		"ordered_pairs":    float64(c.m.ordered),
		"concurrent_pairs": float64(c.m.concurrent),
	}
	if v == check.Pass {
		if c.hasL {
			m["lamport_ordered_concurrent"] = float64(c.m.lamOrderedConc)
			m["lamport_tied_concurrent"] = float64(c.m.lamTiedConc)
			m["lamport_false_order_ratio"] = ratio(c.m.lamOrderedConc, c.m.concurrent)
		}
		if c.hasV {
			m["vector_detected_concurrent"] = float64(c.m.vecDetectedConc)
		}
	}
	return check.Result{Name: Name, Verdict: v, Detail: detail, Metrics: m}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (c *checker) passText() string {
	m := &c.m
	head := fmt.Sprintf("%d clock events on %d nodes, %d messages; %d ordered and %d concurrent pairs",
		len(c.evs), c.n, m.messages, m.ordered, m.concurrent)
	var parts []string
	if c.hasL {
		parts = append(parts, fmt.Sprintf("a→b ⇒ L(a)<L(b) holds; yet %d of the %d concurrent pairs (%.0f%%) get different Lamport times, so comparing times would wrongly present them as ordered",
			m.lamOrderedConc, m.concurrent, 100*ratio(m.lamOrderedConc, m.concurrent)))
	}
	if c.hasV {
		parts = append(parts, fmt.Sprintf("a→b ⇔ V(a)<V(b) holds; vector clocks mark all %d concurrent pairs as concurrent", m.vecDetectedConc))
	}
	return head + ": " + strings.Join(parts, "; ")
}

// kindOf names an event's kind (and a mark's name) for a detail.
func kindOf(e *trace.Event) string {
	if e.Kind == trace.Mark {
		return fmt.Sprintf("mark %q", e.Name)
	}
	return e.Kind.String()
}
