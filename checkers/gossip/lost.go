package gossip

import (
	"context"
	"fmt"
	"sort"
	"time"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// LostOptions configures no-lost-write.
type LostOptions struct {
	// Settle is how long after a write was acknowledged, and after the
	// run's last fault, a read must begin for its answer to be final: a
	// write that every such read misses is lost.
	Settle time.Duration `yaml:"settle" doc:"how long after a write was acknowledged, and after the run's last fault, a read must begin for its answer to be final: a write that every such read misses is lost"`
}

// outcome is what became of one acknowledged write (Jepsen's set-full,
// judged by the reads that began after the write was acknowledged; a read
// is settled when it began at least Settle after both the acknowledgement
// and the run's last fault: only then must it show every write).
type outcome uint8

const (
	stable    outcome = iota // every read after the ack showed it
	stale                    // some read after the ack missed it; settled reads show it
	divergent                // some settled reads show it, others still miss it
	lost                     // no settled read shows it: the store forgot it
	neverRead                // no read began after the ack
	unsettled                // reads missed it, but none came late enough to say it is lost
)

var outcomeNames = [...]string{"stable", "stale", "divergent", "lost", "never_read", "unsettled"}

func runLost(ctx context.Context, tr *trace.Trace, o any) check.Result {
	opts := o.(*LostOptions)
	h, bad := parsed(ctx, LostWrite, tr)
	if bad != nil {
		return *bad
	}
	acked := h.acked()
	if len(acked) == 0 {
		return check.Unknowable(LostWrite, "no write was acknowledged: nothing that must not be lost")
	}
	counts := make([]int, len(outcomeNames))
	var first *write
	var firstRead *read
	for _, w := range acked {
		oc, last := h.outcome(w, opts.Settle)
		counts[oc]++
		if oc == lost && (first == nil || w.invoke < first.invoke) {
			first, firstRead = w, last
		}
	}
	metrics := map[string]float64{"acknowledged": float64(len(acked))}
	for i, name := range outcomeNames {
		metrics[name] = float64(counts[i])
	}
	summary := fmt.Sprintf("%d acknowledged writes: %d stable, %d stale, %d divergent, %d lost, %d never read, %d unsettled",
		len(acked), counts[stable], counts[stale], counts[divergent], counts[lost], counts[neverRead], counts[unsettled])
	if first != nil {
		r := check.Failed(LostWrite, firstRead.invoke, []string{first.replica, firstRead.replica},
			fmt.Sprintf("write %s=%q (to %s at %v, acknowledged at %v, version %v) is lost: %s; %s",
				first.key, first.value, first.replica, first.invoke, first.ret, first.stamp, h.why(firstRead, first), summary))
		r.Events = []int{first.idx, firstRead.idx}
		r.Metrics = metrics
		return r
	}
	if counts[stable]+counts[stale]+counts[divergent] == 0 {
		r := check.Unknowable(LostWrite, "no read came late enough to judge any write: "+summary)
		r.Metrics = metrics
		return r
	}
	r := check.Passed(LostWrite, summary)
	r.Metrics = metrics
	return r
}

// outcome classifies an acknowledged write by the reads that began after
// its acknowledgement, and returns the last settled read (or the last read).
func (h *history) outcome(w *write, settle time.Duration) (outcome, *read) {
	reads := h.readsAfter(w.ret + 1)
	if len(reads) == 0 {
		return neverRead, nil
	}
	var missed bool
	var settled, seen, missedSettled int
	last := reads[len(reads)-1]
	for _, r := range reads {
		sees := h.sees(r, w)
		missed = missed || !sees
		if r.invoke-max(w.ret, h.lastFault) < settle {
			continue
		}
		settled++
		last = r
		if sees {
			seen++
		} else {
			missedSettled++
		}
	}
	switch {
	case !missed:
		return stable, last
	case settled == 0:
		return unsettled, last
	case seen == 0:
		return lost, last
	case missedSettled > 0:
		return divergent, last
	}
	return stale, last
}

// faultBefore is the time of the last fault before t.
func (h *history) faultBefore(t time.Duration) time.Duration {
	i := sort.Search(len(h.faults), func(i int) bool { return h.faults[i] >= t })
	if i == 0 {
		return 0
	}
	return h.faults[i-1]
}

// why explains how read r misses write w.
func (h *history) why(r *read, w *write) string {
	e, ok := r.entries[w.key]
	if !ok {
		return fmt.Sprintf("no settled read shows it (the last, of %s at %v, has no %s)", r.replica, r.invoke, w.key)
	}
	other := h.byValue[e.Value]
	if other != nil && other.precedes(w) {
		return fmt.Sprintf("no settled read shows it; the last, of %s at %v, returns %q with version %v, written by an earlier write (acknowledged at %v, before this one began): last-writer-wins kept the older write because its timestamp is larger",
			r.replica, r.invoke, e.Value, e.Stamp(), other.ret)
	}
	return fmt.Sprintf("no settled read shows it; the last, of %s at %v, returns %q with the older version %v", r.replica, r.invoke, e.Value, e.Stamp())
}
