package chain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	cc "distlab/contract/chain"
	"distlab/simnet/trace"
)

func dposOnly(name string, h *history) *check.Result {
	if h.genesis.Protocol != cc.DPoS {
		r := check.Unknowable(name, fmt.Sprintf("a DPoS check, and this run is %s", h.genesis.Protocol))
		return &r
	}
	return nil
}

// ---------------------------------------------------------------- finality-safety

func runFinalitySafety(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := load(ctx, FinalitySafety, tr)
	if bad != nil {
		return *bad
	}
	if r := dposOnly(FinalitySafety, h); r != nil {
		return *r
	}
	need := 2*h.genesis.Delegates/3 + 1
	var high *block
	var highNode trace.NodeID
	var highIdx int
	n := 0
	var e trace.Event
	for i := range tr.Scan(trace.KindsOf(trace.Mark), 0, tr.Len()) {
		tr.Fill(i, &e)
		if !cc.Irreversible.Is(&e) || !h.honest(e.Node) {
			continue
		}
		m, _ := cc.Irreversible.Decode(&e)
		b := h.blocks[m.Hash]
		n++
		// justified: on the node's chain, more than 2/3 of the delegates built on it
		tip := h.tipAt(e.Node, i)
		if !b.onChainOf(tip) {
			return failAt(FinalitySafety, e.Time, []string{h.name(e.Node)}, []int{i},
				"%s declared block %s (height %d) irreversible, but it is not on its chain", h.name(e.Node), short(b.b.Hash), b.height())
		}
		after := map[string]bool{}
		for x := tip; x != b; x = x.parent {
			after[x.b.Producer] = true
		}
		if len(after) < need {
			return failAt(FinalitySafety, e.Time, []string{h.name(e.Node)}, []int{i},
				"%s declared block %s (height %d) irreversible when only %d distinct delegates had built on it (%s): %d of K = %d are needed",
				h.name(e.Node), short(b.b.Hash), b.height(), len(after), strings.Join(sortedNames(after), ", "), need, h.genesis.Delegates)
		}
		switch {
		case high == nil:
			high, highNode, highIdx = b, e.Node, i
		case b.height() >= high.height() && high.onChainOf(b):
			high, highNode, highIdx = b, e.Node, i
		case b.height() < high.height() && b.onChainOf(high):
		default:
			return failAt(FinalitySafety, e.Time, []string{h.name(highNode), h.name(e.Node)}, []int{highIdx, i},
				"conflicting irreversible blocks: %s made %s (height %d) irreversible, %s made %s (height %d), and neither chain holds the other",
				h.name(highNode), short(high.b.Hash), high.height(), h.name(e.Node), short(b.b.Hash), b.height())
		}
	}
	if n == 0 {
		return check.Unknowable(FinalitySafety, "no honest node declared any block irreversible")
	}
	return check.Passed(FinalitySafety, fmt.Sprintf("%d irreversible marks, all on one chain (up to height %d), each justified by ≥ %d delegates", n, high.height(), need))
}

func sortedNames(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, cmpNames)
	return out
}

func cmpNames(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// ---------------------------------------------------------------- finality-liveness

func runFinalityLiveness(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &LivenessOptions{Bound: 10 * time.Second})
	h, bad := load(ctx, FinalityLiveness, tr)
	if bad != nil {
		return *bad
	}
	if r := dposOnly(FinalityLiveness, h); r != nil {
		return *r
	}
	from := h.lastFault
	if h.end-from < op.Bound {
		return check.Unknowable(FinalityLiveness, fmt.Sprintf("the run ended %v after the last fault, less than the bound %v: too soon to judge", h.end-from, op.Bound))
	}
	nodes := h.honestServers()
	if len(op.Nodes) > 0 {
		nodes = nil
		for _, name := range op.Nodes {
			id, ok := tr.NodeByName(name)
			if !ok {
				return check.Unknowable(FinalityLiveness, fmt.Sprintf("unknown node %q in nodes", name))
			}
			nodes = append(nodes, id)
		}
	}
	var stalled []string
	var firstAt time.Duration
	judged := 0
	lag, lagN := 0.0, 0
	for _, id := range nodes {
		if !h.upAtEnd[id] {
			continue
		}
		judged++
		last := from
		worst := time.Duration(0)
		for _, ev := range h.libs[id] {
			if ev.at > from {
				worst = max(worst, ev.at-last)
				last = ev.at
			}
			lag += ms(ev.at - ev.tip.at)
			lagN++
		}
		worst = max(worst, h.end-last)
		if worst > op.Bound {
			stalled = append(stalled, h.name(id))
			if firstAt == 0 || last+op.Bound < firstAt {
				firstAt = last + op.Bound
			}
		}
	}
	if judged == 0 {
		return check.Unknowable(FinalityLiveness, "no judged node was up at the end")
	}
	metrics := map[string]float64{}
	if lagN > 0 {
		metrics["lib_lag_ms"] = lag / float64(lagN)
	}
	if len(stalled) > 0 {
		r := check.Failed(FinalityLiveness, firstAt, stalled, fmt.Sprintf(
			"the last irreversible block of %s stopped moving for more than %v after the last fault (%v): fewer than 2/3 of the %d delegates build on one chain",
			strings.Join(stalled, ", "), op.Bound, from, h.genesis.Delegates))
		r.Metrics = metrics
		return r
	}
	r := check.Passed(FinalityLiveness, fmt.Sprintf("the last irreversible block of %d nodes moved at least every %v after the last fault (%v)", judged, op.Bound, from))
	r.Metrics = metrics
	return r
}

