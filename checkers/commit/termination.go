package commit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// TerminationOptions configures commit-termination.
type TerminationOptions struct {
	Bound time.Duration `yaml:"bound" doc:"a participant still undecided at the end fails when more than this has passed since both its Yes vote and the last fault (the system had time to recover)"`
	// MaxUncertain, when set, also fails a participant that stayed
	// undecided longer than this while it was itself up and running:
	// blocking on somebody else's failure (the coordinator's) is then a
	// violation, which is what non-blocking commit promises to avoid.
	MaxUncertain time.Duration `yaml:"max_uncertain" doc:"when set, a participant undecided for longer than this (counting only its own up time) fails: blocking becomes a violation"`
}

// began words where an interval began.
func began(iv *interval) string {
	if iv.restarted {
		return "prepared before a crash, it has been up again since"
	}
	return "voted Yes at"
}

func defaultTermination() *TerminationOptions { return &TerminationOptions{Bound: 2 * time.Second} }

// runTermination: every participant that voted Yes decides. It reports how
// long transactions stayed undecided (from the first Yes vote to the last
// participant's decision), how long each participant held its locks (Yes
// vote to decision), and the longest divergence (some participants decided,
// others not yet: the seed's "partial DoCommit").
func runTermination(ctx context.Context, tr *trace.Trace, opts any) check.Result {
	o := defaultTermination()
	if p, ok := opts.(*TerminationOptions); ok && p != nil {
		o = p
	}
	h, bad := parsed(ctx, Termination, tr)
	if bad != nil {
		return *bad
	}
	if len(h.intervals) == 0 {
		return check.Unknowable(Termination, "no participant voted Yes: no transaction to wait for")
	}
	var fail *check.Result
	var holds, uncertain []time.Duration
	var diverged time.Duration
	var divergedTxn string
	pending := 0
	for _, iv := range h.intervals {
		holds = append(holds, iv.end-iv.start)
		if fail == nil && o.MaxUncertain > 0 {
			if up := iv.end - iv.start - iv.paused; up > o.MaxUncertain {
				until := fmt.Sprintf("decided at %v", iv.end)
				if iv.open && !iv.crashed {
					until = "still undecided at the end"
				} else if iv.crashed {
					until = fmt.Sprintf("crashed at %v", iv.end)
				}
				r := check.Failed(Termination, iv.start+o.MaxUncertain, []string{tr.NodeName(iv.node)}, fmt.Sprintf(
					"%s was blocked on %s for %v while up (%s %v, %s): longer than max_uncertain %v",
					tr.NodeName(iv.node), iv.txn, up.Round(time.Millisecond), began(iv), iv.start, until, o.MaxUncertain))
				r.Events = []int{iv.startIdx}
				fail = &r
			}
		}
		if iv.open && !iv.crashed {
			pending++
			since := max(iv.start, h.lastFault)
			if fail == nil && h.end-since > o.Bound {
				r := check.Failed(Termination, since+o.Bound, []string{tr.NodeName(iv.node)}, fmt.Sprintf(
					"%s never decided %s: %s %v, the last fault was at %v, and the run ended at %v (bound %v)",
					tr.NodeName(iv.node), iv.txn, began(iv), iv.start, h.lastFault, h.end, o.Bound))
				r.Events = []int{iv.startIdx}
				fail = &r
			}
		}
	}
	for _, id := range h.order {
		t := h.txns[id]
		if t.firstYes < 0 {
			continue
		}
		// Only the participants that voted Yes wait for the decision.
		var first, last time.Duration = -1, 0
		for _, v := range t.votes {
			if !v.yes {
				continue
			}
			at := h.end
			for _, d := range t.decisions {
				if d.node == v.node {
					at = d.at
					break
				}
			}
			if first < 0 || at < first {
				first = at
			}
			last = max(last, at)
		}
		if last >= t.firstYes {
			uncertain = append(uncertain, last-t.firstYes)
		}
		if first >= 0 && last-first > diverged {
			diverged, divergedTxn = last-first, id
		}
	}
	slices.Sort(holds)
	slices.Sort(uncertain)
	metrics := map[string]float64{
		"lock_hold_p50_ms": ms(percentile(holds, 0.5)), "lock_hold_p99_ms": ms(percentile(holds, 0.99)), "lock_hold_max_ms": ms(percentile(holds, 1)),
		"uncertain_p50_ms": ms(percentile(uncertain, 0.5)), "uncertain_p99_ms": ms(percentile(uncertain, 0.99)), "uncertain_max_ms": ms(percentile(uncertain, 1)),
		"diverged_max_ms": ms(diverged), "undecided_at_end": float64(pending),
	}
	if fail != nil {
		fail.Metrics = metrics
		return *fail
	}
	detail := "every participant decided every transaction it voted Yes on"
	if pending > 0 {
		detail = fmt.Sprintf("%d undecided at the end, younger than the bound after the last fault; the others decided", pending)
	}
	detail += fmt.Sprintf(" (longest uncertainty %v, locks held p50 %v, p99 %v)",
		percentile(uncertain, 1).Round(time.Microsecond), percentile(holds, 0.5).Round(time.Microsecond), percentile(holds, 0.99).Round(time.Microsecond))
	if diverged > 0 {
		detail += fmt.Sprintf("; participants of %s decided up to %v apart", divergedTxn, diverged.Round(time.Microsecond))
	}
	r := check.Passed(Termination, detail)
	r.Metrics = metrics
	return r
}
