package scenarios

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// RunOptions adjust one run of a scenario.
type RunOptions struct {
	// Seed, when set, replaces the scenario's seed.
	Seed *int64
	// CheckTimeout bounds each checker; a checker that runs out reports
	// unknown. Zero means one minute.
	CheckTimeout time.Duration
	// ArtifactDir is where checkers may write files (porcupine's HTML).
	ArtifactDir string
	// SkipChecks runs the simulation only.
	SkipChecks bool
	// TraceTo, when set, receives the trace as JSON Lines while the run goes
	// on, so a run that never finishes still leaves what it did.
	TraceTo io.Writer
}

// Result is what one run produced and what the checks found.
type Result struct {
	Scenario *Scenario
	Seed     int64
	Trace    *trace.Trace
	Faults   []simnet.Fault // every fault scheduled, the nemesis's included
	Checks   []check.Result
	// ExpectationMet is true when exactly the expected checks failed, every
	// other check passed, and the simulator caught no misuse.
	ExpectationMet bool
	// Why explains an unmet expectation.
	Why       string
	Wall      time.Duration // wall-clock time of the simulation
	CheckWall time.Duration // wall-clock time of the checks
	Errors    []string      // misuses the simulator caught (strict mode)
	// Network is the default link the run used (a swarm draws its loss and
	// duplication), and Swarm describes what a swarm drew ("" without one).
	Network simnet.Link
	Swarm   string
}

// ReplayScenario is the scenario of this run with the given faults written
// out in place of the nemesis and the network the run used: what a replay
// file holds.
func (r *Result) ReplayScenario(faults []simnet.Fault) *Scenario {
	sc := r.Scenario.WithFaults(faults, r.Trace.Header.Nodes)
	sc.Network = r.Network
	return sc
}

// Prepare builds the simulation for a seed without running it, for callers
// that step it themselves (the live visualizer).
func (sc *Scenario) Prepare(seed int64) (*simnet.Sim, []simnet.Fault, error) {
	b, err := sc.build(seed)
	if err != nil {
		return nil, nil, err
	}
	return b.sim, b.faults, nil
}

// Run simulates the scenario, runs its checks and judges the expectation.
func (sc *Scenario) Run(opts RunOptions) (*Result, error) {
	seed := sc.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	b, err := sc.build(seed)
	if err != nil {
		return nil, err
	}
	sim, faults := b.sim, b.faults
	var tw *trace.Writer
	if opts.TraceTo != nil {
		if tw, err = trace.NewWriter(opts.TraceTo, sim.Trace().Header); err != nil {
			return nil, err
		}
		sim.SetStream(tw.Event)
	}
	start := time.Now()
	sim.Run(sc.Duration)
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return nil, fmt.Errorf("writing the trace: %w", err)
		}
	}
	res := &Result{Scenario: sc, Seed: seed, Trace: sim.Trace(), Faults: faults, Wall: time.Since(start), Errors: sim.Errors(),
		Network: b.network, Swarm: b.swarm}
	if !opts.SkipChecks {
		start = time.Now()
		res.Checks = sc.RunChecks(res.Trace, opts)
		res.CheckWall = time.Since(start)
	}
	res.ExpectationMet, res.Why = sc.Judge(res.Checks, res.Errors)
	return res, nil
}

// RunChecks runs the scenario's checks over a trace, each bounded in time.
// A checker that panics is reported as unknown with the panic.
func (sc *Scenario) RunChecks(tr *trace.Trace, opts RunOptions) []check.Result {
	timeout := opts.CheckTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	out := make([]check.Result, 0, len(sc.Checks))
	for _, c := range sc.Checks {
		out = append(out, runOne(c, tr, timeout, opts.ArtifactDir))
	}
	return out
}

// runOne runs one checker with a deadline. A checker that ignores its
// context is abandoned shortly after the deadline and reported unknown, so
// a run always ends.
func runOne(c CheckSpec, tr *trace.Trace, timeout time.Duration, dir string) check.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if dir != "" {
		ctx = check.WithArtifactDir(ctx, dir)
	}
	done := make(chan check.Result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- check.Result{Name: c.Name, Verdict: check.Unknown, Detail: fmt.Sprintf("checker panicked: %v", r)}
			}
		}()
		done <- c.spec.Run(ctx, tr, c.Options)
	}()
	var res check.Result
	select {
	case res = <-done:
	case <-time.After(timeout + timeout/10 + 100*time.Millisecond):
		return check.Result{Name: c.Name, Verdict: check.Unknown, Detail: fmt.Sprintf("checker did not finish within its %v bound (abandoned)", timeout)}
	}
	res.Name = c.Name
	if res.Verdict == check.Pass && ctx.Err() != nil {
		// A checker that overran its deadline cannot claim a pass.
		res.Verdict, res.Detail = check.Unknown, fmt.Sprintf("ran past its %v bound: %s", timeout, res.Detail)
	}
	return res
}

// Judge decides whether check results meet the scenario's expectation.
func (sc *Scenario) Judge(results []check.Result, simErrors []string) (bool, string) {
	var why []string
	if len(simErrors) > 0 {
		why = append(why, fmt.Sprintf("the simulator caught %d misuse(s): %s", len(simErrors), simErrors[0]))
	}
	for _, r := range results {
		want := check.Pass
		if slices.Contains(sc.Expect, r.Name) {
			want = check.Fail
		}
		if r.Verdict != want {
			why = append(why, fmt.Sprintf("%s: expected %s, got %s", r.Name, want, r.Verdict))
		}
	}
	return len(why) == 0, strings.Join(why, "; ")
}
