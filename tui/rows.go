package tui

import (
	"slices"
	"sort"
	"strings"
	"time"

	"distlab/simnet/trace"
)

// Rows. Each row is one event, except that state a node publishes at one
// moment (several keys in one handler) is one row: rows[r] is its first
// event and rowEnd[r] its last. The playhead is an event (playEv): every
// event up to it has happened, whatever the filter shows; the rows up to
// reveal are the ones drawn.

// refilter rebuilds the rows, keeping the cursor and the playhead on the
// same moments.
func (m *Model) refilter() {
	at := m.cursorEvent()
	m.rows, m.rowEnd = m.rows[:0], m.rowEnd[:0]
	m.fl.reset()
	m.appendRows(0)
	m.reveal = m.rowAtOrBefore(m.playEv)
	m.cursor = min(m.rowAtOrBefore(at), m.reveal)
	m.search.invalidate()
}

// appendRows makes rows of the indexed events from event from on.
func (m *Model) appendRows(from int) {
	tr := m.ix.tr
	for i := from; i < m.ix.n; i++ {
		e := tr.At(i)
		row := -1
		if m.filt.match(&e) {
			if last := len(m.rows) - 1; last >= 0 && e.Kind == trace.State && m.mergesWith(last, &e) {
				m.rowEnd[last] = int32(i)
				row = last
			} else {
				m.rows = append(m.rows, int32(i))
				m.rowEnd = append(m.rowEnd, int32(i))
				row = len(m.rows) - 1
			}
		}
		m.seeFlight(i, &e, row)
	}
}

// mergesWith: a state change joins the row before when that row is state
// the same node published at the same moment.
func (m *Model) mergesWith(r int, e *trace.Event) bool {
	f := m.ix.tr.At(int(m.rows[r]))
	return f.Kind == trace.State && f.Node == e.Node && f.Time == e.Time
}

// rowText is what a row says: an event's wording, or a node's state keys
// side by side.
func (m *Model) rowText(r int) string {
	first, last := int(m.rows[r]), int(m.rowEnd[r])
	if first == last {
		return m.ix.desc.Event(first)
	}
	var parts []string
	for i := first; i <= last; i++ {
		if e := m.ix.tr.At(i); e.Kind == trace.State && e.Node == m.ix.tr.At(first).Node && m.filt.match(&e) {
			parts = append(parts, e.Name+"="+e.Value)
		}
	}
	return strings.Join(parts, " ")
}

// rowOf is the row holding event ev, or -1.
func (m *Model) rowOf(ev int) int {
	r := m.rowAtOrBefore(ev)
	if r < len(m.rows) && int(m.rows[r]) <= ev && ev <= int(m.rowEnd[r]) {
		return r
	}
	return -1
}

// rowAtOrBefore is the last row whose event is at or before event ev.
func (m *Model) rowAtOrBefore(ev int) int {
	r := sort.Search(len(m.rows), func(r int) bool { return int(m.rows[r]) > ev }) - 1
	return max(r, 0)
}

// rowAtOrAfter is the first row whose event is at or after ev (or the last row).
func (m *Model) rowAtOrAfter(ev int) int {
	if r := m.rowOf(ev); r >= 0 {
		return r
	}
	r := sort.Search(len(m.rows), func(r int) bool { return int(m.rows[r]) >= ev })
	return min(r, max(len(m.rows)-1, 0))
}

func (m *Model) cursorEvent() int {
	if len(m.rows) == 0 {
		return -1
	}
	return int(m.rows[min(m.cursor, len(m.rows)-1)])
}

// setReveal puts the playhead at the end of row r.
func (m *Model) setReveal(r int) {
	m.reveal = max(0, min(r, len(m.rows)-1))
	m.playEv = -1
	if len(m.rows) > 0 {
		m.playEv = int(m.rowEnd[m.reveal])
	}
}

// move puts the cursor on row r (clamped), revealing rows up to it and
// pulling a live source as needed.
func (m *Model) move(r int) {
	for r >= len(m.rows) && m.pull() {
	}
	m.cursor = max(0, min(r, len(m.rows)-1))
	if m.cursor > m.reveal {
		m.setReveal(m.cursor)
	}
	m.pin = true
}

// rewind moves the playhead back to row r: what came after is hidden again.
func (m *Model) rewind(r int) {
	m.cursor = max(0, min(r, len(m.rows)-1))
	m.setReveal(m.cursor)
	m.pin = true
}

