// Package labkit is what graded lab tests are made of: points, scenario
// runs whose expectation must hold, and parallel seed sweeps that, on the
// lowest failing seed, print it, write a replay scenario (to a temporary
// folder, never the source tree) and the commands that rerun it, show it,
// and rerun the test with that seed alone.
//
//	func TestSafety(t *testing.T) {
//		labkit.Points(t, 20)
//		sc := labkit.Load(t, "../../scenarios/mutex/ra-nemesis.yaml")
//		labkit.Sweep(t, sc, labkit.Seeds(1000))
//	}
//
// `distlab grade` reads the points from the test output. A lab's README
// declares in its front matter (see Lab) the lab's place in the course,
// its solution folders, and which tests need more than their own part; a
// failing test says so. DISTLAB_SEEDS sets how many seeds sweeps run,
// DISTLAB_SEED runs one seed, DISTLAB_ARTIFACTS chooses where failures go.
package labkit

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
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

// Lab tests spend most of their time simulating; see simnet.TuneGC. A
// test binary with a malformed DISTLAB_SEEDS or DISTLAB_SEED stops before
// any test runs, rather than run a number of seeds nobody asked for.
func init() {
	simnet.TuneGC()
	if testing.Testing() {
		if err := CheckEnv(); err != nil {
			fmt.Fprintln(os.Stderr, "labkit:", err)
			os.Exit(2)
		}
	}
}

// The environment variables the lab tests read.
const (
	// SeedsEnv sets how many seeds every sweep runs.
	SeedsEnv = "DISTLAB_SEEDS"
	// SeedEnv makes every sweep run that one seed only.
	SeedEnv = "DISTLAB_SEED"
	// ArtifactsEnv is the folder for replay files and checker artifacts of
	// failing runs (default: a new folder in the temp dir, printed).
	ArtifactsEnv = "DISTLAB_ARTIFACTS"
	// CommandEnv is how to call distlab in the commands a failure prints
	// (default "go run ./cmd/distlab"); distlab grade sets it to however it
	// was called itself.
	CommandEnv = "DISTLAB_CMD"
)

// CheckEnv reports a malformed DISTLAB_SEEDS or DISTLAB_SEED.
func CheckEnv() error {
	if v, ok := os.LookupEnv(SeedsEnv); ok {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("%s=%q: it must be a number of seeds, at least 1 (e.g. %s=5000)", SeedsEnv, v, SeedsEnv)
		}
	}
	if v, ok := os.LookupEnv(SeedEnv); ok {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("%s=%q: it must be one seed, a whole number (e.g. %s=75)", SeedEnv, v, SeedEnv)
		}
	}
	return nil
}

// Command is how the commands a failure prints call distlab: whatever
// distlab grade was called as, else "go run ./cmd/distlab" (from the
// repository root).
func Command() string {
	if v := os.Getenv(CommandEnv); v != "" {
		return v
	}
	return "go run ./cmd/distlab"
}

// PointsPrefix starts the log line that declares a test's points.
const PointsPrefix = "distlab-points:"

// Points declares what the test is worth. Call it first. When the test
// fails and the lab's front matter says it needs another part (of this lab
// or another), the failure says so.
func Points(t testing.TB, n int) {
	t.Helper()
	t.Logf("%s %d", PointsPrefix, n)
	name := topName(t)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		lab, _ := thisLab()
		if lab == nil {
			return
		}
		for _, need := range lab.NeedsOf(name) {
			t.Logf("NOTE: %s", need.Explain(lab.Name))
		}
	})
}

// Seeds is how many random seeds a sweep runs: def, or DISTLAB_SEEDS when set
// (to run thousands before a submission, or a handful while debugging).
// Under -short (the race-detector pass in CI) it is a tenth of def.
func Seeds(def int) int {
	if v := os.Getenv(SeedsEnv); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	if testing.Short() {
		return max(def/10, 10)
	}
	return def
}

// Load reads a scenario file or fails the test. In a lab folder, a
// scenario whose algorithm is another lab's code must be declared in the
// lab's front matter (needs) for this test, so that its failure can say so.
func Load(t testing.TB, path string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatalf("loading scenario: %v", err)
	}
	if err := checkDeclared(topName(t), sc); err != nil {
		t.Fatal(err)
	}
	return sc
}

