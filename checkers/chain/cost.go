package chain

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet/trace"
)

func runCost(ctx context.Context, tr *trace.Trace, o any) check.Result {
	op := opts(o, &CostOptions{Z: 6})
	h, bad := load(ctx, ChainCost, tr)
	if bad != nil {
		return *bad
	}
	tip := h.finalTip()
	if tip == nil || tip.height() == 0 {
		return check.Unknowable(ChainCost, "the honest nodes' main chain holds no block")
	}
	chain := chainOf(tip)
	onMain := map[*block]bool{}
	for _, b := range chain {
		onMain[b] = true
	}
	n := float64(len(chain))
	m := map[string]float64{"blocks": n}

	// stale blocks: published by honest producers, not on the main chain
	published, stale := 0, 0
	for _, b := range h.order {
		if b.withheld || !h.honest(b.producer) {
			continue
		}
		published++
		if !onMain[b] {
			stale++
		}
	}
	if published > 0 {
		m["stale_rate"] = float64(stale) / float64(published)
	}
	m["produced"] = float64(len(h.order))

	// intervals
	total := chain[len(chain)-1].at - chain[0].parent.at
	interval := total / time.Duration(len(chain))
	m["mean_interval_ms"] = ms(interval)
	half := chain[len(chain)/2:]
	var late time.Duration
	if len(half) > 1 {
		late = (half[len(half)-1].at - half[0].at) / time.Duration(len(half)-1)
		m["late_interval_ms"] = ms(late)
	}

	// tries (PoW)
	pow := h.genesis.Protocol == cc.PoW
	if pow {
		var tries int64
		var e trace.Event
		for i := range tr.Scan(trace.KindsOf(trace.Mark), 0, tr.Len()) {
			tr.Fill(i, &e)
			switch {
			case cc.Produced.Is(&e):
				mk, _ := cc.Produced.Decode(&e)
				tries += mk.Tries
			case cc.Tip.Is(&e):
				mk, _ := cc.Tip.Decode(&e)
				tries += mk.Tries
			}
		}
		expected := 0.0
		for _, b := range chain {
			if t, err := blockhash.CompactToTarget(b.b.Bits); err == nil && t.Sign() > 0 {
				expected += blockhash.ExpectedTries(t)
			}
		}
		m["tries_per_block"] = float64(tries) / n
		m["expected_tries"] = expected / n
	}

	// messages, and the propagation delay of block announcements
	sends := map[string]int{}
	sentAt := map[int64]time.Duration{}
	var delay time.Duration
	delays := 0
	var e trace.Event
	for i := range tr.Scan(trace.KindsOf(trace.Send, trace.Deliver), 0, tr.Len()) {
		tr.Fill(i, &e)
		switch e.Kind {
		case trace.Send:
			sends[e.Name]++
			if e.Name == cc.MsgNewBlock {
				sentAt[e.Msg] = e.Time
			}
		case trace.Deliver:
			if at, ok := sentAt[e.Msg]; ok && e.Name == cc.MsgNewBlock {
				delay += e.Time - at
				delays++
				delete(sentAt, e.Msg)
			}
		}
	}
	all := 0
	for name, c := range sends {
		all += c
		m["per_block/"+name] = float64(c) / n
	}
	m["msgs_per_block"] = float64(all) / n
	var formula float64
	if delays > 0 && interval > 0 {
		d := delay / time.Duration(delays)
		m["delta_ms"] = ms(d)
		formula = 1 - math.Exp(-d.Seconds()/interval.Seconds())
		m["stale_formula"] = formula
	}

	// throughput and inclusion
	txs := 0
	var incl []float64
	for _, b := range chain {
		txs += len(b.b.Txs)
		for _, tx := range b.b.Txs {
			if at, ok := h.submitted[tx.ID]; ok {
				incl = append(incl, ms(b.at-at))
			}
		}
	}
	if h.end > 0 {
		m["tps"] = float64(txs) / h.end.Seconds()
	}
	if len(incl) > 0 {
		slices.Sort(incl)
		m["inclusion_p50_ms"] = quantile(incl, 0.5)
		m["inclusion_p999_ms"] = quantile(incl, 0.999)
	}

	// time to z confirmations, and to irreversibility (DPoS)
	z := int64(max(op.Z, 1))
	deepAt := map[*block]time.Duration{}
	for _, id := range h.honestServers() {
		for _, ev := range h.tips[id] {
			for b := ev.tip.ancestorAt(ev.tip.height() - z + 1); b != nil && b.parent != nil; b = b.parent {
				if _, ok := deepAt[b]; ok {
					break
				}
				deepAt[b] = ev.at
			}
		}
	}
	m["time_to_z_ms"] = meanDelay(chain, deepAt)
	final := deepAt
	if h.genesis.Protocol == cc.DPoS {
		libAt := map[*block]time.Duration{}
		for _, id := range h.honestServers() {
			for _, ev := range h.libs[id] {
				for b := ev.tip; b != nil && b.parent != nil; b = b.parent {
					if at, ok := libAt[b]; ok && at <= ev.at {
						break
					}
					libAt[b] = ev.at
				}
			}
		}
		if v := meanDelay(chain, libAt); v > 0 {
			m["lib_ms"] = v
		}
		final = libAt
	}
	if h.lastFault > 0 {
		// blocks made after the last fault that became final (z-deep; DPoS:
		// irreversible) by the end: does finality survive the fault?
		n := 0
		for _, b := range chain {
			if _, ok := final[b]; ok && b.at > h.lastFault {
				n++
			}
		}
		m["final_after_fault"] = float64(n)
	}
	if m["time_to_z_ms"] == 0 {
		delete(m, "time_to_z_ms")
	}

	var fails []string
	if op.TriesTolerance > 0 && pow {
		ratio := m["tries_per_block"] / m["expected_tries"]
		if math.Abs(ratio-1) > op.TriesTolerance {
			fails = append(fails, fmt.Sprintf("%.0f tries per block against %.0f expected (ratio %.2f, tolerance %.2f)", m["tries_per_block"], m["expected_tries"], ratio, op.TriesTolerance))
		}
	}
	if op.StaleTolerance > 0 {
		got := m["stale_rate"]
		if formula == 0 || math.Abs(got-formula) > max(op.StaleTolerance*formula, 0.005) {
			fails = append(fails, fmt.Sprintf("stale rate %.4f against 1 − e^(−Δ/T) = %.4f (Δ %.1f ms, T %.0f ms)", got, formula, m["delta_ms"], m["mean_interval_ms"]))
		}
	}
	if op.Interval > 0 && op.IntervalTolerance > 0 {
		if late == 0 || math.Abs(late.Seconds()/op.Interval.Seconds()-1) > op.IntervalTolerance {
			fails = append(fails, fmt.Sprintf("the second half of the chain came every %v, not %v ± %.0f%%", late, op.Interval, 100*op.IntervalTolerance))
		}
	}
	detail := fmt.Sprintf("%d blocks on the main chain, one every %v; stale rate %.4f; %.1f messages per block; %.2f transactions/s",
		len(chain), interval.Round(time.Millisecond), m["stale_rate"], m["msgs_per_block"], m["tps"])
	if pow {
		detail += fmt.Sprintf("; %.0f tries per block (target expects %.0f)", m["tries_per_block"], m["expected_tries"])
	}
	if len(fails) > 0 {
		r := check.Failed(ChainCost, h.end, nil, strings.Join(fails, "; "))
		r.Metrics = m
		return r
	}
	r := check.Passed(ChainCost, detail)
	r.Metrics = m
	return r
}

func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func meanDelay(chain []*block, at map[*block]time.Duration) float64 {
	sum, n := 0.0, 0
	for _, b := range chain {
		if t, ok := at[b]; ok {
			sum += ms(t - b.at)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
