package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var binary string

// TestMain builds the command once; the tests run it as a user would, from
// the repository root.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "distlab-cmd")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "distlab")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func distlab(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = "../.."
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestRunSummaryAndExitCodes(t *testing.T) {
	out, _, code := distlab(t, "run", "scenarios/demo/broadcast.yaml")
	assert.Equal(t, 0, code)
	for _, want := range []string{"messages   sent", "drops by reason", "Ball", "n4", "✓ no-panic", "result     MET"} {
		assert.Contains(t, out, want)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 1s\nfaults:\n  - {at: 1s, crash: n9}\n"), 0o644))
	_, errOut, code := distlab(t, "run", bad)
	assert.Equal(t, 2, code, "bad input exits 2")
	assert.Contains(t, errOut, "bad.yaml:6:21: faults[0].crash: unknown node \"n9\"")

	unknown := filepath.Join(t.TempDir(), "unknown.yaml")
	require.NoError(t, os.WriteFile(unknown, []byte("version: 1\nalgorithm: bully2\nnodes: 3\nduration: 1s\n"), 0o644))
	_, errOut, code = distlab(t, "run", unknown)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown algorithm \"bully2\" (valid: ")
	assert.Contains(t, errOut, "broadcast")

	unmet := filepath.Join(t.TempDir(), "unmet.yaml")
	require.NoError(t, os.WriteFile(unmet, []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 100ms\nchecks: [no-panic]\nexpect: {violations: [no-panic]}\n"), 0o644))
	out, _, code = distlab(t, "run", unmet)
	assert.Equal(t, 1, code, "an unmet expectation exits 1")
	assert.Contains(t, out, "NOT MET")

	_, _, code = distlab(t, "run", "no/such/file.yaml")
	assert.Equal(t, 2, code)
}

func TestRunJSONAndTrace(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "t.jsonl")
	out, _, code := distlab(t, "run", "scenarios/demo/broadcast.yaml", "--json", "--seed", "3", "--trace", tracePath)
	require.Equal(t, 0, code)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	for _, field := range []string{"events", "messages", "virtual_time_ns", "wall_ns", "checks", "expectation_met"} {
		assert.Contains(t, s, field)
	}
	msgs := s["messages"].(map[string]any)
	for _, field := range []string{"sent", "delivered", "dropped", "duplicated", "by_type"} {
		assert.Contains(t, msgs, field)
	}
	assert.Equal(t, 3.0, s["seed"])
	checks := s["checks"].([]any)
	require.NotEmpty(t, checks)
	first := checks[0].(map[string]any)
	for _, field := range []string{"name", "verdict", "detail"} {
		assert.Contains(t, first, field)
	}

	printed, _, code := distlab(t, "trace", tracePath)
	require.Equal(t, 0, code)
	assert.Contains(t, printed, "seed 3")
	assert.Contains(t, printed, "send Ball")
	assert.Contains(t, printed, "isolate n4")
	lines := strings.Count(printed, "\n")
	assert.Equal(t, int(s["events"].(float64))+1, lines, "one line per event plus the header")

	onlyCrash, _, _ := distlab(t, "trace", tracePath, "--kind", "crash,restart")
	assert.Equal(t, 3, strings.Count(onlyCrash, "\n"), onlyCrash)
}

func TestList(t *testing.T) {
	out, _, code := distlab(t, "list")
	require.Equal(t, 0, code)
	for _, want := range []string{"ALGORITHMS", "lamport", "ricart-agrawala", "CHECKS", "causality", "SCENARIOS", "scenarios/demo/broadcast.yaml"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "INVALID")
}

// TestHandoutCompilesAndFails writes every lab's handout, which must build
// and whose lab tests must fail until the stubs are filled in.
func TestHandoutCompilesAndFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a copy of the repository per lab")
	}
	entries, err := os.ReadDir("../../labs")
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "labkit" {
			continue
		}
		lab := e.Name()
		t.Run(lab, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "handout")
			out, _, code := distlab(t, "handout", lab, "-o", dir)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "solution block(s) replaced by stubs")
			assert.NotContains(t, out, " 0 solution block(s)", "a lab without marked parts has nothing to hand out")
			vet := exec.Command("go", "vet", "./algorithms/...", "./labs/"+lab+"/")
			vet.Dir = dir
			vout, err := vet.CombinedOutput()
			require.NoError(t, err, "the handout must compile:\n%s", vout)
			test := exec.Command("go", "test", "-count=1", "./labs/"+lab+"/")
			test.Dir = dir
			test.Env = append(os.Environ(), "DISTLAB_SEEDS=20")
			tout, err := test.CombinedOutput()
			require.Error(t, err, "the lab's tests must fail on the stubs")
			assert.Contains(t, string(tout), "FAIL")
		})
	}
	_, errOut, code := distlab(t, "handout", "nolab")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown lab \"nolab\" (valid: ")
}
