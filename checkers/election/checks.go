package election

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
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
	Grace time.Duration `yaml:"grace" doc:"how long leaders in two different components are tolerated (default 0: split brain at once)"`
	// Handover is how long two leaders in one component are tolerated,
	// each pair on its own: the time the older takes to hear of the newer.
	// Algorithms tie it to their timeouts (algo.Spec.Tolerances): Raft one
	// election timeout (election_timeout_max), ZAB two timeouts, Bully two
	// heartbeats; DefaultHandover otherwise.
	Handover time.Duration `yaml:"handover" doc:"how long two leaders may share one component, each pair on its own (the older hearing of the newer); default: the algorithm's own (Raft election_timeout_max, ZAB 2×timeout, Bully 2×heartbeat), else 500ms"`
}

// DefaultHandover is split-brain's handover when the algorithm states none.
const DefaultHandover = 500 * time.Millisecond

// LivenessOptions tune election-liveness.
type LivenessOptions struct {
	// Bound is how long after the last fault a single leader must be
	// known to every live server.
	Bound time.Duration `yaml:"bound" doc:"how long after the last fault a leader known to every live server may take to emerge, and the longest it may be missing afterwards"`
}

// CostOptions tune election-cost.
type CostOptions struct {
	// MaxLeaderChanges fails the check when leadership passes from one
	// node to another more often than this — Bully's "frequent
	// switchover". 0 (the default) allows one change per fault the trace
	// shows so far, plus one; a negative value sets no limit.
	MaxLeaderChanges int `yaml:"max_leader_changes" doc:"most times leadership may pass from one node to another; 0 (default): one per fault seen so far (crash, restart, partition, heal, cut, isolate, rejoin, pause, resume), plus one; negative: no limit"`
	// KeepAlive names the message types that keep a leader in place
	// rather than elect one (heartbeats and their answers); they are
	// counted apart in the *_to_known metrics.
	KeepAlive []string `yaml:"keepalive" doc:"message types that keep a leader in place rather than elect one (heartbeats and their answers), counted apart in the *_to_known metrics"`
}

