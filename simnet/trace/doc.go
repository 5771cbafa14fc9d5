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
//	for _, e := range tr.All() {
//		if e.Kind == trace.Deliver { ... }
//	}
//
// In memory an event takes 24 bytes (store.go): strings are interned,
// payloads live out of line, and a long run can keep only its latest events
// in memory and the rest in a temporary file (Spill). Readers never see the
// difference: they read through Len, At, Fill and All. World, Net and
// Timeline replay a trace into the state of the run at any event, and
// Describer words events, for every reader alike.
package trace
