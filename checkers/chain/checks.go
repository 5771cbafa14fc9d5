package chain

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"distlab/checkers/check"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet/trace"
)

// Check names.
const (
	CommonPrefix       = "common-prefix"
	ForkChoice         = "fork-choice"
	ChainGrowth        = "chain-growth"
	ChainQuality       = "chain-quality"
	LedgerValidity     = "ledger-validity"
	ConfirmationSafety = "confirmation-safety"
	FinalitySafety     = "finality-safety"
	FinalityLiveness   = "finality-liveness"
	ScheduleValidity   = "schedule-validity"
	Accountability     = "accountability"
	ChainCost          = "chain-cost"
)

// CommonPrefixOptions tune common-prefix.
type CommonPrefixOptions struct {
	// K is the deepest reorganization allowed: no honest node may abandon
	// more than K blocks of its chain.
	K int `yaml:"k" doc:"the deepest reorganization allowed: no honest node may abandon more than k blocks of its chain"`
	// Settle: if the run's last fault is at least this long before its
	// end, the honest nodes up at the end must also agree on their chains
	// with the last Agree blocks cut off (0: do not check).
	Settle time.Duration `yaml:"settle" doc:"if the run's last fault is at least this long before its end, the honest nodes up at the end must agree on their chains but for the last agree blocks; 0: not checked"`
	// Agree is how many blocks the settled nodes' chains may differ by at
	// the end (default K): a partition may force deep reorganizations while
	// it lasts, but once it has healed everyone should be on one chain.
	Agree int `yaml:"agree" doc:"how many blocks the settled nodes' chains may differ by at the end; 0: k"`
}

// GrowthOptions tune chain-growth.
type GrowthOptions struct {
	// Every honest node's chain must grow by at least Min blocks in every
	// Window of time it is up.
	Window time.Duration `yaml:"window" doc:"the window of time in which every honest chain must grow by min blocks"`
	Min    int           `yaml:"min" doc:"the fewest blocks a chain must gain per window"`
}

// QualityOptions tune chain-quality.
type QualityOptions struct {
	// Tolerance: the adversary's share of the main chain may exceed its
	// weight (hash share or stake) by at most this much.
	Tolerance float64 `yaml:"tolerance" doc:"how much the adversary's share of the main chain may exceed its weight (hash share or stake); with fairness, how far any producer's share may be from its weight's"`
	// Window is ℓ: the largest adversarial share of any ℓ consecutive
	// blocks is reported (0: 20).
	Window int `yaml:"window" doc:"ℓ: the largest adversarial share of any ℓ consecutive main-chain blocks is reported; 0: 20"`
	// Fairness also holds every producer's share within Tolerance of its
	// weight's share (the PoS monopoly question).
	Fairness bool `yaml:"fairness" doc:"hold every producer's share within tolerance of its weight's share (the PoS monopoly question)"`
	// MinHonest is Garay–Kiayias–Leonardos's μ: every window of ℓ blocks
	// must hold at least this fraction of honest blocks (0: not checked).
	MinHonest float64 `yaml:"min_honest" doc:"μ (Garay–Kiayias–Leonardos): every window of ℓ blocks holds at least this fraction of honest blocks; 0: not checked"`
}

// ConfirmationOptions tune confirmation-safety.
type ConfirmationOptions struct {
	// Z: a transaction with Z confirmations (its block and Z−1 on top) on
	// an honest node's chain must stay on that node's chain.
	Z int `yaml:"z" doc:"a transaction with z confirmations (its block and z−1 on top) on an honest node's chain must stay on it"`
	// MaxReverted is how many such transactions may still be reverted
	// (0: none).
	MaxReverted int `yaml:"max_reverted" doc:"how many such transactions may still be reverted"`
}

// LivenessOptions tune finality-liveness.
type LivenessOptions struct {
	// Bound: after the last fault, every honest node's last irreversible
	// block must move at least once per Bound.
	Bound time.Duration `yaml:"bound" doc:"after the last fault, every judged node's last irreversible block must move at least once per bound"`
	// Nodes limits the check to these servers (default: every honest one).
	Nodes []string `yaml:"nodes" doc:"judge only these servers; empty: every honest one"`
}

