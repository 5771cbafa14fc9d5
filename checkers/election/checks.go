package election

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// Check names.
const (
	OneLeaderPerTerm  = "one-leader-per-term"
	ZabFreshestLeader = "zab-freshest-leader"
	OneVotePerTerm    = "one-vote-per-term"
	SplitBrain        = "split-brain"
	Liveness          = "election-liveness"
	Cost              = "election-cost"
)

// SplitBrainOptions tune the split-brain check.
type SplitBrainOptions struct {
	// Grace is how long leaders in different components are tolerated.
	Grace time.Duration `yaml:"grace" doc:"how long leaders in different connected components are tolerated"`
	// Handover is how long two leaders in one component are tolerated.
	Handover time.Duration `yaml:"handover" doc:"how long two leaders in one component are tolerated (a handover in progress)"`
}

// LivenessOptions tune election-liveness.
type LivenessOptions struct {
	// Bound is how long after the last fault a single leader must be
	// known to every live server.
	Bound time.Duration `yaml:"bound" doc:"how long after the last fault a single leader must be known to every live server"`
}

// CostOptions tune election-cost.
type CostOptions struct {
	// MaxLeaderChanges fails the check when leadership passes from one
	// node to another more often than this (0: no limit) — Bully's
	// "frequent switchover".
	MaxLeaderChanges int `yaml:"max_leader_changes" doc:"fail when leadership passes from one node to another more often than this (Bully's frequent switchover); 0: no limit"`
	// KeepAlive names the message types that keep a leader in place
	// rather than elect one (heartbeats and their answers); they are
	// counted apart in the *_to_known metrics.
	KeepAlive []string `yaml:"keepalive" doc:"message types that keep a leader in place rather than elect one (heartbeats and their answers), counted apart in the to_known metrics"`
}

// Specs returns the election checks.
func Specs() []check.Spec {
	return []check.Spec{
		incremental(check.Spec{Name: OneLeaderPerTerm, Contract: ec.Contract, Summary: "at most one leader per term (Raft) or epoch (ZAB)"},
			observeOneLeader),
		incremental(check.Spec{Name: ZabFreshestLeader, Contract: ec.Contract, Summary: "a ZAB leader has the greatest (zxid, id) among the quorum that elected it"},
			observeFreshest),
		incremental(check.Spec{Name: OneVotePerTerm, Contract: ec.Contract, Summary: "no node votes for two candidates in one term, restarts included"},
			observeOneVote),
		incremental(check.Spec{Name: SplitBrain, Contract: ec.Contract, Summary: "leaders per connected component at every instant; split brain reported with its span",
			Options: func() any { return &SplitBrainOptions{Handover: time.Second} }}, observeSplitBrain),
		incremental(check.Spec{Name: Liveness, Contract: ec.Contract, Summary: "after the last fault, one leader known to every live server within a bound",
			Options: func() any { return &LivenessOptions{Bound: 3 * time.Second} }}, observeLiveness),
		{Name: Cost, Contract: ec.Contract, Summary: "messages and virtual time per election, leader changes",
			Options: func() any { return &CostOptions{} },
			Run: func(ctx context.Context, tr *trace.Trace, o any) check.Result {
				return CheckCost(ctx, tr, *opts(o, &CostOptions{}))
			}},
	}
}

// incremental makes a spec judge runs as they are recorded (Observe), and
// whole traces the same way (Run).
func incremental(s check.Spec, observe func(trace.Header, any) check.Observer) check.Spec {
	s.Observe, s.Run = observe, check.Fold(s.Name, observe)
	return s
}

// opts returns the options a scenario gave, or the defaults.
func opts[T any](o any, def *T) *T {
	if p, ok := o.(*T); ok && p != nil {
		return p
	}
	return def
}

func unknown(name, why string) check.Result {
	return check.Unknowable(name, why)
}

type leaderAt struct {
	node  trace.NodeID
	at    time.Duration
	index int
}

// CheckOneLeaderPerTerm fails when two nodes record "leader" marks with the
// same term.
func CheckOneLeaderPerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(OneLeaderPerTerm, observeOneLeader)(ctx, tr, nil)
}

type oneLeader struct {
	decided
	h       trace.Header
	byTerm  map[int64]leaderAt
	leaders int
}

func observeOneLeader(h trace.Header, _ any) check.Observer {
	return &oneLeader{h: h, byTerm: map[int64]leaderAt{}}
}

func (o *oneLeader) Kinds() trace.KindSet { return trace.KindsOf(trace.Mark) }