// Specs returns the election checks. Each judges a run event by event
// (Spec.Observe), so a long run is judged as it is recorded; its Run is
// the same observer folded over a whole trace.
func Specs() []check.Spec {
	return []check.Spec{
		incremental(check.Spec{Name: OneLeaderPerTerm, Contract: ec.Contract, Summary: "at most one leader per term (Raft) or epoch (ZAB)"},
			observeOneLeader),
		incremental(check.Spec{Name: ZabFreshestLeader, Contract: ec.Contract, Summary: "a ZAB leader has the greatest (zxid, id) among the quorum that elected it"},
			observeFreshest),
		incremental(check.Spec{Name: OneVotePerTerm, Contract: ec.Contract, Summary: "no node votes for two candidates in one term, restarts included"},
			observeOneVote),
		incremental(check.Spec{Name: SplitBrain, Contract: ec.Contract, Summary: "leaders per connected component at every instant; split brain reported with its span",
			Options: func() any { return &SplitBrainOptions{Handover: DefaultHandover} }}, observeSplitBrain),
		incremental(check.Spec{Name: Liveness, Contract: ec.Contract, Summary: "after the last fault, one leader known to every live server within a bound",
			Options: func() any { return &LivenessOptions{Bound: 3 * time.Second} }}, observeLiveness),
		incremental(check.Spec{Name: Cost, Contract: ec.Contract, Summary: "messages and virtual time per election, leader changes",
			Options: func() any { return &CostOptions{} }}, observeCost),
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

// nodeTerm is one node in one term (or round).
type nodeTerm struct {
	node trace.NodeID
	term int64
}

// CheckOneLeaderPerTerm fails when two nodes lead in the same term: by
// their "leader" marks, or by the messages only a leader sends (Raft's
// AppendEntries and InstallSnapshot, ZAB's Ping, each carrying its term).
// A node that sends a leader's message in a term it never marked leading
// fails too: its marks and its messages disagree.
func CheckOneLeaderPerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(OneLeaderPerTerm, observeOneLeader)(ctx, tr, nil)
}

type oneLeader struct {
	decided
	h             trace.Header
	byTerm        map[int64]leaderAt
	marked        map[nodeTerm]bool
	leaders, msgs int
}

func observeOneLeader(h trace.Header, _ any) check.Observer {
	return &oneLeader{h: h, byTerm: map[int64]leaderAt{}, marked: map[nodeTerm]bool{}}
}

func (o *oneLeader) Kinds() trace.KindSet { return trace.KindsOf(trace.Send, trace.Mark) }

func (o *oneLeader) twoLeaders(term int64, prev leaderAt, e *trace.Event, how string) {
	name := o.h.NodeName
	r := check.Failed(OneLeaderPerTerm, e.Time, []string{name(prev.node), name(e.Node)},
		fmt.Sprintf("term %d has two leaders: %s (at %v) and %s (at %v%s)",
			term, name(prev.node), prev.at, name(e.Node), e.Time, how))
	r.Events = []int{prev.index, e.Index}
	o.decide(r)
}

func (o *oneLeader) Observe(e *trace.Event) {
	if o.done() {
		return
	}
	name := o.h.NodeName
	if e.Kind == trace.Send {
		l, ok, err := ec.LeadingOf(e)
		if err != nil {
			o.decide(check.Failed(OneLeaderPerTerm, e.Time, []string{name(e.Node)}, err.Error()))
			return
		}
		if !ok || !l.Termed {
			return
		}
		o.msgs++
		if prev, seen := o.byTerm[l.Term]; seen && prev.node != e.Node {
			o.twoLeaders(l.Term, prev, e, fmt.Sprintf(", who sent %s as only the leader does", e.Name))
			return
		}
		if !o.marked[nodeTerm{e.Node, l.Term}] {
			r := check.Failed(OneLeaderPerTerm, e.Time, []string{name(e.Node)},
				fmt.Sprintf("marks and messages disagree: %s sent %s of term %d at %v, as only the leader of term %d does, but never marked itself leader of term %d",
					name(e.Node), e.Name, l.Term, e.Time, l.Term, l.Term))
			r.Events = []int{e.Index}
			o.decide(r)
		}
		return
	}
	if !ec.Leader.Is(e) {
		return
	}
	m, err := ec.Leader.Decode(e)
	if err != nil {
		o.decide(check.Failed(OneLeaderPerTerm, e.Time, []string{name(e.Node)}, err.Error()))
		return
	}
	o.leaders++
	o.marked[nodeTerm{e.Node, m.Term}] = true
	prev, seen := o.byTerm[m.Term]
	if seen && prev.node != e.Node {
		o.twoLeaders(m.Term, prev, e, "")
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
	r := check.Passed(OneLeaderPerTerm, fmt.Sprintf("%d leader marks over %d terms, one leader each; %d leader messages, each from the marked leader of its term", o.leaders, len(o.byTerm), o.msgs))
	r.Metrics = map[string]float64{"leaders": float64(o.leaders), "terms": float64(len(o.byTerm)), "leader_messages": float64(o.msgs)}
	return r
}

// voteKey is one node's vote in one round.
type voteKey = nodeTerm

// unmarkedVote checks a vote a sent message shows against the node's
// vote marks: it must have marked that vote (in this or an earlier
// incarnation: a persisted vote is granted again without a new mark).
func unmarkedVote(name string, h *trace.Header, e *trace.Event, v ec.SentVote, marks map[voteKey][]trace.NodeID) *check.Result {
	if slices.Contains(marks[voteKey{e.Node, v.Term}], v.Candidate) {
		return nil
	}
	r := check.Failed(name, e.Time, []string{h.NodeName(e.Node), h.NodeName(v.Candidate)},
		fmt.Sprintf("marks and messages disagree: %s sent %s at %v, a vote for %s in term %d, but never marked that vote",
			h.NodeName(e.Node), e.Name, e.Time, h.NodeName(v.Candidate), v.Term))
	r.Events = []int{e.Index}
	return &r
}

// CheckFreshestLeader checks every ZAB leader against the votes of its
// quorum: the quorum is a majority of the voting servers (those the trace
// never shows observing), each member voted for it in the round it won,
// and each member's own (zxid, id) there must not beat the leader's. Every
// vote a notification casts must also have been marked.
func CheckFreshestLeader(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(ZabFreshestLeader, observeFreshest)(ctx, tr, nil)
}

// freshKey is the votes of one voter for one leader in one round.
type freshKey struct {
	voter, leader trace.NodeID
	round         int64
}

// anyRound keys a voter's votes for a leader whatever their round.
const anyRound = -1

// cast is a vote and when it was marked.
type cast struct {
	v  ec.VoteMark
	at time.Duration
}

type freshest struct {
	decided
	h trace.Header
	// Observers say so in every notification they send, from their start
	// on, long before any leader is established.
	voters    int
	observers map[trace.NodeID]bool
	votes     map[freshKey][]cast
	started   map[trace.NodeID]time.Duration // each node's latest start
	marks     map[voteKey][]trace.NodeID
	checked   int
}

func observeFreshest(h trace.Header, _ any) check.Observer {
	return &freshest{h: h, voters: len(contract.Servers(h)), observers: map[trace.NodeID]bool{},
		votes: map[freshKey][]cast{}, started: map[trace.NodeID]time.Duration{}, marks: map[voteKey][]trace.NodeID{}}
}

func (o *freshest) Kinds() trace.KindSet {
	return trace.KindsOf(trace.Start, trace.Restart, trace.Send, trace.Mark)
}

func (o *freshest) Observe(e *trace.Event) {
	if o.done() {
		return
	}
	name := o.h.NodeName
	fail := func(err error) {
		o.decide(check.Failed(ZabFreshestLeader, e.Time, []string{name(e.Node)}, err.Error()))
	}
	switch {
	case e.Kind == trace.Start || e.Kind == trace.Restart:
		o.started[e.Node] = e.Time
	case ec.ZabNotification.Is(e):
		n, err := ec.ZabNotification.Decode(e)
		if err != nil {
			fail(err)
			return
		}
		if n.State == ec.ZabObserving && !o.observers[e.Node] {
			o.observers[e.Node] = true
			o.voters--
		}
		if n.State == ec.ZabLooking && n.Vote.Leader >= 0 {
			v := ec.SentVote{Term: n.Round, Candidate: trace.NodeID(n.Vote.Leader)}
			if r := unmarkedVote(ZabFreshestLeader, &o.h, e, v, o.marks); r != nil {
				o.decide(*r)
			}
		}
	case ec.Vote.Is(e):
		v, err := ec.Vote.Decode(e)
		if err != nil {
			fail(err)
			return
		}
		l := trace.NodeID(v.Leader)
		o.votes[freshKey{e.Node, l, v.Term}] = append(o.votes[freshKey{e.Node, l, v.Term}], cast{v, e.Time})
		o.votes[freshKey{e.Node, l, anyRound}] = append(o.votes[freshKey{e.Node, l, anyRound}], cast{v, e.Time})
		k := voteKey{e.Node, v.Term}
		if !slices.Contains(o.marks[k], l) {
			o.marks[k] = append(o.marks[k], l)
		}
	case ec.Leader.Is(e):
		m, err := ec.Leader.Decode(e)
		if err != nil {
			fail(err)
			return
		}
		o.judge(e, m)
	}
}

// judge compares a leader with the votes of the quorum its mark names.
func (o *freshest) judge(e *trace.Event, m ec.LeaderMark) {
	name := o.h.NodeName
	failed := func(nodes []string, detail string) {
		r := check.Failed(ZabFreshestLeader, e.Time, nodes, detail)
		r.Events = []int{e.Index}
		o.decide(r)
	}
	if len(m.Quorum) == 0 {
		failed([]string{name(e.Node)},
			fmt.Sprintf("%s became leader of epoch %d with no quorum in its mark; the check needs it", name(e.Node), m.Term))
		return
	}
	majority := o.voters/2 + 1
	if len(m.Quorum) < majority {
		failed([]string{name(e.Node)},
			fmt.Sprintf("%s became leader of epoch %d elected by %d vote(s) (%s), not a majority of the %d voting servers (%d needed)",
				name(e.Node), m.Term, len(m.Quorum), quorumNames(&o.h, m.Quorum), o.voters, majority))
		return
	}
	round, inRound := m.Round, " in round "+fmt.Sprint(m.Round)
	if round <= 0 {
		round, inRound = anyRound, "" // a mark without its round: the member's last vote for it
	}
	for _, q := range m.Quorum {
		qid := trace.NodeID(q)
		// The vote the leader counted: among the member's votes for
		// it in that round since the leader (re)started (rounds
		// start again at a restart), the one with the member's
		// least zxid — a member that synced to the new leader and
		// voted again in that round (after a restart, say) holds
		// the leader's own new history, not what it had.
		var v ec.VoteMark
		ok := false
		for _, since := range []time.Duration{o.started[e.Node], 0} {
			for _, c := range o.votes[freshKey{qid, e.Node, round}] {
				if c.at >= since && (!ok || c.v.Zxid < v.Zxid) {
					v, ok = c.v, true
				}
			}
			if ok {
				break // else a vote sent before the restart, delivered after
			}
		}
		if !ok {
			failed([]string{name(e.Node), name(qid)},
				fmt.Sprintf("%s became leader of epoch %d naming %s in its quorum, but %s never voted for it%s",
					name(e.Node), m.Term, name(qid), name(qid), inRound))
			return
		}
		if v.Zxid > m.Zxid || (v.Zxid == m.Zxid && qid > e.Node) {
			failed([]string{name(e.Node), name(qid)},
				fmt.Sprintf("%s became leader of epoch %d with (zxid %#x, id %d), but %s in its quorum voted for it%s holding fresher (zxid %#x, id %d)",
					name(e.Node), m.Term, m.Zxid, e.Node, name(qid), inRound, v.Zxid, qid))
			return
		}
	}
	o.checked++
}

func (o *freshest) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.checked == 0 {
		return unknown(ZabFreshestLeader, "no leader marks: no leader to compare with its quorum")
	}
	r := check.Passed(ZabFreshestLeader, fmt.Sprintf("%d leaders, each at least as fresh as every member of its quorum; every vote sent was marked", o.checked))
	r.Metrics = map[string]float64{"leaders": float64(o.checked)}
	return r
}

func quorumNames(h *trace.Header, q []int32) string {
	names := make([]string, len(q))
	for i, id := range q {
		names[i] = h.NodeName(trace.NodeID(id))
	}
	return strings.Join(names, ", ")
}

// CheckOneVotePerTerm fails when a node votes for two different candidates
// in one term: by its "vote" marks, or by the votes its messages cast (a
// Raft RequestVoteReply with Granted, not a pre-vote). Votes survive
// restarts in a correct Raft, so a vote cast again after a crash counts
// too. A vote a message casts that the node never marked fails as well:
// marks and messages disagree.
func CheckOneVotePerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	return check.Fold(OneVotePerTerm, observeOneVote)(ctx, tr, nil)
}

