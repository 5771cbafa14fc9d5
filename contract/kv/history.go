package kv

// FormatName and FormatVersion identify a history file.
// Version 2 added cas; a version 1 file reads as version 2.
const (
	FormatName    = "distlab-history"
	FormatVersion = 2
)

// History is a client history: what every client asked and saw, with what
// happened around it. Times are nanoseconds (of virtual time, for a
// distlab run).
type History struct {
	Format      string       `json:"format"`
	Version     int          `json:"version"`
	Name        string       `json:"name,omitempty"`
	Operations  []Operation  `json:"operations"`
	Annotations []Annotation `json:"annotations,omitempty"`
}

// Operation is one client operation. Return and Output come together: an
// operation that never returned has neither (its outcome is unknown); one
// that returned without knowing its outcome has Output {"unknown": true}.
type Operation struct {
	Client string  `json:"client"`
	Call   int64   `json:"call"`
	Return *int64  `json:"return,omitempty"`
	Input  Input   `json:"input"`
	Output *Output `json:"output,omitempty"`
}

// Known reports whether the operation's outcome is known: it returned,
// with an output that is not unknown.
func (op *Operation) Known() bool {
	return op.Return != nil && op.Output != nil && !op.Output.Unknown
}

// Annotation is something that happened during the history (a partition,
// a crash, a leader's term), shown alongside it in a visualization.
type Annotation struct {
	Tag         string `json:"tag"`
	Start       int64  `json:"start"`
	End         int64  `json:"end,omitempty"`
	Description string `json:"description"`
	Details     string `json:"details,omitempty"`
	Color       string `json:"color,omitempty"`
}

// End is the latest time in the history.
func (h *History) End() int64 {
	var end int64
	for _, op := range h.Operations {
		end = max(end, op.Call)
		if op.Return != nil {
			end = max(end, *op.Return)
		}
	}
	for _, a := range h.Annotations {
		end = max(end, a.Start, a.End)
	}
	return end
}