func (o *oneLeader) Observe(e *trace.Event) {
	if o.done() || !ec.Leader.Is(e) {
		return
	}
	m, err := ec.Leader.Decode(e)
	if err != nil {
		o.decide(check.Failed(OneLeaderPerTerm, e.Time, []string{o.h.NodeName(e.Node)}, err.Error()))
		return
	}
	o.leaders++
	prev, seen := o.byTerm[m.Term]
	if seen && prev.node != e.Node {
		r := check.Failed(OneLeaderPerTerm, e.Time, []string{o.h.NodeName(prev.node), o.h.NodeName(e.Node)},
			fmt.Sprintf("term %d has two leaders: %s (at %v) and %s (at %v)",
				m.Term, o.h.NodeName(prev.node), prev.at, o.h.NodeName(e.Node), e.Time))
		r.Events = []int{prev.index, e.Index}
		o.decide(r)
		return
	}
	if !seen {
		o.byTerm[m.Term] = leaderAt{e.Node, e.Time, e.Index}
	}
}

func (o *oneLeader) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.leaders == 0 {
		return unknown(OneLeaderPerTerm, "no leader marks: nobody became leader, so there is no term to judge")
	}
	r := check.Passed(OneLeaderPerTerm, fmt.Sprintf("%d leader marks over %d terms, one leader each", o.leaders, len(o.byTerm)))
	r.Metrics = map[string]float64{"leaders": float64(o.leaders), "terms": float64(len(o.byTerm))}
	return r
}

// CheckFreshestLeader checks every ZAB leader against the votes of its
// quorum: each member's last vote for it carried the member's own (zxid,
// id), which must not beat the leader's.
func CheckFreshestLeader(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(ZabFreshestLeader, observeFreshest)(ctx, tr, nil)
}

type voteKey struct {
	voter, leader trace.NodeID
}

type freshest struct {
	decided
	h        trace.Header
	lastVote map[voteKey]ec.VoteMark
	checked  int
}

func observeFreshest(h trace.Header, _ any) check.Observer {
	return &freshest{h: h, lastVote: map[voteKey]ec.VoteMark{}}
}

func (o *freshest) Kinds() trace.KindSet { return trace.KindsOf(trace.Mark) }

func (o *freshest) Observe(e *trace.Event) {
	if o.done() {
		return
	}
	name := o.h.NodeName
	switch {
	case ec.Vote.Is(e):
		v, err := ec.Vote.Decode(e)
		if err != nil {
			o.decide(check.Failed(ZabFreshestLeader, e.Time, []string{name(e.Node)}, err.Error()))
			return
		}
		o.lastVote[voteKey{e.Node, trace.NodeID(v.Leader)}] = v
	case ec.Leader.Is(e):
		m, err := ec.Leader.Decode(e)
		if err != nil {
			o.decide(check.Failed(ZabFreshestLeader, e.Time, []string{name(e.Node)}, err.Error()))
			return
		}
		fail := func(nodes []string, format string, args ...any) {
			r := check.Failed(ZabFreshestLeader, e.Time, nodes, fmt.Sprintf(format, args...))
			r.Events = []int{e.Index}
			o.decide(r)
		}
		if len(m.Quorum) == 0 {
			fail([]string{name(e.Node)}, "%s became leader of epoch %d with no quorum in its mark; the check needs it", name(e.Node), m.Term)
			return
		}
		for _, q := range m.Quorum {
			qid := trace.NodeID(q)
			v, ok := o.lastVote[voteKey{qid, e.Node}]
			if !ok {
				fail([]string{name(e.Node), name(qid)}, "%s became leader of epoch %d naming %s in its quorum, but %s never voted for it",
					name(e.Node), m.Term, name(qid), name(qid))
				return
			}
			if v.Zxid > m.Zxid || (v.Zxid == m.Zxid && qid > e.Node) {
				fail([]string{name(e.Node), name(qid)}, "%s became leader of epoch %d with (zxid %#x, id %d), but %s in its quorum voted for it holding fresher (zxid %#x, id %d)",
					name(e.Node), m.Term, m.Zxid, e.Node, name(qid), v.Zxid, qid)
				return
			}
		}
		o.checked++
	}
}

func (o *freshest) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.checked == 0 {
		return unknown(ZabFreshestLeader, "no leader marks: no leader to compare with its quorum")
	}
	r := check.Passed(ZabFreshestLeader, fmt.Sprintf("%d leaders, each at least as fresh as every member of its quorum", o.checked))
	r.Metrics = map[string]float64{"leaders": float64(o.checked)}
	return r
}

