package linearizability

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/contract/kv"
	"distlab/simnet/trace"
)

func ret(t int64) *int64 { return &t }

func op(client string, call, r int64, in kv.Input, out string) kv.Operation {
	return kv.Operation{Client: client, Call: call, Return: ret(r), Input: in, Output: &kv.Output{Value: out}}
}

func get(k string) kv.Input      { return kv.Input{Op: kv.OpGet, Key: k} }
func put(k, v string) kv.Input   { return kv.Input{Op: kv.OpPut, Key: k, Value: v} }
func appnd(k, v string) kv.Input { return kv.Input{Op: kv.OpAppend, Key: k, Value: v} }
func pendingOp(client string, call int64, in kv.Input) kv.Operation {
	return kv.Operation{Client: client, Call: call, Input: in}
}

func TestHistories(t *testing.T) {
	tests := []struct {
		name string
		ops  []kv.Operation
		want check.Verdict
	}{
		{"empty", nil, check.Unknown},
		{"only reads of unknown outcome", []kv.Operation{pendingOp("c0", 0, get("x"))}, check.Unknown},
		{"sequential", []kv.Operation{op("c0", 0, 1, put("x", "1"), ""), op("c0", 2, 3, get("x"), "1")}, check.Pass},
		{"missing key reads empty", []kv.Operation{op("c0", 0, 1, get("x"), "")}, check.Pass},
		{"append concatenates", []kv.Operation{op("c0", 0, 1, appnd("x", "a"), ""), op("c1", 2, 3, appnd("x", "b"), ""), op("c0", 4, 5, get("x"), "ab")}, check.Pass},
		{"concurrent either order", []kv.Operation{op("c0", 0, 10, put("x", "1"), ""), op("c1", 0, 10, put("x", "2"), ""), op("c2", 11, 12, get("x"), "1")}, check.Pass},
		{"closed intervals touch", []kv.Operation{op("c0", 0, 10, put("x", "1"), ""), op("c1", 10, 20, get("x"), "")}, check.Pass},
		{"pending write may take effect", []kv.Operation{pendingOp("c0", 0, put("x", "1")), op("c1", 5, 6, get("x"), "1")}, check.Pass},
		{"pending write may not take effect", []kv.Operation{pendingOp("c0", 0, put("x", "1")), op("c1", 5, 6, get("x"), "")}, check.Pass},
		{"stale read", []kv.Operation{op("c0", 0, 1, put("x", "1"), ""), op("c0", 2, 3, put("x", "2"), ""), op("c1", 4, 5, get("x"), "1")}, check.Fail},
		{"read from nowhere", []kv.Operation{op("c0", 0, 1, get("x"), "ghost")}, check.Fail},
		{"lost append", []kv.Operation{op("c0", 0, 1, appnd("x", "a"), ""), op("c1", 2, 3, appnd("x", "b"), ""), op("c0", 4, 5, get("x"), "b")}, check.Fail},
		{"duplicated append", []kv.Operation{op("c0", 0, 1, appnd("x", "a"), ""), op("c0", 4, 5, get("x"), "aa")}, check.Fail},
		{"reads go back in time", []kv.Operation{op("c0", 0, 10, put("x", "1"), ""), op("c1", 2, 3, get("x"), "1"), op("c2", 4, 5, get("x"), "")}, check.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := Check(context.Background(), &kv.History{Name: "t", Operations: tt.ops}, &Options{Timeout: 5 * time.Second, Dir: dir})
			assert.Equal(t, tt.want, r.Verdict, r.Detail)
			if tt.want == check.Fail {
				require.Len(t, r.Artifacts, 1)
				assert.FileExists(t, r.Artifacts[0])
				assert.Contains(t, r.Detail, r.Artifacts[0])
			}
		})
	}
}

