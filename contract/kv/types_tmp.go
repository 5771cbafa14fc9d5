// Package kv is the key-value family's contract: the client history that
// the Raft-KV service's clients record and the linearizability checker
// reads.
package kv

// TEMPORARY: the history types are moving here from algorithms/raft and
// checkers/linearizability in the linearizability branch; this file goes
// when it lands.

// The operations.
const (
	OpGet    = "get"
	OpPut    = "put"
	OpAppend = "append"
)

// Input is an operation as a client records it at Invoke.
type Input struct {
	Op    string `json:"op"`
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// Output is an operation's result as recorded at Return.
type Output struct {
	Value   string `json:"value"`
	Unknown bool   `json:"unknown,omitempty"`
}
