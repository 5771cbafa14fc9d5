package scenarios

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet"
)

// Failure is what makes a run fail its expectation, in a form two runs can
// be compared by: the first check whose verdict was not the expected one,
// the verdict it got, and, for a violation, its kind (the checker's wording
// up to the first value that varies from run to run, see ViolationKind).
// A run with simulator misuses and no check mismatch fails as Check
// "simulator".
type Failure struct {
	Check   string
	Verdict check.Verdict
	Kind    string
	Detail  string        // the first violation, as the checker said it
	At      time.Duration // when it happened (violations only; 0 when unknown)
}

func (f Failure) String() string {
	if f.Verdict == check.Fail {
		return fmt.Sprintf("%s fails: %s", f.Check, f.Detail)
	}
	return fmt.Sprintf("%s: %s (%s)", f.Check, f.Verdict, f.Detail)
}

// Same reports whether g is the same failure as f: the same check, the
// same verdict and, for a violation, the same kind.
func (f Failure) Same(g Failure) bool {
	return f.Check == g.Check && f.Verdict == g.Verdict && f.Kind == g.Kind
}

// FailureOf is the failure of a run whose expectation was not met; ok is
// false for a run that met it.
func FailureOf(res *Result) (f Failure, ok bool) {
	if res.ExpectationMet {
		return Failure{}, false
	}
	for _, c := range res.Checks {
		want := check.Pass
		if slices.Contains(res.Scenario.Expect, c.Name) {
			want = check.Fail
		}
		if c.Verdict == want {
			continue
		}
		f := Failure{Check: c.Name, Verdict: c.Verdict, Detail: c.Detail}
		if c.Verdict == check.Fail {
			f.Kind, f.At = ViolationKind(c.Detail), c.At
		}
		return f, true
	}
	if len(res.Errors) > 0 {
		return Failure{Check: "simulator", Verdict: check.Fail, Kind: ViolationKind(res.Errors[0]), Detail: res.Errors[0]}, true
	}
	return Failure{Check: "expectation", Verdict: check.Unknown, Detail: res.Why}, true
}

var (
	variesRE = regexp.MustCompile(`"[^"]*"|\{[^{}]*\}|\S*\d\S*`)
	spacesRE = regexp.MustCompile(`\s+`)
)

// ViolationKind reduces a checker's description of a violation to its
// kind: every word that carries a value (a number, a duration, a node
// name, a quoted or braced value) becomes "#", and the text is cut after
// the first such value that follows three plain words. So "n0 voted twice
// in term 2: …" and "n3 voted twice in term 7: …" are one kind ("n# voted
// twice in term #"), while "no single leader known to every live server
// from 3s …" and "n2 became the leader known to all only 3.4s …" are two.
// Checkers state no violation code of their own; their wording is stable
// because tests and the labs' READMEs quote it.
func ViolationKind(detail string) string {
	norm := variesRE.ReplaceAllStringFunc(detail, func(w string) string {
		if strings.HasPrefix(w, "n") || strings.HasPrefix(w, "c") || strings.HasPrefix(w, "k") {
			if len(w) > 1 && w[1] >= '0' && w[1] <= '9' {
				return w[:1] + "#"
			}
		}
		return "#"
	})
	words := strings.Fields(spacesRE.ReplaceAllString(norm, " "))
	plain := 0
	for i, w := range words {
		if strings.Contains(w, "#") {
			if plain >= 3 {
				return strings.Join(words[:i+1], " ")
			}
			continue
		}
		plain++
	}
	return strings.Join(words, " ")
}

// Size is what shrinking makes smaller.
type Size struct {
	Faults   int
	Events   int
	Duration time.Duration
	Nodes    int
}

func sizeOf(res *Result) Size {
	return Size{Faults: len(res.Faults), Events: res.Trace.Len(), Duration: res.Scenario.Duration, Nodes: res.Scenario.Nodes}
}