func TestFiles(t *testing.T) {
	r, err := CheckFile("testdata/ok-concurrent.json", "", &Options{Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)

	r, err = CheckFile("testdata/stale-read.json", FormatJSON, &Options{Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "key x")
	assert.Equal(t, []string{"c2"}, r.Nodes)
	require.Len(t, r.Artifacts, 1)

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":"distlab-history","operations":[{"client":"c0","call":0,"input":{"op":"cax","key":"x"}}]}`), 0o644))
	_, err = CheckFile(bad, "", nil)
	assert.ErrorContains(t, err, `bad.json:1: operations[0] (by c0): input.op: "cax" is not one of get, put, append, cas`)
}

// A search porcupine cannot finish in a millisecond must say unknown, never
// pass (this history is not linearizable: a read of a value never written).
func TestOutOfTimeIsUnknown(t *testing.T) {
	var ops []kv.Operation
	for i := range 60 {
		ops = append(ops, op(fmt.Sprintf("c%d", i), 0, 1000, put("x", fmt.Sprint(i)), ""))
		ops = append(ops, op(fmt.Sprintf("d%d", i), 0, 1000, get("x"), fmt.Sprint((i*7)%60)))
	}
	ops = append(ops, op("e", 0, 1000, get("x"), "never written"))
	r := Check(context.Background(), &kv.History{Operations: ops}, &Options{Timeout: time.Millisecond, NoVisualize: true})
	assert.NotEqual(t, check.Pass, r.Verdict)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = Check(ctx, &kv.History{Operations: ops[:2]}, nil)
	assert.Equal(t, check.Unknown, r.Verdict)
}

// traceOf builds a trace by hand: clients' invokes and returns, with a
// partition and a leader mark for the annotations.
func traceOf(getValue string) *trace.Trace {
	tr := &trace.Trace{Header: trace.Header{Scenario: "hand", Seed: 7, Nodes: []string{"n0", "n1", "n2", "c0", "c1"},
		Groups: []string{"server", "server", "server", "client", "client"}}}
	add := func(at time.Duration, e trace.Event) {
		e.Time, e.Index = at, tr.Len()
		if e.Peer == 0 {
			e.Peer = trace.None
		}
		tr.Append(e)
	}
	ms := time.Millisecond
	add(1*ms, trace.Event{Kind: trace.Mark, Node: 0, Name: "leader", Data: json.RawMessage(`{"term":1,"quorum":[0,1]}`)})
	add(2*ms, trace.Event{Kind: trace.Invoke, Node: 3, Op: 1, Data: json.RawMessage(`{"op":"put","key":"k","value":"v1"}`)})
	add(5*ms, trace.Event{Kind: trace.Return, Node: 3, Op: 1, Data: json.RawMessage(`{"value":""}`)})
	add(6*ms, trace.Event{Kind: trace.Partition, Node: trace.None, Groups: [][]trace.NodeID{{0}, {1, 2}}})
	add(7*ms, trace.Event{Kind: trace.Crash, Node: 1, Value: "fault: crash"})
	add(8*ms, trace.Event{Kind: trace.Invoke, Node: 4, Op: 2, Data: json.RawMessage(`{"op":"get","key":"k"}`)})
	add(9*ms, trace.Event{Kind: trace.Invoke, Node: 3, Op: 3, Data: json.RawMessage(`{"op":"append","key":"k","value":"w"}`)})
	add(12*ms, trace.Event{Kind: trace.Return, Node: 4, Op: 2, Data: json.RawMessage(fmt.Sprintf(`{"value":%q}`, getValue))})
	add(13*ms, trace.Event{Kind: trace.Restart, Node: 1})
	add(14*ms, trace.Event{Kind: trace.Heal, Node: trace.None})
	return tr
}

func TestTraceHistory(t *testing.T) {
	h, err := FromTrace(traceOf("v1"))
	require.NoError(t, err)
	require.Len(t, h.Operations, 3)
	assert.Nil(t, h.Operations[2].Return, "the append never returned")
	var descs []string
	for _, a := range h.Annotations {
		descs = append(descs, a.Tag+": "+a.Description)
	}
	assert.Equal(t, []string{"n0: leader, term 1", "network: partition {n0} | {n1,n2}", "n1: down: fault: crash"}, descs)

	for _, v := range []string{"v1", "v1w"} {
		r := CheckTrace(context.Background(), traceOf(v), &Options{Dir: t.TempDir()})
		assert.Equal(t, check.Pass, r.Verdict, "get → %q: %s", v, r.Detail)
	}
	dir := t.TempDir()
	r := CheckTrace(context.Background(), traceOf("w"), &Options{Dir: dir})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Equal(t, 12*time.Millisecond, r.At)
	assert.Equal(t, []int{5, 7}, r.Events)
	require.Len(t, r.Artifacts, 1)
	assert.Equal(t, filepath.Join(dir, "linearizability-hand-seed7.html"), r.Artifacts[0])
	html, err := os.ReadFile(r.Artifacts[0])
	require.NoError(t, err)
	assert.Contains(t, string(html), "partition {n0} | {n1,n2}", "the faults annotate the visualization")

	// Without a directory (no option, none in the context) nothing is written.
	r = CheckTrace(context.Background(), traceOf("w"), nil)
	assert.Equal(t, check.Fail, r.Verdict)
	assert.Empty(t, r.Artifacts)
	r = CheckTrace(check.WithArtifactDir(context.Background(), dir), traceOf("w"), nil)
	assert.Len(t, r.Artifacts, 1)
}

func TestHistoryFileRoundTrip(t *testing.T) {
	h, err := FromTrace(traceOf("w"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "h.json")
	require.NoError(t, WriteHistory(path, h))
	back, err := ReadHistory(path)
	require.NoError(t, err)
	assert.Equal(t, h.Operations, back.Operations)
	assert.Equal(t, h.Annotations, back.Annotations)
	r, err := CheckFile(path, "", &Options{Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, check.Fail, r.Verdict)
}

func TestTraceFileIsAccepted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	require.NoError(t, trace.WriteFile(path, traceOf("w")))
	r, err := CheckFile(path, "", &Options{Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
}

func TestLiveness(t *testing.T) {
	ms := time.Millisecond
	mk := func(events ...trace.Event) *trace.Trace {
		tr := &trace.Trace{Header: trace.Header{Nodes: []string{"n0", "c0"}, Groups: []string{"server", "client"}}}
		for _, e := range events {
			tr.Append(e)
		}
		return tr
	}
	inv := func(at time.Duration, op int64) trace.Event {
		return trace.Event{Time: at, Kind: trace.Invoke, Node: 1, Peer: trace.None, Op: op, Data: json.RawMessage(`{"op":"get","key":"k"}`)}
	}
	ret := func(at time.Duration, op int64) trace.Event {
		return trace.Event{Time: at, Kind: trace.Return, Node: 1, Peer: trace.None, Op: op, Data: json.RawMessage(`{"value":""}`)}
	}
	heal := func(at time.Duration) trace.Event {
		return trace.Event{Time: at, Kind: trace.Heal, Node: trace.None, Peer: trace.None}
	}
	end := func(at time.Duration) trace.Event {
		return trace.Event{Time: at, Kind: trace.End, Node: trace.None, Peer: trace.None}
	}

	tests := []struct {
		name string
		tr   *trace.Trace
		want check.Verdict
	}{
		{"answered in time", mk(inv(0, 1), ret(50*ms, 1), end(time.Second)), check.Pass},
		{"slow, but the fault excuses it", mk(inv(0, 1), heal(400*ms), ret(450*ms, 1), end(time.Second)), check.Pass},
		{"slow after the fault", mk(inv(0, 1), heal(10*ms), ret(300*ms, 1), end(time.Second)), check.Fail},
		{"never answered", mk(inv(0, 1), end(time.Second)), check.Fail},
		{"open at the end, too recent to judge", mk(inv(0, 2), ret(50*ms, 2), inv(900*ms, 1), end(time.Second)), check.Pass},
		{"nothing returned: no evidence", mk(inv(900*ms, 1), end(time.Second)), check.Unknown},
		{"no operations: no evidence", mk(end(time.Second)), check.Unknown},
		{"never answered, in a trace cut short", mk(inv(0, 2), ret(50*ms, 2), inv(100*ms, 1), inv(time.Second, 3)), check.Fail},
		{"a log line is not the end", mk(inv(0, 2), ret(50*ms, 2), inv(100*ms, 1), trace.Event{Time: time.Second, Kind: trace.Log, Node: 0, Peer: trace.None}), check.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckLiveness(context.Background(), tt.tr, LivenessOptions{Bound: 200 * ms})
			assert.Equal(t, tt.want, r.Verdict, r.Detail)

		})
	}
}

func cas(k, expected, v string) kv.Input {
	return kv.Input{Op: kv.OpCAS, Key: k, Expected: expected, Value: v}
}

// casOp is a completed cas that swapped or not.
func casOp(client string, call, r int64, in kv.Input, swapped bool) kv.Operation {
	out := kv.CASOutput(swapped)
	return kv.Operation{Client: client, Call: call, Return: ret(r), Input: in, Output: &out}
}

func unknownOp(client string, call, r int64, in kv.Input) kv.Operation {
	out := kv.UnknownOutput()
	return kv.Operation{Client: client, Call: call, Return: ret(r), Input: in, Output: &out}
}

func TestCompareAndSet(t *testing.T) {
	tests := []struct {
		name string
		ops  []kv.Operation
		want check.Verdict
	}{
		{"swaps a missing key", []kv.Operation{casOp("c0", 0, 1, cas("x", "", "a"), true), op("c0", 2, 3, get("x"), "a")}, check.Pass},
		{"refused, nothing changes", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""), casOp("c1", 2, 3, cas("x", "b", "c"), false), op("c0", 4, 5, get("x"), "a")}, check.Pass},
		{"two racing cas, one wins", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""),
			casOp("c1", 2, 10, cas("x", "a", "b"), true), casOp("c2", 2, 10, cas("x", "a", "c"), false), op("c0", 11, 12, get("x"), "b")}, check.Pass},
		{"cas after a concurrent put", []kv.Operation{op("c0", 0, 10, put("x", "a"), ""), casOp("c1", 5, 6, cas("x", "a", "b"), true), op("c0", 11, 12, get("x"), "b")}, check.Pass},
		{"unknown cas may swap later", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""), unknownOp("c1", 2, 3, cas("x", "a", "b")),
			op("c0", 4, 5, get("x"), "a"), op("c0", 6, 7, get("x"), "b")}, check.Pass},
		{"unknown cas may never happen", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""), unknownOp("c1", 2, 3, cas("x", "a", "b")),
			op("c0", 6, 7, get("x"), "a")}, check.Pass},
		{"two racing cas both swap", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""),
			casOp("c1", 2, 10, cas("x", "a", "b"), true), casOp("c2", 2, 10, cas("x", "a", "c"), true)}, check.Fail},
		{"refused although it matched", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""), casOp("c1", 2, 3, cas("x", "a", "b"), false)}, check.Fail},
		{"swapped although it did not match", []kv.Operation{op("c0", 0, 1, put("x", "a"), ""), casOp("c1", 2, 3, cas("x", "z", "b"), true)}, check.Fail},
		{"swap lost", []kv.Operation{casOp("c1", 0, 1, cas("x", "", "b"), true), op("c0", 2, 3, get("x"), "")}, check.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(context.Background(), &kv.History{Name: "t", Operations: tt.ops}, &Options{Timeout: 5 * time.Second, NoVisualize: true})
			assert.Equal(t, tt.want, r.Verdict, r.Detail)
		})
	}
}

