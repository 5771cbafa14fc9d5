package raftlog

import (
	"context"
	"fmt"

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

// Specs returns the checks.
func Specs() []check.Spec {
	return []check.Spec{
		{Name: CommitRule, Contract: rc.Contract, Summary: "a leader commits by counting replicas only entries of its own term (Figure 8), from its AppendEntries",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return CheckCommitRule(ctx, tr) }},
		{Name: StateMachineSafety, Contract: rc.Contract, Summary: "no two servers apply different entries at one index",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result {
				return CheckStateMachineSafety(ctx, tr)
			}},
		{Name: LogMatching, Contract: rc.Contract, Summary: "what a candidate says of its last entry agrees with the entries it acknowledged (no stale suffix kept after a conflict)",
			Run: func(ctx context.Context, tr *trace.Trace, _ any) check.Result { return CheckLogMatching(ctx, tr) }},
	}
}

func cancelled(ctx context.Context, i int) bool { return i&1023 == 0 && ctx.Err() != nil }

// reign is one leader's term, as its AppendEntries show it.
type reign struct {
	leader trace.NodeID
	term   int64
	start  int64           // LeaderCommit of its first AppendEntries
	terms  map[int64]int64 // index → term of the leader's entries its messages show
	claims []claim         // LeaderCommit values beyond start, in order
}

type claim struct {
	commit int64
	event  int
}

// CheckCommitRule reads every AppendEntries: per leader and term, the
// first LeaderCommit is what the leader started with; any later value
// must name an entry of the leader's term.
func CheckCommitRule(ctx context.Context, tr *trace.Trace) check.Result {
	type key struct {
		node trace.NodeID
		term int64
	}
	reigns := map[key]*reign{}
	var order []*reign
	msgs := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return check.Unknowable(CommitRule, "out of time")
		}
		e := tr.At(i)
		if !rc.AppendEntries.Is(&e) {
			continue
		}
		m, err := rc.AppendEntries.Decode(&e)
		if err != nil {
			return check.Failed(CommitRule, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		msgs++
		k := key{e.Node, m.Term}
		r := reigns[k]
		if r == nil {
			r = &reign{leader: e.Node, term: m.Term, start: m.LeaderCommit, terms: map[int64]int64{}}
			reigns[k] = r
			order = append(order, r)
		}
		r.terms[m.PrevLogIndex] = m.PrevLogTerm
		for _, en := range m.Entries {
			r.terms[en.Index] = en.Term
		}
		if m.LeaderCommit > r.start && (len(r.claims) == 0 || r.claims[len(r.claims)-1].commit != m.LeaderCommit) {
			r.claims = append(r.claims, claim{m.LeaderCommit, e.Index})
		}
	}
	if msgs == 0 {
		return check.Unknowable(CommitRule, "no AppendEntries in the trace: no leader's commit to judge")
	}
	var bad *check.Result
	judged := 0
	for _, r := range order {
		for _, c := range r.claims {
			t, known := r.terms[c.commit]
			if !known {
				continue
			}
			judged++
			if t == r.term {
				continue
			}
			e := tr.At(c.event)
			res := check.Failed(CommitRule, e.Time, []string{tr.NodeName(r.leader)},
				fmt.Sprintf("%s, leader of term %d, committed index %d — an entry of term %d — by counting replicas (LeaderCommit %d in its AppendEntries at %v; it started its term at %d): only entries of the leader's own term may be committed that way, earlier ones commit with them (§5.4.2, Figure 8)",
					tr.NodeName(r.leader), r.term, c.commit, t, c.commit, e.Time, r.start))
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
		return check.Unknowable(CommitRule, fmt.Sprintf("%d AppendEntries, but no leader advanced its commit index past where its term began: nothing to judge", msgs))
	}
	r := check.Passed(CommitRule, fmt.Sprintf("%d commit advances by %d leaders, each to an entry of the leader's own term", judged, len(order)))
	r.Metrics = map[string]float64{"commit_advances": float64(judged), "reigns": float64(len(order))}
	return r
}

// CheckStateMachineSafety compares the apply marks of all servers: one
// index, one entry.
func CheckStateMachineSafety(ctx context.Context, tr *trace.Trace) check.Result {
	type applied struct {
		term  int64
		node  trace.NodeID
		event int
	}
	first := map[int64]applied{}
	n := 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return check.Unknowable(StateMachineSafety, "out of time")
		}
		e := tr.At(i)
		if !rc.Apply.Is(&e) {
			continue
		}
		m, err := rc.Apply.Decode(&e)
		if err != nil {
			return check.Failed(StateMachineSafety, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
		}
		n++
		prev, ok := first[m.Index]
		if !ok {
			first[m.Index] = applied{m.Term, e.Node, e.Index}
			continue
		}
		if prev.term != m.Term {
			p := tr.At(prev.event)
			r := check.Failed(StateMachineSafety, e.Time, []string{tr.NodeName(prev.node), tr.NodeName(e.Node)},
				fmt.Sprintf("%s applied the entry of term %d at index %d (at %v), but %s had applied the entry of term %d there (at %v): their state machines diverge",
					tr.NodeName(e.Node), m.Term, m.Index, e.Time, tr.NodeName(prev.node), prev.term, p.Time))
			r.Events = []int{prev.event, e.Index}
			return r
		}
	}
	if n == 0 {
		return check.Unknowable(StateMachineSafety, "no apply marks: no server applied an entry")
	}
	r := check.Passed(StateMachineSafety, fmt.Sprintf("%d entries applied over %d indexes, the same entry at each index on every server", n, len(first)))
	r.Metrics = map[string]float64{"applied": float64(n), "indexes": float64(len(first))}
	return r
}