// ---------------------------------------------------------------- schedule-validity

func runSchedule(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := load(ctx, ScheduleValidity, tr)
	if bad != nil {
		return *bad
	}
	if r := dposOnly(ScheduleValidity, h); r != nil {
		return *r
	}
	k, m := int64(h.genesis.Delegates), int64(max(h.genesis.PerTurn, 1))
	round := func(slot int64) int64 { return (slot - 1) / (k * m) }
	turn := func(slot int64) int64 { return ((slot - 1) % (k * m)) / m }
	// each honest node's final chain is judged on its own: two forks may
	// follow two elections, but one chain must follow its own schedule
	type turnKey struct{ round, turn int64 }
	maint := int64(max(h.genesis.Maintenance, 1))
	judged := map[*block]bool{}
	blocks := 0
	for _, id := range h.honestServers() {
		evs := h.tips[id]
		if len(evs) == 0 || judged[evs[len(evs)-1].tip] {
			continue
		}
		tip := evs[len(evs)-1].tip
		judged[tip] = true
		owner := map[turnKey]*block{}
		turnsOf := map[string]map[int64]int64{} // producer → round → its turn
		// the elections, counted again from the votes on this chain
		el := newElection(h.genesis)
		set, setRound := el.tally(), int64(0)
		for _, b := range chainOf(tip) {
			blocks++
			s := b.b.Slot
			if s <= b.parent.b.Slot {
				return failAt(ScheduleValidity, b.at, []string{b.b.Producer}, []int{b.idx}, "block %s is for slot %d, not after its parent's slot %d", short(b.b.Hash), s, b.parent.b.Slot)
			}
			slotStart := time.Duration(s*h.genesis.SlotMS) * time.Millisecond
			if b.at < slotStart {
				return failAt(ScheduleValidity, b.at, []string{b.b.Producer}, []int{b.idx}, "block %s for slot %d was made at %v, before its slot began (%v)", short(b.b.Hash), s, b.at, slotStart)
			}
			r, t := round(s), turn(s)
			key := turnKey{r, t}
			if o, ok := owner[key]; ok && o.b.Producer != b.b.Producer {
				return failAt(ScheduleValidity, b.at, []string{o.b.Producer, b.b.Producer}, []int{o.idx, b.idx},
					"on %s's chain, round %d, turn %d (slots %d–%d) has two producers: %s and %s", h.name(id), r, t, r*k*m+t*m+1, r*k*m+t*m+m, o.b.Producer, b.b.Producer)
			}
			owner[key] = b
			if turnsOf[b.b.Producer] == nil {
				turnsOf[b.b.Producer] = map[int64]int64{}
			}
			if other, ok := turnsOf[b.b.Producer][r]; ok && other != t {
				return failAt(ScheduleValidity, b.at, []string{b.b.Producer}, []int{b.idx},
					"on %s's chain, %s produced in turns %d and %d of round %d: a delegate has one turn (of %d slots) per round", h.name(id), b.b.Producer, other, t, r, m)
			}
			turnsOf[b.b.Producer][r] = t
			if r > setRound {
				if r/maint > setRound/maint {
					set = el.tally()
				}
				setRound = r
			}
			if !slices.Contains(set, b.b.Producer) {
				return failAt(ScheduleValidity, b.at, []string{b.b.Producer}, []int{b.idx},
					"on %s's chain, %s produced block %s in round %d but the votes on that chain elected %s", h.name(id), b.b.Producer, short(b.b.Hash), r, strings.Join(set, ", "))
			}
			el.apply(b.b)
		}
	}
	if blocks == 0 {
		return check.Unknowable(ScheduleValidity, "no block on an honest chain")
	}
	metrics := map[string]float64{}
	if tip := h.finalTip(); tip != nil && tip.height() > 0 {
		last := tip.b.Slot
		metrics["missed_slots"] = float64(last - tip.height())
		metrics["missed_fraction"] = float64(last-tip.height()) / float64(last)
	}
	r := check.Passed(ScheduleValidity, fmt.Sprintf("%d final chain(s), %d blocks, each in its producer's one turn of the round", len(judged), blocks))
	r.Metrics = metrics
	return r
}