// CheckOneVotePerTerm fails when a node's "vote" marks name two different
// candidates in one term. Votes survive restarts in a correct Raft, so a
// vote cast again after a crash counts too.
func CheckOneVotePerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(OneVotePerTerm, observeOneVote)(ctx, tr, nil)
}

type termKey struct {
	node trace.NodeID
	term int64
}

type oneVote struct {
	decided
	h     trace.Header
	votes map[termKey]leaderAt
	n     int
}

func observeOneVote(h trace.Header, _ any) check.Observer {
	return &oneVote{h: h, votes: map[termKey]leaderAt{}}
}

func (o *oneVote) Kinds() trace.KindSet { return trace.KindsOf(trace.Mark) }

func (o *oneVote) Observe(e *trace.Event) {
	if o.done() || !ec.Vote.Is(e) {
		return
	}
	name := o.h.NodeName
	v, err := ec.Vote.Decode(e)
	if err != nil {
		o.decide(check.Failed(OneVotePerTerm, e.Time, []string{name(e.Node)}, err.Error()))
		return
	}
	o.n++
	k := termKey{e.Node, v.Term}
	prev, ok := o.votes[k]
	if ok && prev.node != trace.NodeID(v.Leader) {
		r := check.Failed(OneVotePerTerm, e.Time, []string{name(e.Node)},
			fmt.Sprintf("%s voted twice in term %d: for %s at %v and for %s at %v",
				name(e.Node), v.Term, name(prev.node), prev.at, name(trace.NodeID(v.Leader)), e.Time))
		r.Events = []int{prev.index, e.Index}
		o.decide(r)
		return
	}
	if !ok {
		o.votes[k] = leaderAt{trace.NodeID(v.Leader), e.Time, e.Index}
	}
}

func (o *oneVote) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.n == 0 {
		return unknown(OneVotePerTerm, "no vote marks: no vote to judge")
	}
	r := check.Passed(OneVotePerTerm, fmt.Sprintf("%d votes, never two candidates in one term", o.n))
	r.Metrics = map[string]float64{"votes": float64(o.n)}
	return r
}

// span is an interval during which a condition held.
type span struct {
	from, to time.Duration
	first    int    // trace index where it began
	desc     string // the picture when it began
	nodes    []string
}

// CheckSplitBrain follows, at every instant, the counted leaders per
// connected component (see the package comment) and fails on leaders in
// two components for longer than Grace, or two in one component for longer
// than Handover.
func CheckSplitBrain(ctx context.Context, tr *trace.Trace, o SplitBrainOptions) check.Result {
	return check.Fold(SplitBrain, observeSplitBrain)(ctx, tr, &o)
}

type splitBrain struct {
	decided
	o                       SplitBrainOptions
	w                       *world
	split, double           *span // open spans
	badSplit, badDouble     *span
	splitTotal, doubleTotal time.Duration
	maxLeaders, maxPerComp  int
	leaderMarks             int
	end                     time.Duration
}

func observeSplitBrain(h trace.Header, o any) check.Observer {
	return &splitBrain{o: *opts(o, &SplitBrainOptions{Handover: time.Second}), w: newWorld(h)}
}

func (sb *splitBrain) closeSpan(s **span, total *time.Duration, limit time.Duration, bad **span, at time.Duration) {
	if *s == nil {
		return
	}
	(*s).to = at
	d := at - (*s).from
	*total += d
	if d > limit && *bad == nil {
		*bad = *s
	}
	*s = nil
}

