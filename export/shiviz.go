package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"distlab/simnet/trace"
)

// ShiVizRegex is the first line of a ShiViz log: each event is two lines,
// its description, then its host and vector clock. It is ShiViz's default
// parser, so the log also opens when pasted without its first two lines.
const ShiVizRegex = `(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`

// ShiVizDefaultKinds are the events exported unless ShiVizOptions.Kinds says
// otherwise: what a node does, not the simulator's bookkeeping (timer set
// and cancel, the first start) nor network events, which have no host.
var ShiVizDefaultKinds = []trace.Kind{trace.Send, trace.Deliver, trace.Drop, trace.TimerFire, trace.Crash,
	trace.Restart, trace.State, trace.Mark, trace.Invoke, trace.Return, trace.Log, trace.Error}

// ShiVizOptions choose what to export.
type ShiVizOptions struct {
	Window
	// Kinds to export (nil: ShiVizDefaultKinds). Kinds without a node
	// (partition, heal) are never exported: ShiViz events need a host.
	Kinds []trace.Kind
}

// ShiViz writes the trace as a ShiViz log: the parser regex, an empty
// execution delimiter (one execution), then every exported event with its
// vector clock. The clocks are recomputed over exactly the exported events:
// each host counts its own events 1, 2, 3…, and a delivery merges the clock
// of its send when that send is exported (a message whose send falls
// outside the window carries no happens-before edge). This is what ShiViz
// checks, and it rejects a log whose clocks break it.
func ShiViz(w io.Writer, tr *trace.Trace, opts ShiVizOptions) error {
	kinds := opts.Kinds
	if kinds == nil {
		kinds = ShiVizDefaultKinds
	}
	var want [32]bool
	for _, k := range kinds {
		if int(k) < len(want) {
			want[k] = true
		}
	}
	names := tr.Header.Nodes
	for _, name := range names {
		if !validHost(name) {
			return fmt.Errorf("shiviz: node name %q has white space; ShiViz hosts cannot", name)
		}
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n\n", ShiVizRegex)
	clocks := make([]map[string]int, len(names))
	for i := range clocks {
		clocks[i] = map[string]int{}
	}
	sent := map[int64]map[string]int{}
	desc := trace.NewDescriber(tr)
	n := 0
	for i := range tr.Len() {
		e := tr.At(i)
		if !want[e.Kind] || e.Kind.IsNetwork() || e.Node < 0 || int(e.Node) >= len(names) || !opts.has(e.Time) {
			continue
		}
		host := names[e.Node]
		vc := clocks[e.Node]
		if e.Kind == trace.Deliver {
			for h, c := range sent[e.Msg] {
				vc[h] = max(vc[h], c)
			}
		}
		vc[host]++
		if e.Kind == trace.Send {
			sent[e.Msg] = cloneClock(vc)
		}
		enc, err := json.Marshal(vc) // map keys come out sorted: deterministic
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "[%s] %s\n%s %s\n", e.Time, desc.Event(e.Index), host, enc)
		n++
	}
	if n == 0 {
		return fmt.Errorf("shiviz: no events to export (ShiViz needs at least one)")
	}
	return bw.Flush()
}

func cloneClock(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// validHost checks names are usable as ShiViz hosts (\S*): no spaces.
func validHost(name string) bool {
	return name != "" && !slices.ContainsFunc([]rune(name), func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
}
