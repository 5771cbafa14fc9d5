package tui

import (
	"slices"
	"sort"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// index is what the view needs to draw any row quickly: the shared
// replay of the trace (trace.Timeline: network, liveness, highlight and
// published state after any event) and the shared wording of events
// (trace.Describer, which also links deliveries to their sends). Both
// follow a live trace as it grows.
type index struct {
	tr   *trace.Trace
	n    int // events indexed so far
	tl   *trace.Timeline
	desc *trace.Describer
}

func newIndex(tr *trace.Trace) *index {
	ix := &index{tr: tr, tl: trace.NewTimeline(tr), desc: trace.NewDescriber(tr)}
	ix.n = tr.Len()
	return ix
}

func (ix *index) nodes() int { return len(ix.tr.Header.Nodes) }

// extend indexes events appended since the last call; it returns how many.
func (ix *index) extend() int {
	added := ix.tl.Extend()
	ix.desc.Extend()
	ix.n = ix.tr.Len()
	return added
}

// epochAt is the picture in force at event i (after it happened).
func (ix *index) epochAt(i int) *trace.Epoch { return ix.tl.At(i) }

// stateAt returns every node's visible state just after event i.
func (ix *index) stateAt(i int) []map[string]string {
	out := ix.tl.StateAt(i)
	for len(out) < ix.nodes() {
		out = append(out, map[string]string{})
	}
	return out
}

// dup reports whether event i is a second delivery of its message.
func (ix *index) dup(i int) bool { return ix.desc.Duplicate(i) }

// sendEvent returns the Send of message id, or nil.
func (ix *index) sendEvent(id int64) *trace.Event {
	i := ix.desc.SendOf(id)
	if i < 0 {
		return nil
	}
	e := ix.tr.At(i)
	return &e
}

// filter decides which events become rows.
type filter struct {
	all   bool // show every kind, sends and timer bookkeeping included
	nodes []trace.NodeID
	terms []string // lower-case substrings of message type, mark, state key or kind
	text  string   // what the user typed
}

// hiddenByDefault are kinds that would crowd the diagram: a message is drawn
// at its delivery (or loss), a timer when it fires.
var hiddenByDefault = map[trace.Kind]bool{
	trace.Send: true, trace.TimerSet: true, trace.TimerCancel: true, trace.Duplicate: true, trace.Start: true,
}

func (f *filter) match(tr *trace.Trace, e *trace.Event) bool {
	if !f.all && (hiddenByDefault[e.Kind] || (e.Kind == trace.State && e.Name == trace.HighlightKey)) {
		return false // a highlight shows as the lane's style, not as a row
	}
	if len(f.nodes) > 0 && !e.Kind.IsNetwork() {
		if !slices.Contains(f.nodes, e.Node) && !slices.Contains(f.nodes, e.Peer) {
			return false
		}
	}
	if len(f.terms) > 0 {
		name := strings.ToLower(e.Name)
		kind := e.Kind.String()
		ok := false
		for _, t := range f.terms {
			if strings.Contains(name, t) || kind == t {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// parseFilter reads "n1 n2 Ping" style input: node names select lanes,
// anything else matches message types, marks, state keys or kinds.
func parseFilter(tr *trace.Trace, text string, all bool) filter {
	f := filter{all: all, text: strings.TrimSpace(text)}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' }) {
		if id, ok := tr.NodeByName(w); ok {
			f.nodes = append(f.nodes, id)
		} else {
			f.terms = append(f.terms, strings.ToLower(w))
		}
	}
	return f
}

// violations maps failing checks to trace event indexes.
type violation struct {
	event int
	check int // index into the verdicts
}

func findViolations(tr *trace.Trace, verdicts []check.Result) []violation {
	var out []violation
	for ci, r := range verdicts {
		if r.Verdict != check.Fail {
			continue
		}
		evs := r.Events
		if len(evs) == 0 {
			i := sort.Search(tr.Len(), func(i int) bool { return tr.At(i).Time >= r.At })
			if i >= tr.Len() {
				i = tr.Len() - 1
			}
			if i >= 0 {
				evs = []int{i}
			}
		}
		for _, ev := range evs {
			if ev >= 0 && ev < tr.Len() {
				out = append(out, violation{event: ev, check: ci})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].event < out[b].event })
	return out
}
