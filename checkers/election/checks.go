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
		{Name: OneLeaderPerTerm, Contract: ec.Contract, Summary: "at most one leader per term (Raft) or epoch (ZAB)",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return CheckOneLeaderPerTerm(ctx, tr) }},
		{Name: ZabFreshestLeader, Contract: ec.Contract, Summary: "a ZAB leader has the greatest (zxid, id) among the quorum that elected it",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return CheckFreshestLeader(ctx, tr) }},
		{Name: OneVotePerTerm, Contract: ec.Contract, Summary: "no node votes for two candidates in one term, restarts included",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return CheckOneVotePerTerm(ctx, tr) }},
		{Name: SplitBrain, Contract: ec.Contract, Summary: "leaders per connected component at every instant; split brain reported with its span",
			Options: func() any { return &SplitBrainOptions{Handover: time.Second} },
			Run: func(ctx context.Context, tr *trace.Trace, o any) check.Result {
				return CheckSplitBrain(ctx, tr, *opts(o, &SplitBrainOptions{Handover: time.Second}))
			}},
		{Name: Liveness, Contract: ec.Contract, Summary: "after the last fault, one leader known to every live server within a bound",
			Options: func() any { return &LivenessOptions{Bound: 3 * time.Second} },
			Run: func(ctx context.Context, tr *trace.Trace, o any) check.Result {
				return CheckLiveness(ctx, tr, *opts(o, &LivenessOptions{Bound: 3 * time.Second}))
			}},
		{Name: Cost, Contract: ec.Contract, Summary: "messages and virtual time per election, leader changes",
			Options: func() any { return &CostOptions{} },
			Run: func(ctx context.Context, tr *trace.Trace, o any) check.Result {
				return CheckCost(ctx, tr, *opts(o, &CostOptions{}))
			}},
	}
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
	byTerm := map[int64]leaderAt{}
	leaders := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(OneLeaderPerTerm, "out of time")
		}
		e := tr.At(i)
		if !ec.Leader.Is(&e) {
			continue
		}
		m, err := ec.Leader.Decode(&e)
		if err != nil {
			return check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		leaders++
		prev, seen := byTerm[m.Term]
		if seen && prev.node != e.Node {
			r := check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(prev.node), tr.NodeName(e.Node)},
				fmt.Sprintf("term %d has two leaders: %s (at %v) and %s (at %v)",
					m.Term, tr.NodeName(prev.node), prev.at, tr.NodeName(e.Node), e.Time))
			r.Events = []int{prev.index, e.Index}
			return r
		}
		if !seen {
			byTerm[m.Term] = leaderAt{e.Node, e.Time, e.Index}
		}
	}
	if leaders == 0 {
		return unknown(OneLeaderPerTerm, "no leader marks: nobody became leader, so there is no term to judge")
	}
	r := check.Passed(OneLeaderPerTerm, fmt.Sprintf("%d leader marks over %d terms, one leader each", leaders, len(byTerm)))
	r.Metrics = map[string]float64{"leaders": float64(leaders), "terms": float64(len(byTerm))}
	return r
}

// CheckFreshestLeader checks every ZAB leader against the votes of its
// quorum: each member's last vote for it carried the member's own (zxid,
// id), which must not beat the leader's.
func CheckFreshestLeader(ctx context.Context, tr *trace.Trace) check.Result {
	type key struct {
		voter, leader trace.NodeID
	}
	lastVote := map[key]ec.VoteMark{}
	checked := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(ZabFreshestLeader, "out of time")
		}
		e := tr.At(i)
		switch {
		case ec.Vote.Is(&e):
			v, err := ec.Vote.Decode(&e)
			if err != nil {
				return check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			lastVote[key{e.Node, trace.NodeID(v.Leader)}] = v
		case ec.Leader.Is(&e):
			m, err := ec.Leader.Decode(&e)
			if err != nil {
				return check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			if len(m.Quorum) == 0 {
				r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)},
					fmt.Sprintf("%s became leader of epoch %d with no quorum in its mark; the check needs it", tr.NodeName(e.Node), m.Term))
				r.Events = []int{e.Index}
				return r
			}
			for _, q := range m.Quorum {
				qid := trace.NodeID(q)
				v, ok := lastVote[key{qid, e.Node}]
				if !ok {
					r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(qid)},
						fmt.Sprintf("%s became leader of epoch %d naming %s in its quorum, but %s never voted for it",
							tr.NodeName(e.Node), m.Term, tr.NodeName(qid), tr.NodeName(qid)))
					r.Events = []int{e.Index}
					return r
				}
				if v.Zxid > m.Zxid || (v.Zxid == m.Zxid && qid > e.Node) {
					r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(qid)},
						fmt.Sprintf("%s became leader of epoch %d with (zxid %#x, id %d), but %s in its quorum voted for it holding fresher (zxid %#x, id %d)",
							tr.NodeName(e.Node), m.Term, m.Zxid, e.Node, tr.NodeName(qid), v.Zxid, qid))
					r.Events = []int{e.Index}
					return r
				}
			}
			checked++
		}
	}
	if checked == 0 {
		return unknown(ZabFreshestLeader, "no leader marks: no leader to compare with its quorum")
	}
	r := check.Passed(ZabFreshestLeader, fmt.Sprintf("%d leaders, each at least as fresh as every member of its quorum", checked))
	r.Metrics = map[string]float64{"leaders": float64(checked)}
	return r
}