// The violation names the key, the first unexplained operation and its
// client, and the visualization shows that key.
func TestViolationExplained(t *testing.T) {
	ops := []kv.Operation{op("c0", 0, 1, put("a", "1"), ""), op("c1", 0, 1, put("b", "1"), ""),
		casOp("c1", 2, 10, cas("b", "1", "2"), true), casOp("c2", 3, 11, cas("b", "1", "3"), true), op("c0", 2, 3, get("a"), "1")}
	dir := t.TempDir()
	r := Check(context.Background(), &kv.History{Name: "t", Operations: ops}, &Options{Timeout: 5 * time.Second, Dir: dir})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "on key b explains")
	assert.Contains(t, r.Detail, `first unexplained: cas(b, "1"→"3") → ok by c2`)
	assert.Equal(t, []string{"c2"}, r.Nodes)
	assert.Equal(t, 11*time.Nanosecond, r.At)
	require.Len(t, r.Artifacts, 1)
	html, err := os.ReadFile(r.Artifacts[0])
	require.NoError(t, err)
	assert.Contains(t, string(html), `cas(b, \"1\"→\"3\") → ok`)
}

// A failing verdict is decided and explained within the check's one time
// budget, even when another key would take far longer to search (defect 2:
// the old code searched the whole history a second time for the
// visualization, with a budget of its own, so a failure took twice the
// timeout and overran its caller's deadline).
func TestFailureHonoursTheDeadline(t *testing.T) {
	// Key "a": a read from nowhere, decided at once. Key "b": 11 concurrent
	// appends and a read of one particular order of them, which porcupine
	// finds only after trying most of the 11! orders.
	ops := []kv.Operation{op("c0", 0, 1, get("a"), "ghost")}
	order := []int{7, 2, 9, 0, 5, 10, 3, 8, 1, 6, 4}
	want := ""
	for _, i := range order {
		want += fmt.Sprintf("<%d>", i)
	}
	for i := range 11 {
		ops = append(ops, op(fmt.Sprintf("w%d", i), 10, 20, appnd("b", fmt.Sprintf("<%d>", i)), ""))
	}
	ops = append(ops, op("r", 30, 31, get("b"), want))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := Check(ctx, &kv.History{Name: "t", Operations: ops}, &Options{Timeout: 5 * time.Second, Dir: t.TempDir()})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "on key a explains")
	assert.NoError(t, ctx.Err(), "the check must return before its deadline")
	assert.Len(t, r.Artifacts, 1)
}

