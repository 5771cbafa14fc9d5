package election

import (
	"context"
	"fmt"
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
			Options: func() any { return &SplitBrainOptions{Handover: DefaultHandover} },
			Run: func(ctx context.Context, tr *trace.Trace, o any) check.Result {
				return CheckSplitBrain(ctx, tr, *opts(o, &SplitBrainOptions{Handover: DefaultHandover}))
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

// CheckOneLeaderPerTerm fails when two nodes lead in the same term: by
// their "leader" marks, or by the messages only a leader sends (Raft's
// AppendEntries and InstallSnapshot, ZAB's Ping, each carrying its term).
// A node that sends a leader's message in a term it never marked leading
// fails too: its marks and its messages disagree.
func CheckOneLeaderPerTerm(ctx context.Context, tr *trace.Trace) check.Result {
	type nodeTerm struct {
		node trace.NodeID
		term int64
	}
	byTerm := map[int64]leaderAt{}
	marked := map[nodeTerm]bool{}
	leaders, msgs := 0, 0
	twoLeaders := func(term int64, prev leaderAt, e *trace.Event, how string) check.Result {
		r := check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(prev.node), tr.NodeName(e.Node)},
			fmt.Sprintf("term %d has two leaders: %s (at %v) and %s (at %v%s)",
				term, tr.NodeName(prev.node), prev.at, tr.NodeName(e.Node), e.Time, how))
		r.Events = []int{prev.index, e.Index}
		return r
	}
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(OneLeaderPerTerm, "out of time")
		}
		e := tr.At(i)
		if e.Kind == trace.Send {
			l, ok, err := ec.LeadingOf(&e)
			if err != nil {
				return check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			if !ok || !l.Termed {
				continue
			}
			msgs++
			if prev, seen := byTerm[l.Term]; seen && prev.node != e.Node {
				return twoLeaders(l.Term, prev, &e, fmt.Sprintf(", who sent %s as only the leader does", e.Name))
			}
			if !marked[nodeTerm{e.Node, l.Term}] {
				r := check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(e.Node)},
					fmt.Sprintf("marks and messages disagree: %s sent %s of term %d at %v, as only the leader of term %d does, but never marked itself leader of term %d",
						tr.NodeName(e.Node), e.Name, l.Term, e.Time, l.Term, l.Term))
				r.Events = []int{e.Index}
				return r
			}
			continue
		}
		if !ec.Leader.Is(&e) {
			continue
		}
		m, err := ec.Leader.Decode(&e)
		if err != nil {
			return check.Failed(OneLeaderPerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		leaders++
		marked[nodeTerm{e.Node, m.Term}] = true
		prev, seen := byTerm[m.Term]
		if seen && prev.node != e.Node {
			return twoLeaders(m.Term, prev, &e, "")
		}
		if !seen {
			byTerm[m.Term] = leaderAt{e.Node, e.Time, e.Index}
		}
	}
	if leaders == 0 {
		return unknown(OneLeaderPerTerm, "no leader marks: nobody became leader, so there is no term to judge")
	}
	r := check.Passed(OneLeaderPerTerm, fmt.Sprintf("%d leader marks over %d terms, one leader each; %d leader messages, each from the marked leader of its term", leaders, len(byTerm), msgs))
	r.Metrics = map[string]float64{"leaders": float64(leaders), "terms": float64(len(byTerm)), "leader_messages": float64(msgs)}
	return r
}

// voteKey is one node's vote in one round.
type voteKey struct {
	node trace.NodeID
	term int64
}

// unmarkedVote checks a vote a sent message shows against the node's
// vote marks: it must have marked that vote (in this or an earlier
// incarnation: a persisted vote is granted again without a new mark).
func unmarkedVote(name string, tr *trace.Trace, e *trace.Event, v ec.SentVote, marks map[voteKey][]trace.NodeID) *check.Result {
	if slices.Contains(marks[voteKey{e.Node, v.Term}], v.Candidate) {
		return nil
	}
	r := check.Failed(name, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(v.Candidate)},
		fmt.Sprintf("marks and messages disagree: %s sent %s at %v, a vote for %s in term %d, but never marked that vote",
			tr.NodeName(e.Node), e.Name, e.Time, tr.NodeName(v.Candidate), v.Term))
	r.Events = []int{e.Index}
	return &r
}

