package gossip

import (
	"context"
	"fmt"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// ResidueOptions configures residue.
type ResidueOptions struct {
	// Max is the largest fraction of live replicas an update may miss at
	// the end of the run (Demers' residue); 0: every update must reach
	// every live replica.
	Max float64 `yaml:"max" doc:"the largest fraction of live replicas an update may miss at the end of the run (Demers' residue); 0: every update must reach every live replica"`
}

func runResidue(ctx context.Context, tr *trace.Trace, o any) check.Result {
	opts := o.(*ResidueOptions)
	h, bad := parsed(ctx, Residue, tr)
	if bad != nil {
		return *bad
	}
	if len(h.liveEnd) == 0 {
		return check.Unknowable(Residue, "no replica is up at the end of the run")
	}
	covers := h.cover()
	if len(covers) == 0 {
		return check.Unknowable(Residue, "no write reached a replica: no update to follow")
	}
	var worst *coverage
	sum, complete := 0.0, 1.0
	for i := range covers {
		c := &covers[i]
		s := float64(len(c.missing)) / float64(len(h.liveEnd))
		sum += s
		if !c.complete() {
			complete = 0
		}
		if worst == nil || len(c.missing) > len(worst.missing) {
			worst = c
		}
	}
	worstS := float64(len(worst.missing)) / float64(len(h.liveEnd))
	metrics := map[string]float64{
		"residue":     sum / float64(len(covers)),
		"residue_max": worstS,
		"complete":    complete,
		"updates":     float64(len(covers)),
	}
	detail := fmt.Sprintf("%d updates over %d live replicas: mean residue %.4f, worst %.4f", len(covers), len(h.liveEnd), metrics["residue"], worstS)
	if worstS > opts.Max {
		r := check.Failed(Residue, h.end, names(tr, worst.missing...),
			fmt.Sprintf("update %s=%q (written at %s) is missing at the end from %d of %d live replicas (%s), which hold neither it nor a newer version: residue %.4f > %.4f; %s",
				worst.w.key, worst.w.value, worst.w.replica, len(worst.missing), len(h.liveEnd), short(tr, worst.missing), worstS, opts.Max, detail))
		r.Metrics = metrics
		return r
	}
	r := check.Passed(Residue, detail)
	r.Metrics = metrics
	return r
}

// short names a few nodes.
func short(tr *trace.Trace, ids []trace.NodeID) string {
	const few = 5
	out := names(tr, ids[:min(len(ids), few)]...)
	s := strings.Join(out, ", ")
	if len(ids) > few {
		s += fmt.Sprintf(" and %d more", len(ids)-few)
	}
	return s
}