// vote is the first vote seen of a node in a term, and how it showed.
type vote struct {
	leaderAt
	how string
}

type oneVote struct {
	decided
	h       trace.Header
	votes   map[voteKey]vote
	marks   map[voteKey][]trace.NodeID
	n, sent int
}

func observeOneVote(h trace.Header, _ any) check.Observer {
	return &oneVote{h: h, votes: map[voteKey]vote{}, marks: map[voteKey][]trace.NodeID{}}
}

func (o *oneVote) Kinds() trace.KindSet { return trace.KindsOf(trace.Send, trace.Mark) }

func (o *oneVote) twice(e *trace.Event, term int64, prev vote, cand trace.NodeID, how string) {
	name := o.h.NodeName
	r := check.Failed(OneVotePerTerm, e.Time, []string{name(e.Node)},
		fmt.Sprintf("%s voted twice in term %d: for %s at %v%s and for %s at %v%s",
			name(e.Node), term, name(prev.node), prev.at, prev.how, name(cand), e.Time, how))
	r.Events = []int{prev.index, e.Index}
	o.decide(r)
}

func (o *oneVote) Observe(e *trace.Event) {
	if o.done() {
		return
	}
	name := o.h.NodeName
	if e.Kind == trace.Send {
		v, ok, err := ec.VoteOf(e)
		if err != nil {
			o.decide(check.Failed(OneVotePerTerm, e.Time, []string{name(e.Node)}, err.Error()))
			return
		}
		if !ok {
			return
		}
		o.sent++
		how := fmt.Sprintf(" (%s granted)", e.Name)
		k := voteKey{e.Node, v.Term}
		if prev, ok := o.votes[k]; ok && prev.node != v.Candidate {
			o.twice(e, v.Term, prev, v.Candidate, how)
			return
		}
		if r := unmarkedVote(OneVotePerTerm, &o.h, e, v, o.marks); r != nil {
			o.decide(*r)
			return
		}
		if _, ok := o.votes[k]; !ok {
			o.votes[k] = vote{leaderAt{v.Candidate, e.Time, e.Index}, how}
		}
		return
	}
	if !ec.Vote.Is(e) {
		return
	}
	v, err := ec.Vote.Decode(e)
	if err != nil {
		o.decide(check.Failed(OneVotePerTerm, e.Time, []string{name(e.Node)}, err.Error()))
		return
	}
	o.n++
	cand := trace.NodeID(v.Leader)
	k := voteKey{e.Node, v.Term}
	if !slices.Contains(o.marks[k], cand) {
		o.marks[k] = append(o.marks[k], cand)
	}
	prev, ok := o.votes[k]
	if ok && prev.node != cand {
		o.twice(e, v.Term, prev, cand, "")
		return
	}
	if !ok {
		o.votes[k] = vote{leaderAt{cand, e.Time, e.Index}, ""}
	}
}