// CostOptions tune chain-cost. With no tolerance set it only measures.
type CostOptions struct {
	// Z is the depth for the time-to-Z-confirmations figure.
	Z int `yaml:"z" doc:"the depth for the time-to-z-confirmations figure"`
	// TriesTolerance fails the check when the measured tries per block are
	// off the target's expectation by more than this fraction.
	TriesTolerance float64 `yaml:"tries_tolerance" doc:"fail when the tries per block are off the target's expectation by more than this fraction; 0: only measure"`
	// StaleTolerance fails it when the stale rate is off 1 − e^(−Δ/T) by
	// more than this fraction of the formula (Δ: the measured propagation
	// delay of new blocks, T: the mean block interval).
	StaleTolerance float64 `yaml:"stale_tolerance" doc:"fail when the stale rate is off 1 − e^(−Δ/T) (Δ measured from the NewBlock messages, T the mean interval) by more than this fraction of it; 0: only measure"`
	// Interval and IntervalTolerance: the mean interval over the second
	// half of the main chain must be within this fraction of Interval.
	Interval          time.Duration `yaml:"interval" doc:"the expected mean block interval over the second half of the main chain (with interval_tolerance)"`
	IntervalTolerance float64       `yaml:"interval_tolerance" doc:"the fraction the second half's mean interval may be off interval; 0: not checked"`
}

// Specs lists the family's checkers for the registry.
func Specs() []check.Spec {
	return []check.Spec{
		{Name: CommonPrefix, Contract: cc.Contract, Summary: "no honest node abandons more than k blocks (reorg depth histogram); settled nodes agree but for the last k",
			Options: func() any { return &CommonPrefixOptions{K: 6} }, Run: runCommonPrefix},
		{Name: ForkChoice, Contract: cc.Contract, Summary: "an honest node only moves to a strictly heavier chain (first seen wins ties), and never off its last irreversible block",
			Run: runForkChoice},
		{Name: ChainGrowth, Contract: cc.Contract, Summary: "every honest chain grows by at least min blocks in every window of time",
			Options: func() any { return &GrowthOptions{Window: 20 * time.Second, Min: 1} }, Run: runGrowth},
		{Name: ChainQuality, Contract: cc.Contract, Summary: "the adversary's share of the main chain against its hash share or stake (and of any ℓ-block window); optionally every producer's",
			Options: func() any { return &QualityOptions{Tolerance: 0.1, Window: 20} }, Run: runQuality},
		{Name: LedgerValidity, Contract: cc.Contract, Summary: "every block on an honest chain is sealed, links to its parent, has its proof of work, and holds only transactions that apply (no overspend, no double spend)",
			Run: runLedger},
		{Name: ConfirmationSafety, Contract: cc.Contract, Summary: "a transaction z-deep on an honest chain is never dropped from it (reverted and double-spent counts)",
			Options: func() any { return &ConfirmationOptions{Z: 6} }, Run: runConfirmation},
		{Name: FinalitySafety, Contract: cc.Contract, Summary: "DPoS: irreversible blocks never conflict, and each had more than 2/3 of the delegates build on it",
			Run: runFinalitySafety},
		{Name: FinalityLiveness, Contract: cc.Contract, Summary: "DPoS: after the last fault every honest node's last irreversible block keeps moving",
			Options: func() any { return &LivenessOptions{Bound: 10 * time.Second} }, Run: runFinalityLiveness},
		{Name: ScheduleValidity, Contract: cc.Contract, Summary: "DPoS: each turn of m slots has one producer, each delegate one turn per round, every producer elected",
			Run: runSchedule},
		{Name: Accountability, Contract: cc.Contract, Summary: "PoS: a validator that signed two blocks for one slot is slashed on the main chain and produces nothing after",
			Run: runAccountability},
		{Name: ChainCost, Contract: cc.Contract, Summary: "tries per block, mean interval, stale rate (against 1 − e^(−Δ/T)), messages per block, throughput, time to z confirmations and to irreversibility",
			Options: func() any { return &CostOptions{Z: 6} }, Run: runCost},
	}
}

func opts[T any](o any, def *T) *T {
	if p, ok := o.(*T); ok && p != nil {
		return p
	}
	return def
}

func load(ctx context.Context, name string, tr *trace.Trace) (*history, *check.Result) {
	h, err := parse(ctx, tr)
	if err != nil {
		r := check.Unknowable(name, err.Error())
		return nil, &r
	}
	if h.problem != "" {
		r := check.Failed(name, 0, nil, "malformed chain mark: "+h.problem)
		return nil, &r
	}
	return h, nil
}

