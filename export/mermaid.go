package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"distlab/simnet/trace"
)

// MermaidOptions shape a Mermaid sequence diagram.
type MermaidOptions struct {
	Window
	// MaxMessages is the most messages a diagram may hold (default
	// MermaidMaxMessages); beyond it Mermaid diagrams stop being readable.
	// More is an error unless Truncate is set, which cuts the diagram
	// there with a note.
	MaxMessages int
	Truncate    bool
	// Timers adds a note for every timer that fires; States one for every
	// published state change. Marks, crashes, restarts and network faults
	// are always shown.
	Timers bool
	States bool
}

// MermaidMaxMessages is the default most messages in a Mermaid diagram.
const MermaidMaxMessages = 150

// Mermaid writes a sequence diagram: one participant per node, each message
// drawn at its delivery (a duplicate as an open arrow), a lost one as a
// cross where it was lost, and notes for marks, crashes and partitions.
func Mermaid(w io.Writer, tr *trace.Trace, opts MermaidOptions) error {
	limit := opts.MaxMessages
	if limit <= 0 {
		limit = MermaidMaxMessages
	}
	desc := trace.NewDescriber(tr)
	msgs := 0
	for i := range tr.Len() {
		if k := tr.At(i).Kind; (k == trace.Deliver || k == trace.Drop) && opts.has(tr.At(i).Time) {
			msgs++
		}
	}
	if msgs > limit && !opts.Truncate {
		return fmt.Errorf("mermaid: %d messages is too many for a sequence diagram (limit %d): narrow the time window (--from, --to), raise the limit (--max-messages %d), or cut the diagram (--truncate)", msgs, limit, msgs)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("sequenceDiagram\n")
	if h := tr.Header; h.Scenario != "" || h.Algorithm != "" {
		fmt.Fprintf(bw, "    %%%% %s %s seed %d\n", h.Scenario, h.Algorithm, h.Seed)
	}
	names := tr.Header.Nodes
	id := mermaidIDs(names)
	for i, n := range names {
		fmt.Fprintf(bw, "    participant %s as %s\n", id[i], mermaidText(n))
	}
	node := func(n trace.NodeID) string {
		if n < 0 || int(n) >= len(id) {
			return ""
		}
		return id[n]
	}
	all := ""
	if len(id) > 0 {
		all = id[0]
		if len(id) > 1 {
			all += "," + id[len(id)-1]
		}
	}
	delivered := map[int64]bool{}
	drawn := 0
	for i := range tr.Len() {
		e := tr.At(i)
		if !opts.has(e.Time) {
			continue
		}
		if drawn >= limit {
			if all != "" {
				fmt.Fprintf(bw, "    Note over %s: … cut here: %d more messages\n", all, msgs-drawn)
			}
			break
		}
		at := e.Time.String()
		switch e.Kind {
		case trace.Deliver:
			arrow, extra := "->>", ""
			if delivered[e.Msg] {
				arrow, extra = "-)", " (duplicate)"
			}
			delivered[e.Msg] = true
			text := strings.TrimSpace(e.Name + " " + trace.CompactJSON(desc.Body(e.Msg)))
			fmt.Fprintf(bw, "    %s%s%s: %s%s\n", node(e.Peer), arrow, node(e.Node), mermaidText(text), extra)
			drawn++
		case trace.Drop:
			fmt.Fprintf(bw, "    %s-x%s: %s lost (%s)\n", node(e.Node), node(e.Peer), mermaidText(e.Name), mermaidText(e.Value))
			drawn++
		case trace.Crash:
			fmt.Fprintf(bw, "    Note over %s: %s crash\n", node(e.Node), at)
		case trace.Restart:
			fmt.Fprintf(bw, "    Note over %s: %s restart\n", node(e.Node), at)
		case trace.Pause, trace.Resume:
			fmt.Fprintf(bw, "    Note over %s: %s %s\n", node(e.Node), at, mermaidText(desc.Event(e.Index)))
		case trace.Mark:
			fmt.Fprintf(bw, "    Note right of %s: %s\n", node(e.Node), mermaidText(desc.Event(e.Index)))
		case trace.Partition, trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin:
			if all != "" {
				fmt.Fprintf(bw, "    Note over %s: %s %s\n", all, at, mermaidText(desc.Event(e.Index)))
			}
		case trace.TimerFire:
			if opts.Timers {
				fmt.Fprintf(bw, "    Note left of %s: timer %s\n", node(e.Node), mermaidText(e.Name))
			}
		case trace.State:
			if opts.States && e.Name != trace.HighlightKey {
				fmt.Fprintf(bw, "    Note left of %s: %s\n", node(e.Node), mermaidText(e.Name+"="+e.Value))
			}
		case trace.Invoke, trace.Return:
			fmt.Fprintf(bw, "    Note left of %s: %s\n", node(e.Node), mermaidText(desc.Event(e.Index)))
		}
	}
	return bw.Flush()
}

// mermaidID makes a participant id: letters, digits and underscores.
func mermaidID(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "node"
	}
	return b.String()
}

// mermaidKeywords are words Mermaid's sequence syntax reads as its own: a
// participant with such an id would end a block or open one.
var mermaidKeywords = map[string]bool{
	"end": true, "loop": true, "alt": true, "else": true, "opt": true, "par": true, "and": true, "rect": true,
	"critical": true, "option": true, "break": true, "note": true, "over": true, "left": true, "right": true, "of": true,
	"participant": true, "actor": true, "as": true, "activate": true, "deactivate": true, "autonumber": true,
	"box": true, "create": true, "destroy": true, "link": true, "links": true, "title": true, "sequencediagram": true,
}

// mermaidIDs gives every node an id that is a plain word, no Mermaid
// keyword, and its own: names that read the same once cleaned ("c-1" and
// "c_1") get a suffix with their index.
func mermaidIDs(names []string) []string {
	ids := make([]string, len(names))
	count := map[string]int{}
	for i, n := range names {
		ids[i] = mermaidID(n)
		count[strings.ToLower(ids[i])]++
	}
	taken := map[string]bool{}
	for i := range ids {
		low := strings.ToLower(ids[i])
		if ids[i][0] >= '0' && ids[i][0] <= '9' {
			ids[i] = "p" + ids[i] // an id starts with a letter
		}
		if mermaidKeywords[low] || count[low] > 1 {
			ids[i] = fmt.Sprintf("%s_%d", ids[i], i)
		}
		for taken[strings.ToLower(ids[i])] {
			ids[i] += "_"
		}
		taken[strings.ToLower(ids[i])] = true
	}
	return ids
}

// mermaidText escapes what Mermaid's sequence syntax reads specially: '#'
// starts an entity, ';' ends a statement, a quote may open a string, line
// breaks end a line.
func mermaidText(s string) string {
	return mermaidEscaper.Replace(oneLine(s))
}

var mermaidEscaper = strings.NewReplacer("#", "#35;", ";", "#59;", `"`, "#quot;")