func (o *oneVote) Finish(context.Context) check.Result {
	if o.done() {
		return *o.res
	}
	if o.n == 0 && o.sent == 0 {
		return unknown(OneVotePerTerm, "no vote marks and no vote granted in a message: no vote to judge")
	}
	r := check.Passed(OneVotePerTerm, fmt.Sprintf("%d vote marks and %d votes granted in messages, never two candidates in one term", o.n, o.sent))
	r.Metrics = map[string]float64{"votes": float64(o.n), "votes_sent": float64(o.sent)}
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
// two components for longer than Grace, or on two leaders sharing one
// component for longer than Handover (each pair judged on its own: the
// time the older leader takes to hear of the newer).
func CheckSplitBrain(ctx context.Context, tr *trace.Trace, o SplitBrainOptions) check.Result {
	return check.Fold(SplitBrain, observeSplitBrain)(ctx, tr, &o)
}

// splitBrain reads every event: the leadership picture moves with sends,
// marks, the network, starts and crashes, and the spans open at the end
// close at the time of the run's last event, whatever its kind.
type splitBrain struct {
	decided
	o                                   SplitBrainOptions
	w                                   *world
	split, double                       *span // open spans
	badSplit, badDouble, ignored        *span
	splitTotal, doubleTotal             time.Duration
	splitLongest, doubleLongest, unused time.Duration
	pairs                               map[[2]trace.NodeID]*span // leaders sharing a component, since when
	maxLeaders, maxPerComp, leaderMarks int
	end                                 time.Duration // the last event's time
}

func observeSplitBrain(h trace.Header, o any) check.Observer {
	return &splitBrain{o: *opts(o, &SplitBrainOptions{Handover: DefaultHandover}), w: newWorld(h), pairs: map[[2]trace.NodeID]*span{}}
}

func closeSpan(s **span, total, longest *time.Duration, limit time.Duration, bad **span, at time.Duration) {
	if *s == nil {
		return
	}
	(*s).to = at
	d := at - (*s).from
	*total += d
	*longest = max(*longest, d)
	if d > limit && *bad == nil {
		*bad = *s
	}
	*s = nil
}

// closePairs closes the spans of the pairs not in keep.
func (sb *splitBrain) closePairs(keep map[[2]trace.NodeID]bool, at time.Duration) {
	for _, k := range sortedPairs(sb.pairs) {
		if keep[k] {
			continue
		}
		s := sb.pairs[k]
		closeSpan(&s, &sb.unused, &sb.doubleLongest, sb.o.Handover, &sb.badDouble, at)
		delete(sb.pairs, k)
	}
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
		closeSpan(&sb.split, &sb.splitTotal, &sb.splitLongest, sb.o.Grace, &sb.badSplit, e.Time)
	}
	if isDouble && sb.double == nil {
		sb.double = &span{from: e.Time}
	} else if !isDouble {
		closeSpan(&sb.double, &sb.doubleTotal, &sb.unused, 0, &sb.ignored, e.Time)
	}
	now := map[[2]trace.NodeID]bool{}
	for _, c := range comps {
		ls := perComp[c]
		for a := range ls {
			for b := a + 1; b < len(ls); b++ {
				k := [2]trace.NodeID{min(ls[a], ls[b]), max(ls[a], ls[b])}
				now[k] = true
				if sb.pairs[k] == nil {
					sb.pairs[k] = &span{from: e.Time, first: e.Index, nodes: w.names(k[:]),
						desc: fmt.Sprintf("%s and %s both leading {%s}", w.h.NodeName(k[0]), w.h.NodeName(k[1]),
							strings.Join(w.names(members(w.servers, comp, c)), ","))}
				}
			}
		}
	}
	sb.closePairs(now, e.Time)
}

