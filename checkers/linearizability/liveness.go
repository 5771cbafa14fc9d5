package linearizability

import (
	"context"
	"fmt"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet/trace"
)

// LivenessName is the progress check's name in scenario files.
const LivenessName = "kv-liveness"

// LivenessOptions bound how long an operation may stay unanswered.
type LivenessOptions struct {
	// Bound is how long after its invocation, or after the last fault if
	// that came later, an operation must have returned.
	Bound time.Duration `yaml:"bound" doc:"how long after its invocation, or after the last fault if that came later, an operation must have returned"`
}

// CheckLiveness fails when an operation stays unanswered for longer than
// the bound once the faults are over. Linearizability alone is satisfied
// by a service that never answers (a pending operation may always take
// effect later); this is the other half: clients get their answers once a
// majority can talk.
func CheckLiveness(ctx context.Context, tr *trace.Trace, o LivenessOptions) check.Result {
	if o.Bound <= 0 {
		o.Bound = 3 * time.Second
	}
	var lastFault time.Duration
	var e trace.Event
	for i := range tr.Scan(trace.FaultKinds, 0, tr.Len()) {
		tr.Fill(i, &e)
		switch {
		case e.Kind.IsNetwork(), e.Kind == trace.Restart, e.Kind == trace.Crash && !contract.IsClient(tr.Header, e.Node):
			lastFault = e.Time
		}
	}
	type open struct {
		at   time.Duration
		idx  int
		node trace.NodeID
		in   any // the input, written out only if the operation is reported
	}
	pending := map[int64]open{}
	done := 0
	end := tr.End()
	worst := time.Duration(0)
	fail := func(e open, returned time.Duration) check.Result {
		r := check.Failed(LivenessName, max(e.at, lastFault)+o.Bound, []string{tr.NodeName(e.node)},
			fmt.Sprintf("%s's operation %s invoked at %v %s (bound: %v after the invocation or the last fault at %v)",
				tr.NodeName(e.node), trace.Event{Data: e.in}.DataJSON(), e.at, returnedText(returned), o.Bound, lastFault))
		r.Events = []int{e.idx}
		return r
	}
	seen := 0
	for i := range tr.Scan(trace.KindsOf(trace.Invoke, trace.Return), 0, tr.Len()) {
		if seen%4096 == 0 && ctx.Err() != nil {
			return check.Result{Name: LivenessName, Verdict: check.Unknown, Detail: "out of time"}
		}
		seen++
		tr.Fill(i, &e)
		switch e.Kind {
		case trace.Invoke:
			pending[e.Op] = open{e.Time, e.Index, e.Node, e.Data}
		case trace.Return:
			o1, ok := pending[e.Op]
			if !ok {
				continue
			}
			delete(pending, e.Op)
			done++
			wait := e.Time - max(o1.at, lastFault)
			worst = max(worst, wait)
			if wait > o.Bound {
				return fail(o1, e.Time)
			}
		}
	}
	var late *open // the earliest invoked of those overdue at the end
	for _, p := range pending {
		if max(p.at, lastFault)+o.Bound <= end && (late == nil || p.idx < late.idx) {
			late = &p
		}
	}
	if late != nil {
		return fail(*late, -1)
	}
	if done == 0 {
		return check.Result{Name: LivenessName, Verdict: check.Unknown,
			Detail: fmt.Sprintf("no evidence: no client operation returned (%d still open at the end, too recent to judge)", len(pending))}
	}
	r := check.Passed(LivenessName, fmt.Sprintf("%d operations answered, each within %v of its invocation or the last fault (%d still open at the end, too recent to judge)",
		done, o.Bound, len(pending)))
	r.Metrics = map[string]float64{"answered": float64(done), "open_at_end": float64(len(pending)), "slowest_ms": float64(worst.Microseconds()) / 1000}
	return r
}

func returnedText(returned time.Duration) string {
	if returned < 0 {
		return "never returned"
	}
	return fmt.Sprintf("returned only at %v", returned)
}