// ---------------------------------------------------------------- accountability

func runAccountability(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := load(ctx, Accountability, tr)
	if bad != nil {
		return *bad
	}
	type key struct {
		producer string
		slot     int64
	}
	first := map[key]*block{}
	var equivocations []*block
	for _, b := range h.order {
		if b.b.Slot == 0 {
			continue
		}
		k := key{b.b.Producer, b.b.Slot}
		if a, ok := first[k]; !ok {
			first[k] = b
		} else if a.b.Hash != b.b.Hash {
			equivocations = append(equivocations, b)
		}
	}
	if len(equivocations) == 0 {
		return check.Unknowable(Accountability, "nobody signed two blocks for one slot: nothing to hold anyone to account for")
	}
	tip := h.finalTip()
	if tip == nil {
		return check.Unknowable(Accountability, "no honest node was up at the end")
	}
	chain := chainOf(tip)
	slashedAt := map[string]int64{}
	for _, b := range chain {
		for _, ev := range b.b.Evidence {
			if _, ok := slashedAt[ev.A.Producer]; !ok {
				slashedAt[ev.A.Producer] = b.height()
			}
		}
	}
	offenders := map[string]bool{}
	for _, e := range equivocations {
		p := e.b.Producer
		offenders[p] = true
		at, slashed := slashedAt[p]
		if !slashed {
			return failAt(Accountability, e.at, []string{p}, []int{first[key{p, e.b.Slot}].idx, e.idx},
				"%s signed two blocks for slot %d (%s and %s) and the main chain never slashed it (%d blocks, up to %v)",
				p, e.b.Slot, short(first[key{p, e.b.Slot}].b.Hash), short(e.b.Hash), len(chain), h.end)
		}
		for _, b := range chain {
			if b.height() > at && b.b.Producer == p {
				return failAt(Accountability, b.at, []string{p}, []int{b.idx},
					"%s was slashed at height %d but still produced block %s at height %d", p, at, short(b.b.Hash), b.height())
			}
		}
	}
	r := check.Passed(Accountability, fmt.Sprintf("%d double-signed slot(s) by %s; each offender was slashed on the main chain and produced nothing after",
		len(equivocations), strings.Join(sortedNames(offenders), ", ")))
	r.Metrics = map[string]float64{"equivocations": float64(len(equivocations)), "slashed": float64(len(slashedAt))}
	return r
}

// election recounts DPoS votes along one chain: balances and each voter's
// approvals, and the rule the protocol promises (the K candidates with the
// most approving balance, ties by candidate order).
type election struct {
	k          int
	candidates []string
	balance    map[string]int64
	votes      map[string][]string
}

func newElection(g *cc.GenesisMark) *election {
	bal := map[string]int64{}
	for a, v := range g.Balances {
		bal[a] = v
	}
	return &election{k: g.Delegates, candidates: g.Candidates, balance: bal, votes: map[string][]string{}}
}

func (el *election) apply(b *cc.Block) {
	for _, tx := range b.Txs {
		if tx.IsVote() {
			el.votes[tx.From] = tx.Approve
			continue
		}
		el.balance[tx.From] -= tx.Amount
		el.balance[tx.To] += tx.Amount
	}
}

func (el *election) tally() []string {
	weight := map[string]int64{}
	for voter, approve := range el.votes {
		seen := map[string]bool{}
		for _, c := range approve {
			if !seen[c] {
				seen[c] = true
				weight[c] += el.balance[voter]
			}
		}
	}
	order := map[string]int{}
	for i, c := range el.candidates {
		order[c] = i
	}
	ranked := slices.Clone(el.candidates)
	slices.SortStableFunc(ranked, func(a, b string) int {
		if weight[a] != weight[b] {
			if weight[a] > weight[b] {
				return -1
			}
			return 1
		}
		return order[a] - order[b]
	})
	out := ranked[:min(el.k, len(ranked))]
	slices.SortFunc(out, func(a, b string) int { return order[a] - order[b] })
	return out
}