func (sb *splitBrain) Finish(context.Context) check.Result {
	if sb.done() {
		return *sb.res
	}
	end, o, w := sb.end, sb.o, sb.w
	openAtEnd := sb.split != nil
	closeSpan(&sb.split, &sb.splitTotal, &sb.splitLongest, o.Grace, &sb.badSplit, end)
	closeSpan(&sb.double, &sb.doubleTotal, &sb.unused, 0, &sb.ignored, end)
	sb.closePairs(nil, end)
	metrics := map[string]float64{
		"max_leaders":               float64(sb.maxLeaders),
		"max_leaders_per_component": float64(sb.maxPerComp),
		"split_brain_ms":            ms(sb.splitTotal),
		"double_leader_ms":          ms(sb.doubleTotal),
		"longest_split_ms":          ms(sb.splitLongest),
		"longest_double_ms":         ms(sb.doubleLongest),
	}
	var r check.Result
	switch badSplit, badDouble := sb.badSplit, sb.badDouble; {
	case w.disagree != nil:
		d := w.disagree
		r = check.Failed(SplitBrain, d.at, []string{w.h.NodeName(d.node)}, d.detail)
		r.Events = []int{d.index}
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
		r = check.Passed(SplitBrain, fmt.Sprintf("never two leaders in different components for longer than %v, nor two in one component for longer than the %v handover (at most %d leader(s) at once, %d per component)", o.Grace, o.Handover, sb.maxLeaders, sb.maxPerComp))
	}
	r.Metrics = metrics
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sortedPairs(m map[[2]trace.NodeID]*span) [][2]trace.NodeID {
	keys := make([][2]trace.NodeID, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]trace.NodeID) int {
		if a[0] != b[0] {
			return int(a[0] - b[0])
		}
		return int(a[1] - b[1])
	})
	return keys
}

// instants groups a run's events into instants (the events of one
// virtual time) and follows its last fault, for the checks that judge the
// leadership picture once an instant's events are all in, from the last
// fault on — a fault known only at the end of the run. A judging from a
// fault that a later fault replaces is dropped, and begins again from the
// later one as if it had been known all along: an instant is judged when
// something changed since the last instant judged (from that fault on),
// and before the fault nothing was. That reading is the one of a whole
// trace whose time never goes back, as a recorded run's never does.
type instants struct {
	started bool
	now     time.Duration // the instant being gathered: the last event's time
	from    time.Duration // the last fault so far (or zero)
	dirty   bool          // the picture changed since the last instant judged
	changed bool          // the picture ever changed
	// back is set when the time went back from one event to the next (a
	// trace made by hand): then instants, and what comes after the last
	// fault, are not what a recorded run's are.
	back bool
}

