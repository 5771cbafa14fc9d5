package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// distlab check on history files: each verdict has its exit status, and
// unknown has its own (3), apart from fail (1).
func TestCheckHistoryExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
		return path
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		require.NoError(t, err)
		return a
	}

	out, _, code := distlab(t, "check", "checkers/linearizability/testdata/ok-concurrent.json", "--artifacts", dir)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "✓ linearizability")

	out, _, code = distlab(t, "check", "checkers/linearizability/testdata/stale-read.json", "--artifacts", dir)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "✗ linearizability")
	assert.Contains(t, out, "wrote "+dir)

	pendingOnly := write("pending.json", `{"format": "distlab-history", "version": 2, "operations": [
	  {"client": "c0", "call": 0, "input": {"op": "get", "key": "x"}}]}`)
	out, _, code = distlab(t, "check", abs(pendingOnly))
	assert.Equal(t, 3, code, "unknown exits 3: %s", out)
	assert.Contains(t, out, "? linearizability")
	assert.Contains(t, out, "no evidence")

	edn := write("h.edn", "{:type :invoke, :f :write, :value 1, :process 0}\n{:type :ok, :f :write, :value 1, :process 0}\n"+
		"{:type :invoke, :f :cas, :value [1 2], :process 1}\n{:type :ok, :f :cas, :value [1 2], :process 1}\n"+
		"{:type :invoke, :f :read, :value nil, :process 0}\n{:type :ok, :f :read, :value 1, :process 0}\n")
	out, _, code = distlab(t, "check", "--format", "jepsen", abs(edn), "--artifacts", dir)
	assert.Equal(t, 1, code, "the read after the cas sees the old value: %s", out)
	assert.Contains(t, out, `first unexplained: get(register) → "1" by p0`)

	bad := write("bad.json", `{"format": "distlab-history", "version": 2, "operations": [
	  {"client": "c0", "call": 0, "return": 4, "input": {"op": "get", "key": "x"}}]}`)
	_, errOut, code := distlab(t, "check", abs(bad))
	assert.Equal(t, 2, code, "bad input exits 2")
	assert.Contains(t, errOut, "bad.json:2: operations[0] (get(x) by c0): output: missing")

	_, errOut, code = distlab(t, "check", "--format", "xml", abs(bad))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown history format "xml" (valid: auto, json, trace, jepsen)`)
}

// distlab run: a scenario whose only obstacle is an unknown verdict is
// undecided (3), not unmet (1).
func TestRunUndecidedExitCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "noclients.yaml")
	require.NoError(t, os.WriteFile(path, []byte("version: 1\nalgorithm: raft-kv\nnodes: 3\nduration: 1s\nworkload: {clients: 0}\nchecks: [linearizability]\nexpect: pass\n"), 0o644))
	out, _, code := distlab(t, "run", path)
	assert.Equal(t, 3, code, out)
	assert.Contains(t, out, "? linearizability")
	assert.Contains(t, out, "result     UNDECIDED — linearizability: expected pass, got unknown")
}

// The help a user with only the binary has documents the history format
// and the exit statuses.
func TestCheckHelpDocumentsTheFormat(t *testing.T) {
	out, _, code := distlab(t, "check", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{`"format": "distlab-history"`, `"op": "cas"`, `"expected"`, `{"unknown": true}`,
		"Jepsen history (--format jepsen)", ":info", "3 undecided"} {
		assert.Contains(t, out, want)
	}
	out, _, _ = distlab(t, "run", "--help")
	assert.Contains(t, out, "3 undecided")
}
