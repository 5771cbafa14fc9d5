package gossip

import (
	"context"
	"fmt"
	"slices"
	"time"

	"distlab/checkers/check"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// ConvergenceOptions configures convergence.
type ConvergenceOptions struct {
	// Bound is how long after the last write and the last fault the live
	// replicas may take to become equal.
	Bound time.Duration `yaml:"bound" doc:"how long after the last write and the last fault the live replicas may take to become equal"`
	// StableP50 and StableMax, when positive, bound the median and the
	// largest stable latency (Gossip Glomers' targets).
	StableP50 time.Duration `yaml:"stable_p50" doc:"when positive, bound the median stable latency (Gossip Glomers' targets)"`
	StableMax time.Duration `yaml:"stable_max" doc:"when positive, bound the largest stable latency"`
}

func runConvergence(ctx context.Context, tr *trace.Trace, o any) check.Result {
	opts := o.(*ConvergenceOptions)
	h, bad := parsed(ctx, Convergence, tr)
	if bad != nil {
		return *bad
	}
	if len(h.writes) == 0 {
		return check.Unknowable(Convergence, "no client wrote anything: no update to converge on")
	}
	if len(h.liveEnd) == 0 {
		return check.Unknowable(Convergence, "no replica is up at the end of the run")
	}
	metrics := map[string]float64{}
	h.coverageMetrics(metrics)
	stable, contradiction := h.stableLatencies(metrics)
	if contradiction != "" {
		r := check.Failed(Convergence, 0, nil, "the reads contradict the replicas' marks: "+contradiction)
		r.Metrics = metrics
		return r
	}

	// Equal at the end?
	ref := h.liveEnd[0]
	for _, n := range h.liveEnd[1:] {
		if diff := h.storeDiff(ref, n); diff != "" {
			waited := h.end - h.quiet
			if waited < opts.Bound {
				r := check.Unknowable(Convergence, fmt.Sprintf("the replicas still differ at the end (%s), but the run ended %v after the last write or fault, within the %v bound", diff, waited, opts.Bound))
				r.Metrics = metrics
				return r
			}
			r := check.Failed(Convergence, h.quiet+opts.Bound, names(tr, ref, n),
				fmt.Sprintf("%v after the last write or fault (at %v), the live replicas still differ: %s", waited, h.quiet, diff))
			r.Metrics = metrics
			return r
		}
	}
	settled := h.quiet
	for _, n := range h.liveEnd {
		settled = max(settled, h.lastChange[n])
	}
	took := settled - h.quiet
	metrics["converge_ms"] = ms(took)
	if took > opts.Bound {
		r := check.Failed(Convergence, settled, nil, fmt.Sprintf("the %d live replicas became equal only %v after the last write or fault (at %v); bound %v", len(h.liveEnd), took, h.quiet, opts.Bound))
		r.Metrics = metrics
		return r
	}
	detail := fmt.Sprintf("%d live replicas hold the same %d keys %v after the last write or fault", len(h.liveEnd), len(h.stores[ref]), took)
	if len(stable) > 0 {
		p50, mx := percentile(stable, 0.5), stable[len(stable)-1]
		detail += fmt.Sprintf("; stable latency p50 %v, max %v over %d updates", p50, mx, len(stable))
		switch {
		case opts.StableP50 > 0 && p50 > opts.StableP50:
			r := check.Failed(Convergence, 0, nil, fmt.Sprintf("median stable latency %v exceeds the target %v", p50, opts.StableP50))
			r.Metrics = metrics
			return r
		case opts.StableMax > 0 && mx > opts.StableMax:
			r := check.Failed(Convergence, 0, nil, fmt.Sprintf("largest stable latency %v exceeds the target %v", mx, opts.StableMax))
			r.Metrics = metrics
			return r
		}
	} else if opts.StableP50 > 0 || opts.StableMax > 0 {
		r := check.Unknowable(Convergence, detail+"; no update became stable in the reads, so the stable-latency targets cannot be judged")
		r.Metrics = metrics
		return r
	}
	r := check.Passed(Convergence, detail)
	r.Metrics = metrics
	return r
}

// storeDiff describes the first difference between two servers' final
// stores, "" when they are equal.
func (h *history) storeDiff(a, b trace.NodeID) string {
	sa, sb := h.stores[a], h.stores[b]
	keys := make([]string, 0, len(sa)+len(sb))
	for k := range sa {
		keys = append(keys, k)
	}
	for k := range sb {
		if _, ok := sa[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	an, bn := h.tr.NodeName(a), h.tr.NodeName(b)
	for _, k := range keys {
		ea, oka := sa[k]
		eb, okb := sb[k]
		switch {
		case !oka:
			return fmt.Sprintf("%s lacks %s, which %s holds as %s", an, k, bn, entryText(eb))
		case !okb:
			return fmt.Sprintf("%s lacks %s, which %s holds as %s", bn, k, an, entryText(ea))
		case ea != eb:
			return fmt.Sprintf("%s holds %s as %s, %s as %s", an, k, entryText(ea), bn, entryText(eb))
		}
	}
	return ""
}

func entryText(e gc.Entry) string { return fmt.Sprintf("%q %v", e.Value, e.Stamp()) }

// coverageMetrics measures, over the updates, how long and how many rounds
// and hops each took to reach every live replica.
func (h *history) coverageMetrics(m map[string]float64) {
	var took []time.Duration
	var rounds, hops, msgs []float64
	for _, c := range h.cover() {
		hops = append(hops, float64(c.hops))
		if !c.complete() {
			continue
		}
		msgs = append(msgs, float64(h.sentBetween(c.w.origin, max(c.at, c.w.origin))))
		// An update can be held before its replica took it: a newer
		// version of its key already there (it lost at once).
		took = append(took, max(0, c.at-c.w.origin))
		rounds = append(rounds, h.rounds(c.w.origin, c.at))
	}
	m["covered"] = float64(len(took))
	if len(hops) > 0 {
		m["hops_max"] = slices.Max(hops)
		m["hops_mean"] = mean(hops)
	}
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	m["cover_ms_mean"] = ms(meanDur(took))
	m["cover_ms_max"] = ms(took[len(took)-1])
	// Messages between replicas while the update spread (with several
	// updates in flight they overlap: a measure for single-update runs).
	m["cover_msgs_mean"] = mean(msgs)
	if h.period > 0 {
		m["cover_rounds_mean"] = mean(rounds)
		m["cover_rounds_max"] = slices.Max(rounds)
	} else {
		// No rounds: the hops are the rounds (each hop one message delay).
		m["cover_rounds_mean"] = mean(hops)
		m["cover_rounds_max"] = slices.Max(hops)
	}
}

// stableLatencies is Maelstrom's stable latency of every acknowledged
// write: from its invocation until every later read shows it. A read
// shows it once the replica that serves it holds it, so the moment is
// when the last live replica took it for good (from the marks); the reads
// are the cross-check: one begun after that moment that misses the write
// is returned as a contradiction. Writes that never reached every live
// replica are left out (residue counts them).
func (h *history) stableLatencies(m map[string]float64) (lat []time.Duration, contradiction string) {
	for _, c := range h.cover() {
		w := c.w
		if !w.acked || !c.complete() {
			continue
		}
		at := max(c.at, w.invoke)
		lat = append(lat, at-w.invoke)
		for _, r := range h.readsAfter(at + 1) {
			if !r.holds(w) && contradiction == "" && h.faultBefore(r.invoke) < at {
				contradiction = fmt.Sprintf("every live replica held %s=%q from %v on, yet the read of %s at %v does not show it",
					w.key, w.value, at, r.replica, r.invoke)
			}
		}
	}
	if len(lat) == 0 {
		return nil, contradiction
	}
	slices.Sort(lat)
	m["stable_updates"] = float64(len(lat))
	m["stable_p50_ms"] = ms(percentile(lat, 0.5))
	m["stable_p95_ms"] = ms(percentile(lat, 0.95))
	m["stable_max_ms"] = ms(lat[len(lat)-1])
	if h.period > 0 {
		p := float64(h.period)
		m["stable_p50_rounds"] = float64(percentile(lat, 0.5)) / p
		m["stable_p95_rounds"] = float64(percentile(lat, 0.95)) / p
		m["stable_max_rounds"] = float64(lat[len(lat)-1]) / p
	}
	return lat, contradiction
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func meanDur(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}

func names(tr *trace.Trace, ids ...trace.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tr.NodeName(id)
	}
	return out
}