// Expect runs the scenario with its own seed and fails the test unless its
// expectation is met.
func Expect(t testing.TB, sc *scenarios.Scenario) *scenarios.Result {
	t.Helper()
	res, err := runSeed(sc, sc.Seed)
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
// failure is reproducible however the work was scheduled. DISTLAB_SEED
// runs that one seed instead.
func Sweep(t testing.TB, sc *scenarios.Scenario, n int) {
	t.Helper()
	var mu sync.Mutex
	var failed *scenarios.Result
	SweepFunc(t, n, func(seed int64) error {
		// judged on the events its checks read; a failing seed is run
		// again in full for its report (failureReport)
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed, CheckTimeout: 20 * time.Second, Thin: true})
		if err != nil {
			return err
		}
		if res.ExpectationMet {
			res.Trace.Release() // its chunks serve the next seed
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
	if v := os.Getenv(SeedEnv); v != "" {
		seed, _ := strconv.ParseInt(v, 10, 64) // checked when the test binary started
		t.Logf("%s=%d: this seed only", SeedEnv, seed)
		if err := safeRun(fn, seed); err != nil {
			msg := fmt.Sprintf("seed %d failed: %v", seed, err)
			for _, r := range report {
				if extra := r(seed); extra != "" {
					msg = extra
				}
			}
			t.Fatal(msg)
		}
		t.Logf("seed %d passed", seed)
		return
	}
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
		t.Fatalf("%s\n(seeds 1..%d) rerun this seed alone:  %s=%d go test %s -run '^%s$'", msg, n, SeedEnv, minFail, packageArg(), topName(t))
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

func runSeed(sc *scenarios.Scenario, seed int64) (*scenarios.Result, error) {
	return sc.Run(scenarios.RunOptions{Seed: &seed, CheckTimeout: 20 * time.Second})
}

var (
	artifactsOnce sync.Once
	artifactsDir  string
	artifactsErr  error
)

// failureDir is where a failing run's replay file and checker artifacts
// go: DISTLAB_ARTIFACTS, or one new folder in the temp dir per test binary,
// made at the first failure. Never the source tree: a passing test writes
// nothing, and a failing one nothing a student could commit by mistake.
func failureDir() (string, error) {
	artifactsOnce.Do(func() {
		if dir := os.Getenv(ArtifactsEnv); dir != "" {
			artifactsDir, artifactsErr = filepath.Abs(dir)
			if artifactsErr == nil {
				artifactsErr = os.MkdirAll(artifactsDir, 0o755)
			}
			return
		}
		prefix := "distlab-failures-"
		if lab, _ := thisLab(); lab != nil {
			prefix = "distlab-" + lab.Name + "-failures-"
		}
		artifactsDir, artifactsErr = os.MkdirTemp("", prefix)
	})
	return artifactsDir, artifactsErr
}

// failureReport reruns the failing seed with an artifact folder (so checkers
// write their files, such as porcupine's HTML, for failures only), writes
// the replay file, and explains the failure with the commands that rerun
// and show it.
func failureReport(t testing.TB, res *scenarios.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s with seed %d: expectation not met (%s)\n", res.Scenario.Name, res.Seed, res.Why)
	dir, dirErr := failureDir()
	if dirErr == nil {
		seed := res.Seed
		if again, err := res.Scenario.Run(scenarios.RunOptions{Seed: &seed, ArtifactDir: dir, CheckTimeout: 20 * time.Second}); err == nil {
			if res.Thin && again.ExpectationMet {
				fmt.Fprintf(&b, "  (a bug of distlab, not of the lab: judged on the events its checks read the run failed, judged on its whole trace it passed)\n")
			}
			res = again
		}
	}
	for _, c := range res.Checks {
		if c.Verdict != check.Pass {
			fmt.Fprintf(&b, "  %s: %s — %s\n", c.Name, c.Verdict, c.Detail)
		}
	}
	if dirErr != nil {
		fmt.Fprintf(&b, "  (could not make a folder for the replay file: %v)\n", dirErr)
		return b.String()
	}
	name := fmt.Sprintf("%s-seed%d.yaml", sanitize(t.Name()), res.Seed)
	src := relToRepo(res.Scenario.Path)
	comment := fmt.Sprintf("Replay of a failing run of %s (test %s, seed %d).\nFaults are listed as the run drew them; rerun it exactly with distlab run.\n%s", src, t.Name(), res.Seed, res.Why)
	replay := res.ReplayScenario(res.Faults)
	replay.Description = strings.TrimSpace(fmt.Sprintf("Replay of %s, seed %d, as %s ran it: the nemesis's faults are written out.\n%s", src, res.Seed, t.Name(), res.Scenario.Description))
	data, err := replay.Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, comment)
	path := filepath.Join(dir, name)
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(&b, "  (could not write the replay file: %v)\n", err)
		return b.String()
	}
	cmd := Command()
	fmt.Fprintf(&b, "replay file: %s\n  rerun:  %s run %s\n  watch:  %s tui %s\n", path, cmd, path, cmd, path)
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
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	root := repoRoot()
	if root == "" {
		return path
	}
	if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// repoRoot is the nearest folder at or above the working directory with a
// go.mod, "" when there is none.
func repoRoot() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// packageArg is the go test argument for the package under test
// ("./labs/raft").
func packageArg() string {
	rel := relToRepo(".")
	if rel == "." || filepath.IsAbs(rel) {
		return "."
	}
	return "./" + rel
}

// topName is the name of the top-level test ("TestX" for "TestX/sub").
func topName(t testing.TB) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return name
}

var (
	labOnce sync.Once
	labInfo *Lab
	labErr  error
)

// thisLab is the lab whose tests are running: the front matter of
// ./README.md when the working directory is a folder under labs/. Outside
// a lab folder it is nil with no error.
func thisLab() (*Lab, error) {
	labOnce.Do(func() {
		wd, err := filepath.Abs(".")
		if err != nil || filepath.Base(filepath.Dir(wd)) != "labs" {
			return
		}
		labInfo, labErr = ReadLab(wd)
	})
	return labInfo, labErr
}

// checkDeclared makes sure that a test of a lab that runs another lab's
// algorithm says so in the front matter, so that the student reading its
// failure learns it.
func checkDeclared(test string, sc *scenarios.Scenario) error {
	lab, err := thisLab()
	if err != nil {
		return err
	}
	if lab == nil {
		return nil
	}
	dir := algorithmDir(sc)
	if dir == "" || slices.ContainsFunc(lab.Solutions, func(s string) bool { return path.Clean(s) == dir }) {
		return nil
	}
	others, err := Labs(filepath.Join("..", ".."))
	if err != nil {
		return err
	}
	for _, other := range others {
		if !slices.ContainsFunc(other.Solutions, func(s string) bool { return path.Clean(s) == dir }) {
			continue
		}
		for _, n := range lab.NeedsOf(test) {
			if n.Lab == other.Name {
				return nil
			}
		}
		return fmt.Errorf("%s runs algorithm %s, which is lab %s's code (%s), but labs/%s/README.md does not list %s under a need for lab %s: add it to the front matter so that a student whose %s lab is unfinished learns why this test fails",
			test, sc.Algorithm, other.Name, dir, lab.Name, test, other.Name, other.Name)
	}
	return nil
}

// algorithmDir is the folder (from the repository root) of the package
// that builds the scenario's algorithm, e.g. "algorithms/raft".
func algorithmDir(sc *scenarios.Scenario) string {
	build := sc.Spec().Build
	if build == nil {
		return ""
	}
	fn := runtime.FuncForPC(reflect.ValueOf(build).Pointer())
	if fn == nil {
		return ""
	}
	name := fn.Name() // distlab/algorithms/raft.buildServers.func1
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	pkg := name[:slash+1+dot]
	module := strings.TrimSuffix(reflect.TypeOf(Lab{}).PkgPath(), "/labs/labkit")
	return strings.TrimPrefix(pkg, module+"/")
}
