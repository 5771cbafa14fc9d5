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

// compact shortens JSON for a label: {"Term":1,"Seq":3} → {Term:1 Seq:3}.
func compact(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if i+1 < len(raw) && raw[i+1] == ':' {
					continue
				}
			}
			b.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			inStr = true
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			if j+1 < len(raw) && raw[j+1] == ':' {
				continue
			}
			b.WriteByte(c)
		case ',':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
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
		return strings.TrimSpace("send " + e.Name + " to " + n(e.Peer) + " " + compact(body))
	case trace.Deliver:
		return strings.TrimSpace("receive " + e.Name + " from " + n(e.Peer) + " " + compact(body))
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
		return strings.TrimSpace(e.Name + " " + compact(e.Data))
	case trace.Invoke:
		return strings.TrimSpace("invoke " + compact(e.Data))
	case trace.Return:
		return strings.TrimSpace("return " + compact(e.Data))
	case trace.Log:
		return oneLine(e.Value)
	case trace.Error:
		return "error: " + oneLine(e.Value)
	case trace.Partition:
		return "partition " + groups(tr, e.Groups)
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

func groups(tr *trace.Trace, gs [][]trace.NodeID) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		names := make([]string, len(g))
		for j, id := range g {
			names[j] = tr.NodeName(id)
		}
		parts[i] = "{" + strings.Join(names, ",") + "}"
	}
	return strings.Join(parts, " | ")
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
