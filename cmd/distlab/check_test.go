package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkLines keeps the verdict lines of a summary ("✓ name pass …").
func checkLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		for _, sym := range []string{"✓ ", "✗ ", "? "} {
			if strings.HasPrefix(l, sym) {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	return lines
}

// distlab check judges a trace exactly as distlab run judged the run: the
// scenario's checks with their options (here a textbook formula that
// Ricart-Agrawala does not meet), no-panic, and the expectation.
func TestCheckJudgesATraceAsRunDid(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "ra.yaml")
	require.NoError(t, os.WriteFile(scen, []byte(`version: 1
algorithm: ricart-agrawala
nodes: 3
duration: 3s
workload: {stop: 2s}
checks:
  - mutex-safety
  - {name: mutex-cost, formula: "3", tolerance: 0.001}
`), 0o644))
	tr := filepath.Join(dir, "ra.jsonl")
	runOut, _, runCode := distlab(t, "run", "-q", scen, "--trace", tr)
	assert.Equal(t, 1, runCode, runOut)
	checkOut, _, checkCode := distlab(t, "check", tr)
	assert.Equal(t, runCode, checkCode, checkOut)
	assert.Equal(t, checkLines(runOut), checkLines(checkOut), "the same checks, options and verdicts")
	assert.Contains(t, checkOut, "✗ mutex-cost")
	assert.Contains(t, checkOut, "no-panic")
	assert.Contains(t, checkOut, "NOT MET")

	// The header's expectation is judged too: a scenario that exists to
	// show a violation is met when the violation is there.
	bully := filepath.Join(dir, "bully.jsonl")
	_, _, code := distlab(t, "run", "-q", "scenarios/election/bully-partition.yaml", "--trace", bully)
	require.Equal(t, 0, code)
	out, _, code := distlab(t, "check", bully)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "expected   violation of split-brain")
	assert.Contains(t, out, "result     MET")
}

func TestCheckRefusesAnotherFamilysCheck(t *testing.T) {
	tr := filepath.Join(t.TempDir(), "kv.jsonl")
	_, _, code := distlab(t, "run", "-q", "scenarios/raft/steady.yaml", "--trace", tr)
	require.Equal(t, 0, code)
	_, stderr, code := distlab(t, "check", tr, "-c", "mutex-safety")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "check mutex-safety reads the mutex family's contract, but algorithm raft-kv (family raft) speaks election and raft-log and kv")
	// a check of one of its two contracts is fine
	out, _, code := distlab(t, "check", tr, "-c", "one-leader-per-term")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "✓ one-leader-per-term")
}

func TestRunRefusesAnotherFamilysCheck(t *testing.T) {
	scen := filepath.Join(t.TempDir(), "m.yaml")
	require.NoError(t, os.WriteFile(scen, []byte("version: 1\nalgorithm: central\nnodes: 3\nduration: 1s\nchecks: [linearizability]\n"), 0o644))
	_, stderr, code := distlab(t, "run", scen)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "m.yaml:5:10: checks[0]: check linearizability reads the kv family's contract, but algorithm central (family mutex) speaks mutex")
}
