package linearizability

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/contract/kv"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

// A Jepsen history.edn with what real ones have: times, an independent
// key, a cas that failed its compare, a write that failed (did not
// happen), a write that timed out (:info), one never completed, and the
// nemesis's lines.
const ednHistory = `{:type :invoke, :f :write, :value 1, :process 0, :time 100, :index 0}
{:type :ok, :f :write, :value 1, :process 0, :time 200, :index 1}
{:type :info, :f :start, :value nil, :process :nemesis, :time 250, :index 2}
{:type :invoke, :f :cas, :value [1 2], :process 1, :time 300, :index 3}
{:type :invoke, :f :write, :value 9, :process 0, :time 310, :index 4}
{:type :fail, :f :write, :value 9, :process 0, :time 320, :error :refused, :index 5}
{:type :ok, :f :cas, :value [1 2], :process 1, :time 400, :index 6}
{:type :invoke, :f :cas, :value [1 3], :process 2, :time 500, :index 7}
{:type :fail, :f :cas, :value [1 3], :process 2, :time 600, :index 8}
{:type :invoke, :f :read, :value nil, :process 0, :time 700, :index 9}
{:type :ok, :f :read, :value 2, :process 0, :time 800, :index 10}
{:type :invoke, :f :write, :value 5, :process 3, :time 900, :index 11}
{:type :info, :f :write, :value 5, :process 3, :time 950, :error :timeout, :index 12}
{:type :invoke, :f :read, :value [:k7 nil], :process 4, :time 960, :index 13}
{:type :ok, :f :read, :value [:k7 nil], :process 4, :time 970, :index 14}
{:type :invoke, :f :write, :value 6, :process 5, :time 980, :index 15}
{:type :invoke, :f :read, :value nil, :process 0, :time 1000, :index 16}
{:type :ok, :f :read, :value 5, :process 0, :time 1100, :index 17}
`

func TestJepsenEDN(t *testing.T) {
	path := writeFile(t, "history.edn", ednHistory)
	h, err := ReadHistory(path) // told apart by its first bytes
	require.NoError(t, err)
	var got []string
	for _, op := range h.Operations {
		s := fmt.Sprintf("%s@%d %s", op.Client, op.Call, kv.Describe(op.Input, op.Output))
		if op.Return == nil {
			s += " (never returned)"
		}
		got = append(got, s)
	}
	assert.Equal(t, []string{
		`p0@100 put(register, "1")`,
		`p1@300 cas(register, "1"→"2") → ok`,
		`p2@500 cas(register, "1"→"3") → failed`,
		`p0@700 get(register) → "2"`,
		`p3@900 put(register, "5") → unknown`,
		`p4@960 get(:k7) → ""`,
		`p5@980 put(register, "6") (never returned)`,
		`p0@1000 get(register) → "5"`,
	}, got)

	r, err := CheckFile(path, FormatJepsen, &Options{NoVisualize: true})
	require.NoError(t, err)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)

	// The last read sees the failed write's value: not linearizable.
	bad := writeFile(t, "bad.edn", strings.Replace(ednHistory, ":ok, :f :read, :value 5,", ":ok, :f :read, :value 9,", 1))
	r, err = CheckFile(bad, FormatJepsen, &Options{NoVisualize: true})
	require.NoError(t, err)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, `get(register) → "9" by p0`)
}

// porcupine's own key-value histories carry a :key field and no times.
func TestJepsenKeyField(t *testing.T) {
	path := writeFile(t, "kv.txt", `{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 0 y"}
{:process 1, :type :invoke, :f :get, :key "1", :value nil}
{:process 0, :type :ok, :f :append, :key "1", :value "x 0 0 y"}
{:process 1, :type :ok, :f :get, :key "1", :value "x 0 0 y"}
`)
	h, err := ReadHistoryFormat(path, FormatJepsen)
	require.NoError(t, err)
	require.Len(t, h.Operations, 2)
	assert.Equal(t, kv.Input{Op: kv.OpAppend, Key: "1", Value: "x 0 0 y"}, h.Operations[0].Input)
	assert.Equal(t, int64(2), *h.Operations[0].Return, "no :time: the line order")
	assert.Equal(t, "x 0 0 y", h.Operations[1].Output.Value)
}

func TestJepsenErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not EDN", "hello\n", ":1: neither an EDN map nor a jepsen.util log line"},
		{"unknown f", "{:type :invoke, :f :incr, :value 1, :process 0}\n", ":1: :f :incr is not one of :read, :write, :cas, :get, :put, :append"},
		{"completion without invoke", "{:type :invoke, :f :read, :value nil, :process 0}\n{:type :ok, :f :read, :value 1, :process 1}\n",
			":2: :ok of process 1, which has no open operation"},
		{"two open", "{:type :invoke, :f :read, :process 0}\n{:type :invoke, :f :read, :process 0}\n", ":2: process 0 invokes read while its get is still open"},
		{"bad cas", "{:type :invoke, :f :cas, :value 3, :process 0}\n", ":1: :cas wants [expected new] as its value, got 3"},
		{"unclosed", "{:type :invoke, :f :read\n", ":1: column 25: missing '}'"},
		{"trailing", "{:type :invoke, :f :read, :process 0} x\n", ":1: column 39: unexpected data after the map"},
		{"time goes back", "{:type :invoke, :f :read, :process 0, :time 50}\n{:type :ok, :f :read, :process 0, :time 20}\n",
			":2: :time 20 is before the invocation's (50)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHistoryFormat(writeFile(t, "h.edn", tt.body), FormatJepsen)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "h.edn"+tt.want)
		})
	}
	_, err := ReadHistoryFormat(writeFile(t, "h.edn", "{}"), "yaml")
	assert.ErrorContains(t, err, `unknown history format "yaml" (valid: auto, json, trace, jepsen)`)
}

// etcdLinearizable are the Jepsen etcd histories porcupine's tests expect
// to be linearizable (porcupine_test.go, v1.3.1); the others are not, and
// 095 is not a test (its cluster never started).
var etcdLinearizable = []int{2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102}

func checkEtcdLog(t *testing.T, path string, n int) {
	t.Helper()
	r, err := CheckFile(path, FormatAuto, &Options{NoVisualize: true})
	require.NoError(t, err)
	want := check.Fail
	if slices.Contains(etcdLinearizable, n) {
		want = check.Pass
	}
	assert.Equal(t, want, r.Verdict, "etcd_%03d: %s", n, r.Detail)
}

func TestJepsenEtcdLogs(t *testing.T) {
	for _, n := range []int{0, 2, 5, 6, 7} {
		checkEtcdLog(t, fmt.Sprintf("testdata/jepsen/etcd_%03d.log", n), n)
	}
}

func TestJepsenEtcdLogsAll(t *testing.T) {
	if testing.Short() {
		t.Skip("102 histories")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	dir := filepath.Join(strings.TrimSpace(string(out)), "test_data", "jepsen")
	if _, statErr := os.Stat(dir); err != nil || statErr != nil {
		t.Skipf("porcupine's test data is not in the module cache (%v %v)", err, statErr)
	}
	for n := 0; n <= 102; n++ {
		if n != 95 {
			checkEtcdLog(t, filepath.Join(dir, fmt.Sprintf("etcd_%03d.log", n)), n)
		}
	}
}