// ends reports, before an event at time t is applied, whether the instant
// before it ended with something to judge (a change since the last one
// judged, at or after the last fault), and takes it as judged.
func (in *instants) ends(t time.Duration) bool {
	if !in.started || t == in.now {
		return false
	}
	return in.due()
}

// due reports whether the instant gathered is to be judged, and takes it
// as judged (at the end of the run, for the last instant).
func (in *instants) due() bool {
	if !in.started || !in.dirty || in.now < in.from {
		return false
	}
	in.dirty = false
	return true
}

// applied notes event e applied, and whether it changed the picture; it
// reports whether e is a fault, after which the judging begins again.
func (in *instants) applied(e *trace.Event, changed bool) (fault bool) {
	if in.started && e.Time < in.now {
		in.back = true
	}
	in.started, in.now = true, e.Time
	in.dirty = in.dirty || changed
	in.changed = in.changed || changed
	if !e.Kind.IsFault() {
		return false
	}
	// Nothing was judged from this fault on yet: every change so far is
	// still to be judged.
	in.from, in.dirty = e.Time, in.changed
	return true
}

// CheckLiveness requires that, within Bound of the last fault, a single
// leader is known to every live server, and that whenever that agreement
// is lost afterwards (a follower that missed a few heartbeats on a lossy
// network and re-elects) it comes back within Bound too: no span without
// a leader known to all, from the last fault to the end, lasts longer
// than Bound.
func CheckLiveness(ctx context.Context, tr *trace.Trace, o LivenessOptions) check.Result {
	return check.Fold(Liveness, observeLiveness)(ctx, tr, &o)
}

// liveness reads every event: instants end at events of any kind, and the
// run's end is its last event's time.
type liveness struct {
	decided
	o  LivenessOptions
	w  *world
	in instants
	agreement
}

// agreement is liveness's judging from one fault on.
type agreement struct {
	first             time.Duration // first agreement after the fault
	firstLeader       trace.NodeID
	gapFrom           time.Duration // an open span without agreement, or -1
	worstGap          time.Duration
	lost              int
	badFrom, badUntil time.Duration
}

func newAgreement(from time.Duration) agreement {
	return agreement{first: -1, firstLeader: trace.None, gapFrom: from, badFrom: -1, badUntil: -1}
}

func observeLiveness(h trace.Header, o any) check.Observer {
	return &liveness{o: *opts(o, &LivenessOptions{Bound: 3 * time.Second}), w: newWorld(h), agreement: newAgreement(0)}
}

func (l *liveness) Observe(e *trace.Event) {
	if l.done() {
		return
	}
	if l.in.ends(e.Time) {
		l.judge()
	}
	changed, err := l.w.step(e)
	if err != nil {
		l.decide(check.Failed(Liveness, e.Time, nil, err.Error()))
		return
	}
	if l.in.applied(e, changed) {
		l.agreement = newAgreement(e.Time)
	}
}

// judge judges the instant just ended.
func (l *liveness) judge() {
	now := l.in.now
	leader, ok := l.w.singleKnown()
	switch {
	case ok && l.gapFrom >= 0:
		gap := now - l.gapFrom
		l.worstGap = max(l.worstGap, gap)
		if gap > l.o.Bound && l.badFrom < 0 {
			l.badFrom, l.badUntil = l.gapFrom, now
		}
		l.gapFrom = -1
		if l.first < 0 {
			l.first, l.firstLeader = now, leader
		}
	case !ok && l.gapFrom < 0:
		l.gapFrom = now
		l.lost++
	}
}

