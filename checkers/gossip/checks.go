package gossip

import (
	"context"
	"fmt"
	"sync"
	"time"
	"weak"

	"distlab/checkers/check"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// Checker names.
const (
	Convergence = "convergence"
	LostWrite   = "no-lost-write"
	Validity    = "gossip-validity"
	Residue     = "residue"
	Cost        = "gossip-cost"
)

// Specs lists the family's checkers for the registry.
func Specs() []check.Spec {
	return []check.Spec{
		{Name: Convergence, Contract: gc.Contract,
			Summary: "after the last write and the last fault the live replicas become equal within bound; per update the time and rounds to reach them all, and Maelstrom's stable latency (p50/p95/max)",
			Options: func() any { return &ConvergenceOptions{Bound: 2 * time.Second} }, Run: runConvergence},
		{Name: LostWrite, Contract: gc.Contract,
			Summary: "every acknowledged write stays visible (Jepsen's set-full: stable, stale, lost, never read); a later write that last-writer-wins discards is lost",
			Options: func() any { return &LostOptions{Settle: time.Second} }, Run: runLost},
		{Name: Validity, Contract: gc.Contract,
			Summary: "no invented values or versions; every gossiped entry came in a message that carried it; a replica's version of a key never goes backwards",
			Run:     runValidity},
		{Name: Residue, Contract: gc.Contract,
			Summary: "the fraction of live replicas an update never reached (Demers' residue), at most max",
			Options: func() any { return &ResidueOptions{} }, Run: runResidue},
		{Name: Cost, Contract: gc.Contract,
			Summary: "messages and bytes per update, Maelstrom's msgs-per-op, redundant deliveries, repeated sends; optionally bounded",
			Options: func() any { return &CostOptions{MaxRepeats: -1} }, Run: runCost},
	}
}

// parsed reads the trace, or says why the check cannot judge it. The
// family's checks usually run one after the other on one trace, so recent
// readings are shared: a history is only read, never changed, once parsed.
func parsed(ctx context.Context, name string, tr *trace.Trace) (*history, *check.Result) {
	h, err := cached(ctx, tr)
	if err != nil {
		r := check.Unknowable(name, err.Error())
		return nil, &r
	}
	if len(h.problems) > 0 {
		p := h.problems[0]
		r := check.Failed(name, p.at, names(tr, p.node), fmt.Sprintf("the trace breaks the gossip contract: %s", p.text))
		r.Events = []int{p.idx}
		return nil, &r
	}
	return h, nil
}

// recent holds the last histories parsed, newest first, weakly: a
// reading is shared while its trace is being checked and freed with it
// (a kept trace of a thousand replicas is hundreds of megabytes).
var recent struct {
	sync.Mutex
	list []cachedHistory
}

type cachedHistory struct {
	tr     weak.Pointer[trace.Trace]
	events int
	h      weak.Pointer[history]
}

const keepHistories = 4

func cached(ctx context.Context, tr *trace.Trace) (*history, error) {
	recent.Lock()
	for _, c := range recent.list {
		if c.tr.Value() == tr && c.events == tr.Len() {
			if h := c.h.Value(); h != nil {
				recent.Unlock()
				return h, nil
			}
		}
	}
	recent.Unlock()
	h, err := parse(ctx, tr)
	if err != nil {
		return nil, err
	}
	recent.Lock()
	entry := cachedHistory{tr: weak.Make(tr), events: tr.Len(), h: weak.Make(h)}
	recent.list = append([]cachedHistory{entry}, recent.list[:min(len(recent.list), keepHistories-1)]...)
	recent.Unlock()
	return h, nil
}