func (sb *splitBrain) Observe(e *trace.Event) {
	if sb.done() {
		return
	}
	sb.end = e.Time
	w := sb.w
	changed, err := w.step(e)
	if err != nil {
		sb.decide(check.Failed(SplitBrain, e.Time, nil, err.Error()))
		return
	}
	if ec.Leader.Is(e) {
		sb.leaderMarks++
	}
	if !changed || e.Kind == trace.State {
		return // who names whom as leader does not move leaders or links
	}
	comp := w.Net.Components(w.servers)
	compOf := map[trace.NodeID]int{}
	for j, s := range w.servers {
		compOf[s] = comp[j]
	}
	perComp := map[int][]trace.NodeID{}
	all := w.leaders()
	sb.maxLeaders = max(sb.maxLeaders, len(all))
	for _, l := range all {
		c, isServer := compOf[l]
		if !isServer {
			continue
		}
		if w.quorum[l] && w.liveIn(members(w.servers, comp, c)) < w.majority() {
			continue // a quorum leader cut off from a majority decides nothing
		}
		perComp[c] = append(perComp[c], l)
	}
	var comps []int
	for c, ls := range perComp {
		comps = append(comps, c)
		sb.maxPerComp = max(sb.maxPerComp, len(ls))
	}
	slices.Sort(comps)
	isSplit := len(comps) >= 2
	isDouble := false
	for _, c := range comps {
		if len(perComp[c]) >= 2 {
			isDouble = true
		}
	}
	if isSplit && sb.split == nil {
		var sides []string
		var nodes []string
		for _, c := range comps {
			sides = append(sides, fmt.Sprintf("%s leading {%s}", strings.Join(w.names(perComp[c]), "+"),
				strings.Join(w.names(members(w.servers, comp, c)), ",")))
			nodes = append(nodes, w.names(perComp[c])...)
		}
		sb.split = &span{from: e.Time, first: e.Index, desc: strings.Join(sides, " | "), nodes: nodes}
	} else if !isSplit {
		sb.closeSpan(&sb.split, &sb.splitTotal, sb.o.Grace, &sb.badSplit, e.Time)
	}
	if isDouble && sb.double == nil {
		var desc []string
		var nodes []string
		for _, c := range comps {
			if len(perComp[c]) >= 2 {
				desc = append(desc, fmt.Sprintf("%s all leading {%s}", strings.Join(w.names(perComp[c]), ", "),
					strings.Join(w.names(members(w.servers, comp, c)), ",")))
				nodes = append(nodes, w.names(perComp[c])...)
			}
		}
		sb.double = &span{from: e.Time, first: e.Index, desc: strings.Join(desc, " | "), nodes: nodes}
	} else if !isDouble {
		sb.closeSpan(&sb.double, &sb.doubleTotal, sb.o.Handover, &sb.badDouble, e.Time)
	}
}

