package raftlog

import (
	"context"
	"fmt"
	"slices"
	"time"

	"distlab/checkers/check"
	rc "distlab/contract/raftlog"
	"distlab/simnet/trace"
)

// Check names.
const (
	CommitRule         = "raft-commit-rule"
	StateMachineSafety = "raft-state-machine-safety"
	LogMatching        = "raft-log-matching"
)

// Specs returns the checks. Each judges a run event by event
// (Spec.Observe), so a long run is judged as it is recorded; its Run is
// the same observer folded over a whole trace.
func Specs() []check.Spec {
	return []check.Spec{
		incremental(check.Spec{Name: CommitRule, Contract: rc.Contract, Summary: "a leader commits by counting replicas only entries of its own term (Figure 8), from its AppendEntries"},
			observeCommitRule),
		incremental(check.Spec{Name: StateMachineSafety, Contract: rc.Contract, Summary: "no two servers apply different entries at one index"},
			observeStateMachineSafety),
		incremental(check.Spec{Name: LogMatching, Contract: rc.Contract, Summary: "what a candidate says of its last entry agrees with the entries it acknowledged (no stale suffix kept after a conflict)"},
			observeLogMatching),
	}
}

// incremental makes a spec judge runs as they are recorded (Observe), and
// whole traces the same way (Run).
func incremental(s check.Spec, observe func(trace.Header, any) check.Observer) check.Spec {
	s.Observe, s.Run = observe, check.Fold(s.Name, observe)
	return s
}

// decided is what a check holds once its verdict is in: the first
// violation ends the judging, later events change nothing.
type decided struct{ res *check.Result }

func (d *decided) decide(r check.Result) { d.res = &r }

func (d *decided) done() bool { return d.res != nil }

// nodeTerm is one node in one term.
type nodeTerm struct {
	node trace.NodeID
	term int64
}

// reign is one leader's term, as its AppendEntries show it.
type reign struct {
	leader trace.NodeID
	term   int64
	start  int64   // LeaderCommit of its first AppendEntries
	terms  termsAt // the terms of the leader's entries its messages show
	claims []claim // LeaderCommit values beyond start, in order
}

// termsAt is the term of each log index an AppendEntries showed: a list
// for the indexes a log has (from 0, dense), a map for any other a wrong
// solution may send.
type termsAt struct {
	dense []int64 // index → term+1; 0: not shown
	other map[int64]int64
}

// denseIndexes bounds the indexes kept in the list (8 MB a leader at most).
const denseIndexes = 1 << 20

func (t *termsAt) set(index, term int64) {
	inRange := index >= 0 && index < denseIndexes
	if !inRange || term < 0 {
		if t.other == nil {
			t.other = map[int64]int64{}
		}
		t.other[index] = term
		if inRange && index < int64(len(t.dense)) {
			t.dense[index] = 0
		}
		return
	}
	if int(index) >= len(t.dense) {
		t.dense = append(t.dense, make([]int64, int(index)+1-len(t.dense))...)
	}
	t.dense[index] = term + 1
	if t.other != nil {
		delete(t.other, index)
	}
}

func (t *termsAt) get(index int64) (int64, bool) {
	if index >= 0 && index < int64(len(t.dense)) && t.dense[index] != 0 {
		return t.dense[index] - 1, true
	}
	term, ok := t.other[index]
	return term, ok
}

type claim struct {
	commit int64
	event  int
	at     time.Duration
}

// CheckCommitRule reads every AppendEntries: per leader and term, the
// first LeaderCommit is what the leader started with; any later value
// must name an entry of the leader's term. A value is judged once the
// whole run is read: the leader's entry at that index may show in a later
// message.
func CheckCommitRule(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(CommitRule, observeCommitRule)(ctx, tr, nil)
}

type commitRule struct {
	decided
	h      trace.Header
	reigns map[nodeTerm]*reign
	order  []*reign
	msgs   int
	m      rc.AppendFields // the message being read (its entries reused)
	last   *reign          // the reign of the last message (most come from the same leader and term)
}

func observeCommitRule(h trace.Header, _ any) check.Observer {
	return &commitRule{h: h, reigns: map[nodeTerm]*reign{}}
}

func (o *commitRule) Kinds() trace.KindSet { return trace.KindsOf(trace.Send) }

func (o *commitRule) Messages(trace.Kind) []string { return rc.AppendEntries.Names }

