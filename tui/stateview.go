package tui

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"distlab/simnet/trace"
)

// State over time (s): the diagram's lanes give way to one column a node,
// each row showing that node's published state just after the row's
// event; what changed at that row stands out. A state value written as
// term runs — "1x3 2x2" for three entries of term 1 then two of term 2, as
// Raft publishes its log under "terms" — is drawn as a strip of cells
// coloured by term, the committed ones (up to the node's "commit") solid
// and the rest shaded, as RaftScope draws logs: an uncommitted tail that
// a new leader overwrites changes colour.

// stateRoller carries every node's state from row to row down the screen.
type stateRoller struct {
	at      int // the last event applied
	st      []map[string]string
	changed []map[string]bool // keys set by the last row's events
}

func (m *Model) newStateRoller(first int) *stateRoller {
	from := int(m.rows[first]) - 1
	s := &stateRoller{at: from, st: m.ix.stateAt(from)}
	if from < 0 {
		s.st = make([]map[string]string, m.ix.nodes())
		for i := range s.st {
			s.st[i] = map[string]string{}
		}
	}
	s.changed = make([]map[string]bool, len(s.st))
	for i := range s.changed {
		s.changed[i] = map[string]bool{}
	}
	return s
}

// advance applies the events up to event to, marking what they changed.
func (s *stateRoller) advance(tr *trace.Trace, to int) {
	for _, c := range s.changed {
		clear(c)
	}
	for i := s.at + 1; i <= to; i++ {
		e := tr.At(i)
		if e.Node < 0 || int(e.Node) >= len(s.st) {
			continue
		}
		switch e.Kind {
		case trace.State:
			s.st[e.Node][e.Name] = e.Value
			s.changed[e.Node][e.Name] = true
		case trace.Crash:
			clear(s.st[e.Node])
		}
	}
	s.at = max(s.at, to)
}

// stateNodes are the nodes the state view has a column for: those that
// publish state (clients often publish none).
func (m *Model) stateNodes() []trace.NodeID {
	var out []trace.NodeID
	for i := range m.ix.nodes() {
		if m.ix.publishes(trace.NodeID(i)) {
			out = append(out, trace.NodeID(i))
		}
	}
	return out
}

// stateCols is the state view's columns: which nodes fit, and how wide.
func (m *Model) stateCols(g geom) ([]trace.NodeID, int) {
	nodes := m.stateNodes()
	avail := g.diagW - gutterW - 1
	n := max(len(nodes), 1)
	w := avail / n
	if w < 10 {
		w = 10
		n = max(avail/w, 1)
	}
	return nodes[:min(n, len(nodes))], w
}

func (m *Model) stateHeader(g geom) string {
	hdr := make(rowBuf, g.diagW)
	hdr.clear()
	hdr.text(2, 9, "     time", stTime)
	cols, w := m.stateCols(g)
	for k, id := range cols {
		st := stTitle
		if slices.Contains(m.marked, id) {
			st = stMarked
		}
		hdr.text(gutterW+1+k*w, w-1, m.ix.tr.NodeName(id), st)
	}
	if rest := len(m.stateNodes()) - len(cols); rest > 0 {
		hdr.text(g.diagW-12, 12, "(+"+strconv.Itoa(rest)+" widen)", stDim)
	}
	var sb strings.Builder
	hdr.render(&sb, false)
	return sb.String()
}

func (m *Model) drawStateRow(b rowBuf, g geom, r int, showTime bool, s *stateRoller) {
	end := int(m.rowEnd[r])
	s.advance(m.ix.tr, end)
	ep := m.ix.epochAt(end)
	m.drawGutter(b, r, ep, showTime)
	cols, w := m.stateCols(g)
	for k, id := range cols {
		x0 := gutterW + 1 + k*w
		stop := x0 + w - 2 // a blank column between nodes
		if ep.Highlighted(id) {
			b.put(x0-1, '█', stHi)
		}
		if !ep.IsUp(id) {
			if m.ix.tl.Started(id, end) {
				b.text(x0, stop-x0, "DOWN", stCrash)
			}
			continue
		}
		st := s.st[id]
		keys := make([]string, 0, len(st))
		for key := range st {
			if key != trace.HighlightKey {
				keys = append(keys, key)
			}
		}
		sort.Strings(keys)
		// a strip first, then the role, then the rest
		sort.SliceStable(keys, func(a, b int) bool { return rank(st, keys[a]) < rank(st, keys[b]) })
		x := x0
		for _, key := range keys {
			if x >= stop {
				break
			}
			style := stNone
			if s.changed[id][key] {
				style = stMark
			}
			if runs, ok := parseRuns(st[key]); ok {
				commit, _ := strconv.Atoi(st["commit"])
				x = drawStrip(b, x, min(stop-x, max((stop-x0)/3, 6)), runs, commit) + 1
				continue
			}
			text := key + "=" + st[key]
			if key == "role" {
				text = st[key]
			}
			x = b.text(x, stop-x, text, style) + 1
		}
	}
}

// rank orders a node's keys in its column: a strip, then what one looks
// for first (role, term, leader), then the rest by name.
func rank(st map[string]string, k string) int {
	if _, ok := parseRuns(st[k]); ok {
		return 0
	}
	switch k {
	case "role":
		return 1
	case "term":
		return 2
	case "leader":
		return 3
	}
	return 4
}

// termRun is n log entries of one term.
type termRun struct{ term, n int }

// parseRuns reads "1x3 2x2" (terms and counts); "" is no strip.
func parseRuns(v string) ([]termRun, bool) {
	if v == "" || !strings.Contains(v, "x") {
		return nil, false
	}
	var out []termRun
	for _, f := range strings.Fields(v) {
		t, c, ok := strings.Cut(f, "x")
		if !ok {
			return nil, false
		}
		term, err1 := strconv.Atoi(t)
		n, err2 := strconv.Atoi(c)
		if err1 != nil || err2 != nil || n < 0 {
			return nil, false
		}
		out = append(out, termRun{term, n})
	}
	return out, true
}

// termStyles colour log entries by term.
var termStyles = []sty{stComp0, stComp1, stComp2, stComp3, stMsg, stRestart}

// drawStrip draws log entries as cells: committed █, not yet ▒, coloured
// by term; a long log shows its last entries after a "…".
func drawStrip(b rowBuf, x, limit int, runs []termRun, commit int) int {
	total := 0
	for _, r := range runs {
		total += r.n
	}
	skip := 0
	if total > limit {
		skip = total - limit + 1
		b.put(x, '…', stDim)
		x++
	}
	idx := 0
	for _, r := range runs {
		for k := 0; k < r.n; k++ {
			idx++
			if idx <= skip {
				continue
			}
			ch := '█'
			if idx > commit {
				ch = '▒'
			}
			b.put(x, ch, termStyles[r.term%len(termStyles)])
			x++
		}
	}
	return x
}