func (sb *splitBrain) Finish(context.Context) check.Result {
	if sb.done() {
		return *sb.res
	}
	end, o := sb.end, sb.o
	openAtEnd := sb.split != nil
	sb.closeSpan(&sb.split, &sb.splitTotal, o.Grace, &sb.badSplit, end)
	sb.closeSpan(&sb.double, &sb.doubleTotal, o.Handover, &sb.badDouble, end)
	metrics := map[string]float64{
		"max_leaders":               float64(sb.maxLeaders),
		"max_leaders_per_component": float64(sb.maxPerComp),
		"split_brain_ms":            ms(sb.splitTotal),
		"double_leader_ms":          ms(sb.doubleTotal),
	}
	var r check.Result
	switch badSplit, badDouble := sb.badSplit, sb.badDouble; {
	case badSplit != nil:
		until := fmt.Sprintf("to %v", badSplit.to)
		if openAtEnd && badSplit.to == end {
			until = fmt.Sprintf("to the end of the run (%v)", end)
		}
		r = check.Failed(SplitBrain, badSplit.from, badSplit.nodes,
			fmt.Sprintf("split brain from %v %s (%v): %s", badSplit.from, until, badSplit.to-badSplit.from, badSplit.desc))
		r.Events = []int{badSplit.first}
	case badDouble != nil:
		r = check.Failed(SplitBrain, badDouble.from, badDouble.nodes,
			fmt.Sprintf("two leaders in one component from %v to %v (%v, longer than the %v handover): %s",
				badDouble.from, badDouble.to, badDouble.to-badDouble.from, o.Handover, badDouble.desc))
		r.Events = []int{badDouble.first}
	case sb.leaderMarks == 0:
		r = unknown(SplitBrain, "no leader marks: nobody ever led, so there was no brain to split")
	default:
		r = check.Passed(SplitBrain, fmt.Sprintf("never two leaders in different components (at most %d leader(s) at once, %d per component)", sb.maxLeaders, sb.maxPerComp))
	}
	r.Metrics = metrics
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// CheckLiveness requires that, within Bound of the last fault, a single
// leader is known to every live server and stays so to the end of the run
// (a moment of agreement that falls apart does not count).
func CheckLiveness(ctx context.Context, tr *trace.Trace, o LivenessOptions) check.Result {
	return check.Fold(Liveness, observeLiveness)(ctx, tr, &o)
}

type liveness struct {
	o  LivenessOptions
	st *stableTracker
}

func observeLiveness(h trace.Header, o any) check.Observer {
	return &liveness{o: *opts(o, &LivenessOptions{Bound: 3 * time.Second}), st: newStableTracker(h)}
}

func (l *liveness) Observe(e *trace.Event) { l.st.observe(e) }

func (l *liveness) Finish(context.Context) check.Result {
	o, name := l.o, l.st.w.h.NodeName
	st, err := l.st.result()
	if err != nil {
		return check.Failed(Liveness, st.failAt, nil, err.Error())
	}
	from, w, since, leader, end := l.st.lastFault, st.w, st.since, st.leader, l.st.end
	if since >= 0 {
		took := since - from
		m := map[string]float64{"elect_after_fault_ms": ms(took)}
		if took > o.Bound {
			r := check.Failed(Liveness, since, []string{name(leader)},
				fmt.Sprintf("%s became the leader known to all only %v after the last fault at %v (bound %v)", name(leader), took, from, o.Bound))
			r.Metrics = m
			return r
		}
		r := check.Passed(Liveness, fmt.Sprintf("%s known as leader by every live server %v after the last fault at %v (bound %v), to the end", name(leader), took, from, o.Bound))
		r.Metrics = m
		return r
	}
	if end < from+o.Bound {
		return unknown(Liveness, fmt.Sprintf("the run ended at %v, before the bound ran out (last fault %v + bound %v); nothing to judge yet: %s", end, from, o.Bound, w.describe()))
	}
	return check.Failed(Liveness, from+o.Bound, nil,
		fmt.Sprintf("no single leader known to every live server from %v after the last fault at %v to the end; at the end: %s", o.Bound, from, w.describe()))
}

var errOutOfTime = fmt.Errorf("out of time")

// stable is when, after the last fault, a single leader came to be known
// by every live server and stayed so to the end of the trace (since < 0:
// never).
type stable struct {
	since  time.Duration
	leader trace.NodeID
	w      *world // at the end of the trace
	failAt time.Duration
}

// stableTracker follows, event by event, since when one leader has been
// known to every live server without a break. An instant is judged once
// all its events are in (when the next instant begins, or at the end),
// and only when something that moves leaders or links changed in it.
//
// It judges every instant from the start, though what counts is the time
// after the last fault, which is known only at the end: a stable stretch
// that began before the last fault is, seen from the last fault, stable
// from the fault's own instant on (the fault changed the world, so that
// instant was judged, and found stable).
type stableTracker struct {
	w         *world
	dirty     bool
	since     time.Duration
	leader    trace.NodeID
	now       time.Duration // the instant being gathered
	started   bool
	lastFault time.Duration
	end       time.Duration
	err       error
	failAt    time.Duration
}

func newStableTracker(h trace.Header) *stableTracker {
	return &stableTracker{w: newWorld(h), since: -1, leader: trace.None}
}

func (t *stableTracker) observe(e *trace.Event) {
	if t.err != nil {
		return
	}
	if t.started && e.Time != t.now {
		t.judge()
	}
	t.started, t.now, t.end = true, e.Time, e.Time
	if e.Kind.IsFault() {
		t.lastFault = e.Time
	}
	changed, err := t.w.step(e)
	if err != nil {
		t.err, t.failAt = err, e.Time
		return
	}
	t.dirty = t.dirty || changed
}

func (t *stableTracker) judge() {
	if !t.dirty {
		return
	}
	t.dirty = false
	l, ok := t.w.singleKnown()
	switch {
	case !ok:
		t.since, t.leader = -1, trace.None
	case l != t.leader || t.since < 0:
		t.since, t.leader = t.now, l
	}
}

// result judges the last instant and gives the stable leader as seen from
// the last fault.
func (t *stableTracker) result() (stable, error) {
	if t.err != nil {
		return stable{since: -1, leader: trace.None, w: t.w, failAt: t.failAt}, t.err
	}
	if t.started {
		t.judge()
	}
	st := stable{since: t.since, leader: t.leader, w: t.w}
	if st.since >= 0 && st.since < t.lastFault {
		st.since = t.lastFault
	}
	return st, nil
}

// stableLeader runs a stableTracker over a whole trace.
func stableLeader(ctx context.Context, tr *trace.Trace) (stable, error) {
	t := newStableTracker(tr.Header)
	for i, e := range tr.All() {
		if cancelled(ctx, i) {
			return stable{since: -1, leader: trace.None, w: t.w}, errOutOfTime
		}
		t.observe(&e)
	}
	return t.result()
}

// CheckCost measures elections: how many, how often leadership changed
// hands, and the messages and virtual time each took, from the first
// "election" mark (or a node's first start) while no election is under
// way to the next "leader" mark.
func CheckCost(ctx context.Context, tr *trace.Trace, o CostOptions) check.Result {
	w := newWorld(tr.Header)
	server := make([]bool, len(tr.Header.Nodes))
	for _, s := range w.servers {
		server[s] = true
	}
	var (
		open               bool
		openAt             time.Duration
		openMsgs, msgs     int
		elections, changes int
		totalMsgs          int
		totalTime          time.Duration
		prevLeader         = trace.None
		firstLeader        = time.Duration(-1)
		firstKnown         = time.Duration(-1)
		msgsKnown          int
		changeAt           time.Duration
		changeNodes        []string
		exceeded           bool
		exceededAt         time.Duration
	)
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(Cost, "out of time")
		}
		e := tr.At(i)
		if _, err := w.step(&e); err != nil {
			return check.Failed(Cost, e.Time, nil, err.Error())
		}
		switch {
		case e.Kind == trace.Send && w.valid(e.Node) && w.valid(e.Peer) && server[e.Node] && server[e.Peer]:
			msgs++
		case ec.Election.Is(&e) || (e.Kind == trace.Start && server[e.Node]):
			if !open {
				open, openAt, openMsgs = true, e.Time, msgs
			}
		case ec.Leader.Is(&e):
			if firstLeader < 0 {
				firstLeader = e.Time
			}
			if open {
				elections++
				totalMsgs += msgs - openMsgs
				totalTime += e.Time - openAt
				open = false
			}
			if prevLeader != trace.None && prevLeader != e.Node {
				changes++
				if o.MaxLeaderChanges > 0 && changes > o.MaxLeaderChanges && !exceeded {
					exceeded, exceededAt = true, e.Time
					changeAt, changeNodes = e.Time, []string{tr.NodeName(prevLeader), tr.NodeName(e.Node)}
				}
			}
			prevLeader = e.Node
		}
		if firstKnown < 0 {
			if _, ok := w.singleKnown(); ok {
				firstKnown, msgsKnown = e.Time, msgs
			}
		}
	}
	m := map[string]float64{
		"elections":      float64(elections),
		"leader_changes": float64(changes),
		"messages":       float64(msgs),
	}
	if elections > 0 {
		m["msgs_per_election"] = float64(totalMsgs) / float64(elections)
		m["ms_per_election"] = ms(totalTime) / float64(elections)
	}
	if firstLeader >= 0 {
		m["first_leader_ms"] = ms(firstLeader)
	}
	if firstKnown >= 0 {
		m["first_known_ms"] = ms(firstKnown)
		m["msgs_to_first_known"] = float64(msgsKnown)
	}
	// From the last fault (or the start) to the moment one leader is known
	// to all and stays so: what an election costs when it is needed.
	from := tr.LastFault()
	if st, err := stableLeader(ctx, tr); err == nil && st.since >= 0 {
		m["to_known_ms"] = ms(st.since - from)
		var election, keep int
		for _, e := range tr.All() {
			if e.Time > st.since {
				break
			}
			if e.Kind != trace.Send || e.Time < from || !w.valid(e.Node) || !server[e.Node] || !w.valid(e.Peer) || !server[e.Peer] {
				continue
			}
			if slices.Contains(o.KeepAlive, e.Name) {
				keep++
				continue
			}
			election++
			m["to_known/"+e.Name]++
		}
		m["msgs_to_known"], m["keepalive_to_known"] = float64(election), float64(keep)
	}
	detail := fmt.Sprintf("%d elections, %d leader changes", elections, changes)
	if elections > 0 {
		detail += fmt.Sprintf(", %.1f messages and %.1fms per election", m["msgs_per_election"], m["ms_per_election"])
	}
	var r check.Result
	if elections == 0 && !exceeded {
		r = unknown(Cost, "no election reached a leader: nothing to measure")
		r.Metrics = m
		return r
	}
	if exceeded {
		r = check.Failed(Cost, exceededAt, changeNodes,
			fmt.Sprintf("leadership changed hands %d times, more than the %d allowed (the change past the limit: %s → %s at %v); %s",
				changes, o.MaxLeaderChanges, changeNodes[0], changeNodes[1], changeAt, detail))
	} else {
		r = check.Passed(Cost, detail)
	}
	r.Metrics = m
	return r
}