func (o *commitRule) Observe(e *trace.Event) {
	if o.done() || !rc.AppendEntries.Is(e) {
		return
	}
	if err := rc.AppendEntries.DecodeInto(e, &o.m); err != nil {
		o.decide(check.Failed(CommitRule, e.Time, []string{o.h.NodeName(e.Node)}, err.Error()))
		return
	}
	m := &o.m
	o.msgs++
	r := o.last
	if r == nil || r.leader != e.Node || r.term != m.Term {
		k := nodeTerm{e.Node, m.Term}
		if r = o.reigns[k]; r == nil {
			r = &reign{leader: e.Node, term: m.Term, start: m.LeaderCommit}
			o.reigns[k] = r
			o.order = append(o.order, r)
		}
		o.last = r
	}
	r.terms.set(m.PrevLogIndex, m.PrevLogTerm)
	for _, en := range m.Entries {
		r.terms.set(en.Index, en.Term)
	}
	if m.LeaderCommit > r.start && (len(r.claims) == 0 || r.claims[len(r.claims)-1].commit != m.LeaderCommit) {
		r.claims = append(r.claims, claim{m.LeaderCommit, e.Index, e.Time})
	}
}

func (o *commitRule) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.msgs == 0 {
		return check.Unknowable(CommitRule, "no AppendEntries in the trace: no leader's commit to judge")
	}
	name := o.h.NodeName
	var bad *check.Result
	judged := 0
	for _, r := range o.order {
		for _, c := range r.claims {
			t, known := r.terms.get(c.commit)
			if !known {
				continue
			}
			judged++
			if t == r.term {
				continue
			}
			res := check.Failed(CommitRule, c.at, []string{name(r.leader)},
				fmt.Sprintf("%s, leader of term %d, committed index %d — an entry of term %d — by counting replicas (LeaderCommit %d in its AppendEntries at %v; it started its term at %d): only entries of the leader's own term may be committed that way, earlier ones commit with them (§5.4.2, Figure 8)",
					name(r.leader), r.term, c.commit, t, c.commit, c.at, r.start))
			res.Events = []int{c.event}
			if bad == nil || c.event < bad.Events[0] {
				bad = &res
			}
			break
		}
	}
	if bad != nil {
		return *bad
	}
	if judged == 0 {
		return check.Unknowable(CommitRule, fmt.Sprintf("%d AppendEntries, but no leader advanced its commit index past where its term began: nothing to judge", o.msgs))
	}
	r := check.Passed(CommitRule, fmt.Sprintf("%d commit advances by %d leaders, each to an entry of the leader's own term", judged, len(o.order)))
	r.Metrics = map[string]float64{"commit_advances": float64(judged), "reigns": float64(len(o.order))}
	return r
}

// CheckStateMachineSafety compares the apply marks of all servers: one
// index, one entry.
func CheckStateMachineSafety(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(StateMachineSafety, observeStateMachineSafety)(ctx, tr, nil)
}

// applied is the first entry applied at an index.
type applied struct {
	term  int64
	node  trace.NodeID
	event int
	at    time.Duration
}

type stateMachineSafety struct {
	decided
	h     trace.Header
	first map[int64]applied
	n     int
}

func observeStateMachineSafety(h trace.Header, _ any) check.Observer {
	return &stateMachineSafety{h: h, first: map[int64]applied{}}
}

func (o *stateMachineSafety) Kinds() trace.KindSet { return trace.KindsOf(trace.Mark) }

func (o *stateMachineSafety) Observe(e *trace.Event) {
	if o.done() || !rc.Apply.Is(e) {
		return
	}
	name := o.h.NodeName
	m, err := rc.Apply.Decode(e)
	if err != nil {
		o.decide(check.Failed(StateMachineSafety, e.Time, []string{name(e.Node)}, err.Error()))
		return
	}
	o.n++
	prev, ok := o.first[m.Index]
	if !ok {
		o.first[m.Index] = applied{m.Term, e.Node, e.Index, e.Time}
		return
	}
	if prev.term != m.Term {
		r := check.Failed(StateMachineSafety, e.Time, []string{name(prev.node), name(e.Node)},
			fmt.Sprintf("%s applied the entry of term %d at index %d (at %v), but %s had applied the entry of term %d there (at %v): their state machines diverge",
				name(e.Node), m.Term, m.Index, e.Time, name(prev.node), prev.term, prev.at))
		r.Events = []int{prev.event, e.Index}
		o.decide(r)
	}
}

