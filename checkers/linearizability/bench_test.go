package linearizability

import (
	"context"
	"fmt"
	"hash/fnv"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"distlab/checkers/check"
	"distlab/contract/kv"
)

// refInput, refOutput and refModel are porcupine's own reference key-value
// model (kvModel in porcupine_test.go, v1.3.1), copied so the benchmark runs
// porcupine exactly as its authors do, beside distlab's checker.
type refInput struct {
	op    uint8 // 0 get, 1 put, 2 append
	key   string
	value string
}

type refOutput struct{ value string }

var refModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		m := make(map[string][]porcupine.Operation)
		for _, v := range history {
			key := v.Input.(refInput).key
			m[key] = append(m[key], v)
		}
		var ret [][]porcupine.Operation
		for _, v := range m {
			ret = append(ret, v)
		}
		return ret
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		inp, out, st := input.(refInput), output.(refOutput), state.(string)
		switch inp.op {
		case 0:
			return out.value == st, state
		case 1:
			return true, inp.value
		default:
			return true, st + inp.value
		}
	},
	Equal: func(state1, state2 any) bool { return state1 == state2 },
	Hash: func(state any) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

// toRef converts a history (get, put and append only) for refModel.
func toRef(ops []kv.Operation) []porcupine.Operation {
	out := make([]porcupine.Operation, 0, len(ops))
	ids := map[string]int{}
	for _, op := range ops {
		id, ok := ids[op.Client]
		if !ok {
			id = len(ids)
			ids[op.Client] = id
		}
		in := refInput{key: op.Input.Key, value: op.Input.Value}
		switch op.Input.Op {
		case kv.OpPut:
			in.op = 1
		case kv.OpAppend:
			in.op = 2
		}
		out = append(out, porcupine.Operation{ClientId: id, Input: in, Call: op.Call, Return: *op.Return, Output: refOutput{op.Output.Value}})
	}
	return out
}

// BenchmarkCheck times distlab's checker (Check, as `distlab check` runs it
// without writing the HTML) and porcupine's own reference
// model on the same generated histories — 10, 50 and 100 clients, 30
// operations each, one key per 5 clients, mostly appends and gets as in
// porcupine's own test histories; linearizable ones, and ones with a stale
// read — and reports both times per history and their ratio. distlab's
// checker is given 2 s (10 s at 100 clients), and every history must be
// decided within it: pass or fail, never unknown.
func BenchmarkCheck(b *testing.B) {
	for _, clients := range []int{10, 50, 100} {
		for _, fail := range []bool{false, true} {
			name := fmt.Sprintf("clients=%d/%s", clients, map[bool]string{false: "pass", true: "fail"}[fail])
			var histories [][]kv.Operation
			for seed := range 4 {
				histories = append(histories, genHistory(uint64(seed+1), clients, 30, clients/5, appendMix, fail))
			}
			bound := 2 * time.Second
			if clients > 50 {
				bound = 10 * time.Second
			}
			b.Run(name, func(b *testing.B) { benchPair(b, histories, !fail, bound) })
		}
	}
}

// BenchmarkCheckPorcupineLogs runs the same comparison on porcupine's own
// 50-client key-value histories (test_data/kv/c50-ok.txt and c50-bad.txt
// in its module), when the module is in the local cache.
func BenchmarkCheckPorcupineLogs(b *testing.B) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	if err != nil {
		b.Skip("porcupine's module folder not found:", err)
	}
	dir := strings.TrimSpace(string(out))
	for _, name := range []string{"c10-ok", "c10-bad", "c50-ok", "c50-bad"} {
		h, err := ReadHistoryFormat(dir+"/test_data/kv/"+name+".txt", FormatJepsen)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			benchPair(b, [][]kv.Operation{h.Operations}, strings.HasSuffix(name, "-ok"), 2*time.Second)
		})
	}
}

func benchPair(b *testing.B, histories [][]kv.Operation, linearizable bool, bound time.Duration) {
	want := map[bool]check.Verdict{true: check.Pass, false: check.Fail}[linearizable]
	refs := make([][]porcupine.Operation, len(histories))
	for i, h := range histories {
		refs[i] = toRef(h)
	}
	var ours, theirs, worst time.Duration
	decide := 0.0 // ms: the verdict alone, without explaining a failure
	for i := 0; i < b.N; i++ {
		k := i % len(histories)
		start := time.Now()
		r := Check(context.Background(), &kv.History{Name: "bench", Operations: histories[k]}, &Options{Timeout: bound, NoVisualize: true})
		d := time.Since(start)
		ours += d
		worst = max(worst, d)
		decide += r.Metrics["check_ms"]
		if r.Verdict != want {
			b.Fatalf("history %d: %s, want %s: %s", k, r.Verdict, want, r.Detail)
		}
		start = time.Now()
		if porcupine.CheckOperations(refModel, refs[k]) != linearizable {
			b.Fatalf("history %d: porcupine disagrees", k)
		}
		theirs += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Microseconds())/1000/n, "distlab-ms/op")
	b.ReportMetric(float64(theirs.Microseconds())/1000/n, "porcupine-ms/op")
	b.ReportMetric(float64(worst.Microseconds())/1000, "distlab-max-ms")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
	if !linearizable {
		// distlab also searches the failing key again, to name the first
		// operation no order explains; porcupine's bare check does not.
		b.ReportMetric(decide/1000/theirs.Seconds(), "decide-ratio")
	}
}
