package commit

import (
	"context"
	"fmt"
	"slices"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// CostOptions configures commit-cost.
type CostOptions struct {
	MinCommitted int `yaml:"min_committed" doc:"fail when fewer transactions committed (a scenario that shows progress, or its loss)"`
}

// runCost measures, per committed and per aborted transaction: the
// messages between servers (by type; client requests and answers are not
// counted), the message delays from the coordinator's first CanCommit to
// its decision and to the last participant's, and the forced log writes.
// Message delays are the length of the longest chain of messages of the
// transaction leading to the decision, derived from the sends and
// deliveries (a retransmission does not add one; a coordinator that sends
// its broadcast one message at a time, send_gap, lengthens the chain when
// an answer comes back before the last message left).
func runCost(ctx context.Context, tr *trace.Trace, opts any) check.Result {
	o := &CostOptions{}
	if p, ok := opts.(*CostOptions); ok && p != nil {
		o = p
	}
	h, bad := parsed(ctx, Cost, tr)
	if bad != nil {
		return *bad
	}
	var committed, aborted, mixed, undecided int
	var msgsC, msgsA, forcedC, delaysC, delaysAllC, delaysA float64
	byType := map[string]float64{}
	for _, id := range h.order {
		t := h.txns[id]
		if t.coordinator == trace.None {
			continue
		}
		n := 0
		for _, k := range t.messages {
			n += k
		}
		c, a := t.outcome()
		switch {
		case c && a:
			mixed++
		case c:
			committed++
			msgsC += float64(n)
			forcedC += float64(t.forced)
			delaysC += float64(t.depthDecide)
			delaysAllC += float64(t.depthAll)
			for name, k := range t.messages {
				byType[name] += float64(k)
			}
		case a:
			aborted++
			msgsA += float64(n)
			delaysA += float64(t.depthDecide)
		default:
			undecided++
		}
	}
	if committed+aborted+mixed+undecided == 0 {
		return check.Unknowable(Cost, "no transaction began: nothing to count")
	}
	m := map[string]float64{"committed": float64(committed), "aborted": float64(aborted), "undecided": float64(undecided), "mixed": float64(mixed)}
	if committed > 0 {
		k := float64(committed)
		m["per_commit"], m["forced_per_commit"] = msgsC/k, forcedC/k
		m["delays_to_decision"], m["delays_to_all"] = delaysC/k, delaysAllC/k
		names := make([]string, 0, len(byType))
		for name := range byType {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			m["per_commit/"+name] = byType[name] / k
		}
	}
	if aborted > 0 {
		m["per_abort"], m["delays_to_abort"] = msgsA/float64(aborted), delaysA/float64(aborted)
	}
	summary := fmt.Sprintf("%d committed, %d aborted, %d undecided, %d decided both ways", committed, aborted, undecided, mixed)
	if committed > 0 {
		summary += fmt.Sprintf("; per commit %.1f messages, %.1f delays to the decision, %.1f forced log writes", m["per_commit"], m["delays_to_decision"], m["forced_per_commit"])
	}
	if committed < o.MinCommitted {
		r := check.Failed(Cost, h.end, nil, fmt.Sprintf("only %d transactions committed (min_committed %d): %s", committed, o.MinCommitted, summary))
		r.Metrics = m
		return r
	}
	r := check.Passed(Cost, summary)
	r.Metrics = m
	return r
}
