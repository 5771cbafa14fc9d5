package checktest

import (
	"context"
	"encoding/json"
	"slices"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// Observed judges a trace as a session does while the run is recorded:
// event by event through the check's Observer, only the kinds it asks
// for, each event lent — its payload overwritten, and the event reused,
// once Observe returns — so an observer that keeps a reference to what it
// was lent judges the wrong thing, and its test fails.
func Observed(ctx context.Context, spec check.Spec, tr *trace.Trace, opts any) check.Result {
	o := spec.Observe(tr.Header, opts)
	wanted := check.Wanted(o)
	var e trace.Event
	for i := range tr.Scan(wanted, 0, tr.Len()) {
		tr.Fill(i, &e)
		var data []byte
		if raw, ok := e.Data.(json.RawMessage); ok {
			data = slices.Clone(raw)
			e.Data = json.RawMessage(data)
		}
		var body []byte
		if raw, ok := e.Body.(json.RawMessage); ok {
			body = slices.Clone(raw)
			e.Body = json.RawMessage(body)
		}
		o.Observe(&e)
		for _, b := range [][]byte{data, body} {
			for j := range b {
				b[j] = 'x'
			}
		}
		e = trace.Event{Index: -1, Name: "lent", Value: "lent"}
	}
	return o.Finish(ctx)
}