func (l *liveness) Finish(context.Context) check.Result {
	if l.done() {
		return *l.res
	}
	if l.in.back {
		return unknown(Liveness, "the trace's time goes back from one event to the next: it has no instants, nor a time after its last fault, to judge")
	}
	if l.in.due() {
		l.judge()
	}
	o, w, name := l.o, l.w, l.w.h.NodeName
	from, end := l.in.from, l.in.now
	first, firstLeader, gapFrom, worstGap, lost, badFrom, badUntil := l.first, l.firstLeader, l.gapFrom, l.worstGap, l.lost, l.badFrom, l.badUntil
	m := map[string]float64{"losses_after_agreement": float64(lost)}
	if first >= 0 {
		m["elect_after_fault_ms"] = ms(first - from)
	}
	if gapFrom >= 0 {
		gap := end - gapFrom
		worstGap = max(worstGap, gap)
		if gap > o.Bound && badFrom < 0 {
			badFrom, badUntil = gapFrom, -1
		}
	}
	m["longest_without_leader_ms"] = ms(worstGap)
	var r check.Result
	switch {
	case badFrom >= 0 && first < 0:
		r = check.Failed(Liveness, from+o.Bound, nil,
			fmt.Sprintf("no single leader known to every live server from %v after the last fault at %v to the end; at the end: %s", o.Bound, from, w.describe()))
	case badFrom == from && badUntil >= 0:
		r = check.Failed(Liveness, badUntil, []string{name(firstLeader)},
			fmt.Sprintf("%s became the leader known to all only %v after the last fault at %v (bound %v)", name(firstLeader), badUntil-from, from, o.Bound))
	case badFrom >= 0 && badUntil < 0:
		r = check.Failed(Liveness, badFrom+o.Bound, nil,
			fmt.Sprintf("the leader known to all was lost at %v and no single leader was known to every live server again by the end (%v later; bound %v); at the end: %s", badFrom, end-badFrom, o.Bound, w.describe()))
	case badFrom >= 0:
		r = check.Failed(Liveness, badFrom+o.Bound, nil,
			fmt.Sprintf("from %v to %v (%v, bound %v) no single leader was known to every live server, after one had been", badFrom, badUntil, badUntil-badFrom, o.Bound))
	case first < 0:
		return unknown(Liveness, fmt.Sprintf("the run ended at %v, before the bound ran out (last fault %v + bound %v); nothing to judge yet: %s", end, from, o.Bound, w.describe()))
	default:
		tail := ", to the end"
		if lost > 0 {
			tail = fmt.Sprintf("; agreement lost %d time(s) later, each time back within the bound (longest %v without)", lost, worstGap)
		}
		if gapFrom >= 0 {
			tail += fmt.Sprintf("; at the end (%v) a new election was under way", end)
		}
		r = check.Passed(Liveness, fmt.Sprintf("%s known as leader by every live server %v after the last fault at %v (bound %v)%s", name(firstLeader), first-from, from, o.Bound, tail))
	}
	r.Metrics = m
	return r
}

// CheckCost measures elections: how many, how often leadership changed
// hands, and the messages and virtual time each took, from the first
// "election" mark (or a node's first start) while no election is under
// way to the next "leader" mark.
func CheckCost(ctx context.Context, tr *trace.Trace, o CostOptions) check.Result {
	return check.Fold(Cost, observeCost)(ctx, tr, &o)
}

// cost reads every event: faults, sends and marks count, and the stable
// leader after the last fault is judged instant by instant.
type cost struct {
	decided
	o      CostOptions
	w      *world
	server []bool
	counts costCounts
	// From the last fault (or the start) to the moment one leader is
	// known to all and stays so: what an election costs when it is
	// needed.
	in        instants
	since     time.Duration // one leader known to all since then (-1: not now)
	leader    trace.NodeID
	now       sends // the server-to-server messages sent in the instant gathered
	fromFault sends // … at or after the last fault
	toKnown   sends // … from the last fault to since
}

// costCounts are the counts of the one pass over the run.
type costCounts struct {
	open               bool
	openAt             time.Duration
	openMsgs, msgs     int
	elections, changes int
	totalMsgs          int
	totalTime          time.Duration
	prevLeader         trace.NodeID
	firstLeader        time.Duration
	firstKnown         time.Duration
	msgsKnown          int
	changeAt           time.Duration
	changeNodes        []string
	exceeded           bool
	exceededAt         time.Duration
	faults, limit      int
	overLimit, overAt  int // the limit and the changes when it was passed
}

// sends counts messages by type, heartbeats apart.
type sends struct {
	byName map[string]int
	keep   int
}

func (s *sends) add(name string, keepAlive bool) {
	if keepAlive {
		s.keep++
		return
	}
	if s.byName == nil {
		s.byName = map[string]int{}
	}
	s.byName[name]++
}

func (s sends) clone() sends { return sends{byName: maps.Clone(s.byName), keep: s.keep} }

func observeCost(h trace.Header, o any) check.Observer {
	c := &cost{o: *opts(o, &CostOptions{}), w: newWorld(h), server: make([]bool, len(h.Nodes)), since: -1, leader: trace.None}
	for _, s := range c.w.servers {
		c.server[s] = true
	}
	c.counts = costCounts{prevLeader: trace.None, firstLeader: -1, firstKnown: -1}
	return c
}