func (o *stateMachineSafety) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.n == 0 {
		return check.Unknowable(StateMachineSafety, "no apply marks: no server applied an entry")
	}
	r := check.Passed(StateMachineSafety, fmt.Sprintf("%d entries applied over %d indexes, the same entry at each index on every server", o.n, len(o.first)))
	r.Metrics = map[string]float64{"applied": float64(o.n), "indexes": float64(len(o.first))}
	return r
}

// CheckLogMatching follows, per server, the last entry it acknowledged
// from the leader of the highest term it acknowledged, and compares what it
// says of its log when it campaigns.
func CheckLogMatching(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(LogMatching, observeLogMatching)(ctx, tr, nil)
}

// ack is an entry a server acknowledged holding (n times in a row, to
// the same leader: its heartbeats' replies say the same until new entries
// come; the first time is the one reported).
type ack struct {
	index, of int64 // the entry acknowledged and its term
	event     int
	at        time.Duration
	leader    trace.NodeID
	n         int
}

// sentAppend is an AppendEntries and its sender. Its entries are its
// own: the observer reuses their memory for later messages.
type sentAppend struct {
	leader trace.NodeID
	m      rc.AppendFields
}

// holdCopy makes s a copy of from, in s's own memory.
func (s *sentAppend) holdCopy(from *sentAppend) {
	entries := append(s.m.Entries[:0], from.m.Entries...)
	*s = *from
	s.m.Entries = entries
}

// delivery is a message delivered.
type delivery struct {
	node  trace.NodeID
	msg   int64
	at    time.Duration
	event int
}

// inFlight is an AppendEntries on its way, and how many of its copies
// (it and its duplicates) are yet to be delivered or dropped.
type inFlight struct {
	sentAppend
	copies int
}

// received is the AppendEntries a node last received (valid: since it
// last crashed).
type received struct {
	sentAppend
	valid bool
}

type logMatching struct {
	decided
	h        trace.Header
	inFlight flights     // the AppendEntries on their way, until every copy arrived or was lost
	spare    []*inFlight // arrived, their memory kept for the next ones
	gone     idSet       // the AppendEntries whose copies all arrived or were lost
	overrun  *delivery   // the first delivery of a message none of whose copies was left
	nodes    nodeTable   // what each node received and acknowledged
	requests int
	judged   int
}

// follower is what the check knows of one node.
type follower struct {
	got     received       // the AppendEntries it last received
	held    []ack          // entries acknowledged from its current leader, in order
	curTerm int64          // the leader term of held
	acked   map[int64]*ack // term → the highest index it acknowledged to that term's leader
	ackTerm int64          // the term of ack, the one asked for last
	ack     *ack
}

// ackedIn is the highest index the node acknowledged in term, or nil.
func (f *follower) ackedIn(term int64) *ack {
	if f.ack == nil || f.ackTerm != term {
		f.ackTerm, f.ack = term, f.acked[term]
	}
	return f.ack
}

func observeLogMatching(h trace.Header, _ any) check.Observer {
	return &logMatching{h: h}
}

func (o *logMatching) Kinds() trace.KindSet {
	return trace.KindsOf(trace.Send, trace.Deliver, trace.Drop, trace.Duplicate, trace.Crash)
}

// Messages: it reads the sending of entries, acknowledgements and votes,
// and what becomes of the entries on the way.
func (o *logMatching) Messages(k trace.Kind) []string {
	if k == trace.Send {
		return logMatchingSends
	}
	return rc.AppendEntries.Names
}

var logMatchingSends = slices.Concat(rc.AppendEntries.Names, rc.AppendReply.Names, rc.RequestVote.Names)

func (o *logMatching) Observe(e *trace.Event) {
	if o.done() {
		return
	}
	switch e.Kind {
	case trace.Send:
		o.sent(e)
	case trace.Deliver:
		if f := o.inFlight.get(e.Msg); f != nil {
			got := &o.nodes.at(e.Node).got
			got.holdCopy(&f.sentAppend)
			got.valid = true
			o.arrived(e.Msg, f)
		} else if o.overrun == nil && o.gone.has(e.Msg) {
			o.overrun = &delivery{e.Node, e.Msg, e.Time, e.Index}
		}
	case trace.Drop:
		if f := o.inFlight.get(e.Msg); f != nil {
			o.arrived(e.Msg, f)
		}
	case trace.Duplicate:
		if f := o.inFlight.get(e.Msg); f != nil {
			f.copies++
		}
	case trace.Crash:
		o.nodes.at(e.Node).got.valid = false
	}
}