// CheckFreshestLeader checks every ZAB leader against the votes of its
// quorum: the quorum is a majority of the voting servers (those the trace
// never shows observing), each member voted for it in the round it won,
// and each member's own (zxid, id) there must not beat the leader's. Every
// vote a notification casts must also have been marked.
func CheckFreshestLeader(ctx context.Context, tr *trace.Trace) check.Result {
	// Observers say so in every notification they send, from their start
	// on, long before any leader is established.
	voters := len(contract.Servers(tr.Header))
	observers := map[trace.NodeID]bool{}
	type key struct {
		voter, leader trace.NodeID
		round         int64
	}
	const anyRound = -1
	type cast struct {
		v  ec.VoteMark
		at time.Duration
	}
	votes := map[key][]cast{}
	started := map[trace.NodeID]time.Duration{} // each node's latest start
	marks := map[voteKey][]trace.NodeID{}
	checked := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(ZabFreshestLeader, "out of time")
		}
		e := tr.At(i)
		switch {
		case e.Kind == trace.Start || e.Kind == trace.Restart:
			started[e.Node] = e.Time
		case ec.ZabNotification.Is(&e):
			n, err := ec.ZabNotification.Decode(&e)
			if err != nil {
				return check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			if n.State == ec.ZabObserving && !observers[e.Node] {
				observers[e.Node] = true
				voters--
			}
			if n.State == ec.ZabLooking && n.Vote.Leader >= 0 {
				v := ec.SentVote{Term: n.Round, Candidate: trace.NodeID(n.Vote.Leader)}
				if r := unmarkedVote(ZabFreshestLeader, tr, &e, v, marks); r != nil {
					return *r
				}
			}
		case ec.Vote.Is(&e):
			v, err := ec.Vote.Decode(&e)
			if err != nil {
				return check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			l := trace.NodeID(v.Leader)
			votes[key{e.Node, l, v.Term}] = append(votes[key{e.Node, l, v.Term}], cast{v, e.Time})
			votes[key{e.Node, l, anyRound}] = append(votes[key{e.Node, l, anyRound}], cast{v, e.Time})
			k := voteKey{e.Node, v.Term}
			if !slices.Contains(marks[k], l) {
				marks[k] = append(marks[k], l)
			}
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
			majority := voters/2 + 1
			if len(m.Quorum) < majority {
				r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node)},
					fmt.Sprintf("%s became leader of epoch %d elected by %d vote(s) (%s), not a majority of the %d voting servers (%d needed)",
						tr.NodeName(e.Node), m.Term, len(m.Quorum), quorumNames(tr, m.Quorum), voters, majority))
				r.Events = []int{e.Index}
				return r
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
				for _, since := range []time.Duration{started[e.Node], 0} {
					for _, c := range votes[key{qid, e.Node, round}] {
						if c.at >= since && (!ok || c.v.Zxid < v.Zxid) {
							v, ok = c.v, true
						}
					}
					if ok {
						break // else a vote sent before the restart, delivered after
					}
				}
				if !ok {
					r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(qid)},
						fmt.Sprintf("%s became leader of epoch %d naming %s in its quorum, but %s never voted for it%s",
							tr.NodeName(e.Node), m.Term, tr.NodeName(qid), tr.NodeName(qid), inRound))
					r.Events = []int{e.Index}
					return r
				}
				if v.Zxid > m.Zxid || (v.Zxid == m.Zxid && qid > e.Node) {
					r := check.Failed(ZabFreshestLeader, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(qid)},
						fmt.Sprintf("%s became leader of epoch %d with (zxid %#x, id %d), but %s in its quorum voted for it%s holding fresher (zxid %#x, id %d)",
							tr.NodeName(e.Node), m.Term, m.Zxid, e.Node, tr.NodeName(qid), inRound, v.Zxid, qid))
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
	r := check.Passed(ZabFreshestLeader, fmt.Sprintf("%d leaders, each at least as fresh as every member of its quorum; every vote sent was marked", checked))
	r.Metrics = map[string]float64{"leaders": float64(checked)}
	return r
}