// The example in FormatHelp is a valid history, and linearizable.
func TestFormatHelpExample(t *testing.T) {
	start := strings.Index(FormatHelp, `  {"format"`)
	end := strings.Index(FormatHelp[start:], "]}\n") + start + 2
	path := writeHistory(t, FormatHelp[start:end])
	r, err := CheckFile(path, FormatJSON, &Options{NoVisualize: true})
	require.NoError(t, err)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "5 operations (2 with an unknown outcome) of 4 clients on 2 keys")
}

// TestSeveralFailingKeysReportTheLowest: when more than one key is not
// linearizable, the verdict names the lowest key whichever search ends
// first (the searches run at once; the detail must not depend on that).
// The easy violation is on the last key, so it tends to be found first.
func TestSeveralFailingKeysReportTheLowest(t *testing.T) {
	var ops []kv.Operation
	// k1: a stale read behind a crowd of concurrent appends (a longer search).
	for c := range 6 {
		ops = append(ops, op(fmt.Sprintf("c%d", c), 0, 100, appnd("k1", fmt.Sprint(c)), ""))
	}
	ops = append(ops, op("c9", 101, 102, get("k1"), "ghost"))
	// k2..k5: fine; k6: read from nowhere, found at once.
	for k := 2; k <= 5; k++ {
		ops = append(ops, op("c0", 200, 201, put(fmt.Sprintf("k%d", k), "v"), ""))
	}
	ops = append(ops, op("c1", 300, 301, get("k6"), "ghost"))
	for i := range 30 {
		r := Check(context.Background(), &kv.History{Name: "t", Operations: ops}, &Options{Timeout: 5 * time.Second, Dir: t.TempDir()})
		require.Equal(t, check.Fail, r.Verdict, r.Detail)
		require.Contains(t, r.Detail, "key k1", "run %d", i)
	}
}

