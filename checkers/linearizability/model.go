package linearizability

import (
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"
)

// kvModel is a key-value map partitioned by key, so each key's state is a
// single string and each key is checked on its own.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		keys := partitionKeys(history)
		out := make([][]porcupine.Operation, len(keys))
		for i, k := range keys {
			out[i] = opsOfKey(history, k)
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(string), input.(Input), output.(Output)
		switch in.Op {
		case OpGet:
			return out.Unknown || out.Value == st, st
		case OpPut:
			return true, in.Value
		case OpAppend:
			return true, st + in.Value
		}
		return false, st
	},
	DescribeOperation: func(input, output any) string { return describe(input, output) },
	DescribeState: func(state any) string {
		return fmt.Sprintf("%q", state)
	},
}

// partitionKeys lists the history's keys, sorted: the order of the
// partitions the model makes.
func partitionKeys(history []porcupine.Operation) []string {
	var keys []string
	seen := map[string]bool{}
	for _, op := range history {
		k := op.Input.(Input).Key
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func opsOfKey(history []porcupine.Operation, key string) []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range history {
		if op.Input.(Input).Key == key {
			out = append(out, op)
		}
	}
	return out
}

func describe(input, output any) string {
	in, out := input.(Input), output.(Output)
	res := fmt.Sprintf("%q", out.Value)
	if out.Unknown {
		res = "unknown"
	}
	switch in.Op {
	case OpGet:
		return fmt.Sprintf("get(%s) → %s", in.Key, res)
	case OpPut:
		if out.Unknown {
			return fmt.Sprintf("put(%s, %q) → unknown", in.Key, in.Value)
		}
		return fmt.Sprintf("put(%s, %q)", in.Key, in.Value)
	default:
		if out.Unknown {
			return fmt.Sprintf("append(%s, %q) → unknown", in.Key, in.Value)
		}
		return fmt.Sprintf("append(%s, %q)", in.Key, in.Value)
	}
}
