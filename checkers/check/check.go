// Package check is the contract every checker implements: it reads a trace
// and returns a Result. It imports only the trace, so checkers stay on the
// reading side of the one-way flow.
//
// A check that can judge a run event by event (an Observer: Observe each
// event, then Finish) sets Spec.Observe as well, and its Run is Fold of it:
// then a long run is judged as it is recorded and its trace need not stay
// in memory (checkers.Session).
package check

import (
	"context"
	"fmt"
	"time"

	"distlab/contract"
	"distlab/simnet/trace"
)

// Verdict is a checker's answer.
type Verdict string

// The three verdicts. Unknown is honest: the checker ran out of time or the
// trace does not say enough; it is never reported as Pass.
const (
	Pass    Verdict = "pass"
	Fail    Verdict = "fail"
	Unknown Verdict = "unknown"
)

// Result is what a checker found.
type Result struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	// Detail explains the verdict in one or two sentences: for a failure,
	// the first violation (what, where, when).
	Detail string `json:"detail"`
	// At is the virtual time of the first violation (failures only).
	At time.Duration `json:"at_ns,omitempty"`
	// Nodes names the nodes involved in the first violation.
	Nodes []string `json:"nodes,omitempty"`
	// Events are trace indexes of the violation, for the visualizer to jump to.
	Events []int `json:"events,omitempty"`
	// Metrics are measurements the checker made (messages per entry…).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Artifacts are files the checker wrote (e.g. porcupine's HTML).
	Artifacts []string `json:"artifacts,omitempty"`
}

// Spec describes one checker.
type Spec struct {
	Name    string // what scenario files write under "checks:"
	Summary string // one line for `distlab list`
	// Contract is the family contract whose marks the check reads; nil for
	// a check of any run (no-panic). A scenario may only ask for it when
	// its algorithm speaks that contract, and a trace with none of the
	// contract's evidence gets unknown, never pass.
	Contract *contract.Contract
	// Options returns a pointer to the checker's options with defaults; a
	// scenario's check entry is decoded into it. Nil when it has none.
	Options func() any
	// Run checks a trace. It must honour ctx's deadline by returning
	// Unknown, never Pass, when it runs out of time.
	Run func(ctx context.Context, tr *trace.Trace, opts any) Result
	// Observe, when set, makes the check incremental: it returns a fresh
	// Observer for a run with this header and these options, which judges
	// the run event by event as it is recorded, so that it never needs the
	// whole trace (see checkers.Session). Such a check's Run is Fold of
	// the same Observe, so both ways give one verdict.
	Observe func(h trace.Header, opts any) Observer
}

// Observer is an incremental check: it sees every event of a run once, in
// order, and keeps only what it needs to judge.
type Observer interface {
	// Observe takes the next event. The event is only lent: it may be
	// reused once Observe returns. Observe must be quick (a few map
	// operations); the verdict's work belongs in Finish.
	Observe(e *trace.Event)
	// Finish judges the run once every event was observed. It must honour
	// ctx's deadline by returning Unknown, never Pass, when it runs out of
	// time.
	Finish(ctx context.Context) Result
}

// KindFilter is an Observer that looks at some kinds of event only: it is
// handed only those (the others are not even read from the trace).
type KindFilter interface {
	Kinds() trace.KindSet
}

// MessageFilter is a KindFilter that reads some messages only: for a
// message kind it looks at (trace.MessageKinds), Messages names the types
// of the messages it reads, or is nil for every message of that kind. It
// must ignore the events of other messages: a run judged by its checks
// alone does not even record them.
type MessageFilter interface {
	KindFilter
	Messages(k trace.Kind) []string
}

// Wanted is the set of kinds an observer looks at (every kind unless it is
// a KindFilter).
func Wanted(o Observer) trace.KindSet {
	if f, ok := o.(KindFilter); ok {
		return f.Kinds()
	}
	return ^trace.KindSet(0)
}

// Fold is the Run of an incremental check named name: it observes a
// whole trace, in order, and finishes.
func Fold(name string, observe func(h trace.Header, opts any) Observer) func(ctx context.Context, tr *trace.Trace, opts any) Result {
	return func(ctx context.Context, tr *trace.Trace, opts any) Result {
		o := observe(tr.Header, opts)
		wanted := Wanted(o)
		var e trace.Event // one event lent again and again
		seen := 0
		for i := range tr.Scan(wanted, 0, tr.Len()) {
			if seen&1023 == 0 && ctx.Err() != nil {
				return Unknowable(name, fmt.Sprintf("out of time after %d of %d events", i, tr.Len()))
			}
			seen++
			tr.Fill(i, &e)
			o.Observe(&e)
		}
		return o.Finish(ctx)
	}
}

// Reads names the contract the check reads, "any" for a check of any run.
func (s Spec) Reads() string {
	if s.Contract == nil {
		return "any"
	}
	return s.Contract.Name
}

// Passed builds a passing result.
func Passed(name, detail string) Result { return Result{Name: name, Verdict: Pass, Detail: detail} }

// Failed builds a failing result with the first violation's time and nodes.
func Failed(name string, at time.Duration, nodes []string, detail string) Result {
	return Result{Name: name, Verdict: Fail, Detail: detail, At: at, Nodes: nodes}
}

// Unknowable builds an unknown result: the checker could not decide (out of
// time, or the trace does not hold what it looks for).
func Unknowable(name, detail string) Result {
	return Result{Name: name, Verdict: Unknown, Detail: detail}
}

type artifactDirKey struct{}

// WithArtifactDir tells checkers where to write files (such as porcupine's
// HTML visualization) for the person reading the summary.
func WithArtifactDir(ctx context.Context, dir string) context.Context {
	return context.WithValue(ctx, artifactDirKey{}, dir)
}

// ArtifactDir is where a checker should write files; "" means write none.
func ArtifactDir(ctx context.Context) string {
	dir, _ := ctx.Value(artifactDirKey{}).(string)
	return dir
}
