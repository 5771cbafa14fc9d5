package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"distlab/algorithms"
	"distlab/algorithms/algo"
	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// CheckSpec is one check to run, with its options struct.
type CheckSpec struct {
	Name    string
	Options any
	spec    check.Spec
}

// noPanic runs with every scenario and every trace check: a panic is a
// crash nobody scheduled, and it must never pass unseen.
const noPanic = "no-panic"

// checkFits reports a check that reads another family's contract than the
// ones the algorithm speaks, naming both.
func checkFits(alg algo.Spec, c check.Spec) error {
	if c.Contract == nil || alg.SpeaksContract(c.Contract) {
		return nil
	}
	return fmt.Errorf("check %s reads the %s family's contract, but algorithm %s (family %s) speaks %s: it would find nothing to check",
		c.Name, c.Contract.Name, alg.Name, alg.Family, strings.Join(alg.Speaks(), " and "))
}

// newCheck resolves a check by name with its default options.
func newCheck(name string) (CheckSpec, error) {
	spec, err := checkers.Lookup(name)
	if err != nil {
		return CheckSpec{}, err
	}
	cs := CheckSpec{Name: name, spec: spec}
	if spec.Options != nil {
		cs.Options = spec.Options()
	}
	return cs, nil
}

// withNoPanic appends no-panic unless it is there.
func withNoPanic(checks []CheckSpec) []CheckSpec {
	if slices.ContainsFunc(checks, func(c CheckSpec) bool { return c.Name == noPanic }) {
		return checks
	}
	if cs, err := newCheck(noPanic); err == nil {
		checks = append(checks, cs)
	}
	return checks
}

// headerChecks records the checks and their options for the trace header.
func headerChecks(checks []CheckSpec) []trace.HeaderCheck {
	out := make([]trace.HeaderCheck, 0, len(checks))
	for _, c := range checks {
		h := trace.HeaderCheck{Name: c.Name}
		if c.Options != nil {
			if b, err := json.Marshal(c.Options); err == nil {
				h.Options = b
			}
		}
		out = append(out, h)
	}
	return out
}

// TraceChecks plans the checks for a trace the way its run planned them:
// the named checks (their options from the header when the run used them,
// defaults otherwise), or else the checks the header records, or else the
// algorithm's defaults; no-panic always. A check of another family than
// the trace's algorithm is an error naming both. It also returns the
// checks the run expected to fail.
func TraceChecks(tr *trace.Trace, names []string) ([]CheckSpec, []string, error) {
	h := tr.Header
	alg, algErr := algorithms.Lookup(h.Algorithm)
	recorded := map[string]json.RawMessage{}
	for _, c := range h.Checks {
		recorded[c.Name] = c.Options
	}
	expect := h.Expect
	if len(names) == 0 {
		for _, c := range h.Checks {
			names = append(names, c.Name)
		}
	} else {
		// A chosen set of checks: the run's expectation still holds for
		// those of them it named.
		expect = slices.DeleteFunc(slices.Clone(expect), func(n string) bool { return !slices.Contains(names, n) })
	}
	if len(names) == 0 {
		if algErr != nil {
			return nil, nil, fmt.Errorf("the trace names no checks and no known algorithm (%v): pass --check", algErr)
		}
		names = alg.Checks
	}
	var out []CheckSpec
	for _, name := range names {
		cs, err := newCheck(name)
		if err != nil {
			return nil, nil, err
		}
		if algErr == nil {
			if err := checkFits(alg, cs.spec); err != nil {
				return nil, nil, err
			}
		}
		if raw := recorded[name]; len(raw) > 0 && cs.Options != nil {
			if err := json.Unmarshal(raw, cs.Options); err != nil {
				return nil, nil, fmt.Errorf("the trace header's options for %s: %w", name, err)
			}
		}
		out = append(out, cs)
	}
	return withNoPanic(out), expect, nil
}

// RunChecks runs the scenario's checks over a trace.
func (sc *Scenario) RunChecks(tr *trace.Trace, opts RunOptions) []check.Result {
	return RunChecks(tr, sc.Checks, opts)
}

// RunChecks runs checks over a trace, each bounded in time, through
// checkers.Run (no evidence, no pass; a panicking or runaway checker is
// unknown).
func RunChecks(tr *trace.Trace, checks []CheckSpec, opts RunOptions) []check.Result {
	return runChecks(tr, checks, opts, nil)
}

// runChecks is RunChecks with the session that watched the run, if any:
// the checks it watched are finished rather than run over the trace.
func runChecks(tr *trace.Trace, checks []CheckSpec, opts RunOptions, session *checkers.Session) []check.Result {
	out := make([]check.Result, 0, len(checks))
	for _, c := range checks {
		out = append(out, checkers.Run(c.spec, tr, c.Options,
			checkers.RunConfig{Timeout: opts.CheckTimeout, ArtifactDir: opts.ArtifactDir, Session: session}))
	}
	return out
}

// Judge decides whether check results meet the scenario's expectation.
func (sc *Scenario) Judge(results []check.Result, simErrors []string) (bool, string) {
	return Judge(sc.Expect, results, simErrors)
}

// Judge decides whether check results meet an expectation: exactly the
// expected checks fail, every other check passes (unknown is neither), and
// the simulator caught no misuse.
func Judge(expect []string, results []check.Result, simErrors []string) (bool, string) {
	var why []string
	if len(simErrors) > 0 {
		why = append(why, fmt.Sprintf("the simulator caught %d misuse(s): %s", len(simErrors), simErrors[0]))
	}
	for _, r := range results {
		want := check.Pass
		if slices.Contains(expect, r.Name) {
			want = check.Fail
		}
		if r.Verdict != want {
			why = append(why, fmt.Sprintf("%s: expected %s, got %s", r.Name, want, r.Verdict))
		}
	}
	return len(why) == 0, strings.Join(why, "; ")
}

// ExpectText describes an expectation in words.
func ExpectText(expect []string) string {
	if len(expect) == 0 {
		return "every check passes"
	}
	return "violation of " + strings.Join(expect, ", ") + " (other checks pass)"
}