// Read event by event as a run is recorded (the spec's Observe, folded
// here over the trace), a history gets what CheckTrace gives it: the same
// verdict, detail and events, and a violation drawn with the same faults.
func TestObservedAsTheWholeTrace(t *testing.T) {
	spec := Specs()[0]
	require.NotNil(t, spec.Observe)
	observed := check.Fold(Name, spec.Observe)
	broken := traceOf("v1")
	broken.Append(trace.Event{Time: 20 * time.Millisecond, Kind: trace.Return, Node: 3, Peer: trace.None, Op: 99, Data: json.RawMessage(`{"value":""}`)})
	for name, tr := range map[string]func() *trace.Trace{
		"passes": func() *trace.Trace { return traceOf("v1w") },
		"fails":  func() *trace.Trace { return traceOf("w") },
		"broken": func() *trace.Trace { return broken },
	} {
		dir := t.TempDir() // the detail names the drawing's path
		whole := CheckTrace(context.Background(), tr(), &Options{Dir: dir})
		var drawn [][]byte
		for _, path := range whole.Artifacts {
			a, err := os.ReadFile(path)
			require.NoError(t, err)
			drawn = append(drawn, a)
		}
		got := observed(context.Background(), tr(), &Options{Dir: dir})
		assert.Equal(t, whole.Verdict, got.Verdict, name)
		assert.Equal(t, whole.Detail, got.Detail, name)
		assert.Equal(t, whole.Events, got.Events, name)
		assert.Equal(t, whole.At, got.At, name)
		require.Len(t, got.Artifacts, len(whole.Artifacts), name)
		for i, path := range got.Artifacts {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Contains(t, string(b), "partition {n0} | {n1,n2}", name)
			a := drawn[i]
			assert.Equal(t, len(a), len(b), "%s: the same drawing", name)
		}
	}
}