// sent reads a message a server sends.
func (o *logMatching) sent(e *trace.Event) {
	name := o.h.NodeName
	fail := func(err error) {
		o.decide(check.Failed(LogMatching, e.Time, []string{name(e.Node)}, err.Error()))
	}
	switch {
	case rc.AppendEntries.Is(e):
		f := o.inFlight.get(e.Msg)
		if f == nil {
			if n := len(o.spare); n > 0 {
				f, o.spare = o.spare[n-1], o.spare[:n-1]
			} else {
				f = &inFlight{}
			}
			o.inFlight.put(e.Msg, f)
		}
		if err := rc.AppendEntries.DecodeInto(e, &f.m); err != nil {
			fail(err)
			return
		}
		f.leader = e.Node
		f.copies++
	case rc.AppendReply.Is(e):
		m, err := rc.AppendReply.Decode(e)
		if err != nil {
			fail(err)
			return
		}
		node := o.nodes.at(e.Node)
		got := &node.got
		if !got.valid || got.leader != e.Peer || got.m.Term != m.Term {
			return
		}
		if !m.Success {
			// The same leader's entries cannot conflict with what the
			// follower acknowledged holding: it lost them.
			if a := node.ackedIn(m.Term); a != nil && got.m.PrevLogIndex <= a.index {
				r := check.Failed(LogMatching, e.Time, []string{name(e.Node), name(e.Peer)},
					fmt.Sprintf("%s rejected %s's AppendEntries after index %d (term %d) at %v, but it had acknowledged holding that leader's log up to index %d at %v: a follower never loses entries it acknowledged to its leader (a stale snapshot installed, a log not restored, entries erased by a late message?)",
						name(e.Node), name(e.Peer), got.m.PrevLogIndex, m.Term, e.Time, a.index, a.at))
				r.Events = []int{a.event, e.Index}
				o.decide(r)
			}
			return
		}
		if a := node.ackedIn(m.Term); a == nil {
			if node.acked == nil {
				node.acked = map[int64]*ack{}
			}
			node.ack = &ack{index: m.Match, event: e.Index, at: e.Time, leader: e.Peer}
			node.acked[m.Term] = node.ack
		} else if m.Match > a.index {
			*a = ack{index: m.Match, event: e.Index, at: e.Time, leader: e.Peer}
		}
		t, known := termAt(&got.m, m.Match)
		if !known {
			return
		}
		if got.m.Term > node.curTerm {
			node.curTerm, node.held = got.m.Term, node.held[:0] // a newer leader may have cut the log anywhere
		}
		if got.m.Term == node.curTerm {
			held := node.held
			if n := len(held); n > 0 && held[n-1].index == m.Match && held[n-1].of == t && held[n-1].leader == got.leader {
				held[n-1].n++
			} else {
				node.held = append(held, ack{index: m.Match, of: t, event: e.Index, at: e.Time, leader: got.leader, n: 1})
			}
		}
	case rc.RequestVote.Is(e):
		m, err := rc.RequestVote.Decode(e)
		if err != nil {
			fail(err)
			return
		}
		o.requests++
		for _, a := range o.nodes.at(e.Node).held {
			if a.index > m.LastLogIndex {
				continue
			}
			o.judged += a.n
			if m.LastLogTerm >= a.of {
				continue
			}
			r := check.Failed(LogMatching, e.Time, []string{name(e.Node)},
				fmt.Sprintf("%s campaigned at %v saying its last entry is index %d of term %d, but it had acknowledged holding %s's entry %d of term %d (at %v): a log cut at every conflict never ends in an older term than it holds before — it kept a stale suffix",
					name(e.Node), e.Time, m.LastLogIndex, m.LastLogTerm, name(a.leader), a.index, a.of, a.at))
			r.Events = []int{a.event, e.Index}
			o.decide(r)
			return
		}
	}
}

// arrived notes a copy of message id delivered or lost: once none is left
// the message is forgotten (a long run's AppendEntries do not pile up).
func (o *logMatching) arrived(id int64, f *inFlight) {
	if f.copies--; f.copies <= 0 {
		o.inFlight.remove(id)
		o.gone.add(id)
		f.copies = 0
		o.spare = append(o.spare, f)
	}
}

