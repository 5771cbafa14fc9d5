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
	return check.Fold(LivenessName, func(h trace.Header, _ any) check.Observer { return newLiveness(h, o) })(ctx, tr, nil)
}

// liveness reads the operations as the run is recorded and judges them at
// the end: a fault late in the run may still excuse an earlier wait, so
// every answered operation's times are kept until the last fault is known.
// The run ends at its End event (a trace cut short without one: at the
// last event read).
type liveness struct {
	h         trace.Header
	bound     time.Duration
	lastFault time.Duration
	end       time.Duration
	pending   map[int64]openOp
	answered  []answeredOp // in the order they returned
}

type openOp struct {
	at   time.Duration
	idx  int
	node trace.NodeID
	in   any // the input, written out only if the operation is reported
}

type answeredOp struct {
	openOp
	returned time.Duration
}

func newLiveness(h trace.Header, o LivenessOptions) *liveness {
	if o.Bound <= 0 {
		o.Bound = 3 * time.Second
	}
	return &liveness{h: h, bound: o.Bound, pending: map[int64]openOp{}}
}

func (l *liveness) Kinds() trace.KindSet {
	return trace.FaultKinds | trace.KindsOf(trace.Invoke, trace.Return, trace.End)
}

func (l *liveness) Observe(e *trace.Event) {
	l.end = e.Time
	switch {
	case e.Kind == trace.Invoke:
		l.pending[e.Op] = openOp{e.Time, e.Index, e.Node, e.Data}
	case e.Kind == trace.Return:
		if p, ok := l.pending[e.Op]; ok {
			delete(l.pending, e.Op)
			l.answered = append(l.answered, answeredOp{p, e.Time})
		}
	case e.Kind.IsNetwork(), e.Kind == trace.Restart, e.Kind == trace.Crash && !contract.IsClient(l.h, e.Node):
		l.lastFault = e.Time
	}
}

func (l *liveness) Finish(ctx context.Context) check.Result {
	fail := func(e openOp, returned time.Duration) check.Result {
		r := check.Failed(LivenessName, max(e.at, l.lastFault)+l.bound, []string{l.h.NodeName(e.node)},
			fmt.Sprintf("%s's operation %s invoked at %v %s (bound: %v after the invocation or the last fault at %v)",
				l.h.NodeName(e.node), trace.Event{Data: e.in}.DataJSON(), e.at, returnedText(returned), l.bound, l.lastFault))
		r.Events = []int{e.idx}
		return r
	}
	worst := time.Duration(0)
	for i, a := range l.answered {
		if i%4096 == 0 && ctx.Err() != nil {
			return check.Unknowable(LivenessName, "out of time")
		}
		wait := a.returned - max(a.at, l.lastFault)
		worst = max(worst, wait)
		if wait > l.bound {
			return fail(a.openOp, a.returned)
		}
	}
	var late *openOp // the earliest invoked of those overdue at the end
	for _, p := range l.pending {
		if max(p.at, l.lastFault)+l.bound <= l.end && (late == nil || p.idx < late.idx) {
			late = &p
		}
	}
	if late != nil {
		return fail(*late, -1)
	}
	done := len(l.answered)
	if done == 0 {
		return check.Result{Name: LivenessName, Verdict: check.Unknown,
			Detail: fmt.Sprintf("no evidence: no client operation returned (%d still open at the end, too recent to judge)", len(l.pending))}
	}
	r := check.Passed(LivenessName, fmt.Sprintf("%d operations answered, each within %v of its invocation or the last fault (%d still open at the end, too recent to judge)",
		done, l.bound, len(l.pending)))
	r.Metrics = map[string]float64{"answered": float64(done), "open_at_end": float64(len(l.pending)), "slowest_ms": float64(worst.Microseconds()) / 1000}
	return r
}

func returnedText(returned time.Duration) string {
	if returned < 0 {
		return "never returned"
	}
	return fmt.Sprintf("returned only at %v", returned)
}
