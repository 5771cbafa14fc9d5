package kv

import (
	"fmt"
	"slices"
	"strings"
)

// The operations of the key-value model.
const (
	OpGet    = "get"
	OpPut    = "put"
	OpAppend = "append"
	OpCAS    = "cas"
)

// Ops lists the operations, in the order messages name them.
var Ops = []string{OpGet, OpPut, OpAppend, OpCAS}

// Input is an operation as its client issued it, e.g.
// {"op":"put","key":"k1","value":"c0.3;"} or
// {"op":"cas","key":"k1","expected":"c0.3;","value":"c1.7;"}.
// Get has no value; only cas has Expected ("" expects a missing key).
type Input struct {
	Op       string `json:"op"`
	Key      string `json:"key"`
	Value    string `json:"value,omitempty"`
	Expected string `json:"expected,omitempty"`
}

// Validate reports an Input the model cannot apply.
func (in Input) Validate() error {
	if !slices.Contains(Ops, in.Op) {
		return fmt.Errorf("op: %q is not one of %s", in.Op, strings.Join(Ops, ", "))
	}
	if in.Op == OpGet && in.Value != "" {
		return fmt.Errorf("value: a get has no value (got %q)", in.Value)
	}
	if in.Op != OpCAS && in.Expected != "" {
		return fmt.Errorf("expected: only a cas has one (this is a %s)", in.Op)
	}
	return nil
}

// Output is an operation's result as its client saw it, e.g.
// {"value":"c0.3;c2.1;"} for a get, {"value":"","ok":true} for a cas that
// swapped. Value is what a get read ("" for a missing key) and is empty for
// the others. OK is set for a cas only: whether it swapped. Unknown marks an
// operation whose outcome is not known: it may or may not have taken effect.
type Output struct {
	Value   string `json:"value"`
	OK      *bool  `json:"ok,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
}

// CASOutput is a cas's known result.
func CASOutput(swapped bool) Output { return Output{OK: &swapped} }

// UnknownOutput is the result of an operation whose outcome is not known.
func UnknownOutput() Output { return Output{Unknown: true} }

// Describe renders an operation for people: get(k1) → "x",
// cas(k1, "a"→"b") → ok; with a nil output, the call alone.
func Describe(in Input, out *Output) string {
	var s string
	switch in.Op {
	case OpGet:
		s = fmt.Sprintf("get(%s)", in.Key)
	case OpCAS:
		s = fmt.Sprintf("cas(%s, %q→%q)", in.Key, in.Expected, in.Value)
	default:
		s = fmt.Sprintf("%s(%s, %q)", in.Op, in.Key, in.Value)
	}
	switch {
	case out == nil:
		return s
	case out.Unknown:
		return s + " → unknown"
	case in.Op == OpGet:
		return fmt.Sprintf("%s → %q", s, out.Value)
	case in.Op == OpCAS && out.OK != nil && *out.OK:
		return s + " → ok"
	case in.Op == OpCAS && out.OK != nil:
		return s + " → failed"
	}
	return s
}