func failAt(name string, at time.Duration, nodes []string, events []int, format string, args ...any) check.Result {
	r := check.Failed(name, at, nodes, fmt.Sprintf(format, args...))
	r.Events = events
	return r
}

func short(hash string) string {
	if len(hash) > 8 {
		return hash[:8]
	}
	return hash
}

// ---------------------------------------------------------------- common-prefix

func runCommonPrefix(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &CommonPrefixOptions{K: 6})
	h, bad := load(ctx, CommonPrefix, tr)
	if bad != nil {
		return *bad
	}
	hist := map[int64]int{}
	changes := 0
	var worst struct {
		depth int64
		node  trace.NodeID
		ev    tipEvent
		from  *block
	}
	for _, id := range h.honestServers() {
		prev := h.root
		for _, ev := range h.tips[id] {
			if ev.reset {
				prev = ev.tip
				continue
			}
			changes++
			f := fork(prev, ev.tip)
			if f == nil {
				return failAt(CommonPrefix, ev.at, []string{h.name(id)}, []int{ev.idx}, "%s moved to block %s, which does not descend from genesis", h.name(id), short(ev.tip.b.Hash))
			}
			if d := prev.height() - f.height(); d > 0 {
				hist[d]++
				if d > worst.depth {
					worst.depth, worst.node, worst.ev, worst.from = d, id, ev, prev
				}
			}
			prev = ev.tip
		}
	}
	if changes == 0 {
		return check.Unknowable(CommonPrefix, "no honest node's chain ever changed: no block to judge")
	}
	metrics := map[string]float64{"reorg_max": float64(worst.depth), "tip_changes": float64(changes)}
	reorgs := 0
	for d, n := range hist {
		metrics[fmt.Sprintf("reorg_depth/%d", d)] = float64(n)
		reorgs += n
	}
	metrics["reorgs"] = float64(reorgs)
	if worst.depth > int64(op.K) {
		f := fork(worst.from, worst.ev.tip)
		var producers []string
		for _, b := range chainOf(worst.from)[f.height():] {
			producers = append(producers, h.name(b.producer))
		}
		r := failAt(CommonPrefix, worst.ev.at, []string{h.name(worst.node)}, []int{worst.ev.idx},
			"%s abandoned %d blocks (heights %d–%d, made by %s) for a heavier chain at %v: deeper than k = %d; reorg depths %s",
			h.name(worst.node), worst.depth, f.height()+1, worst.from.height(), strings.Join(dedupe(producers), ", "), worst.ev.at, op.K, histText(hist))
		r.Metrics = metrics
		return r
	}
	agree := int64(op.K)
	if op.Agree > 0 {
		agree = int64(op.Agree)
	}
	if op.Settle > 0 && h.end-h.lastFault >= op.Settle {
		var ids []trace.NodeID
		for _, id := range h.honestServers() {
			if h.upAtEnd[id] && len(h.tips[id]) > 0 {
				ids = append(ids, id)
			}
		}
		for i, a := range ids {
			for _, b := range ids[i+1:] {
				ta, tb := h.tips[a][len(h.tips[a])-1].tip, h.tips[b][len(h.tips[b])-1].tip
				f := fork(ta, tb)
				if f == nil || f.height() < min(ta.height(), tb.height())-agree {
					fh := int64(-1)
					if f != nil {
						fh = f.height()
					}
					r := failAt(CommonPrefix, h.end, []string{h.name(a), h.name(b)}, nil,
						"at the end (%v after the last fault) %s (height %d) and %s (height %d) share only %d blocks: their chains differ by more than %d blocks",
						h.end-h.lastFault, h.name(a), ta.height(), h.name(b), tb.height(), fh, agree)
					r.Metrics = metrics
					return r
				}
			}
		}
	}
	r := check.Passed(CommonPrefix, fmt.Sprintf("%d chain changes on honest nodes, deepest reorg %d ≤ k = %d; depths %s", changes, worst.depth, op.K, histText(hist)))
	r.Metrics = metrics
	return r
}