func quorumNames(tr *trace.Trace, q []int32) string {
	names := make([]string, len(q))
	for i, id := range q {
		names[i] = tr.NodeName(trace.NodeID(id))
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
	type vote struct {
		leaderAt
		how string
	}
	votes := map[voteKey]vote{}
	marks := map[voteKey][]trace.NodeID{}
	n, sent := 0, 0
	twice := func(e *trace.Event, term int64, prev vote, cand trace.NodeID, how string) check.Result {
		r := check.Failed(OneVotePerTerm, e.Time, []string{tr.NodeName(e.Node)},
			fmt.Sprintf("%s voted twice in term %d: for %s at %v%s and for %s at %v%s",
				tr.NodeName(e.Node), term, tr.NodeName(prev.node), prev.at, prev.how, tr.NodeName(cand), e.Time, how))
		r.Events = []int{prev.index, e.Index}
		return r
	}
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(OneVotePerTerm, "out of time")
		}
		e := tr.At(i)
		if e.Kind == trace.Send {
			v, ok, err := ec.VoteOf(&e)
			if err != nil {
				return check.Failed(OneVotePerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
			}
			if !ok {
				continue
			}
			sent++
			how := fmt.Sprintf(" (%s granted)", e.Name)
			k := voteKey{e.Node, v.Term}
			if prev, ok := votes[k]; ok && prev.node != v.Candidate {
				return twice(&e, v.Term, prev, v.Candidate, how)
			}
			if r := unmarkedVote(OneVotePerTerm, tr, &e, v, marks); r != nil {
				return *r
			}
			if _, ok := votes[k]; !ok {
				votes[k] = vote{leaderAt{v.Candidate, e.Time, e.Index}, how}
			}
			continue
		}
		if !ec.Vote.Is(&e) {
			continue
		}
		v, err := ec.Vote.Decode(&e)
		if err != nil {
			return check.Failed(OneVotePerTerm, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		n++
		cand := trace.NodeID(v.Leader)
		k := voteKey{e.Node, v.Term}
		if !slices.Contains(marks[k], cand) {
			marks[k] = append(marks[k], cand)
		}
		prev, ok := votes[k]
		if ok && prev.node != cand {
			return twice(&e, v.Term, prev, cand, "")
		}
		if !ok {
			votes[k] = vote{leaderAt{cand, e.Time, e.Index}, ""}
		}
	}
	if n == 0 && sent == 0 {
		return unknown(OneVotePerTerm, "no vote marks and no vote granted in a message: no vote to judge")
	}
	r := check.Passed(OneVotePerTerm, fmt.Sprintf("%d vote marks and %d votes granted in messages, never two candidates in one term", n, sent))
	r.Metrics = map[string]float64{"votes": float64(n), "votes_sent": float64(sent)}
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
	w := newWorld(tr.Header)
	var split, double *span // open spans
	var badSplit, badDouble, ignored *span
	var splitTotal, doubleTotal, splitLongest, doubleLongest, unused time.Duration
	pairs := map[[2]trace.NodeID]*span{} // leaders sharing a component, since when
	maxLeaders, maxPerComp, leaderMarks := 0, 0, 0
	closeSpan := func(s **span, total, longest *time.Duration, limit time.Duration, bad **span, at time.Duration) {
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
	closePairs := func(keep map[[2]trace.NodeID]bool, at time.Duration) {
		for _, k := range sortedPairs(pairs) {
			if keep[k] {
				continue
			}
			s := pairs[k]
			closeSpan(&s, &unused, &doubleLongest, o.Handover, &badDouble, at)
			delete(pairs, k)
		}
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
			closeSpan(&split, &splitTotal, &splitLongest, o.Grace, &badSplit, e.Time)
		}
		if isDouble && double == nil {
			double = &span{from: e.Time}
		} else if !isDouble {
			closeSpan(&double, &doubleTotal, &unused, 0, &ignored, e.Time)
		}
		now := map[[2]trace.NodeID]bool{}
		for _, c := range comps {
			ls := perComp[c]
			for a := range ls {
				for b := a + 1; b < len(ls); b++ {
					k := [2]trace.NodeID{min(ls[a], ls[b]), max(ls[a], ls[b])}
					now[k] = true
					if pairs[k] == nil {
						pairs[k] = &span{from: e.Time, first: e.Index, nodes: w.names(k[:]),
							desc: fmt.Sprintf("%s and %s both leading {%s}", tr.NodeName(k[0]), tr.NodeName(k[1]),
								strings.Join(w.names(members(w.servers, comp, c)), ","))}
					}
				}
			}
		}
		closePairs(now, e.Time)
	}
	end := tr.End()
	openAtEnd := split != nil
	closeSpan(&split, &splitTotal, &splitLongest, o.Grace, &badSplit, end)
	closeSpan(&double, &doubleTotal, &unused, 0, &ignored, end)
	closePairs(nil, end)
	metrics := map[string]float64{
		"max_leaders":               float64(maxLeaders),
		"max_leaders_per_component": float64(maxPerComp),
		"split_brain_ms":            ms(splitTotal),
		"double_leader_ms":          ms(doubleTotal),
		"longest_split_ms":          ms(splitLongest),
		"longest_double_ms":         ms(doubleLongest),
	}
	var r check.Result
	switch {
	case w.disagree != nil:
		d := w.disagree
		r = check.Failed(SplitBrain, d.at, []string{tr.NodeName(d.node)}, d.detail)
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
	case leaderMarks == 0:
		r = unknown(SplitBrain, "no leader marks: nobody ever led, so there was no brain to split")
	default:
		r = check.Passed(SplitBrain, fmt.Sprintf("never two leaders in different components for longer than %v, nor two in one component for longer than the %v handover (at most %d leader(s) at once, %d per component)", o.Grace, o.Handover, maxLeaders, maxPerComp))
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

// CheckLiveness requires that, within Bound of the last fault, a single
// leader is known to every live server, and that whenever that agreement
// is lost afterwards (a follower that missed a few heartbeats on a lossy
// network and re-elects) it comes back within Bound too: no span without
// a leader known to all, from the last fault to the end, lasts longer
// than Bound.
func CheckLiveness(ctx context.Context, tr *trace.Trace, o LivenessOptions) check.Result {
	from := tr.LastFault()
	end := tr.End()
	w := newWorld(tr.Header)
	dirty := false
	var (
		first             = time.Duration(-1) // first agreement after the fault
		firstLeader       = trace.None
		gapFrom           = from // an open span without agreement, or -1
		worstGap          time.Duration
		lost              int
		badFrom, badUntil time.Duration = -1, -1
	)
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(Liveness, "out of time")
		}
		e := tr.At(i)
		changed, err := w.step(&e)
		if err != nil {
			return check.Failed(Liveness, e.Time, nil, err.Error())
		}
		dirty = dirty || changed
		// Judge an instant once all its events are in.
		if !dirty || e.Time < from || (i+1 < tr.Len() && tr.At(i+1).Time == e.Time) {
			continue
		}
		dirty = false
		l, ok := w.singleKnown()
		switch {
		case ok && gapFrom >= 0:
			gap := e.Time - gapFrom
			worstGap = max(worstGap, gap)
			if gap > o.Bound && badFrom < 0 {
				badFrom, badUntil = gapFrom, e.Time
			}
			gapFrom = -1
			if first < 0 {
				first, firstLeader = e.Time, l
			}
		case !ok && gapFrom < 0:
			gapFrom = e.Time
			lost++
		}
	}
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
		r = check.Failed(Liveness, badUntil, []string{tr.NodeName(firstLeader)},
			fmt.Sprintf("%s became the leader known to all only %v after the last fault at %v (bound %v)", tr.NodeName(firstLeader), badUntil-from, from, o.Bound))
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
		r = check.Passed(Liveness, fmt.Sprintf("%s known as leader by every live server %v after the last fault at %v (bound %v)%s", tr.NodeName(firstLeader), first-from, from, o.Bound, tail))
	}
	r.Metrics = m
	return r
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
	w := newWorld(tr.Header)
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
		faults, limit      int
		overLimit, overAt  int // the limit and the changes when it was passed
	)
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return unknown(Cost, "out of time")
		}
		e := tr.At(i)
		if _, err := w.step(&e); err != nil {
			return check.Failed(Cost, e.Time, nil, err.Error())
		}
		if e.Kind.IsFault() {
			faults++
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
				limit = o.MaxLeaderChanges
				if limit == 0 {
					limit = faults + 1
				}
				if limit > 0 && changes > limit && !exceeded {
					exceeded, exceededAt, overLimit, overAt = true, e.Time, limit, changes
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
		allowed := fmt.Sprintf("the %d allowed", overLimit)
		if o.MaxLeaderChanges == 0 {
			allowed = fmt.Sprintf("the %d allowed by then (one per fault so far, plus one)", overLimit)
		}
		r = check.Failed(Cost, exceededAt, changeNodes,
			fmt.Sprintf("leadership changed hands %d times, more than %s (the change past the limit: %s → %s at %v); %s",
				overAt, allowed, changeNodes[0], changeNodes[1], changeAt, detail))
	} else {
		r = check.Passed(Cost, detail)
	}
	r.Metrics = m
	return r
}
