package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// index is what the view needs to draw any row quickly: the shared
// replay of the trace (trace.Timeline: network, liveness, highlight and
// published state after any event), the shared wording of events
// (trace.Describer, which also links deliveries to their sends), the
// names the run uses (for filters), and, once asked for, the
// happens-before links (causal.go). All follow a live trace as it grows.
type index struct {
	tr   *trace.Trace
	n    int // events indexed so far
	tl   *trace.Timeline
	desc *trace.Describer
	// names are the message types, marks, state keys and timers of the
	// run: lower case → as written.
	names map[string]string
	seen  map[string]bool // names as written, to lower each once
	// pub: the nodes that published state at least once
	pub []bool
	hb  *hbIndex // nil until the first causal question
}

func newIndex(tr *trace.Trace) *index {
	ix := &index{tr: tr, tl: trace.NewTimeline(tr), desc: trace.NewDescriber(tr), names: map[string]string{}, seen: map[string]bool{}}
	ix.learnNames(0)
	ix.n = tr.Len()
	return ix
}

func (ix *index) nodes() int { return len(ix.tr.Header.Nodes) }

// extend indexes events appended since the last call; it returns how many.
func (ix *index) extend() int {
	from := ix.n
	added := ix.tl.Extend()
	ix.desc.Extend()
	ix.learnNames(from)
	ix.n = ix.tr.Len()
	if ix.hb != nil {
		ix.hb.extend(ix)
	}
	return added
}

func (ix *index) learnNames(from int) {
	for i := from; i < ix.tr.Len(); i++ {
		e := ix.tr.At(i)
		if e.Kind == trace.State && e.Name != trace.HighlightKey && e.Node >= 0 {
			for int(e.Node) >= len(ix.pub) {
				ix.pub = append(ix.pub, false)
			}
			ix.pub[e.Node] = true
		}
		switch e.Kind {
		case trace.Send, trace.State, trace.Mark, trace.TimerFire, trace.TimerSet:
			if e.Name == "" || e.Name == trace.HighlightKey {
				continue
			}
			if ix.seen[e.Name] {
				continue
			}
			ix.seen[e.Name] = true
			low := strings.ToLower(e.Name)
			if _, ok := ix.names[low]; !ok {
				ix.names[low] = e.Name
			}
		}
	}
}

// publishes reports whether node id has published state so far.
func (ix *index) publishes(id trace.NodeID) bool { return int(id) < len(ix.pub) && ix.pub[id] }

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

// actor is the node whose own step an event is, or None for what the
// network or the simulator did (a loss, a duplicate, a partition).
func actor(e *trace.Event) trace.NodeID {
	switch e.Kind {
	case trace.Drop, trace.Duplicate, trace.End:
		return trace.None
	}
	if e.Kind.IsNetwork() {
		return trace.None
	}
	return e.Node
}

// filter decides which events become rows.
type filter struct {
	all       bool // show every kind, sends and timer bookkeeping included
	nodes     []trace.NodeID
	notNodes  []trace.NodeID
	terms     []string // lower-case substrings of message type, mark, state key or kind ("timer": every timer event)
	notTerms  []string // the same, excluded ("!Heartbeat")
	text      string   // what the user typed
	unchecked []string // terms this run has not used (yet: a live run goes on)
}

// hiddenByDefault are kinds that would crowd the diagram: a message is drawn
// from its send to its delivery (or loss), a timer when it fires.
var hiddenByDefault = map[trace.Kind]bool{
	trace.Send: true, trace.TimerSet: true, trace.TimerCancel: true, trace.Duplicate: true, trace.Start: true,
	trace.End: true,
}

func (f *filter) match(e *trace.Event) bool {
	if !f.all && (hiddenByDefault[e.Kind] || (e.Kind == trace.State && e.Name == trace.HighlightKey)) {
		return false // a highlight shows as the lane's style, not as a row
	}
	return f.matchText(e)
}

// matchText is the filter's words alone (nodes and terms), whatever the kind.
func (f *filter) matchText(e *trace.Event) bool {
	involves := func(ids []trace.NodeID) bool {
		return slices.Contains(ids, e.Node) || slices.Contains(ids, e.Peer)
	}
	if !e.Kind.IsNetwork() {
		if len(f.nodes) > 0 && !involves(f.nodes) {
			return false
		}
		if len(f.notNodes) > 0 && involves(f.notNodes) {
			return false
		}
	}
	if len(f.terms) == 0 && len(f.notTerms) == 0 {
		return true
	}
	name := strings.ToLower(e.Name)
	kind := e.Kind.String()
	has := func(t string) bool { return strings.Contains(kind, t) || (name != "" && strings.Contains(name, t)) }
	for _, t := range f.notTerms {
		if has(t) {
			return false
		}
	}
	if len(f.terms) == 0 {
		return true
	}
	for _, t := range f.terms {
		if has(t) {
			return true
		}
	}
	return false
}

// parseFilter reads "n1 n2 Vote !Heartbeat": node names select lanes,
// other words match message types, marks, state keys, timers or kinds, and
// a leading ! excludes instead. A word that is none of these in this run
// is an error naming what there is (a live run may not have shown a name
// yet: there it is kept, and listed in unchecked).
func parseFilter(ix *index, text string, all, live bool) (filter, error) {
	f := filter{all: all, text: strings.TrimSpace(text)}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' }) {
		neg := strings.HasPrefix(w, "!")
		w = strings.TrimPrefix(w, "!")
		if w == "" {
			continue
		}
		if id, ok := ix.tr.NodeByName(w); ok {
			if neg {
				f.notNodes = append(f.notNodes, id)
			} else {
				f.nodes = append(f.nodes, id)
			}
			continue
		}
		low := strings.ToLower(w)
		if !ix.knows(low) {
			if !live {
				return filter{}, fmt.Errorf("%q is no node (%s) and no message type, mark, state key, timer or kind of this run (%s)",
					w, strings.Join(ix.tr.Header.Nodes, ", "), ix.someNames(8))
			}
			f.unchecked = append(f.unchecked, w)
		}
		if neg {
			f.notTerms = append(f.notTerms, low)
		} else {
			f.terms = append(f.terms, low)
		}
	}
	return f, nil
}

// knows reports whether a lower-case word is a kind or part of a name the
// run uses.
func (ix *index) knows(low string) bool {
	for k := trace.Kind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		if strings.Contains(k.String(), low) {
			return true // "timer" is every timer event
		}
	}
	for n := range ix.names {
		if strings.Contains(n, low) {
			return true
		}
	}
	return false
}

// someNames lists up to k of the run's names, sorted, "…" for the rest.
func (ix *index) someNames(k int) string {
	var all []string
	for _, n := range ix.names {
		all = append(all, n)
	}
	sort.Strings(all)
	if len(all) > k {
		all = append(all[:k], "…")
	}
	if len(all) == 0 {
		return "none yet"
	}
	return strings.Join(all, ", ")
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