// ShrinkStep is one attempt, for progress reports.
type ShrinkStep struct {
	Phase  string // "duration", "faults", "workload" or "nodes"
	Trying string // the candidate, e.g. "12 of 29 faults", "ops 45", "ends at 160ms"
	Kept   bool   // the candidate fails the same way and replaces the best so far
}

// Shrunk is the smallest failing run shrinking found.
type Shrunk struct {
	// Scenario has the faults written out (no nemesis), the network the
	// run drew, and a description that says what was shrunk.
	Scenario *Scenario
	Result   *Result
	Failure  Failure
	Before   Size
	After    Size
	// Workload lists the workload fields shrinking changed ("ops 90 → 11").
	Workload []string
	// Pinned is how many faults were kept as the run's recovery at the end.
	Pinned int
	Tries  int
}

// Summary says before → after for faults, events, duration and nodes.
func (s *Shrunk) Summary() string {
	b, a := s.Before, s.After
	out := fmt.Sprintf("faults %d → %d, events %d → %d, duration %v → %v, nodes %d → %d", b.Faults, a.Faults, b.Events, a.Events, b.Duration, a.Duration, b.Nodes, a.Nodes)
	if len(s.Workload) > 0 {
		out += ", workload " + strings.Join(s.Workload, ", ")
	}
	return out
}

// cutSlack are the ends tried after the violation, shortest first.
var cutSlack = []time.Duration{time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond,
	500 * time.Millisecond, 2 * time.Second, 5 * time.Second}

