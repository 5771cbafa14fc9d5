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
	return []check.Spec{{Name: "no-panic", Summary: "no node's code panicked (a panic is reported as that node's crash)", Run: NoPanic}}
}

// NoPanic fails at the first crash caused by a panic in node code.
func NoPanic(_ context.Context, tr *trace.Trace, _ any) check.Result {
	for _, e := range tr.All() {
		if e.Kind == trace.Crash && e.Stack != "" {
			r := check.Failed("no-panic", e.Time, []string{tr.NodeName(e.Node)},
				fmt.Sprintf("%s crashed at %v: %s (first frame of node code: %s)", tr.NodeName(e.Node), e.Time, e.Value, firstFrame(e.Stack)))
			r.Events = []int{e.Index}
			return r
		}
	}
	started := false
	for _, e := range tr.All() {
		if e.Kind == trace.Start {
			started = true
			break
		}
	}
	if !started {
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
