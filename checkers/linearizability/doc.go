// Package linearizability checks a key-value client history for
// linearizability with porcupine (github.com/anishathalye/porcupine), and
// that clients get their answers once the faults are over (kv-liveness).
//
// The history comes from a trace (clients' Invoke and Return events, whose
// Data are contract/kv's Input and Output) or from a file, so that a
// history produced elsewhere can be checked with `distlab check FILE`: a
// distlab history (JSON, kv.History; its JSON Schema is
// contract/kv/history.schema.json) or a Jepsen history (EDN, one operation
// event a line). FormatHelp describes both; ReadHistoryFormat reads them.
// Bad files are errors that name the line, the operation and the field.
//
// The model is contract/kv's: a map of string keys to string values with
// get, put, append and cas, partitioned by key, with a state hash so
// porcupine memoizes the states it has seen. Intervals are closed. An
// operation whose outcome is unknown — it never returned, or returned
// {"unknown": true} — may take effect at any moment after its call, or
// never (Jepsen's :info): it is given the end of the history as its
// return, and a get among them is left out since it constrains nothing.
//
// Each key is searched on its own, all keys at once; the first violation
// stops the others. The violating key is then searched once more, with
// porcupine's partial linearizations, to name the first operation no
// order explains and to draw porcupine's HTML visualization, annotated
// with the run's partitions, crashes, restarts and leaders. Both searches
// share the check's one time budget; past it the verdict is Unknown, never
// Pass (a failure already found stands, without its explanation). A
// history with nothing to check is Unknown too: no evidence, no pass.
package linearizability