// CheckOneVotePerTerm fails when a node's "vote" marks name two different
// candidates in one term. Votes survive restarts in a correct Raft, so a
// vote cast again after a crash counts too.
func CheckOneVotePerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	type key struct {
		node trace.NodeID
		term int64
	}
	votes := map[key]leaderAt{}
	n := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(OneVotePerTerm, "out of time")
		}
		e := tr.At(i)
		if !ec.Vote.Is(&e) {
			continue
		}
		v, err := ec.Vote.Decode(&e)
		if err != nil {
			return check.Failed(OneVotePerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		n++
		k := key{e.Node, v.Term}
		prev, ok := votes[k]
		if ok && prev.node != trace.NodeID(v.Leader) {
			r := check.Failed(OneVotePerTerm, e.Time, []string{tr.NodeName(e.Node)},
				fmt.Sprintf("%s voted twice in term %d: for %s at %v and for %s at %v",
					tr.NodeName(e.Node), v.Term, tr.NodeName(prev.node), prev.at, tr.NodeName(trace.NodeID(v.Leader)), e.Time))
			r.Events = []int{prev.index, e.Index}
			return r
		}
		if !ok {
			votes[k] = leaderAt{trace.NodeID(v.Leader), e.Time, e.Index}
		}
	}
	if n == 0 {
		return unknown(OneVotePerTerm, "no vote marks: no vote to judge")
	}
	r := check.Passed(OneVotePerTerm, fmt.Sprintf("%d votes, never two candidates in one term", n))
	r.Metrics = map[string]float64{"votes": float64(n)}
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
	w := newWorld(tr)
	var split, double *span // open spans
	var badSplit, badDouble *span
	var splitTotal, doubleTotal time.Duration
	maxLeaders, maxPerComp, leaderMarks := 0, 0, 0
	closeSpan := func(s **span, total *time.Duration, limit time.Duration, bad **span, at time.Duration) {
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
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(SplitBrain, "out of time")
		}
		e := tr.At(i)
		changed, err := w.step(&e)
		if err != nil {
			return check.Failed(SplitBrain, e.Time, nil, err.Error())
		}
		if ec.Leader.Is(&e) {
			leaderMarks++
		}
		if !changed || e.Kind == trace.State {
			continue // who names whom as leader does not move leaders or links
		}
		comp := w.Net.Components(w.servers)
		compOf := map[trace.NodeID]int{}
		for j, s := range w.servers {
			compOf[s] = comp[j]
		}
		perComp := map[int][]trace.NodeID{}
		all := w.leaders()
		maxLeaders = max(maxLeaders, len(all))
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
			maxPerComp = max(maxPerComp, len(ls))
		}
		slices.Sort(comps)
		isSplit := len(comps) >= 2
		isDouble := false
		for _, c := range comps {
			if len(perComp[c]) >= 2 {
				isDouble = true
			}
		}
		if isSplit && split == nil {
			var sides []string
			var nodes []string
			for _, c := range comps {
				sides = append(sides, fmt.Sprintf("%s leading {%s}", strings.Join(w.names(perComp[c]), "+"),
					strings.Join(w.names(members(w.servers, comp, c)), ",")))
				nodes = append(nodes, w.names(perComp[c])...)
			}
			split = &span{from: e.Time, first: e.Index, desc: strings.Join(sides, " | "), nodes: nodes}
		} else if !isSplit {
			closeSpan(&split, &splitTotal, o.Grace, &badSplit, e.Time)
		}
		if isDouble && double == nil {
			var desc []string
			var nodes []string
			for _, c := range comps {
				if len(perComp[c]) >= 2 {
					desc = append(desc, fmt.Sprintf("%s all leading {%s}", strings.Join(w.names(perComp[c]), ", "),
						strings.Join(w.names(members(w.servers, comp, c)), ",")))
					nodes = append(nodes, w.names(perComp[c])...)
				}
			}
			double = &span{from: e.Time, first: e.Index, desc: strings.Join(desc, " | "), nodes: nodes}
		} else if !isDouble {
			closeSpan(&double, &doubleTotal, o.Handover, &badDouble, e.Time)
		}
	}
	end := tr.End()
	openAtEnd := split != nil
	closeSpan(&split, &splitTotal, o.Grace, &badSplit, end)
	closeSpan(&double, &doubleTotal, o.Handover, &badDouble, end)
	metrics := map[string]float64{
		"max_leaders":               float64(maxLeaders),
		"max_leaders_per_component": float64(maxPerComp),
		"split_brain_ms":            ms(splitTotal),
		"double_leader_ms":          ms(doubleTotal),
	}
	var r check.Result
	switch {
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
	case leaderMarks == 0:
		r = unknown(SplitBrain, "no leader marks: nobody ever led, so there was no brain to split")
	default:
		r = check.Passed(SplitBrain, fmt.Sprintf("never two leaders in different components (at most %d leader(s) at once, %d per component)", maxLeaders, maxPerComp))
	}
	r.Metrics = metrics
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// CheckLiveness requires that, within Bound of the last fault, a single
// leader is known to every live server and stays so to the end of the run
// (a moment of agreement that falls apart does not count).
func CheckLiveness(ctx context.Context, tr *trace.Trace, o LivenessOptions) check.Result {
	from := tr.LastFault()
	st, err := stableLeader(ctx, tr, from)
	if err != nil {
		if err == errOutOfTime {
			return unknown(Liveness, "out of time")
		}
		return check.Failed(Liveness, st.failAt, nil, err.Error())
	}
	w, since, leader := st.w, st.since, st.leader
	end := tr.End()
	if since >= 0 {
		took := since - from
		m := map[string]float64{"elect_after_fault_ms": ms(took)}
		if took > o.Bound {
			r := check.Failed(Liveness, since, []string{tr.NodeName(leader)},
				fmt.Sprintf("%s became the leader known to all only %v after the last fault at %v (bound %v)", tr.NodeName(leader), took, from, o.Bound))
			r.Metrics = m
			return r
		}
		r := check.Passed(Liveness, fmt.Sprintf("%s known as leader by every live server %v after the last fault at %v (bound %v), to the end", tr.NodeName(leader), took, from, o.Bound))
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

// stable is when, after from, a single leader came to be known by every
// live server and stayed so to the end of the trace (since < 0: never).
type stable struct {
	since  time.Duration
	leader trace.NodeID
	w      *world // at the end of the trace
	failAt time.Duration
}

func stableLeader(ctx context.Context, tr *trace.Trace, from time.Duration) (stable, error) {
	w := newWorld(tr)
	dirty := false
	st := stable{since: -1, leader: trace.None, w: w}
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return st, errOutOfTime
		}
		e := tr.At(i)
		changed, err := w.step(&e)
		if err != nil {
			st.failAt = e.Time
			return st, err
		}
		dirty = dirty || changed
		// Judge an instant once all its events are in.
		if !dirty || e.Time < from || (i+1 < tr.Len() && tr.At(i+1).Time == e.Time) {
			continue
		}
		dirty = false
		l, ok := w.singleKnown()
		switch {
		case !ok:
			st.since, st.leader = -1, trace.None
		case l != st.leader || st.since < 0:
			st.since, st.leader = e.Time, l
		}
	}
	return st, nil
}

// CheckCost measures elections: how many, how often leadership changed
// hands, and the messages and virtual time each took, from the first
// "election" mark (or a node's first start) while no election is under
// way to the next "leader" mark.
func CheckCost(ctx context.Context, tr *trace.Trace, o CostOptions) check.Result {
	w := newWorld(tr)
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
	if st, err := stableLeader(ctx, tr, from); err == nil && st.since >= 0 {
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