func histText(hist map[int64]int) string {
	if len(hist) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(hist))
	var parts []string
	for _, d := range keys {
		parts = append(parts, fmt.Sprintf("%d:%d", d, hist[d]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ---------------------------------------------------------------- fork-choice

func runForkChoice(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := load(ctx, ForkChoice, tr)
	if bad != nil {
		return *bad
	}
	changes := 0
	for _, id := range h.honestServers() {
		prev := h.root
		libs := h.libs[id]
		li := 0
		var lib *block
		for _, ev := range h.tips[id] {
			for li < len(libs) && libs[li].idx < ev.idx {
				lib = libs[li].tip
				li++
			}
			if ev.reset {
				prev, lib = ev.tip, nil
				for li < len(libs) && libs[li].idx < ev.idx {
					li++
				}
				continue
			}
			changes++
			if ev.tip.work <= prev.work {
				return failAt(ForkChoice, ev.at, []string{h.name(id)}, []int{ev.idx},
					"%s left block %s (height %d, work %.4g) for %s (height %d, work %.4g), which is not heavier: the fork-choice rule keeps the first-seen of equal chains and never takes a lighter one",
					h.name(id), short(prev.b.Hash), prev.height(), prev.work, short(ev.tip.b.Hash), ev.tip.height(), ev.tip.work)
			}
			if lib != nil && !lib.onChainOf(ev.tip) {
				return failAt(ForkChoice, ev.at, []string{h.name(id)}, []int{ev.idx},
					"%s moved to a chain without its last irreversible block %s (height %d)", h.name(id), short(lib.b.Hash), lib.height())
			}
			prev = ev.tip
		}
	}
	if changes == 0 {
		return check.Unknowable(ForkChoice, "no honest node's chain ever changed: no choice to judge")
	}
	return check.Passed(ForkChoice, fmt.Sprintf("%d chain changes on honest nodes, each to a heavier chain", changes))
}

// ---------------------------------------------------------------- chain-growth

func runGrowth(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &GrowthOptions{Window: 20 * time.Second, Min: 1})
	h, bad := load(ctx, ChainGrowth, tr)
	if bad != nil {
		return *bad
	}
	if op.Window <= 0 {
		return check.Unknowable(ChainGrowth, "window must be positive")
	}
	type up struct{ from, to time.Duration }
	w := trace.NewWorld(tr.Header)
	spans := map[trace.NodeID][]up{}
	open := map[trace.NodeID]time.Duration{}
	var e trace.Event
	for i := range tr.Scan(trace.FaultKinds|trace.KindsOf(trace.Start), 0, tr.Len()) { // what makes a node up or down
		tr.Fill(i, &e)
		was := w.Up(e.Node)
		w.Apply(&e)
		if e.Node < 0 {
			continue
		}
		switch now := w.Up(e.Node); {
		case !was && now:
			open[e.Node] = e.Time
		case was && !now:
			spans[e.Node] = append(spans[e.Node], up{open[e.Node], e.Time})
		}
	}
	for id, from := range open {
		if w.Up(id) {
			spans[id] = append(spans[id], up{from, h.end})
		}
	}
	judged := 0
	worst := math.Inf(1)
	totalRate, rated := 0.0, 0
	for _, id := range h.honestServers() {
		if evs := h.tips[id]; len(evs) > 0 && h.end > 0 {
			totalRate += float64(evs[len(evs)-1].tip.height()) / h.end.Seconds()
			rated++
		}
	}
	rate := map[string]float64{}
	if rated > 0 {
		rate["blocks_per_s"] = totalRate / float64(rated)
	}
	for _, id := range h.honestServers() {
		evs := h.tips[id]
		height := func(t time.Duration) int64 {
			i := sort.Search(len(evs), func(i int) bool { return evs[i].at > t })
			if i == 0 {
				return 0
			}
			return evs[i-1].tip.height()
		}
		for _, sp := range spans[id] {
			// a restarted node first catches up: judge from its first tip after the restart
			starts := []time.Duration{sp.from}
			for _, ev := range evs {
				if ev.at > sp.from && ev.at < sp.to {
					starts = append(starts, ev.at)
				}
			}
			for _, s := range starts {
				if s+op.Window > sp.to {
					break
				}
				judged++
				g := height(s+op.Window) - height(s)
				worst = min(worst, float64(g))
				if g < int64(op.Min) {
					r := failAt(ChainGrowth, s+op.Window, []string{h.name(id)}, nil,
						"%s's chain grew by %d blocks between %v and %v (height %d to %d): less than %d per %v",
						h.name(id), g, s, s+op.Window, height(s), height(s+op.Window), op.Min, op.Window)
					r.Metrics = rate
					return r
				}
			}
		}
	}
	if judged == 0 {
		return check.Unknowable(ChainGrowth, fmt.Sprintf("no honest node was up for a whole window of %v", op.Window))
	}
	r := check.Passed(ChainGrowth, fmt.Sprintf("every honest chain grew by at least %.0f blocks in every %v (%d windows)", worst, op.Window, judged))
	rate["min_growth"] = worst
	r.Metrics = rate
	return r
}

// ---------------------------------------------------------------- chain-quality

func runQuality(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &QualityOptions{Tolerance: 0.1, Window: 20})
	h, bad := load(ctx, ChainQuality, tr)
	if bad != nil {
		return *bad
	}
	tip := h.finalTip()
	if tip == nil || tip.height() == 0 {
		return check.Unknowable(ChainQuality, "the honest nodes' main chain holds no block")
	}
	blocks := chainOf(tip)
	total := 0.0
	advWeight := 0.0
	weights := map[string]float64{}
	var advs []string
	for _, id := range h.servers {
		p, ok := h.parts[id]
		if !ok {
			continue
		}
		total += p.Weight
		weights[h.name(id)] = p.Weight
		if p.Role != cc.Honest {
			advWeight += p.Weight
			advs = append(advs, h.name(id))
		}
	}
	count := map[string]int{}
	adv := 0
	window := max(op.Window, 1)
	worstWin := 0.0
	for i, b := range blocks {
		name := h.tr.NodeName(b.producer)
		if b.producer == trace.None {
			name = b.b.Producer
		}
		count[name]++
		if slices.Contains(advs, name) {
			adv++
		}
		if i+1 >= window {
			n := 0
			for _, x := range blocks[i+1-window : i+1] {
				if slices.Contains(advs, h.tr.NodeName(x.producer)) {
					n++
				}
			}
			worstWin = max(worstWin, float64(n)/float64(window))
		}
	}
	n := float64(len(blocks))
	metrics := map[string]float64{"blocks": n, "adversary_share": float64(adv) / n, "window_max_adversary_share": worstWin}
	if total > 0 {
		metrics["adversary_weight"] = advWeight / total
	}
	for name, c := range count {
		metrics["share/"+name] = float64(c) / n
	}
	distinct := len(count)
	metrics["producers"] = float64(distinct)
	top := 0
	for _, c := range count {
		top = max(top, c)
	}
	metrics["top_share"] = float64(top) / n
	share := float64(adv) / n
	if op.MinHonest > 0 && len(blocks) >= window && 1-worstWin < op.MinHonest {
		r := check.Failed(ChainQuality, h.end, advs, fmt.Sprintf(
			"a window of %d consecutive main-chain blocks holds only %.2f honest blocks, below μ = %.2f (the adversary made %.3f of all %d blocks with a weight of %.3f)",
			window, 1-worstWin, op.MinHonest, share, len(blocks), advWeight/total))
		r.Metrics = metrics
		return r
	}
	if len(advs) > 0 && total > 0 && share > advWeight/total+op.Tolerance {
		r := check.Failed(ChainQuality, h.end, advs, fmt.Sprintf(
			"the adversary (%s) made %d of the main chain's %d blocks (%.3f) with a weight of %.3f: more than its share + %.2f",
			strings.Join(advs, ", "), adv, len(blocks), share, advWeight/total, op.Tolerance))
		r.Metrics = metrics
		return r
	}
	if op.Fairness && total > 0 {
		for _, name := range slices.Sorted(maps.Keys(weights)) {
			got, want := float64(count[name])/n, weights[name]/total
			if math.Abs(got-want) > op.Tolerance {
				r := check.Failed(ChainQuality, h.end, []string{name}, fmt.Sprintf(
					"%s made %d of the main chain's %d blocks (%.3f) with %.3f of the weight: off by more than %.2f",
					name, count[name], len(blocks), got, want, op.Tolerance))
				r.Metrics = metrics
				return r
			}
		}
	}
	detail := fmt.Sprintf("%d blocks from %d producers; no adversary", len(blocks), distinct)
	if len(advs) > 0 {
		detail = fmt.Sprintf("the adversary made %.3f of %d blocks with a weight of %.3f (worst %d-block window %.2f)", share, len(blocks), advWeight/total, window, worstWin)
	}
	r := check.Passed(ChainQuality, detail)
	r.Metrics = metrics
	return r
}

// ---------------------------------------------------------------- ledger-validity

// validator re-checks blocks the way an honest node must, from the marks.
type validator struct {
	h      *history
	state  map[*block]*ledgerState
	reason map[*block]string
}

type ledgerState struct {
	balance map[string]int64
	nonce   map[string]int64
}

func (v *validator) check(b *block) (*ledgerState, string) {
	if st, ok := v.state[b]; ok {
		return st, ""
	}
	if why, ok := v.reason[b]; ok {
		return nil, why
	}
	st, why := v.checkOne(b)
	if why != "" {
		v.reason[b] = why
		return nil, why
	}
	v.state[b] = st
	return st, ""
}

func (v *validator) checkOne(b *block) (*ledgerState, string) {
	if b == v.h.root {
		return &ledgerState{balance: maps.Clone(v.h.genesis.Balances), nonce: map[string]int64{}}, ""
	}
	if b.parent == nil {
		return nil, fmt.Sprintf("its parent %s was never produced", short(b.b.Parent))
	}
	parent, why := v.check(b.parent)
	if why != "" {
		return nil, "it extends an invalid block"
	}
	if err := b.b.CheckSeal(); err != nil {
		return nil, err.Error()
	}
	if b.b.Height != b.parent.height()+1 {
		return nil, fmt.Sprintf("its height is %d on a parent at height %d", b.b.Height, b.parent.height())
	}
	g := v.h.genesis
	if g.Protocol == cc.PoW {
		if b.parent != v.h.root && (g.Retarget == 0 || b.b.Height%int64(g.Retarget) != 0) && b.b.Bits != b.parent.b.Bits {
			return nil, fmt.Sprintf("its difficulty bits %08x differ from its parent's %08x between retargets", b.b.Bits, b.parent.b.Bits)
		}
		if g.RealHash {
			t, err := blockhash.CompactToTarget(b.b.Bits)
			if err != nil || !blockhash.BelowHex(b.b.Hash, t) {
				return nil, fmt.Sprintf("its hash %s is not below its target (bits %08x): no proof of work", short(b.b.Hash), b.b.Bits)
			}
		}
	}
	st := &ledgerState{balance: maps.Clone(parent.balance), nonce: maps.Clone(parent.nonce)}
	for _, tx := range b.b.Txs {
		if last := st.nonce[tx.From]; tx.Nonce != last+1 {
			if tx.Nonce <= last {
				return nil, fmt.Sprintf("transaction %s reuses %s's nonce %d (last %d): a replay or double spend", tx.ID, tx.From, tx.Nonce, last)
			}
			return nil, fmt.Sprintf("transaction %s skips %s's nonces: %d after %d", tx.ID, tx.From, tx.Nonce, last)
		}
		st.nonce[tx.From] = tx.Nonce
		if tx.IsVote() {
			continue
		}
		if tx.Amount <= 0 || st.balance[tx.From] < tx.Amount {
			return nil, fmt.Sprintf("transaction %s moves %d from %s, which holds %d", tx.ID, tx.Amount, tx.From, st.balance[tx.From])
		}
		st.balance[tx.From] -= tx.Amount
		st.balance[tx.To] += tx.Amount
	}
	return st, ""
}

func runLedger(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := load(ctx, LedgerValidity, tr)
	if bad != nil {
		return *bad
	}
	v := &validator{h: h, state: map[*block]*ledgerState{}, reason: map[*block]string{}}
	adopted := 0
	for _, id := range h.honestServers() {
		for _, ev := range h.tips[id] {
			if ev.reset {
				continue
			}
			adopted++
			if _, why := v.check(ev.tip); why != "" {
				// name the first invalid block of the chain
				bad := ev.tip
				for b := ev.tip; b != nil && b != h.root; b = b.parent {
					if r, ok := v.reason[b]; ok && r != "it extends an invalid block" {
						bad, why = b, r
					}
				}
				return failAt(LedgerValidity, ev.at, []string{h.name(id), h.name(bad.producer)}, []int{bad.idx, ev.idx},
					"%s adopted a chain holding block %s (height %d, from %s), which is invalid: %s",
					h.name(id), short(bad.b.Hash), bad.height(), bad.b.Producer, why)
			}
			if ctx.Err() != nil {
				return check.Unknowable(LedgerValidity, "out of time")
			}
		}
	}
	if adopted == 0 {
		return check.Unknowable(LedgerValidity, "no honest node adopted any block")
	}
	txs := 0
	for b := range v.state {
		txs += len(b.b.Txs)
	}
	r := check.Passed(LedgerValidity, fmt.Sprintf("%d blocks on honest chains re-validated (%d transactions): sealed, linked, worked, no overspend or double spend", len(v.state)-1, txs))
	r.Metrics = map[string]float64{"blocks_checked": float64(len(v.state) - 1), "txs_checked": float64(txs)}
	return r
}

// ---------------------------------------------------------------- confirmation-safety

func runConfirmation(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &ConfirmationOptions{Z: 6})
	h, bad := load(ctx, ConfirmationSafety, tr)
	if bad != nil {
		return *bad
	}
	z := int64(max(op.Z, 1))
	confirmed := map[string]bool{}
	reverted := map[string]bool{}
	doubleSpent := map[string]bool{}
	type incident struct {
		node   trace.NodeID
		tx     *cc.Tx
		at     time.Duration
		idx    int
		conf   time.Duration
		byTx   string
		depth  int64
		newTip *block
	}
	var first *incident
	for _, id := range h.honestServers() {
		deep := map[string]time.Duration{} // txs z-deep on this node's current chain, since when
		frontier := int64(0)               // blocks up to this height of the current chain are counted in deep
		prev := h.root
		for _, ev := range h.tips[id] {
			tip := ev.tip
			if ev.reset {
				clear(deep)
				frontier, prev = 0, tip
				continue
			}
			f := fork(prev, tip)
			if f != nil && f != prev {
				frontier = min(frontier, f.height())
				// blocks left behind: were any of their z-deep transactions dropped?
				onNew := map[string]string{} // tx ids and spent nonces on the new branch
				for _, b := range chainOf(tip)[f.height():] {
					for _, tx := range b.b.Txs {
						onNew[tx.ID] = tx.ID
						onNew[tx.From+"#"+fmt.Sprint(tx.Nonce)] = tx.ID
					}
				}
				for _, b := range chainOf(prev)[f.height():] {
					for i := range b.b.Txs {
						tx := &b.b.Txs[i]
						since, wasDeep := deep[tx.ID]
						delete(deep, tx.ID)
						if !wasDeep || onNew[tx.ID] != "" {
							continue
						}
						reverted[tx.ID] = true
						by := onNew[tx.From+"#"+fmt.Sprint(tx.Nonce)]
						if by != "" {
							doubleSpent[tx.ID] = true
						}
						if first == nil {
							first = &incident{node: id, tx: tx, at: ev.at, idx: ev.idx, conf: since, byTx: by, depth: prev.height() - f.height(), newTip: tip}
						}
					}
				}
			}
			// the blocks that have just reached z confirmations
			if top := tip.height() - z + 1; top > frontier {
				for b := tip.ancestorAt(top); b != nil && b.height() > frontier; b = b.parent {
					for _, tx := range b.b.Txs {
						if _, ok := deep[tx.ID]; !ok {
							deep[tx.ID] = ev.at
							confirmed[tx.ID] = true
						}
					}
				}
				frontier = top
			}
			prev = tip
		}
	}
	if len(confirmed) == 0 {
		return check.Unknowable(ConfirmationSafety, fmt.Sprintf("no transaction ever had %d confirmations on an honest chain", z))
	}
	metrics := map[string]float64{"confirmed": float64(len(confirmed)), "reverted": float64(len(reverted)),
		"double_spent": float64(len(doubleSpent)), "reverted_fraction": float64(len(reverted)) / float64(len(confirmed))}
	if len(reverted) > op.MaxReverted {
		in := first
		how := "then dropped it"
		if in.byTx != "" {
			how = fmt.Sprintf("then switched to a chain spending the same coins in %s", in.byTx)
		}
		r := failAt(ConfirmationSafety, in.at, []string{h.name(in.node)}, []int{in.idx},
			"%s had transaction %s (%s pays %s %d) %d-deep from %v, %s at %v (a %d-block reorganization); %d of %d confirmed transactions reverted, %d double-spent",
			h.name(in.node), in.tx.ID, in.tx.From, in.tx.To, in.tx.Amount, z, in.conf, how, in.at, in.depth, len(reverted), len(confirmed), len(doubleSpent))
		r.Metrics = metrics
		return r
	}
	r := check.Passed(ConfirmationSafety, fmt.Sprintf("%d transactions reached %d confirmations; %d reverted (at most %d allowed)", len(confirmed), z, len(reverted), op.MaxReverted))
	r.Metrics = metrics
	return r
}
