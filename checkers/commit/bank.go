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
// balance or stock. It also explains every value read: an item read at
// version v holds its initial value plus what the v committed
// transactions that wrote it added (the writers of each version come from
// the participants' decide marks, what they add from their CanCommit
// messages). A value nothing explains is a dirty read, or a write an abort
// failed to undo.
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
	writers := h.writers()
	full, partial, explained := 0, 0, 0
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
		for _, k := range keys {
			want, why, ok := h.explain(writers, k, r.values[k].Version)
			if !ok {
				continue
			}
			explained++
			if got := r.values[k].Value; got != want {
				res := check.Failed(BankInvariant, r.at, []string{tr.NodeName(r.node)}, fmt.Sprintf(
					"read %s (returned at %v) saw %s = %d at version %d, but %s make it %d: a value no committed transaction explains (a dirty read, or a write not undone)",
					r.txn, r.at, k, got, r.values[k].Version, why, want))
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
	r := check.Passed(BankInvariant, fmt.Sprintf("%d snapshot reads of every account summed to %d; no balance negative in %d reads; %d values read, each explained by the committed transactions before it", full, total, full+partial, explained))
	r.Metrics = map[string]float64{"full_reads": float64(full), "total": float64(total)}
	return r
}

// writers maps item → version → the transaction whose commit made it.
func (h *history) writers() map[string]map[int64]*txnInfo {
	out := map[string]map[int64]*txnInfo{}
	for _, id := range h.order {
		t := h.txns[id]
		for _, d := range t.decisions {
			if !d.commit {
				continue
			}
			for item, v := range d.versions {
				if out[item] == nil {
					out[item] = map[int64]*txnInfo{}
				}
				out[item][v] = t
			}
		}
	}
	return out
}

// explain is what item k holds at version v: its initial value plus each
// committed writer's change; ok is false when the trace does not say
// (an item with no initial mark, a version whose writer is unknown).
func (h *history) explain(writers map[string]map[int64]*txnInfo, k string, v int64) (value int64, why string, ok bool) {
	it, known := h.items[k]
	if !known {
		return 0, "", false
	}
	value = it.Value
	parts := []string{fmt.Sprintf("its initial %d", it.Value)}
	for j := int64(1); j <= v; j++ {
		t := writers[k][j]
		if t == nil || t.deltas == nil {
			return 0, "", false
		}
		value += t.deltas[k]
		parts = append(parts, fmt.Sprintf("%s %+d", t.id, t.deltas[k]))
	}
	if len(parts) > 4 {
		parts = append(parts[:2], "…", parts[len(parts)-1])
	}
	return value, strings.Join(parts, ", "), true
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
