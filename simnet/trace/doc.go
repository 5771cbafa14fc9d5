// Package trace is the record of one simulated run: plain data that the
// simulator writes and that checkers, the visualizer and exports read.
//
// A trace is a Header (format version, scenario, seed, node names) followed by
// Events in the order they happened. It streams to JSON Lines — the header on
// the first line, one event per line after it — and reads back with Read.
// Nothing here knows about any algorithm: message bodies and mark payloads are
// opaque JSON to this package.
//
//	tr, err := trace.ReadFile("run.jsonl")
//	for _, e := range tr.Events {
//		if e.Kind == trace.Deliver { ... }
//	}
package trace
