package commit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// Checker names.
const (
	AtomicCommit       = "atomic-commit"
	Termination        = "commit-termination"
	BankInvariant      = "bank-invariant"
	AtomicVisibility   = "atomic-visibility"
	Cost               = "commit-cost"
	EventualConsistent = "eventual-consistency"
	EffectivelyOnce    = "effectively-once"
)

func unknown(name string, err error) check.Result { return check.Unknowable(name, err.Error()) }

func parsed(ctx context.Context, name string, tr *trace.Trace) (*history, *check.Result) {
	h, err := parseCached(ctx, tr)
	if err != nil {
		r := unknown(name, err)
		return nil, &r
	}
	return h, nil
}

// runAtomic checks the atomic-commit properties, transaction by
// transaction, over every node's decisions and the votes in the messages:
//
//	AC1 agreement: no two nodes decide differently;
//	AC2 no reversal: a node never changes its decision (across restarts too);
//	AC3 validity: commit only if every participant voted Yes;
//	AC4 non-triviality: with every vote Yes and no failure (no fault and no
//	    lost message of the transaction between its first CanCommit and its
//	    decision), the decision is commit.
func runAtomic(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := parsed(ctx, AtomicCommit, tr)
	if bad != nil {
		return *bad
	}
	decided, committed, aborted := 0, 0, 0
	var fail *check.Result
	failAt := func(at int, nodes []string, format string, args ...any) {
		if fail != nil && fail.Events[0] <= at {
			return
		}
		r := check.Failed(AtomicCommit, tr.At(at).Time, nodes, fmt.Sprintf(format, args...))
		r.Events = []int{at}
		fail = &r
	}
	for _, id := range h.order {
		t := h.txns[id]
		if len(t.decisions) == 0 {
			continue
		}
		decided++
		c, a := t.outcome()
		switch {
		case c && !a:
			committed++
		case a && !c:
			aborted++
		}
		// AC2: one node, two decisions.
		for i, d := range t.decisions {
			for _, e := range t.decisions[:i] {
				if e.node == d.node && e.commit != d.commit {
					failAt(d.idx, []string{tr.NodeName(d.node)}, "AC2 no reversal: %s decided %s on %s at %v (%s), then %s at %v (%s)",
						tr.NodeName(d.node), verb(e.commit), id, e.at, e.by, verb(d.commit), d.at, d.by)
				}
			}
		}
		// AC1: two nodes, two decisions.
		for i, d := range t.decisions {
			for _, e := range t.decisions[:i] {
				if e.node != d.node && e.commit != d.commit {
					failAt(d.idx, []string{tr.NodeName(e.node), tr.NodeName(d.node)}, "AC1 agreement: %s %s %s at %v (%s) but %s %s it at %v (%s)",
						tr.NodeName(e.node), verbed(e.commit), id, e.at, e.by, tr.NodeName(d.node), verbed(d.commit), d.at, d.by)
				}
			}
		}
		// AC3: commit needs every participant's Yes.
		if c {
			first := t.decisions[slices.IndexFunc(t.decisions, func(d decision) bool { return d.commit })]
			for _, p := range t.participants {
				v, ok := t.voteOf(tr, p)
				switch {
				case !ok:
					failAt(first.idx, []string{tr.NodeName(first.node), p}, "AC3 validity: %s committed %s at %v, but %s never voted", tr.NodeName(first.node), id, first.at, p)
				case !v.yes:
					failAt(first.idx, []string{tr.NodeName(first.node), p}, "AC3 validity: %s committed %s at %v, but %s voted No at %v", tr.NodeName(first.node), id, first.at, p, v.at)
				}
			}
		}
		// AC4: all Yes and no failure ⇒ commit.
		if a && len(t.participants) > 0 {
			allYes := true
			for _, p := range t.participants {
				if v, ok := t.voteOf(tr, p); !ok || !v.yes {
					allYes = false
				}
			}
			first := t.decisions[0]
			if allYes && t.healthy && !t.droppedBy(first.at) && !h.faultBetween(t.begin, first.at) {
				abort := t.decisions[slices.IndexFunc(t.decisions, func(d decision) bool { return !d.commit })]
				failAt(abort.idx, []string{tr.NodeName(abort.node)}, "AC4 non-triviality: every participant of %s voted Yes and nothing failed, yet %s aborted it at %v (%s)",
					id, tr.NodeName(abort.node), abort.at, abort.by)
			}
		}
	}
	if fail != nil {
		fail.Metrics = map[string]float64{"agreement": 0, "committed": float64(committed), "aborted": float64(aborted)}
		if strings.HasPrefix(fail.Detail, "AC3") || strings.HasPrefix(fail.Detail, "AC4") {
			fail.Metrics["agreement"] = 1
		}
		return *fail
	}
	if decided == 0 {
		return check.Unknowable(AtomicCommit, "no node decided any transaction: no decision to judge")
	}
	r := check.Passed(AtomicCommit, fmt.Sprintf("%d transactions decided (%d committed, %d aborted): every node agreed, none reversed, every commit had all Yes votes", decided, committed, aborted))
	r.Metrics = map[string]float64{"agreement": 1, "committed": float64(committed), "aborted": float64(aborted)}
	return r
}

// voteOf is participant p's first vote on t, from the Vote messages it sent.
func (t *txnInfo) voteOf(tr *trace.Trace, p string) (vote, bool) {
	id, ok := tr.NodeByName(p)
	if !ok {
		return vote{}, false
	}
	for _, v := range t.votes {
		if v.node == id {
			return v, true
		}
	}
	return vote{}, false
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}

func verbed(commit bool) string {
	if commit {
		return "committed"
	}
	return "aborted"
}