// Shrink looks for a smaller run that fails the same way as failed (the
// same check, the same verdict, the same kind of violation; see Failure).
// In order it
//
//  1. cuts the run shortly after the violation (and drops the faults
//     scheduled after the new end);
//  2. removes faults, in chunks and then one by one (delta debugging); for
//     a liveness check (one whose name says "liveness") never the run's
//     recovery at the end — the heals, rejoins and restarts after the last
//     disruptive fault — and no candidate that leaves a partition unhealed
//     or a node down when the failing run did not: such a run fails a
//     liveness check trivially and says nothing about the bug;
//  3. halves each workload field tagged `shrink:"halve"` while it fails;
//  4. cuts the run again (the violation may now come earlier);
//  5. removes servers from the end (n4, then n3, …) while the algorithm
//     accepts the smaller cluster and the run fails the same way.
//
// Every candidate is replayed with the failing seed; a candidate the
// algorithm rejects (a build error) simply does not count.
func (sc *Scenario) Shrink(failed *Result, step func(ShrinkStep)) (*Shrunk, error) {
	target, ok := FailureOf(failed)
	if !ok {
		return nil, fmt.Errorf("seed %d meets the expectation: nothing to shrink", failed.Seed)
	}
	seed := failed.Seed
	out := &Shrunk{Failure: target, Before: sizeOf(failed)}
	best := failed.ReplayScenario(failed.Faults)
	bestRes := failed
	// A liveness check judges what happens after the faults end: a
	// candidate that never heals fails it trivially. For one, the run's
	// recovery (pins, parallel to best.Faults) is never removed, and a
	// candidate must end as recovered as the failing run did.
	liveness := strings.Contains(target.Check, "liveness")
	pins := make([]bool, len(best.Faults))
	mustRecover := false
	if liveness {
		pins = recoveryTail(best.Faults)
		mustRecover = recoveredAtEnd(best.Faults)
	}
	for _, p := range pins {
		if p {
			out.Pinned++
		}
	}

	// try runs a candidate (its faults' pins given) and keeps it when it
	// fails the same way.
	try := func(cand *Scenario, candPins []bool, phase, what string) bool {
		if mustRecover && !recoveredAtEnd(cand.Faults) {
			return false // not even run: it would fail for want of a heal
		}
		out.Tries++
		res, err := cand.Run(RunOptions{Seed: &seed, CheckTimeout: 20 * time.Second})
		kept := false
		if err == nil {
			if f, failing := FailureOf(res); failing && f.Same(target) {
				kept = true
				best, bestRes, pins, out.Failure = cand, res, candPins, f
			}
		}
		if step != nil {
			step(ShrinkStep{Phase: phase, Trying: what, Kept: kept})
		}
		return kept
	}

	cut := func() {
		f, _ := FailureOf(bestRes)
		if f.Verdict != check.Fail || f.At <= 0 {
			return // an absent violation, or one without a time: the whole run is needed
		}
		for _, slack := range cutSlack {
			end := f.At + slack
			if end >= best.Duration {
				return
			}
			cand, kept := best.withFaults(func(f FaultSpec) (FaultSpec, bool) { return f, f.At <= end })
			cand.Duration = end
			if try(cand, pick(pins, kept), "duration", fmt.Sprintf("ends at %v", end)) {
				return
			}
		}
	}

	cut()

	// Delta debugging over the faults that are not the recovery tail:
	// chunks of half, a quarter, … down to single faults, repeated until a
	// whole round removes nothing (removing one fault can make another
	// removable).
	for {
		before := len(best.Faults)
		for chunk := max(len(best.Faults)/2, 1); chunk >= 1; chunk /= 2 {
			for start := 0; ; {
				var free []int
				for i, p := range pins {
					if !p {
						free = append(free, i)
					}
				}
				if start >= len(free) {
					break
				}
				end := min(start+chunk, len(free))
				drop := map[int]bool{}
				for _, i := range free[start:end] {
					drop[i] = true
				}
				i := -1
				cand, kept := best.withFaults(func(f FaultSpec) (FaultSpec, bool) { i++; return f, !drop[i] })
				if !try(cand, pick(pins, kept), "faults", fmt.Sprintf("%d of %d faults", len(cand.Faults), len(best.Faults))) {
					start = end // on success the same start now holds the next chunk
				}
			}
		}
		if len(best.Faults) == before {
			break
		}
	}

	if best.Workload != nil {
		wt := reflect.TypeOf(best.Workload).Elem()
		for i := 0; i < wt.NumField(); i++ {
			f := wt.Field(i)
			if f.Tag.Get("shrink") != "halve" || f.Type.Kind() != reflect.Int {
				continue
			}
			name := yamlFieldName(f)
			from := reflect.ValueOf(best.Workload).Elem().Field(i).Int()
			for {
				cur := reflect.ValueOf(best.Workload).Elem().Field(i).Int()
				if cur <= 1 {
					break
				}
				w := reflect.New(wt)
				w.Elem().Set(reflect.ValueOf(best.Workload).Elem())
				w.Elem().Field(i).SetInt(cur / 2)
				cand := best.clone()
				cand.Workload = w.Interface()
				if !try(cand, pins, "workload", fmt.Sprintf("%s %d", name, cur/2)) {
					break
				}
			}
			if to := reflect.ValueOf(best.Workload).Elem().Field(i).Int(); to != from {
				out.Workload = append(out.Workload, fmt.Sprintf("%s %d → %d", name, from, to))
			}
		}
	}

	cut()

	for {
		last := lastServer(bestRes)
		if last == "" {
			break
		}
		cand, kept := best.withoutNode(last)
		if !try(cand, pick(pins, kept), "nodes", fmt.Sprintf("%d nodes (without %s)", cand.Nodes, last)) {
			break
		}
	}

	out.Scenario, out.Result, out.After = best, bestRes, sizeOf(bestRes)
	best.Description = fmt.Sprintf("Shrunk by distlab explore from seed %d of %s (%s).\nIt fails the same way: %s\nShrinking: %s.",
		seed, sc.Path, sc.Name, out.Failure, out.Summary())
	if out.Pinned > 0 {
		best.Description += fmt.Sprintf("\nThe recovery at the end (%d heal, rejoin or restart faults after the last disruption) was kept.", out.Pinned)
	}
	return out, nil
}

// pick returns the pins of the kept faults.
func pick(pins []bool, kept []int) []bool {
	out := make([]bool, len(kept))
	for i, k := range kept {
		out[i] = pins[k]
	}
	return out
}