func (c *cost) Observe(e *trace.Event) {
	if c.done() {
		return
	}
	w, v, o := c.w, &c.counts, c.o
	if c.in.ends(e.Time) {
		c.judge()
	}
	if c.in.started && e.Time != c.in.now {
		c.now = sends{}
	}
	changed, err := w.step(e)
	if err != nil {
		c.decide(check.Failed(Cost, e.Time, nil, err.Error()))
		return
	}
	if e.Kind.IsFault() {
		v.faults++
	}
	serverToServer := e.Kind == trace.Send && w.valid(e.Node) && w.valid(e.Peer) && c.server[e.Node] && c.server[e.Peer]
	switch {
	case serverToServer:
		v.msgs++
	case ec.Election.Is(e) || (e.Kind == trace.Start && c.server[e.Node]):
		if !v.open {
			v.open, v.openAt, v.openMsgs = true, e.Time, v.msgs
		}
	case ec.Leader.Is(e):
		if v.firstLeader < 0 {
			v.firstLeader = e.Time
		}
		if v.open {
			v.elections++
			v.totalMsgs += v.msgs - v.openMsgs
			v.totalTime += e.Time - v.openAt
			v.open = false
		}
		if v.prevLeader != trace.None && v.prevLeader != e.Node {
			v.changes++
			v.limit = o.MaxLeaderChanges
			if v.limit == 0 {
				v.limit = v.faults + 1
			}
			if v.limit > 0 && v.changes > v.limit && !v.exceeded {
				v.exceeded, v.exceededAt, v.overLimit, v.overAt = true, e.Time, v.limit, v.changes
				v.changeAt, v.changeNodes = e.Time, []string{w.h.NodeName(v.prevLeader), w.h.NodeName(e.Node)}
			}
		}
		v.prevLeader = e.Node
	}
	if v.firstKnown < 0 {
		if _, ok := w.singleKnown(); ok {
			v.firstKnown, v.msgsKnown = e.Time, v.msgs
		}
	}
	if serverToServer {
		keep := slices.Contains(o.KeepAlive, e.Name)
		c.now.add(e.Name, keep)
		c.fromFault.add(e.Name, keep)
	}
	if c.in.applied(e, changed) {
		// Judged from this fault on: the messages of its instant so far.
		c.since, c.leader, c.fromFault = -1, trace.None, c.now.clone()
	}
}

// judge judges the instant just ended: is one leader known to all, and
// since when.
func (c *cost) judge() {
	l, ok := c.w.singleKnown()
	switch {
	case !ok:
		c.since, c.leader = -1, trace.None
	case l != c.leader || c.since < 0:
		c.since, c.leader = c.in.now, l
		c.toKnown = c.fromFault.clone()
	}
}

func (c *cost) Finish(context.Context) check.Result {
	if c.done() {
		return *c.res
	}
	if c.in.due() {
		c.judge()
	}
	v, o := &c.counts, c.o
	m := map[string]float64{
		"elections":      float64(v.elections),
		"leader_changes": float64(v.changes),
		"messages":       float64(v.msgs),
	}
	if v.elections > 0 {
		m["msgs_per_election"] = float64(v.totalMsgs) / float64(v.elections)
		m["ms_per_election"] = ms(v.totalTime) / float64(v.elections)
	}
	if v.firstLeader >= 0 {
		m["first_leader_ms"] = ms(v.firstLeader)
	}
	if v.firstKnown >= 0 {
		m["first_known_ms"] = ms(v.firstKnown)
		m["msgs_to_first_known"] = float64(v.msgsKnown)
	}
	// From the last fault (or the start) to the moment one leader is known
	// to all and stays so: what an election costs when it is needed. (Not
	// measured when the trace's time goes back: it has no such moment.)
	if c.since >= 0 && !c.in.back {
		m["to_known_ms"] = ms(c.since - c.in.from)
		election := 0
		for name, n := range c.toKnown.byName {
			m["to_known/"+name] = float64(n)
			election += n
		}
		m["msgs_to_known"], m["keepalive_to_known"] = float64(election), float64(c.toKnown.keep)
	}
	detail := fmt.Sprintf("%d elections, %d leader changes", v.elections, v.changes)
	if v.elections > 0 {
		detail += fmt.Sprintf(", %.1f messages and %.1fms per election", m["msgs_per_election"], m["ms_per_election"])
	}
	var r check.Result
	if v.elections == 0 && !v.exceeded {
		r = unknown(Cost, "no election reached a leader: nothing to measure")
		r.Metrics = m
		return r
	}
	if v.exceeded {
		allowed := fmt.Sprintf("the %d allowed", v.overLimit)
		if o.MaxLeaderChanges == 0 {
			allowed = fmt.Sprintf("the %d allowed by then (one per fault so far, plus one)", v.overLimit)
		}
		r = check.Failed(Cost, v.exceededAt, v.changeNodes,
			fmt.Sprintf("leadership changed hands %d times, more than %s (the change past the limit: %s → %s at %v); %s",
				v.overAt, allowed, v.changeNodes[0], v.changeNodes[1], v.changeAt, detail))
	} else {
		r = check.Passed(Cost, detail)
	}
	r.Metrics = m
	return r
}
