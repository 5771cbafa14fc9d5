package linearizability

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
)

// writeHistory writes a history file into a temporary folder.
func writeHistory(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.json")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

// Equal states must hash equal, or porcupine cannot memoize the states it
// has visited (defect 1: without a hash a 50-client append history took
// 9–83 s instead of about a second).
func TestModelHashesStates(t *testing.T) {
	require.NotNil(t, kvModel.Hash, "the model has no Hash: porcupine cannot memoize visited states")
	a, b := "x"+"yz", "xy"+"z"
	assert.Equal(t, kvModel.Hash(a), kvModel.Hash(b))
	assert.NotEqual(t, kvModel.Hash("xyz"), kvModel.Hash("xzy"))
}

// An operation whose output is unknown may take effect at any time after
// its call, or never, even if the client recorded when it gave up (defect
// 3: the old code kept that return time and forced the write inside it,
// a false fail).
func TestUnknownOutcomeMayTakeEffectLater(t *testing.T) {
	path := writeHistory(t, `{"format": "distlab-history", "version": 1, "operations": [
	  {"client": "c0", "call": 0,  "return": 10, "input": {"op": "put", "key": "x", "value": "1"}, "output": {"value": "", "unknown": true}},
	  {"client": "c1", "call": 20, "return": 30, "input": {"op": "get", "key": "x"}, "output": {"value": ""}},
	  {"client": "c1", "call": 40, "return": 50, "input": {"op": "get", "key": "x"}, "output": {"value": "1"}}
	]}`)
	r, err := CheckFile(path, "", &Options{NoVisualize: true})
	require.NoError(t, err)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
}

// Bad histories get an error that names the operation and the field;
// nothing is silently accepted (defect 4).
func TestStrictHistoryFiles(t *testing.T) {
	const head = `{"format": "distlab-history", "version": 1, "operations": [`
	tests := []struct{ name, body, want string }{
		{"get returned without output", head + `{"client": "c0", "call": 0, "return": 5, "input": {"op": "get", "key": "x"}}]}`,
			`operations[0] (get(x) by c0): output: missing`},
		{"get output without value", head + `{"client": "c0", "call": 0, "return": 5, "input": {"op": "get", "key": "x"}, "output": {}}]}`,
			`operations[0] (get(x) by c0): output.value: missing`},
		{"trailing data", head + `]} {"more": 1}`, `after the history`},
		{"empty object", `{}`, `format: missing`},
		{"no operations", `{"format": "distlab-history", "version": 1}`, `operations: missing`},
		{"negative call", head + `{"client": "c0", "call": -4, "return": 5, "input": {"op": "put", "key": "x", "value": "1"}, "output": {}}]}`,
			`operations[0] (put(x, "1") by c0): call: -4 is negative`},
		{"missing key", head + `{"client": "c0", "call": 0, "return": 5, "input": {"op": "put", "value": "1"}, "output": {}}]}`,
			`operations[0] (by c0): input.key: missing`},
		{"type error", head + `{"client": "c0", "call": 0, "return": 5, "input": {"op": "put", "key": "x", "value": "1"}, "output": {}},
		   {"client": "c1", "call": "soon", "input": {"op": "get", "key": "x"}}]}`,
			`operations[1]: call: expected a number, got string`},
		{"unknown op", head + `{"client": "c0", "call": 0, "input": {"op": "incr", "key": "x"}}]}`,
			`operations[0] (by c0): input.op: "incr" is not one of get, put, append, cas`},
		{"output without return", head + `{"client": "c0", "call": 0, "input": {"op": "get", "key": "x"}, "output": {"value": "1"}}]}`,
			`operations[0] (get(x) by c0): output without return`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckFile(writeHistory(t, tt.body), "", &Options{NoVisualize: true})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
