package kv

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		in   Input
		want string // "" for valid
	}{
		{Input{Op: OpGet, Key: "k"}, ""},
		{Input{Op: OpPut, Key: "k", Value: "v"}, ""},
		{Input{Op: OpAppend, Key: "k", Value: "v"}, ""},
		{Input{Op: OpCAS, Key: "k", Expected: "a", Value: "b"}, ""},
		{Input{Op: OpCAS, Key: "k"}, ""}, // expects a missing key, sets ""
		{Input{Op: "incr", Key: "k"}, `op: "incr" is not one of get, put, append, cas`},
		{Input{Op: OpGet, Key: "k", Value: "v"}, `value: a get has no value (got "v")`},
		{Input{Op: OpPut, Key: "k", Expected: "a"}, "expected: only a cas has one (this is a put)"},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		if tt.want == "" {
			assert.NoError(t, err, "%+v", tt.in)
		} else {
			assert.EqualError(t, err, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	ok, out := CASOutput(true), &Output{Value: "x"}
	unknown := UnknownOutput()
	failed := CASOutput(false)
	assert.Equal(t, `get(k) → "x"`, Describe(Input{Op: OpGet, Key: "k"}, out))
	assert.Equal(t, `put(k, "v")`, Describe(Input{Op: OpPut, Key: "k", Value: "v"}, &Output{}))
	assert.Equal(t, `cas(k, "a"→"b") → ok`, Describe(Input{Op: OpCAS, Key: "k", Expected: "a", Value: "b"}, &ok))
	assert.Equal(t, `cas(k, "a"→"b") → failed`, Describe(Input{Op: OpCAS, Key: "k", Expected: "a", Value: "b"}, &failed))
	assert.Equal(t, `append(k, "v") → unknown`, Describe(Input{Op: OpAppend, Key: "k", Value: "v"}, &unknown))
	assert.Equal(t, `get(k)`, Describe(Input{Op: OpGet, Key: "k"}, nil))
}

// What clients write into traces: a cas's output always says ok, true or
// false; the others' never do.
func TestOutputJSON(t *testing.T) {
	for _, tt := range []struct {
		out  Output
		want string
	}{
		{CASOutput(true), `{"value":"","ok":true}`},
		{CASOutput(false), `{"value":"","ok":false}`},
		{Output{Value: "x"}, `{"value":"x"}`},
		{UnknownOutput(), `{"value":"","unknown":true}`},
	} {
		data, err := json.Marshal(tt.out)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(data))
	}
}

func TestKnown(t *testing.T) {
	at := int64(5)
	unknown := UnknownOutput()
	assert.True(t, (&Operation{Return: &at, Output: &Output{}}).Known())
	assert.False(t, (&Operation{Return: &at, Output: &unknown}).Known())
	assert.False(t, (&Operation{}).Known(), "never returned")
}

// The JSON Schema says what this package says: the same operations, the
// same fields, the same required ones.
func TestSchemaMatchesTheTypes(t *testing.T) {
	data, err := os.ReadFile("history.schema.json")
	require.NoError(t, err)
	var schema struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(data, &schema))
	var op struct {
		Enum []string `json:"enum"`
	}
	require.NoError(t, json.Unmarshal(schema.Defs["input"].Properties["op"], &op))
	assert.Equal(t, Ops, op.Enum)
	var format struct {
		Const string `json:"const"`
	}
	require.NoError(t, json.Unmarshal(schema.Properties["format"], &format))
	assert.Equal(t, FormatName, format.Const)

	fields := func(v any) []string {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m))
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		return keys
	}
	props := func(def string) []string {
		var keys []string
		for k := range schema.Defs[def].Properties {
			keys = append(keys, k)
		}
		return keys
	}
	at, ok := int64(1), true
	full := Operation{Client: "c", Call: 1, Return: &at, Input: Input{Op: OpCAS, Key: "k", Value: "v", Expected: "e"},
		Output: &Output{Value: "v", OK: &ok, Unknown: true}}
	assert.ElementsMatch(t, fields(full), props("operation"))
	assert.ElementsMatch(t, fields(full.Input), props("input"))
	assert.ElementsMatch(t, fields(*full.Output), props("output"))
	assert.ElementsMatch(t, fields(Annotation{Tag: "t", Start: 1, End: 2, Description: "d", Details: "x", Color: "c"}), props("annotation"))
	assert.ElementsMatch(t, []string{"format", "version", "operations"}, schema.Required)
	assert.ElementsMatch(t, []string{"client", "call", "input"}, schema.Defs["operation"].Required)
	assert.ElementsMatch(t, []string{"op", "key"}, schema.Defs["input"].Required)
}