func (o *logMatching) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if d := o.overrun; d != nil {
		// Only a trace made by hand delivers a message more often than it
		// was sent and duplicated; what the copy carried was forgotten.
		return check.Unknowable(LogMatching, fmt.Sprintf("%s received message %d at %v (event %d) more often than it was sent and duplicated: the trace is not one a network records",
			o.h.NodeName(d.node), d.msg, d.at, d.event))
	}
	if o.requests == 0 {
		return check.Unknowable(LogMatching, "no RequestVote in the trace: no server said what its log ends with")
	}
	r := check.Passed(LogMatching, fmt.Sprintf("%d RequestVotes, each consistent with the entries its sender had acknowledged (%d comparisons)", o.requests, o.judged))
	r.Metrics = map[string]float64{"requests": float64(o.requests), "comparisons": float64(o.judged)}
	return r
}

// termAt is the term of the entry at index i as an AppendEntries shows it.
func termAt(m *rc.AppendFields, i int64) (int64, bool) {
	if i == m.PrevLogIndex {
		return m.PrevLogTerm, true
	}
	for _, en := range m.Entries {
		if en.Index == i {
			return en.Term, true
		}
	}
	return 0, false
}

// flights maps message ids to the AppendEntries in flight: a window of
// the dense, increasing ids a run gives its messages (it slides on as the
// oldest arrive), a map for any other.
type flights struct {
	base  int64       // the id of buf[head]
	buf   []*inFlight // the window is buf[head:]; nil: not an AppendEntries in flight
	head  int
	other map[int64]*inFlight
}

// maxWindow bounds the window (8 MB of it).
const maxWindow = 1 << 20

func (t *flights) get(id int64) *inFlight {
	if i := id - t.base; i >= 0 && i < int64(len(t.buf)-t.head) {
		if f := t.buf[t.head+int(i)]; f != nil || t.other == nil {
			return f
		}
	}
	return t.other[id] // put there when the window was elsewhere
}

func (t *flights) put(id int64, f *inFlight) {
	if t.head == len(t.buf) { // empty: the window starts here
		t.buf, t.head, t.base = t.buf[:0], 0, id
	}
	i := id - t.base
	if i < 0 || i >= maxWindow {
		if t.other == nil {
			t.other = map[int64]*inFlight{}
		}
		t.other[id] = f
		return
	}
	for int64(len(t.buf)-t.head) <= i {
		if len(t.buf) == cap(t.buf) && t.head > 0 { // slide the window to the front
			n := copy(t.buf, t.buf[t.head:])
			clear(t.buf[n:])
			t.buf, t.head = t.buf[:n], 0
			continue
		}
		t.buf = append(t.buf, nil)
	}
	t.buf[t.head+int(i)] = f
}

func (t *flights) remove(id int64) {
	i := id - t.base
	if i < 0 || i >= int64(len(t.buf)-t.head) || t.buf[t.head+int(i)] == nil {
		delete(t.other, id)
		return
	}
	t.buf[t.head+int(i)] = nil
	for t.head < len(t.buf) && t.buf[t.head] == nil { // the oldest arrived: slide on
		t.head++
		t.base++
	}
}

// nodeTable is per-node state by node id: a list for the ids a run gives
// its nodes (0 up), a map for any other a hand-made trace may hold.
type nodeTable struct {
	dense []*follower
	other map[trace.NodeID]*follower
}

const denseNodes = 1 << 16

func (t *nodeTable) at(id trace.NodeID) *follower {
	if id >= 0 && id < denseNodes {
		for int(id) >= len(t.dense) {
			t.dense = append(t.dense, nil)
		}
		if t.dense[id] == nil {
			t.dense[id] = &follower{}
		}
		return t.dense[id]
	}
	if t.other == nil {
		t.other = map[trace.NodeID]*follower{}
	}
	if t.other[id] == nil {
		t.other[id] = &follower{}
	}
	return t.other[id]
}

// idSet is a set of message ids: a bit per id for the dense, positive ids
// a run gives its messages, a map for any other.
type idSet struct {
	bits  []uint64
	other map[int64]bool
}

// denseIDs bounds the ids kept as bits (a bit for each id below it: 2 MB
// at most).
const denseIDs = 1 << 24

func (s *idSet) add(id int64) {
	if id < 0 || id >= denseIDs {
		if s.other == nil {
			s.other = map[int64]bool{}
		}
		s.other[id] = true
		return
	}
	w := int(id >> 6)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	s.bits[w] |= 1 << (id & 63)
}

func (s *idSet) has(id int64) bool {
	if id < 0 || id >= denseIDs {
		return s.other[id]
	}
	w := int(id >> 6)
	return w < len(s.bits) && s.bits[w]&(1<<(id&63)) != 0
}
