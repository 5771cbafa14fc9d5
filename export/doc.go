// Package export writes a trace as something to show outside the terminal:
// the space-time diagram as a self-contained SVG or HTML page (for slides),
// a Mermaid sequence diagram (for small traces, pasted into Markdown), and a
// ShiViz log (to explore the run in DistributedClocks/ShiViz).
//
// Every writer has the same shape and reads only the trace:
//
//	err := export.SVG(w, tr, export.SVGOptions{})
//	err := export.HTML(w, tr, export.SVGOptions{Verdicts: results})
//	err := export.Mermaid(w, tr, export.MermaidOptions{})
//	err := export.ShiViz(w, tr, export.ShiVizOptions{})
package export

import (
	"encoding/json"
	"strings"
	"time"

	"distlab/simnet/trace"
)

// Window limits an export to the events with From <= Time <= To (To zero:
// to the end).
type Window struct {
	From time.Duration
	To   time.Duration
}

func (w Window) has(t time.Duration) bool {
	return t >= w.From && (w.To == 0 || t <= w.To)
}

// oneLine removes line breaks (every format here is line-based).
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return strings.ReplaceAll(s, "\r", "")
}

// describe is an event's one-line description, shared by the formats.
func describe(tr *trace.Trace, e *trace.Event, body json.RawMessage) string {
	n := tr.NodeName
	switch e.Kind {
	case trace.Send:
		return strings.TrimSpace("send " + e.Name + " to " + n(e.Peer) + " " + trace.CompactJSON(body))
	case trace.Deliver:
		return strings.TrimSpace("receive " + e.Name + " from " + n(e.Peer) + " " + trace.CompactJSON(body))
	case trace.Drop:
		return "lost " + e.Name + " to " + n(e.Peer) + " (" + e.Value + ")"
	case trace.Duplicate:
		return "network duplicates " + e.Name + " to " + n(e.Peer)
	case trace.TimerFire:
		return "timer " + e.Name
	case trace.TimerSet:
		return "set timer " + e.Name + " +" + e.Value
	case trace.TimerCancel:
		return "cancel timer"
	case trace.Crash:
		return "crash (" + oneLine(e.Value) + ")"
	case trace.Restart:
		return "restart"
	case trace.Start:
		return "start"
	case trace.State:
		return e.Name + "=" + e.Value
	case trace.Mark:
		return strings.TrimSpace(e.Name + " " + trace.CompactJSON(e.Data))
	case trace.Invoke:
		return strings.TrimSpace("invoke " + trace.CompactJSON(e.Data))
	case trace.Return:
		return strings.TrimSpace("return " + trace.CompactJSON(e.Data))
	case trace.Log:
		return oneLine(e.Value)
	case trace.Error:
		return "error: " + oneLine(e.Value)
	case trace.Partition:
		return "partition " + tr.DescribeGroups(e.Groups)
	case trace.Heal:
		return "heal"
	case trace.Cut:
		return "cut " + n(e.Node) + "→" + n(e.Peer)
	case trace.Isolate:
		return "isolate " + n(e.Node)
	case trace.Rejoin:
		return "rejoin " + n(e.Node)
	}
	return e.Kind.String()
}

// bodies maps message id → the message's body (from its Send event).
func bodies(tr *trace.Trace) map[int64]json.RawMessage {
	m := map[int64]json.RawMessage{}
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == trace.Send {
			m[e.Msg] = e.BodyJSON()
		}
	}
	return m
}