// recoveredAtEnd reports whether the faults leave the network healed and
// every node running.
func recoveredAtEnd(faults []FaultSpec) bool {
	sorted := slices.Clone(faults)
	slices.SortStableFunc(sorted, func(a, b FaultSpec) int { return cmpDuration(a.At, b.At) })
	split := false
	isolated, crashed := map[string]bool{}, map[string]bool{}
	for _, f := range sorted {
		switch f.Kind {
		case simnet.FaultPartition, simnet.FaultCut:
			split = true
		case simnet.FaultIsolate:
			isolated[f.Node] = true
		case simnet.FaultRejoin:
			delete(isolated, f.Node)
		case simnet.FaultHeal:
			split = false
			clear(isolated)
		case simnet.FaultCrash:
			crashed[f.Node] = true
		case simnet.FaultRestart:
			delete(crashed, f.Node)
		}
	}
	return !split && len(isolated) == 0 && len(crashed) == 0
}

func cmpDuration(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// recoveryTail marks the heals, rejoins and restarts that come after the
// last disruptive fault: the run's recovery, which shrinking keeps.
func recoveryTail(faults []FaultSpec) []bool {
	var last time.Duration = -1
	for _, f := range faults {
		switch f.Kind {
		case simnet.FaultPartition, simnet.FaultIsolate, simnet.FaultCut, simnet.FaultCrash:
			last = max(last, f.At)
		}
	}
	tail := make([]bool, len(faults))
	for i, f := range faults {
		switch f.Kind {
		case simnet.FaultHeal, simnet.FaultRejoin, simnet.FaultRestart:
			tail[i] = last >= 0 && f.At >= last
		}
	}
	return tail
}

// clone copies the scenario deeply enough for shrinking to change its
// faults, duration, nodes and workload.
func (sc *Scenario) clone() *Scenario {
	cp := *sc
	cp.Faults = slices.Clone(sc.Faults)
	cp.Links = slices.Clone(sc.Links)
	cp.Clocks = slices.Clone(sc.Clocks)
	return &cp
}

// withFaults copies the scenario with each fault mapped by keep (dropped
// when it says false), and the positions of the faults it kept.
func (sc *Scenario) withFaults(keep func(f FaultSpec) (FaultSpec, bool)) (*Scenario, []int) {
	cp := sc.clone()
	cp.Faults = cp.Faults[:0:0]
	var kept []int
	for i, f := range sc.Faults {
		if g, ok := keep(f); ok {
			cp.Faults = append(cp.Faults, g)
			kept = append(kept, i)
		}
	}
	return cp, kept
}

// withoutNode removes the server named name (the last one): every fault,
// link and clock that names it goes, and it leaves every partition group
// (a partition left with one group goes too).
func (sc *Scenario) withoutNode(name string) (*Scenario, []int) {
	cp, kept := sc.withFaults(func(f FaultSpec) (FaultSpec, bool) {
		if f.Node == name || f.From == name || f.To == name {
			return f, false
		}
		if f.Kind == simnet.FaultPartition {
			var groups [][]string
			for _, g := range f.Groups {
				g = slices.DeleteFunc(slices.Clone(g), func(n string) bool { return n == name })
				if len(g) > 0 {
					groups = append(groups, g)
				}
			}
			f.Groups = groups
			return f, len(groups) >= 2
		}
		return f, true
	})
	cp.Nodes--
	cp.Links = slices.DeleteFunc(cp.Links, func(l LinkSpec) bool { return l.From == name || l.To == name })
	cp.Clocks = slices.DeleteFunc(cp.Clocks, func(c ClockSpec) bool { return c.Node == name })
	return cp, kept
}

// lastServer is the name of the run's last server, "" when it has one
// server or none.
func lastServer(res *Result) string {
	h := res.Trace.Header
	last, servers := "", 0
	for i, g := range h.Groups {
		if g == contract.ServerGroup {
			last = h.Nodes[i]
			servers++
		}
	}
	if servers < 2 {
		return ""
	}
	return last
}