// CheckLogMatching follows, per server, the last entry it acknowledged
// from the leader of the highest term it acknowledged, and compares what it
// says of its log when it campaigns.
func CheckLogMatching(ctx context.Context, tr *trace.Trace) check.Result {
	type ack struct {
		index, of int64 // the entry acknowledged and its term
		event     int
		leader    trace.NodeID
	}
	type sent struct {
		leader trace.NodeID
		m      rc.AppendFields
	}
	inFlight := map[int64]sent{}        // message id → the AppendEntries
	lastGot := map[trace.NodeID]sent{}  // node → the AppendEntries it last received
	held := map[trace.NodeID][]ack{}    // node → entries acknowledged from its current leader
	curTerm := map[trace.NodeID]int64{} // node → the leader term of held
	type nodeTerm struct {
		node trace.NodeID
		term int64
	}
	acked := map[nodeTerm]ack{} // the highest index a node acknowledged to the leader of a term
	requests, judged := 0, 0
	for i := range tr.Len() {
		if cancelled(ctx, i) {
			return check.Unknowable(LogMatching, "out of time")
		}
		e := tr.At(i)
		switch e.Kind {
		case trace.Send:
			switch {
			case rc.AppendEntries.Is(&e):
				m, err := rc.AppendEntries.Decode(&e)
				if err != nil {
					return check.Failed(LogMatching, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
				}
				inFlight[e.Msg] = sent{e.Node, m}
			case rc.AppendReply.Is(&e):
				m, err := rc.AppendReply.Decode(&e)
				if err != nil {
					return check.Failed(LogMatching, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
				}
				got, ok := lastGot[e.Node]
				if !ok || got.leader != e.Peer || got.m.Term != m.Term {
					continue
				}
				k := nodeTerm{e.Node, m.Term}
				if !m.Success {
					// The same leader's entries cannot conflict with what the
					// follower acknowledged holding: it lost them.
					if a, ok := acked[k]; ok && got.m.PrevLogIndex <= a.index {
						r := check.Failed(LogMatching, e.Time, []string{tr.NodeName(e.Node), tr.NodeName(e.Peer)},
							fmt.Sprintf("%s rejected %s's AppendEntries after index %d (term %d) at %v, but it had acknowledged holding that leader's log up to index %d at %v: a follower never loses entries it acknowledged to its leader (a stale snapshot installed, a log not restored, entries erased by a late message?)",
								tr.NodeName(e.Node), tr.NodeName(e.Peer), got.m.PrevLogIndex, m.Term, e.Time, a.index, tr.At(a.event).Time))
						r.Events = []int{a.event, e.Index}
						return r
					}
					continue
				}
				if a, ok := acked[k]; !ok || m.Match > a.index {
					acked[k] = ack{index: m.Match, event: e.Index, leader: e.Peer}
				}
				t, known := termAt(got.m, m.Match)
				if !known {
					continue
				}
				if got.m.Term > curTerm[e.Node] {
					curTerm[e.Node], held[e.Node] = got.m.Term, nil // a newer leader may have cut the log anywhere
				}
				if got.m.Term == curTerm[e.Node] {
					held[e.Node] = append(held[e.Node], ack{index: m.Match, of: t, event: e.Index, leader: got.leader})
				}
			case rc.RequestVote.Is(&e):
				m, err := rc.RequestVote.Decode(&e)
				if err != nil {
					return check.Failed(LogMatching, e.Time, []string{tr.NodeName(e.Node)}, err.Error())
				}
				requests++
				for _, a := range held[e.Node] {
					if a.index > m.LastLogIndex {
						continue
					}
					judged++
					if m.LastLogTerm >= a.of {
						continue
					}
					r := check.Failed(LogMatching, e.Time, []string{tr.NodeName(e.Node)},
						fmt.Sprintf("%s campaigned at %v saying its last entry is index %d of term %d, but it had acknowledged holding %s's entry %d of term %d (at %v): a log cut at every conflict never ends in an older term than it holds before — it kept a stale suffix",
							tr.NodeName(e.Node), e.Time, m.LastLogIndex, m.LastLogTerm, tr.NodeName(a.leader), a.index, a.of, tr.At(a.event).Time))
					r.Events = []int{a.event, e.Index}
					return r
				}
			}
		case trace.Deliver:
			if s, ok := inFlight[e.Msg]; ok {
				lastGot[e.Node] = s
			}
		case trace.Crash:
			delete(lastGot, e.Node)
		}
	}
	if requests == 0 {
		return check.Unknowable(LogMatching, "no RequestVote in the trace: no server said what its log ends with")
	}
	r := check.Passed(LogMatching, fmt.Sprintf("%d RequestVotes, each consistent with the entries its sender had acknowledged (%d comparisons)", requests, judged))
	r.Metrics = map[string]float64{"requests": float64(requests), "comparisons": float64(judged)}
	return r
}

// termAt is the term of the entry at index i as an AppendEntries shows it.
func termAt(m rc.AppendFields, i int64) (int64, bool) {
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