// revealAll: every indexed event has happened.
func (m *Model) revealAll() {
	m.cursor = max(len(m.rows)-1, 0)
	m.reveal = m.cursor
	m.playEv = m.ix.n - 1
	m.pin = true
}

func (m *Model) atEnd() bool { return m.reveal >= len(m.rows)-1 && m.srcDone }

// Screen lines. The body shows rows from top; with the time axis on, blank
// lines between rows stand for the time that passed, and a long gap is cut
// short by a break line that says how long it was.

type lineKind uint8

const (
	lineRow   lineKind = iota + 1 // an event row
	lineSpace                     // time passing
	lineBreak                     // a long gap, cut short
	lineMore                      // "▼ more rows"
)

type screenLine struct {
	kind lineKind
	row  int           // the row (lineRow), or the row after the gap
	gap  time.Duration // lineBreak: the gap's length
}

// maxGapLines is the most blank lines a gap takes before it is cut short.
const maxGapLines = 3

// gapLines is how many lines stand before row r for the time since the
// row before it, and whether the gap is cut short.
func (m *Model) gapLines(r int) (int, bool) {
	if !m.timeAxis || r <= 0 || r >= len(m.rows) {
		return 0, false
	}
	dt := m.ix.tr.At(int(m.rows[r])).Time - m.ix.tr.At(int(m.rowEnd[r-1])).Time
	if dt <= 0 || m.unit <= 0 {
		return 0, false
	}
	// rows dt apart stand dt/unit lines apart (at least one)
	n := int(dt/m.unit) - 1
	if n <= 0 {
		return 0, false
	}
	if n > maxGapLines {
		return maxGapLines, true
	}
	return n, false
}

// screen lays out the body: which row or gap each line shows.
func (m *Model) screen(g geom) []screenLine {
	out := make([]screenLine, 0, g.bodyH)
	r := m.top
	for ; r <= m.reveal && r < len(m.rows) && len(out) < g.bodyH; r++ {
		if r > m.top {
			n, cut := m.gapLines(r)
			for k := 0; k < n && len(out) < g.bodyH; k++ {
				sl := screenLine{kind: lineSpace, row: r}
				if cut && k == n/2 {
					sl.kind = lineBreak
					sl.gap = m.ix.tr.At(int(m.rows[r])).Time - m.ix.tr.At(int(m.rowEnd[r-1])).Time
				}
				out = append(out, sl)
			}
			if len(out) >= g.bodyH {
				break
			}
		}
		out = append(out, screenLine{kind: lineRow, row: r})
	}
	if len(out) < g.bodyH && (r < len(m.rows) || !m.srcDone) && len(m.rows) > 0 {
		out = append(out, screenLine{kind: lineMore, row: r})
	}
	return out
}

// topFor is the lowest top that still shows row r on the last line.
func (m *Model) topFor(r, bh int) int {
	used := 1
	t := r
	for t > 0 {
		n, _ := m.gapLines(t)
		if used+n+1 > bh {
			break
		}
		used += n + 1
		t--
	}
	return t
}

// fixTop scrolls so that the screen is as full as it can be (no blank
// lines under the last revealed row while rows above are hidden) and,
// unless the mouse wheel moved the view, the cursor is on screen. It runs
// after every update: the rows, the size or the cursor may have changed.
func (m *Model) fixTop() {
	bh := m.geom().bodyH
	if len(m.rows) == 0 {
		m.top = 0
		return
	}
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	m.reveal = max(m.cursor, min(m.reveal, len(m.rows)-1))
	if m.pin {
		m.top = max(min(m.top, m.cursor), m.topFor(m.cursor, bh))
	}
	m.top = max(0, min(m.top, m.topFor(m.reveal, bh), m.reveal))
	m.pin = false
}

// autoUnit picks the time axis's unit: the median gap between rows that
// are not at the same moment, so a typical gap is one line.
func (m *Model) autoUnit() time.Duration {
	var gaps []time.Duration
	step := max(1, len(m.rows)/2000)
	for r := step; r < len(m.rows); r += step {
		if dt := m.ix.tr.At(int(m.rows[r])).Time - m.ix.tr.At(int(m.rowEnd[r-1])).Time; dt > 0 {
			gaps = append(gaps, dt)
		}
	}
	if len(gaps) == 0 {
		return time.Millisecond
	}
	slices.Sort(gaps)
	return max(gaps[len(gaps)/2], 1)
}
