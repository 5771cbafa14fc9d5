package scenarios

import (
	"fmt"
	"io"
	"time"

	"distlab/checkers"
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
	// KeepEvents bounds the events the trace keeps in memory: past it,
	// older events go to a temporary file in SpillDir ("" for the
	// system's) and are read back by the checks that read the whole trace
	// (the incremental ones judge the run as it is recorded and never read
	// it back). Zero means DefaultKeepEvents; negative keeps every event in
	// memory.
	KeepEvents int
	SpillDir   string
	// Thin records only the events the checks read (their kinds, and of
	// the messages the types they name), when every check judges the run
	// as it is recorded and no trace is written (TraceTo): a run kept for
	// its verdict alone, such as an exploration's. The nodes run the same;
	// Result.Thin says the trace lacks the rest (states, timers, logs,
	// other messages…), and a failing seed is worth running again without
	// it for its report.
	Thin bool
}

// DefaultKeepEvents is how many events a run keeps in memory before the
// older ones spill to a file: about 10 MB of trace, far more than a lab
// scenario records, so only long runs spill.
const DefaultKeepEvents = 1 << 16

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
	// Thin is true when the trace holds only the events the checks read
	// (RunOptions.Thin).
	Thin bool
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
	keep := opts.KeepEvents
	if keep == 0 {
		keep = DefaultKeepEvents
	}
	if keep > 0 {
		if err := sim.Spill(opts.SpillDir, keep); err != nil {
			return nil, err
		}
	}
	// The checks that can judge the run as it is recorded follow the
	// trace (reading its events before they spill); the trace goes to the
	// file, if any, as it is recorded.
	var session *checkers.Session
	allWatched := true
	if !opts.SkipChecks {
		session = checkers.NewSession(sim.Trace().Header)
		for _, c := range sc.Checks {
			allWatched = session.Watch(c.spec, c.Options) && allWatched
		}
	}
	thin := opts.Thin && allWatched && session.Watching() && opts.TraceTo == nil
	if thin {
		sim.RecordOnly(session.Selection())
	}
	var tw *trace.Writer
	if opts.TraceTo != nil {
		if tw, err = trace.NewWriter(opts.TraceTo, sim.Trace().Header); err != nil {
			return nil, err
		}
	}
	if session.Watching() {
		session.Follow(sim.Trace())
	}
	if tw != nil {
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
		Network: b.network, Swarm: b.swarm, Thin: thin}
	if !opts.SkipChecks {
		start = time.Now()
		res.Checks = runChecks(res.Trace, sc.Checks, opts, session)
		res.CheckWall = time.Since(start)
	}
	res.ExpectationMet, res.Why = sc.Judge(res.Checks, res.Errors)
	return res, nil
}
