package linearizability

import (
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/anishathalye/porcupine"

	"distlab/contract/kv"
)

// The model's own compact forms of an operation: porcupine calls Step
// millions of times, so the input and output it sees are small values.
type (
	modelOp uint8
	modelIn struct {
		op                   modelOp
		key, value, expected string
	}
	modelOut struct {
		value       string
		ok, unknown bool
	}
)

const (
	mGet modelOp = iota
	mPut
	mAppend
	mCAS
)

var modelOps = map[string]modelOp{kv.OpGet: mGet, kv.OpPut: mPut, kv.OpAppend: mAppend, kv.OpCAS: mCAS}

// hashSeed is fixed per process; verdicts never depend on hash values.
var hashSeed = maphash.MakeSeed()

// kvModel is kv's model (see contract/kv) partitioned by key, so each
// key's state is a single string and each key is checked on its own. Its
// Hash lets porcupine memoize visited states cheaply: without it, a
// 50-client append history took 9–83 s instead of under a second.
var kvModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return "" },
	Step:      step,
	Equal:     func(a, b any) bool { return a.(string) == b.(string) },
	Hash:      func(state any) uint64 { return maphash.String(hashSeed, state.(string)) },
	DescribeOperation: func(input, output any) string {
		return describe(input.(modelIn), output.(modelOut))
	},
	DescribeState: func(state any) string { return fmt.Sprintf("%q", state) },
}

func step(state, input, output any) (bool, any) {
	st, in, out := state.(string), input.(modelIn), output.(modelOut)
	switch in.op {
	case mGet:
		return out.unknown || out.value == st, st
	case mPut:
		return true, in.value
	case mAppend:
		return true, st + in.value
	case mCAS:
		swapped := st == in.expected
		next := st
		if swapped {
			next = in.value
		}
		return out.unknown || out.ok == swapped, next
	}
	return false, st
}

// partitionByKey splits a history by key, keys in order (k2 before k10).
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	index := map[string]int{}
	var out [][]porcupine.Operation
	for _, op := range history {
		k := op.Input.(modelIn).key
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], op)
	}
	slices.SortFunc(out, func(a, b []porcupine.Operation) int {
		return compareNames(a[0].Input.(modelIn).key, b[0].Input.(modelIn).key)
	})
	return out
}

func toModel(op kv.Operation) (modelIn, modelOut) {
	in := modelIn{op: modelOps[op.Input.Op], key: op.Input.Key, value: op.Input.Value, expected: op.Input.Expected}
	out := modelOut{unknown: !op.Known()}
	if !out.unknown {
		out.value = op.Output.Value
		out.ok = op.Output.OK != nil && *op.Output.OK
	}
	return in, out
}

func fromModel(in modelIn, out modelOut) (kv.Input, *kv.Output) {
	names := [...]string{mGet: kv.OpGet, mPut: kv.OpPut, mAppend: kv.OpAppend, mCAS: kv.OpCAS}
	kin := kv.Input{Op: names[in.op], Key: in.key, Value: in.value, Expected: in.expected}
	kout := &kv.Output{Value: out.value, Unknown: out.unknown}
	if in.op == mCAS && !out.unknown {
		kout.OK = &out.ok
	}
	return kin, kout
}

func describe(in modelIn, out modelOut) string {
	kin, kout := fromModel(in, out)
	return kv.Describe(kin, kout)
}
