package labkit_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/labs/labkit"
	"distlab/scenarios"
	"sync"
)

// fakeT records what a test would have reported, so labkit's own failure
// path can be tested without failing this test. Sweeps log from several
// goroutines, as testing.T allows, so its log takes a lock.
type fakeT struct {
	testing.TB
	mu       sync.Mutex
	logs     []string
	fatal    string
	failed   bool
	cleanups []func()
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Name() string      { return "TestFake" }
func (f *fakeT) Failed() bool      { return f.failed }
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}
func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed, f.fatal = true, fmt.Sprintf(format, args...)
}
func (f *fakeT) Fatal(args ...any) { f.failed, f.fatal = true, fmt.Sprint(args...) }

func TestSweepReportsLowestFailingSeed(t *testing.T) {
	ft := &fakeT{TB: t}
	labkit.SweepFunc(ft, 200, func(seed int64) error {
		if seed%37 == 0 || seed == 150 {
			return fmt.Errorf("bad seed %d", seed)
		}
		return nil
	})
	require.True(t, ft.failed)
	assert.Contains(t, ft.fatal, "seed 37 failed: bad seed 37")
}

func TestSweepPassesAndLogsProgress(t *testing.T) {
	ft := &fakeT{TB: t}
	labkit.SweepFunc(ft, 100, func(int64) error { return nil })
	assert.False(t, ft.failed)
	assert.Contains(t, strings.Join(ft.logs, "\n"), "100 seeds passed")
}

// TestFailingScenarioWritesReplay: a failure writes its replay file to the
// artifacts folder (never the source tree) and prints commands that use it.
func TestFailingScenarioWritesReplay(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(dir))
	defer os.Chdir(wd)
	t.Setenv(labkit.ArtifactsEnv, filepath.Join(dir, "artifacts"))
	labkit.ResetForTest()
	defer labkit.ResetForTest()
	// A broadcast with an expected violation that cannot happen: the
	// expectation is not met on any seed.
	sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 100ms\nnemesis: {start: 10ms, end: 80ms, interval: 10ms, crash: 1, partition: 1}\nchecks: [no-panic]\nexpect: {violations: [no-panic]}\n"))
	require.NoError(t, err)
	ft := &fakeT{TB: t}
	labkit.Sweep(ft, sc, 5)
	require.True(t, ft.failed)
	assert.Contains(t, ft.fatal, "seed 1: expectation not met")
	replay := filepath.Join(dir, "artifacts", "TestFake-seed1.yaml")
	assert.Contains(t, ft.fatal, "go run ./cmd/distlab tui "+replay)
	assert.Contains(t, ft.fatal, "DISTLAB_SEED=1 go test . -run '^TestFake$'")
	assert.NoDirExists(t, filepath.Join(dir, "failures"), "nothing goes beside the test")
	data, err := os.ReadFile(replay)
	require.NoError(t, err)
	back, err := scenarios.Parse(replay, data)
	require.NoError(t, err, "the replay file must parse:\n%s", data)
	assert.Nil(t, back.Nemesis, "the nemesis is expanded into explicit faults")
	assert.NotEmpty(t, back.Faults)
	// Replaying gives the same trace as the failing run.
	seed := int64(1)
	orig, err := sc.Run(scenarios.RunOptions{Seed: &seed})
	require.NoError(t, err)
	again, err := back.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, orig.Trace.Collect(), again.Trace.Collect(), "the replay file reproduces the run event for event")
}

// TestOneSeed: DISTLAB_SEED runs that seed only, and a failure names it.
func TestOneSeed(t *testing.T) {
	t.Setenv(labkit.SeedEnv, "75")
	var ran []int64
	ft := &fakeT{TB: t}
	labkit.SweepFunc(ft, 1000, func(seed int64) error {
		ran = append(ran, seed)
		return fmt.Errorf("bad")
	})
	assert.Equal(t, []int64{75}, ran)
	require.True(t, ft.failed)
	assert.Contains(t, ft.fatal, "seed 75 failed: bad")
}

// TestBadSeedsEnvStopsTheTests: a malformed DISTLAB_SEEDS or DISTLAB_SEED
// stops the test binary with a clear error instead of being ignored.
func TestBadSeedsEnvStopsTheTests(t *testing.T) {
	for _, env := range []string{"DISTLAB_SEEDS=abc", "DISTLAB_SEEDS=-3", "DISTLAB_SEEDS=0", "DISTLAB_SEED=x7"} {
		t.Run(env, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSweepPassesAndLogsProgress$")
			cmd.Env = append(os.Environ(), env)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", out)
			assert.Equal(t, 2, ee.ExitCode())
			name, _, _ := strings.Cut(env, "=")
			assert.Contains(t, string(out), "labkit: "+name+"=")
		})
	}
}

// TestNeedsAreExplainedOnFailure: a failing test that the lab's front
// matter lists under a need says what else it needs; a passing one says
// nothing.
func TestNeedsAreExplainedOnFailure(t *testing.T) {
	root := t.TempDir()
	lab := filepath.Join(root, "labs", "election")
	require.NoError(t, os.MkdirAll(lab, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(lab, "README.md"), []byte(`---
title: Leader election
order: 3
solutions: [algorithms/election]
needs:
  - lab: raft
    parts: [election, persistence]
    tests: [TestFake]
    why: it runs your Raft election
---
# Lab
`), 0o644))
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(lab))
	defer os.Chdir(wd)
	labkit.ResetForTest()
	defer labkit.ResetForTest()

	passing := &fakeT{TB: t}
	labkit.Points(passing, 5)
	passing.finish()
	assert.NotContains(t, strings.Join(passing.logs, "\n"), "NOTE")

	failing := &fakeT{TB: t}
	labkit.Points(failing, 5)
	failing.failed = true
	failing.finish()
	assert.Contains(t, strings.Join(failing.logs, "\n"), "NOTE: this test also needs lab raft's part(s) election, persistence: it runs your Raft election.")
}

// TestPassingTestsWriteNothing: a scenario whose expected violation shows
// (porcupine's HTML is written for a failing linearizability check) passes
// without writing a file anywhere: not beside the test, not in the temp dir.
func TestPassingTestsWriteNothing(t *testing.T) {
	scenario, err := filepath.Abs("../../scenarios/raft/stale-read.yaml")
	require.NoError(t, err)
	cwd, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv(labkit.ArtifactsEnv, "")
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(cwd))
	defer os.Chdir(wd)
	labkit.ResetForTest()
	defer labkit.ResetForTest()

	ft := &fakeT{TB: t}
	res := labkit.Expect(ft, labkit.Load(ft, scenario))
	require.False(t, ft.failed, ft.fatal)
	require.NotNil(t, res)
	for _, dir := range []string{cwd, tmp} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "a passing test wrote into %s", dir)
	}
}
