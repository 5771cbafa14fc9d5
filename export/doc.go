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
	"strings"
	"time"
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
