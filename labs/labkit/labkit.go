// Package labkit is what graded lab tests are made of: points, scenario
// runs whose expectation must hold, and parallel seed sweeps that, on the
// first failing seed, print it, write a replay scenario and the commands
// that rerun and show it.
//
//	func TestSafety(t *testing.T) {
//		labkit.Points(t, 20)
//		sc := labkit.Load(t, "../../scenarios/mutex/ra-nemesis.yaml")
//		labkit.Sweep(t, sc, labkit.Seeds(1000))
//	}
//
// `distlab grade` reads the points from the test output.
package labkit

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet"
)

// Lab tests spend most of their time simulating; see simnet.TuneGC.
func init() { simnet.TuneGC() }

// PointsPrefix starts the log line that declares a test's points.
const PointsPrefix = "distlab-points:"

// Points declares what the test is worth. Call it first.
func Points(t testing.TB, n int) {
	t.Helper()
	t.Logf("%s %d", PointsPrefix, n)
}

// Seeds is how many random seeds a sweep runs: def, or DISTLAB_SEEDS when set
// (to run thousands before a submission, or a handful while debugging).
// Under -short (the race-detector pass in CI) it is a tenth of def.
func Seeds(def int) int {
	if v := os.Getenv("DISTLAB_SEEDS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	if testing.Short() {
		return max(def/10, 10)
	}
	return def
}

// Load reads a scenario file or fails the test.
func Load(t testing.TB, path string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatalf("loading scenario: %v", err)
	}
	return sc
}

// Expect runs the scenario with its own seed and fails the test unless its
// expectation is met.
func Expect(t testing.TB, sc *scenarios.Scenario) *scenarios.Result {
	t.Helper()
	res, err := runSeed(sc, sc.Seed, failureDir(t))
	if err != nil {
		t.Fatalf("running %s: %v", sc.Path, err)
	}
	if !res.ExpectationMet {
		t.Fatal(failureReport(t, res))
	}
	return res
}

// Sweep runs the scenario with seeds 1..n in parallel; each run must meet
// the scenario's expectation. It reports the lowest failing seed, so a
// failure is reproducible however the work was scheduled.
func Sweep(t testing.TB, sc *scenarios.Scenario, n int) {
	t.Helper()
	var mu sync.Mutex
	var failed *scenarios.Result
	dir := failureDir(t)
	SweepFunc(t, n, func(seed int64) error {
		res, err := runSeed(sc, seed, dir)
		if err != nil {
			return err
		}
		if res.ExpectationMet {
			return nil
		}
		mu.Lock()
		if failed == nil || seed < failed.Seed {
			failed = res
		}
		mu.Unlock()
		return fmt.Errorf("expectation not met: %s", res.Why)
	}, func(seed int64) string {
		mu.Lock()
		defer mu.Unlock()
		if failed != nil && failed.Seed == seed {
			return failureReport(t, failed)
		}
		return ""
	})
}

// SweepFunc runs fn for seeds 1..n on every core, logging progress, and
// fails the test with the lowest failing seed. An optional report function
// adds detail for that seed.
func SweepFunc(t testing.TB, n int, fn func(seed int64) error, report ...func(seed int64) string) {
	t.Helper()
	start := time.Now()
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex
		minFail  = int64(n + 1)
		firstErr error
	)
	step := max(int64(n)/4, 1)
	var g errgroup.Group
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		g.Go(func() error {
			for {
				seed := next.Add(1)
				mu.Lock()
				stop := seed > minFail || seed > int64(n)
				mu.Unlock()
				if stop {
					return nil
				}
				err := safeRun(fn, seed)
				if err != nil {
					mu.Lock()
					if seed < minFail {
						minFail, firstErr = seed, err
					}
					mu.Unlock()
				}
				if d := done.Add(1); d%step == 0 && d < int64(n) {
					t.Logf("progress: %d/%d seeds (%.0f seeds/s)", d, n, float64(d)/time.Since(start).Seconds())
				}
			}
		})
	}
	_ = g.Wait()
	if firstErr != nil {
		msg := fmt.Sprintf("seed %d failed: %v", minFail, firstErr)
		for _, r := range report {
			if extra := r(minFail); extra != "" {
				msg = extra
			}
		}
		t.Fatalf("%s\n(seeds 1..%d; rerun one with DISTLAB_SEEDS or the replay file)", msg, n)
	}
	el := time.Since(start)
	t.Logf("%d seeds passed in %v (%.0f seeds/s)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
}

// safeRun turns a panic in a run (a simulator or checker bug) into an error
// for that seed.
func safeRun(fn func(int64) error, seed int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(seed)
}

func runSeed(sc *scenarios.Scenario, seed int64, artifacts string) (*scenarios.Result, error) {
	return sc.Run(scenarios.RunOptions{Seed: &seed, ArtifactDir: artifacts, CheckTimeout: 20 * time.Second})
}

// failureDir is where replay files go: ./failures beside the test.
func failureDir(t testing.TB) string {
	dir, err := filepath.Abs("failures")
	if err != nil {
		return ""
	}
	return dir
}

// failureReport writes the replay file and explains the failure, with the
// commands that rerun and show it.
func failureReport(t testing.TB, res *scenarios.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s with seed %d: expectation not met (%s)\n", res.Scenario.Name, res.Seed, res.Why)
	for _, c := range res.Checks {
		if c.Verdict != check.Pass {
			fmt.Fprintf(&b, "  %s: %s — %s\n", c.Name, c.Verdict, c.Detail)
			for _, a := range c.Artifacts {
				fmt.Fprintf(&b, "    see %s\n", relToRepo(a))
			}
		}
	}
	dir := failureDir(t)
	name := fmt.Sprintf("%s-seed%d.yaml", sanitize(t.Name()), res.Seed)
	comment := fmt.Sprintf("Replay of a failing run of %s (test %s, seed %d).\nFaults are listed as the run drew them; rerun it exactly with distlab run.\n%s", res.Scenario.Path, t.Name(), res.Seed, res.Why)
	data, err := res.ReplayScenario(res.Faults).Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, comment)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(&b, "  (could not write the replay file: %v)\n", err)
		return b.String()
	}
	rel := relToRepo(filepath.Join(dir, name))
	fmt.Fprintf(&b, "replay file: %s\n  rerun:  go run ./cmd/distlab run %s\n  watch:  go run ./cmd/distlab tui %s\n", rel, rel, rel)
	return b.String()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// relToRepo makes a path relative to the repository root (where go.mod
// is), since the commands printed are run from there.
func relToRepo(path string) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return path
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, path); err == nil {
				return rel
			}
			return path
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return path
		}
		dir = parent
	}
}
