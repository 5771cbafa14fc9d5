package labkit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/labs/labkit"
	"distlab/scenarios"
)

// fakeT records what a test would have reported, so labkit's own failure
// path can be tested without failing this test.
type fakeT struct {
	testing.TB
	logs   []string
	fatal  string
	failed bool
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return "TestFake" }
func (f *fakeT) Logf(format string, args ...any) {
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

func TestFailingScenarioWritesReplay(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(dir))
	defer os.Chdir(wd)
	// A broadcast with an expected violation that cannot happen: the
	// expectation is not met on any seed.
	sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 100ms\nnemesis: {start: 10ms, end: 80ms, interval: 10ms, crash: 1, partition: 1}\nchecks: [no-panic]\nexpect: {violations: [no-panic]}\n"))
	require.NoError(t, err)
	ft := &fakeT{TB: t}
	labkit.Sweep(ft, sc, 5)
	require.True(t, ft.failed)
	assert.Contains(t, ft.fatal, "seed 1: expectation not met")
	assert.Contains(t, ft.fatal, "go run ./cmd/distlab tui")
	replay := filepath.Join(dir, "failures", "TestFake-seed1.yaml")
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
