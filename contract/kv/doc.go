// Package kv is the key-value family's contract: what a key-value service's
// clients record and what the linearizability checker reads. Both sides
// import it, so the two cannot drift apart.
//
// A client records each operation in the trace as a pair of events: the
// Data of its Invoke is an Input, the Data of its Return an Output.
//
//	op := env.Invoke(kv.Input{Op: kv.OpCAS, Key: "k1", Expected: "a", Value: "b"})
//	…
//	env.Return(op, kv.CASOutput(true))
//
// A history file (History, written by `distlab check` users and by tools
// outside distlab) holds the same Input and Output objects, one Operation
// each, with call and return times; history.schema.json in this folder is
// its JSON Schema.
//
// The model the checker applies: a map of string keys to string values; a
// missing key reads "". get returns the value, put replaces it, append
// concatenates to it, and cas (compare-and-set, as etcd's transactions and
// Jepsen's cas-register) replaces it with Value only if it equals Expected,
// reporting whether it did. An operation whose outcome the client does not
// know (it gave up waiting, or the run ended first; Jepsen's :info) may have
// taken effect at any moment after its call, or never.
//
// This package imports nothing of distlab: it is a leaf both sides can use.
package kv
