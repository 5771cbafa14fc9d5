package commit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// runBank is Jepsen's bank check over the clients' snapshot reads: a read
// of every account sums to the initial total (transfers and orders move
// money, they never make or destroy it), and no read shows a negative
// balance or stock.
func runBank(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := parsed(ctx, BankInvariant, tr)
	if bad != nil {
		return *bad
	}
	if len(h.accounts) == 0 {
		return check.Unknowable(BankInvariant, "no account in the trace (item marks): no total to keep")
	}
	var total int64
	for _, a := range h.accounts {
		total += h.items[a].Value
	}
	full, partial := 0, 0
	for _, r := range h.reads {
		keys := make([]string, 0, len(r.values))
		for k := range r.values {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if v := r.values[k].Value; v < 0 {
				res := check.Failed(BankInvariant, r.at, []string{tr.NodeName(r.node)}, fmt.Sprintf("read %s (returned at %v) saw %s = %d: a negative balance", r.txn, r.at, k, v))
				res.Events = []int{r.idx}
				return res
			}
		}
		if !coversAll(r.values, h.accounts) {
			partial++
			continue
		}
		full++
		var sum int64
		var parts []string
		for _, a := range h.accounts {
			sum += r.values[a].Value
			parts = append(parts, fmt.Sprintf("%s=%d", a, r.values[a].Value))
		}
		if sum != total {
			res := check.Failed(BankInvariant, r.at, []string{tr.NodeName(r.node)}, fmt.Sprintf(
				"read %s (returned at %v) sums to %d, not %d: %s", r.txn, r.at, sum, total, strings.Join(parts, " ")))
			res.Events = []int{r.idx}
			res.Metrics = map[string]float64{"full_reads": float64(full), "total": float64(total), "read_total": float64(sum)}
			return res
		}
	}
	if full == 0 {
		if partial == 0 {
			return check.Unknowable(BankInvariant, "no committed snapshot read: nothing to add up")
		}
		return check.Unknowable(BankInvariant, fmt.Sprintf("%d committed reads, none of every account: no sum to check (no balance was negative)", partial))
	}
	r := check.Passed(BankInvariant, fmt.Sprintf("%d snapshot reads of every account summed to %d; no balance negative in %d reads", full, total, full+partial))
	r.Metrics = map[string]float64{"full_reads": float64(full), "total": float64(total)}
	return r
}

func coversAll[V any](m map[string]V, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// runVisibility: a snapshot read never sees half a transaction (DSLabs
// lab 4's rule). A read sees transaction T at item k when the version it
// read is at least the version T's commit gave k (participants' decide
// marks carry the versions; T's writes come from its CanCommit messages).
// Seeing T at one item and not at another it wrote is a torn read.
func runVisibility(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, bad := parsed(ctx, AtomicVisibility, tr)
	if bad != nil {
		return *bad
	}
	type written struct {
		t        *txnInfo
		versions map[string]int64 // item → version T's commit gave it
	}
	var multi []written
	for _, id := range h.order {
		t := h.txns[id]
		if len(t.writes) < 2 {
			continue
		}
		v := map[string]int64{}
		for _, d := range t.decisions {
			if d.commit {
				for k, ver := range d.versions {
					if _, ok := v[k]; !ok {
						v[k] = ver
					}
				}
			}
		}
		if len(v) > 0 {
			multi = append(multi, written{t: t, versions: v})
		}
	}
	judged := 0
	for _, r := range h.reads {
		for _, w := range multi {
			var seen, unseen []string
			for _, k := range w.t.writes {
				got, ok := r.values[k]
				if !ok {
					continue
				}
				if ver, committed := w.versions[k]; committed && got.Version >= ver {
					seen = append(seen, k)
				} else {
					unseen = append(unseen, k)
				}
			}
			if len(seen)+len(unseen) < 2 {
				continue
			}
			judged++
			if len(seen) > 0 && len(unseen) > 0 {
				res := check.Failed(AtomicVisibility, r.at, []string{tr.NodeName(r.node)}, fmt.Sprintf(
					"read %s (returned at %v) saw %s's write to %s but not to %s: half a transaction",
					r.txn, r.at, w.t.id, strings.Join(seen, ", "), strings.Join(unseen, ", ")))
				res.Events = []int{r.idx}
				return res
			}
		}
	}
	if judged == 0 {
		return check.Unknowable(AtomicVisibility, "no committed read covered two items written by one committed transaction: nothing to judge")
	}
	return check.Passed(AtomicVisibility, fmt.Sprintf("%d (read, transaction) pairs: every read saw each transaction whole or not at all", judged))
}
