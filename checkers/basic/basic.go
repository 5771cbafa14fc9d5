// Package basic holds checks that apply to every algorithm.
package basic

import (
	"context"
	"fmt"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// Specs registers the basic checks.
func Specs() []check.Spec {
	return []check.Spec{{Name: "no-panic", Summary: "no node's code panicked (a panic is reported as that node's crash)",
		Run: NoPanic, Observe: observeNoPanic}}
}

// NoPanic fails at the first crash caused by a panic in node code.
var NoPanic = check.Fold("no-panic", observeNoPanic)

// noPanic keeps the first panic and whether any node started.
type noPanic struct {
	h       trace.Header
	started bool
	first   *check.Result
}

func observeNoPanic(h trace.Header, _ any) check.Observer { return &noPanic{h: h} }

// Kinds: a panic is a crash; a start shows that code ran.
func (o *noPanic) Kinds() trace.KindSet { return trace.KindsOf(trace.Start, trace.Crash) }

func (o *noPanic) Observe(e *trace.Event) {
	switch {
	case e.Kind == trace.Start:
		o.started = true
	case e.Kind == trace.Crash && e.Stack != "" && o.first == nil:
		name := o.h.NodeName(e.Node)
		r := check.Failed("no-panic", e.Time, []string{name},
			fmt.Sprintf("%s crashed at %v: %s (first frame of node code: %s)", name, e.Time, e.Value, firstFrame(e.Stack)))
		r.Events = []int{e.Index}
		o.first = &r
	}
}

func (o *noPanic) Finish(context.Context) check.Result {
	switch {
	case o.first != nil:
		return *o.first
	case !o.started:
		return check.Unknowable("no-panic", "no node ever started: no code ran that could have panicked")
	}
	return check.Passed("no-panic", "no node panicked")
}

// firstFrame picks the first stack line outside the runtime and simnet, to
// point at the student's code.
func firstFrame(stack string) string {
	lines := strings.Split(stack, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "/") || strings.Contains(l, ".go:") {
			if strings.Contains(l, "/runtime/") || strings.Contains(l, "/simnet/") {
				continue
			}
			if i > 0 {
				return strings.TrimSpace(lines[i-1]) + " at " + l
			}
			return l
		}
	}
	return "unknown"
}
