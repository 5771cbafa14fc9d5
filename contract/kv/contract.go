package kv

import (
	"reflect"

	"distlab/contract"
)

// Contract describes the key-value family's client history: every
// operation a client invokes and what it returned.
var Contract = &contract.Contract{
	Name: "kv",
	Doc:  "a key-value service's client history: get, put and append operations with their results",
	Ops:  &contract.Ops{Input: reflect.TypeFor[Input](), Output: reflect.TypeFor[Output](), Doc: "Input at Invoke, Output at Return"},
}
