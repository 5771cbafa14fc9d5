package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

// Bad input to `distlab tui` is refused with a clear message before any
// screen opens (defects 6 and 7 of issue 14): an empty file, a speed that
// is not one of the speeds, flags that only mean something for a scenario.
func TestTUIRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	sc, err := scenarios.Load("../../scenarios/election/bully-partition.yaml")
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{SkipChecks: true})
	require.NoError(t, err)
	tracePath := filepath.Join(dir, "run.jsonl")
	require.NoError(t, trace.WriteFile(tracePath, res.Trace))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tui", empty}, "is empty: neither a trace nor a scenario"},
		{[]string{"tui", tracePath, "--seed", "3"}, "--seed applies to a scenario"},
		{[]string{"tui", tracePath, "--replay"}, "--replay applies to a scenario"},
		{[]string{"tui", "scenarios/election/bully-partition.yaml", "--speed", "0"}, "--speed 0: playback goes at 1, 2, 4"},
		{[]string{"tui", "scenarios/election/bully-partition.yaml", "--speed", "-5"}, "--speed -5"},
		{[]string{"tui", "scenarios/election/bully-partition.yaml", "--speed", "5000"}, "--speed 5000"},
		{[]string{"tui", "scenarios/election/bully-partition.yaml", "--check", "split-brain"}, "--check applies to a trace"},
		{[]string{"export", empty}, "is empty"},
	} {
		_, errOut, code := distlab(t, c.args...)
		assert.Equal(t, 2, code, "%v", c.args)
		assert.Contains(t, errOut, c.want, "%v", c.args)
	}
}

// A trace is checked as its header says (defect 4): bully-partition's
// split brain fails, the other checks pass; --check picks checks.
func TestTraceVerdictsFollowTheHeader(t *testing.T) {
	sc, err := scenarios.Load("../../scenarios/election/bully-partition.yaml")
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{SkipChecks: true})
	require.NoError(t, err)
	got := map[string]check.Verdict{}
	for _, r := range traceVerdicts(res.Trace, nil, t.TempDir()) {
		got[r.Name] = r.Verdict
	}
	assert.Equal(t, check.Fail, got["split-brain"])
	assert.Equal(t, check.Pass, got["no-panic"])
	assert.Len(t, got, len(sc.Checks))
	only := traceVerdicts(res.Trace, []string{"split-brain"}, t.TempDir())
	assert.Len(t, only, 2, "the named check and no-panic")
	// a trace with no header checks and no known algorithm says why
	bare := trace.New(trace.Header{Nodes: []string{"a"}})
	v := traceVerdicts(bare, nil, t.TempDir())
	require.Len(t, v, 1)
	assert.Equal(t, check.Unknown, v[0].Verdict)
	assert.Contains(t, v[0].Detail, "names no checks")
}
