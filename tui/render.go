package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet/trace"
)

// Screen layout, top to bottom: title, lane names, the diagram body, an
// optional bottom panel (narrow terminals), the status line, the key line.
const (
	bodyY   = 2  // first body line
	gutterW = 12 // cursor mark, violation mark, time (9), fault bar
)

type geom struct {
	w, h    int
	side    bool // the panel sits at the right
	panelW  int  // right panel width, separator included
	bottomH int  // bottom panel height, separator included
	diagW   int
	bodyH   int
	lanes   int // lanes drawn (fewer than nodes when they do not fit)
	sp      int // columns between lanes
	lane0   int // x of lane 0
	labelX  int
}

func (m *Model) geom() geom {
	g := geom{w: max(m.w, 20), h: max(m.h, 8)}
	if m.panel && !m.help {
		if g.w >= 100 {
			g.side = true
			g.panelW = min(max(g.w*36/100, 34), 64)
		} else if g.h >= 18 {
			g.bottomH = min(max(g.h/3, 6), 10)
		}
	}
	g.diagW = g.w - g.panelW
	g.bodyH = max(g.h-4-g.bottomH, 1)
	n := max(m.ix.nodes(), 1)
	avail := g.diagW - gutterW - 1
	g.sp = min(max((avail-30)/n, 2), 8)
	g.lanes = n
	if n*g.sp > avail-6 {
		g.lanes = max((avail-6)/g.sp, 1)
	}
	g.lane0 = gutterW + g.sp/2
	g.labelX = gutterW + g.lanes*g.sp + 1
	return g
}

func (g *geom) laneX(i int) int { return g.lane0 + i*g.sp }

// Styles. ANSI 16 colours follow the terminal's theme, which keeps a
// projector's contrast where the lecturer set it.
type sty uint8

const (
	stNone sty = iota
	stLane
	stComp0
	stComp1
	stComp2
	stComp3
	stIso
	stTime
	stMsg
	stDup
	stDrop
	stTimer
	stCrash
	stRestart
	stMark
	stState
	stNet
	stViol
	stDim
	stTitle
	stOp
	stHi
	stMarked
	numSty
)

var (
	styles       [numSty]lipgloss.Style
	cursorStyles [numSty]lipgloss.Style
)

func init() {
	c := func(s string) lipgloss.Color { return lipgloss.Color(s) }
	base := lipgloss.NewStyle()
	styles[stNone] = base
	// Lanes and the time column in the terminal's own foreground, messages
	// in bright blue: a projector washes out grey and dark blue.
	styles[stLane] = base
	styles[stComp0] = base.Foreground(c("6")).Bold(true)
	styles[stComp1] = base.Foreground(c("5")).Bold(true)
	styles[stComp2] = base.Foreground(c("3")).Bold(true)
	styles[stComp3] = base.Foreground(c("2")).Bold(true)
	styles[stIso] = base.Foreground(c("1"))
	styles[stTime] = base
	styles[stMsg] = base.Foreground(c("12")).Bold(true)
	styles[stDup] = base.Foreground(c("3"))
	styles[stDrop] = base.Foreground(c("1"))
	styles[stTimer] = base.Foreground(c("8"))
	styles[stCrash] = base.Foreground(c("1")).Bold(true)
	styles[stRestart] = base.Foreground(c("2")).Bold(true)
	styles[stMark] = base.Foreground(c("3")).Bold(true)
	// state in the plain foreground: cyan is a partition side's colour
	styles[stState] = base
	styles[stNet] = base.Foreground(c("5")).Bold(true)
	styles[stViol] = base.Foreground(c("15")).Background(c("1")).Bold(true)
	styles[stDim] = base.Foreground(c("8"))
	styles[stTitle] = base.Bold(true)
	styles[stOp] = base.Foreground(c("2"))
	styles[stHi] = base.Foreground(c("3"))
	styles[stMarked] = base.Foreground(c("3")).Bold(true).Underline(true)
	for i := range styles {
		cursorStyles[i] = styles[i].Reverse(true)
	}
	cursorStyles[stViol] = styles[stViol]
}

// cell is one column of a diagram row: a glyph, or (prio prioLine) the
// sides a message line touches there, drawn as a box-drawing character.
type cell struct {
	r    rune // 0: the right half of a wide rune before it
	s    sty
	m    uint8 // message line sides (flights.go)
	prio uint8
}

// What wins a cell: an event's glyph over a message line over a lane.
const (
	prioLane uint8 = iota
	prioLine
	prioGlyph
)

type rowBuf []cell

func (b rowBuf) put(x int, r rune, s sty) {
	if x >= 0 && x < len(b) {
		b[x] = cell{r: r, s: s, prio: prioGlyph}
	}
}

// lane puts a lane's glyph: anything drawn later wins over it.
func (b rowBuf) lane(x int, r rune, s sty) {
	if x >= 0 && x < len(b) {
		b[x] = cell{r: r, s: s}
	}
}

func (b rowBuf) clear() {
	for i := range b {
		b[i] = cell{r: ' '}
	}
}

// text writes s from x on, cut to limit columns; it returns the end column.
func (b rowBuf) text(x, limit int, s string, st sty) int {
	end := min(len(b), x+limit)
	for _, r := range s {
		if r == '\n' || r == '\t' {
			r = ' '
		}
		w := runewidth.RuneWidth(r)
		if w == 0 {
			continue
		}
		if x+w > end {
			if x < end {
				b[end-1] = cell{r: '…', s: st, prio: prioGlyph}
			}
			return end
		}
		b[x] = cell{r: r, s: st, prio: prioGlyph}
		if w == 2 {
			b[x+1] = cell{r: 0, s: st, prio: prioGlyph}
		}
		x += w
	}
	return x
}

func (b rowBuf) render(sb *strings.Builder, cursor bool) {
	table := &styles
	if cursor {
		table = &cursorStyles
	}
	var run strings.Builder
	cur := sty(255)
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if cur == stNone && !cursor {
			sb.WriteString(run.String())
		} else {
			sb.WriteString(table[cur].Render(run.String()))
		}
		run.Reset()
	}
	for _, c := range b {
		r := c.r
		if c.prio == prioLine {
			r = boxRune(c.m)
		}
		if r == 0 {
			continue
		}
		if c.s != cur {
			flush()
			cur = c.s
		}
		run.WriteRune(r)
	}
	flush()
}

// View implements tea.Model. It reads the model and never changes it.
func (m *Model) View() string {
	if m.quitting {
		// The last frame is empty: a terminal that copies the alternate
		// screen into the shell's when it grows (tmux does) copies nothing.
		return ""
	}
	g := m.geom()
	var sb strings.Builder
	sb.Grow(g.w * g.h * 2)
	sb.WriteString(padLine(m.titleLine(), g.w))
	sb.WriteByte('\n')

	var body []string
	switch {
	case m.help:
		body = m.helpLines(g)
	default:
		body = m.diagramLines(g)
	}
	var panel []string
	if g.side || g.bottomH > 0 {
		panel = strings.Split(m.side.View(), "\n")
	}
	for i := 0; i < g.bodyH+1; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		if g.side {
			sb.WriteString(padLine(line, g.diagW))
			sb.WriteString(styles[stDim].Render("│"))
			sb.WriteByte(' ')
			p := ""
			if i < len(panel) {
				p = panel[i]
			}
			sb.WriteString(padLine(p, g.panelW-2))
		} else {
			sb.WriteString(padLine(line, g.w))
		}
		sb.WriteByte('\n')
	}
	if g.bottomH > 0 {
		sb.WriteString(styles[stDim].Render(strings.Repeat("─", g.w)))
		sb.WriteByte('\n')
		for i := 0; i < g.bottomH-1; i++ {
			p := ""
			if i < len(panel) {
				p = panel[i]
			}
			sb.WriteByte(' ')
			sb.WriteString(padLine(p, g.w-1))
			sb.WriteByte('\n')
		}
	}
	sb.WriteString(padLine(m.statusLine(), g.w))
	sb.WriteByte('\n')
	sb.WriteString(padLine(m.keyLine(g.w), g.w))
	return sb.String()
}

// padLine cuts or pads a styled line to exactly w columns.
func padLine(s string, w int) string {
	lw := ansi.StringWidth(s)
	if lw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-lw)
}

// nodeCount says how many nodes and clients the run has ("5 nodes + 3
// clients"): clients are nodes too, but not the cluster.
func nodeCount(h trace.Header) string {
	clients := 0
	for i := range h.Nodes {
		if contract.IsClient(h, trace.NodeID(i)) {
			clients++
		}
	}
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	s := plural(len(h.Nodes)-clients, "node")
	if clients > 0 {
		s += " + " + plural(clients, contract.ClientGroup) // "3 clients"
	}
	return s
}

func (m *Model) titleLine() string {
	h := m.ix.tr.Header
	parts := []string{"distlab"}
	if h.Scenario != "" {
		parts = append(parts, h.Scenario)
	}
	if h.Algorithm != "" {
		parts = append(parts, h.Algorithm)
	}
	parts = append(parts, fmt.Sprintf("seed %d", h.Seed), nodeCount(h))
	switch r, ok := m.src.(reading); {
	case ok && !m.srcDone:
		read, size := r.Progress()
		if size > 0 {
			parts = append(parts, fmt.Sprintf("reading %d%%", read*100/size))
		}
	case ok:
	case m.src != nil && m.srcDone:
		parts = append(parts, "live (finished)")
	case m.src != nil:
		parts = append(parts, "LIVE")
	}
	s := styles[stTitle].Render(" " + strings.Join(parts, " · "))
	var tags []string
	if m.warning != "" {
		tags = append(tags, m.warning)
	}
	if m.filt.text != "" {
		tags = append(tags, "filter: "+m.filt.text)
	}
	if m.filt.all {
		tags = append(tags, "all kinds")
	}
	if m.timeAxis {
		tags = append(tags, "time: "+fmtDur(m.unit)+"/line")
	}
	if m.states {
		tags = append(tags, "state over time")
	}
	if m.causal != nil {
		if m.causal.chain {
			tags = append(tags, "following an operation")
		} else {
			tags = append(tags, "causal ↑past ↓future")
		}
	}
	if len(tags) > 0 {
		s += styles[stMark].Render("  [" + strings.Join(tags, "] [") + "]")
	}
	return s
}

// laneHeader is the line of lane names (marked ones underlined).
func (m *Model) laneHeader(g geom) string {
	hdr := make(rowBuf, g.diagW)
	hdr.clear()
	hdr.text(2, 9, "     time", stTime)
	names, sparse := laneNames(m.ix.tr.Header.Nodes, g.sp-1)
	for i := 0; i < g.lanes && i < len(names); i++ {
		name := names[i]
		st := stTitle
		if slices.Contains(m.marked, trace.NodeID(i)) {
			st = stMarked
		}
		if sparse {
			// too narrow for every name: every fifth lane, named in full
			if i%5 == 0 {
				hdr.text(g.laneX(i), 5*g.sp-1, name, st)
			}
			continue
		}
		x := g.laneX(i) - (runewidth.StringWidth(name)-1)/2
		hdr.text(x, g.sp, name, st)
	}
	if g.lanes < m.ix.nodes() {
		hdr.text(g.labelX, g.diagW-g.labelX, fmt.Sprintf("(+%d lanes: widen)", m.ix.nodes()-g.lanes), stDim)
	}
	var sb strings.Builder
	hdr.render(&sb, false)
	return sb.String()
}

// diagramLines draws the lane names and the body lines on screen, and
// nothing else: the cost of a frame does not grow with the trace.
func (m *Model) diagramLines(g geom) []string {
	out := make([]string, 0, g.bodyH+1)
	if m.states {
		out = append(out, m.stateHeader(g))
	} else {
		out = append(out, m.laneHeader(g))
	}
	if len(m.rows) == 0 {
		what := " yet"
		if m.filt.text != "" {
			what = " match the filter"
		}
		return append(out, styles[stDim].Render("  (no events"+what+")"))
	}
	lines := m.screen(g)
	gr := grid{lines: make([]rowBuf, len(lines)), g: g}
	first, last, bottom := -1, -1, -1
	for y, sl := range lines {
		if sl.kind == lineRow {
			if first < 0 {
				first = sl.row
			}
			last = sl.row
		}
		if sl.kind != lineMore {
			bottom = y
		}
	}
	lineOfRow := make([]int, max(last-first+1, 0))
	for y, sl := range lines {
		if sl.kind == lineRow {
			lineOfRow[sl.row-first] = y
		}
	}
	lineOf := func(r int) int {
		if r < first || r > last {
			return -1
		}
		return lineOfRow[r-first]
	}
	var states *stateRoller
	if m.states && first >= 0 {
		states = m.newStateRoller(first)
	}
	prevTime := time.Duration(-1)
	if m.top > 0 && m.top < len(m.rows) {
		prevTime = m.ix.tr.At(int(m.rowEnd[m.top-1])).Time
	}
	for y, sl := range lines {
		buf := make(rowBuf, g.diagW)
		buf.clear()
		gr.lines[y] = buf
		switch sl.kind {
		case lineRow:
			ev := int(m.rows[sl.row])
			t := m.ix.tr.At(ev).Time
			showTime := t != prevTime || y == 0 || sl.row == m.cursor
			prevTime = t
			if states != nil {
				m.drawStateRow(buf, g, sl.row, showTime, states)
			} else {
				m.drawRow(buf, g, sl.row, showTime)
			}
		case lineSpace, lineBreak:
			m.drawGap(buf, g, sl)
		case lineMore:
			rest := len(m.rows) - 1 - m.reveal
			more := fmt.Sprintf("  ▼ %d more rows (space plays, n steps, G jumps to the end)", rest)
			if !m.srcDone {
				more = "  ▼ the run goes on (space plays, n steps, G runs it on)"
			}
			buf.text(0, g.diagW, more, stDim)
		}
	}
	if states == nil {
		m.drawFlights(&gr, first, last, lineOf, bottom)
	}
	var sb strings.Builder
	for y, sl := range lines {
		sb.Reset()
		gr.lines[y].render(&sb, sl.kind == lineRow && sl.row == m.cursor)
		out = append(out, sb.String())
	}
	return out
}

// drawGap draws a line of passing time before row sl.row: the lanes as
// they were, and for a gap cut short its length in the time column.
func (m *Model) drawGap(b rowBuf, g geom, sl screenLine) {
	ep := m.ix.epochAt(int(m.rowEnd[sl.row-1]))
	if ep.Net.Faulty() {
		b.put(gutterW-1, '▌', stNet)
	}
	for i := 0; i < g.lanes; i++ {
		r, s := laneGlyph(ep, i)
		if sl.kind == lineBreak && r != ' ' {
			r = '≈'
		}
		b.lane(g.laneX(i), r, s)
	}
	if sl.kind == lineBreak {
		t := "+" + fmtDur(sl.gap)
		b.text(max(gutterW-1-runewidth.StringWidth(t), 0), 10, t, stDim)
	}
}

// laneNames fits node names into w columns: when one is too long, the
// prefix they all share goes ("n10" → "10"); if that is not enough, sparse
// says to name only some lanes.
func laneNames(nodes []string, w int) (names []string, sparse bool) {
	w = max(w, 1)
	long := false
	for _, n := range nodes {
		long = long || runewidth.StringWidth(n) > w
	}
	if !long {
		return nodes, false
	}
	prefix := ""
	if len(nodes) > 1 {
		prefix = nodes[0]
		for _, n := range nodes[1:] {
			for !strings.HasPrefix(n, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
	}
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = strings.TrimPrefix(n, prefix)
		sparse = sparse || runewidth.StringWidth(out[i]) > w
	}
	return out, sparse
}

// laneGlyph is how a lane looks: broken while the node is down, drawn per
// partition component so that the groups read even without colour, and
// a block for the node highlighted now (leader, in the critical
// section…), in its side's colour during a partition.
func laneGlyph(ep *trace.Epoch, i int) (rune, sty) {
	id := trace.NodeID(i)
	if !ep.IsUp(id) {
		return ' ', stNone
	}
	if ep.IsPaused(id) {
		return '┊', stDim // frozen: it handles nothing until it resumes
	}
	side := stLane
	var r rune = '│'
	switch c := ep.Net.Group(id); {
	case ep.Net.Isolated(id):
		r, side = '╎', stIso
	case c >= 0:
		r, side = []rune{'┃', '║', '┆', '╏'}[c%4], stComp0+sty(c%4)
	}
	if ep.Highlighted(id) {
		if side == stLane {
			side = stHi
		}
		return '█', side
	}
	return r, side
}

// rowInView says whether a row belongs to the causal view (or there is none).
func (m *Model) rowInView(r int) bool {
	if m.causal == nil {
		return true
	}
	for ev := int(m.rows[r]); ev <= int(m.rowEnd[r]); ev++ {
		if m.causal.in(ev) {
			return true
		}
	}
	return false
}

// drawGutter writes the cursor, violation or causal mark, the time and the
// fault bar of a row.
func (m *Model) drawGutter(b rowBuf, r int, ep *trace.Epoch, showTime bool) {
	ev := int(m.rows[r])
	if r == m.cursor {
		b.put(0, '▸', stNone)
	}
	if _, viol := m.violEv[ev]; viol {
		b.put(1, '!', stViol)
	} else if m.causal != nil {
		for i := ev; i <= int(m.rowEnd[r]); i++ {
			if mk := m.causal.mark(i); mk != 0 {
				b.put(1, mk, stMark)
				break
			}
		}
	}
	if showTime {
		t := fmtDur(m.ix.tr.At(ev).Time)
		b.text(gutterW-1-runewidth.StringWidth(t), 9, t, stTime)
	}
	if ep.Net.Faulty() {
		b.put(gutterW-1, '▌', stNet)
	}
}

// drawRow draws a row's lanes, its event's glyph on its node's lane, and
// its wording; messages are drawn over all rows afterwards (flights.go).
func (m *Model) drawRow(b rowBuf, g geom, r int, showTime bool) {
	ev := int(m.rows[r])
	e := m.ix.tr.At(ev)
	ep := m.ix.epochAt(int(m.rowEnd[r]))
	m.drawGutter(b, r, ep, showTime)
	for i := 0; i < g.lanes; i++ {
		ch, s := laneGlyph(ep, i)
		b.lane(g.laneX(i), ch, s)
	}
	dim := !m.rowInView(r)
	glyph := func(x int, ch rune, s sty) {
		if dim {
			s = stDim
		}
		b.put(x, ch, s)
	}
	lane := func(id trace.NodeID) (int, bool) {
		if id < 0 || int(id) >= g.lanes {
			return 0, false
		}
		return g.laneX(int(id)), true
	}
	x, onLane := lane(e.Node)
	switch e.Kind {
	case trace.Deliver, trace.Drop:
		// drawn with its flight
	case trace.Send, trace.Duplicate:
		if onLane {
			glyph(x, '○', stMsg)
		}
	case trace.TimerFire:
		glyph(x, '◷', stTimer)
	case trace.TimerSet, trace.TimerCancel, trace.Log:
		glyph(x, '·', stDim)
	case trace.Crash:
		glyph(x, '✖', stCrash)
	case trace.Restart, trace.Start:
		glyph(x, '▲', stRestart)
	case trace.Pause:
		glyph(x, '‖', stCrash)
	case trace.Resume:
		glyph(x, '»', stRestart)
	case trace.State:
		glyph(x, '◇', stState)
	case trace.Mark:
		glyph(x, '◆', stMark)
	case trace.Invoke:
		glyph(x, '▷', stOp)
	case trace.Return:
		glyph(x, '◁', stOp)
	case trace.Error:
		glyph(x, '!', stViol)
	case trace.Isolate, trace.Rejoin:
		glyph(x, '◎', stNet)
	case trace.Cut:
		if xr, ok := lane(e.Peer); ok && onLane {
			dir := 1
			if xr < x {
				dir = -1
			}
			for k := x + dir; k != xr; k += dir {
				glyph(k, '╌', stNet)
			}
			glyph(xr-dir, '╳', stNet)
		}
	case trace.Partition, trace.Heal:
		for k := gutterW; k < g.labelX-1; k++ {
			if b[k].r == ' ' {
				glyph(k, '╌', stNet)
			}
		}
	}
	if !onLane && e.Node >= 0 && !e.Kind.IsNetwork() && e.Kind != trace.Deliver && e.Kind != trace.Drop {
		// a lane that does not fit: say whose event it is
		b.text(g.labelX, 6, m.ix.tr.NodeName(e.Node)+":", stDim)
	}
	st := kindStyle(e.Kind, m.ix.dup(ev))
	if _, viol := m.violEv[ev]; viol {
		st = stViol
	} else if dim {
		st = stDim
	}
	b.text(g.labelX, g.diagW-g.labelX, m.rowText(r), st)
}

func kindStyle(k trace.Kind, dup bool) sty {
	switch k {
	case trace.Deliver:
		if dup {
			return stDup
		}
		return stNone
	case trace.Drop:
		return stDrop
	case trace.Crash, trace.Error, trace.Pause:
		return stCrash
	case trace.Restart, trace.Start, trace.Resume:
		return stRestart
	case trace.Mark:
		return stMark
	case trace.State:
		return stState
	case trace.Invoke, trace.Return:
		return stOp
	case trace.Partition, trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin:
		return stNet
	}
	return stDim
}

// fmtDur writes virtual time compactly, at most 9 columns.
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + "ms"
	case d < 100*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 4, 64) + "s"
	case d < 10000*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) + "s"
}

// panelLinesSized is the side panel: the selected event in full, then each
// node's visible state at that moment, then the checks, all of it (the
// viewport shows h lines of it at a time). Compact (the bottom panel of a
// narrow terminal) keeps two lines of the event and one line a node.
func (m *Model) panelLinesSized(w, h int, compact bool) []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	head := func(s string) { add(styles[stTitle].Render(s)) }
	tr := m.ix.tr
	ev := m.cursorEvent()
	if ev < 0 {
		head("no event selected")
		return out
	}
	if p, ok := m.flightOpen(m.inFlight); ok && m.inFlight > 0 {
		send := tr.At(int(p.sendEv))
		add(styles[stMarked].Render(fmt.Sprintf("IN FLIGHT %s %s→%s", send.Name, tr.NodeName(p.from), tr.NodeName(p.to))))
		for _, l := range wrap(fmt.Sprintf("message %d, sent at %s %s", p.msg, fmtDur(send.Time), trace.CompactJSON(send.BodyJSON())), w, 2) {
			add(l)
		}
		if !compact {
			add("")
		}
	}
	e := tr.At(ev)
	head(fmt.Sprintf("#%d %s at %s", ev+1, e.Kind, fmtDur(e.Time)))
	detail := m.eventDetail(&e, ev, w, compact)
	if compact {
		if len(detail) > 2 {
			detail = append(detail[:1], strings.Join(detail[1:], " "))
		}
		detail = detail[:min(len(detail), max(h-1-m.ix.nodes(), 1))]
	}
	for _, l := range detail {
		add(l)
	}
	if !compact {
		add("")
		head("NODES at " + fmtDur(e.Time))
	}
	states := m.ix.stateAt(ev)
	ep := m.ix.epochAt(ev)
	for i, st := range states {
		name := tr.NodeName(trace.NodeID(i))
		status := styles[stRestart].Render("up  ")
		if !ep.IsUp(trace.NodeID(i)) {
			status = styles[stCrash].Render("DOWN")
			if !m.ix.tl.Started(trace.NodeID(i), ev) {
				status = styles[stDim].Render("-   ")
			}
		} else if ep.IsPaused(trace.NodeID(i)) {
			status = styles[stCrash].Render("PAUS")
		}
		if ep.Net.Group(trace.NodeID(i)) >= 0 || ep.Net.Isolated(trace.NodeID(i)) {
			r, s := laneGlyph(ep, i)
			status += styles[s].Render(string(r))
		} else {
			status += " "
		}
		keys := make([]string, 0, len(st))
		for k := range st {
			if k != trace.HighlightKey { // drawn as the lane
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		// role first: it is what one looks for
		sort.SliceStable(keys, func(a, b int) bool { return keys[a] == "role" && keys[b] != "role" })
		line := fmt.Sprintf("%-4s %s", name, status)
		for _, k := range keys {
			line += " " + k + "=" + st[k]
		}
		if compact {
			add(line)
			continue
		}
		for _, l := range wrap(line, w, 10) {
			add(l)
		}
	}
	if len(m.verdicts) > 0 {
		add("")
		head("CHECKS")
		for _, r := range m.verdicts {
			mark := styles[stRestart].Render("✓")
			switch r.Verdict {
			case check.Fail:
				mark = styles[stCrash].Render("✗")
			case check.Unknown:
				mark = styles[stMark].Render("?")
			}
			line := mark + " " + r.Name
			if r.Verdict != check.Pass && r.Detail != "" {
				line += ": " + r.Detail
			}
			for _, l := range wrap(line, w, 2) {
				add(l)
			}
		}
	}
	return out
}

// eventDetail is the selected event's fields, the message body pretty-printed.
func (m *Model) eventDetail(e *trace.Event, ev, w int, compact bool) []string {
	tr := m.ix.tr
	var out []string
	add := func(s string) { out = append(out, wrap(s, w, 2)...) }
	name := tr.NodeName
	var body json.RawMessage
	switch e.Kind {
	case trace.Deliver, trace.Drop, trace.Send, trace.Duplicate:
		from, to := e.Node, e.Peer
		if e.Kind == trace.Deliver {
			from, to = e.Peer, e.Node
		}
		add(fmt.Sprintf("%s → %s  %s  (message %d)", name(from), name(to), e.Name, e.Msg))
		if send := m.ix.sendEvent(e.Msg); send != nil {
			if e.Kind != trace.Send {
				add(fmt.Sprintf("sent at %s, in flight %s", fmtDur(send.Time), fmtDur(e.Time-send.Time)))
			}
			body = send.BodyJSON()
		}
		if e.Kind == trace.Drop {
			add("LOST: " + e.Value)
		}
		if m.ix.dup(ev) {
			add("a duplicate: this message was delivered before")
		}
	case trace.Partition:
		add("components " + tr.DescribeGroupsSep("|", e.Groups))
	default:
		if e.Node >= 0 {
			s := "node " + name(e.Node)
			if e.Peer >= 0 {
				s += ", peer " + name(e.Peer)
			}
			add(s)
		}
		if e.Name != "" {
			add("name  " + e.Name)
		}
		if e.Value != "" {
			add("value " + e.Value)
		}
		if e.Timer != 0 {
			add("timer #" + strconv.FormatInt(e.Timer, 10))
		}
		if e.Op != 0 {
			add("operation #" + strconv.FormatInt(e.Op, 10))
		}
		body = e.DataJSON()
		if e.Stack != "" {
			for i, l := range strings.Split(strings.TrimSpace(e.Stack), "\n") {
				if i >= 6 {
					add("  …")
					break
				}
				add("  " + l)
			}
		}
	}
	if compact && len(body) > 0 {
		add(trace.CompactJSON(body))
	} else if len(body) > 0 && string(body) != "null" {
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "", "  ") == nil {
			lines := strings.Split(pretty.String(), "\n")
			for i, l := range lines {
				if i >= 12 {
					add(fmt.Sprintf("  … (%d more lines)", len(lines)-i))
					break
				}
				add(l)
			}
		} else {
			add(string(body))
		}
	}
	if c, ok := m.violEv[ev]; ok {
		add(styles[stViol].Render("VIOLATION") + " " + m.verdicts[c].Name + ": " + m.verdicts[c].Detail)
	}
	return out
}

// wrap breaks a line at spaces to width w, indenting continuation lines.
func wrap(s string, w, indent int) []string {
	if w <= indent+4 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	lines := strings.Split(ansi.Wordwrap(s, w, ""), "\n")
	rest := strings.Join(lines[1:], " ")
	out := []string{lines[0]}
	for _, l := range strings.Split(ansi.Wrap(rest, w-indent, ""), "\n") {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

func (m *Model) statusLine() string {
	tr := m.ix.tr
	var parts []string
	switch {
	case m.run != nil && m.isReading():
		parts = append(parts, fmt.Sprintf("%s %d/s", map[bool]string{true: "▶ playing", false: "‖ paused"}[m.playing], speeds[m.speed]))
	case m.run != nil:
		parts = append(parts, styles[stMark].Render(fmt.Sprintf("▶ running… %s (esc stops)",
			time.Since(m.run.start).Truncate(100*time.Millisecond))))
	case m.playing:
		parts = append(parts, fmt.Sprintf("▶ playing %d/s", speeds[m.speed]))
	default:
		parts = append(parts, fmt.Sprintf("‖ paused %d/s", speeds[m.speed]))
	}
	var at time.Duration
	if m.playEv >= 0 && m.playEv < tr.Len() {
		at = tr.At(m.playEv).Time
	}
	parts = append(parts, "t="+fmtDur(at))
	total := strconv.Itoa(tr.Len())
	if !m.srcDone {
		total += "+"
	}
	parts = append(parts, fmt.Sprintf("%d/%s events", m.playEv+1, total))
	switch {
	case m.checking:
		parts = append(parts, styles[stMark].Render("checking…"))
	case len(m.verdicts) > 0:
		var pass, fail, unk int
		firstFail := ""
		for _, r := range m.verdicts {
			switch r.Verdict {
			case check.Pass:
				pass++
			case check.Fail:
				fail++
				if firstFail == "" {
					firstFail = r.Name
				}
			default:
				unk++
			}
		}
		s := fmt.Sprintf("checks ✓%d", pass)
		if fail > 0 {
			s += styles[stCrash].Render(fmt.Sprintf(" ✗%d %s (v)", fail, firstFail))
		}
		if unk > 0 {
			s += fmt.Sprintf(" ?%d", unk)
		}
		parts = append(parts, s)
	}
	if m.playEv >= 0 {
		if f := m.faultsAt(m.playEv); f != "" {
			parts = append(parts, styles[stNet].Render("faults: "+f))
		}
	}
	return " " + strings.Join(parts, styles[stDim].Render(" │ "))
}

// faultsAt says which faults are in force after event ev.
func (m *Model) faultsAt(ev int) string {
	tr := m.ix.tr
	ep := m.ix.epochAt(ev)
	var f []string
	if d := ep.Net.Describe(tr.NodeName); d != "" {
		f = append(f, d)
	}
	for i := range tr.Header.Nodes {
		id := trace.NodeID(i)
		if !ep.IsUp(id) && m.ix.tl.Started(id, ev) {
			f = append(f, tr.NodeName(id)+" down")
		}
		if ep.IsPaused(id) {
			f = append(f, tr.NodeName(id)+" paused")
		}
	}
	return strings.Join(f, " ")
}

// keyLine is the last line: the open prompt, else the last note, else the
// short help.
func (m *Model) keyLine(w int) string {
	if m.prompt != promptNone {
		// Width has already scrolled the text (in Update); a copy without
		// it draws the same text unpadded, so the hint follows right after
		in := m.input
		in.Width = 0
		field := in.View()
		// the hint is cut, not the field (whose last cell is the cursor)
		hint := ansi.Truncate(m.promptHint(), max(w-ansi.StringWidth(field), 0), "…")
		return field + styles[stDim].Render(hint)
	}
	if m.note != "" {
		return " " + styles[stMark].Render(m.note)
	}
	return " " + m.shortHelp(w-1)
}

// shortHelp is the key map's short help cut to w columns, with "…" when
// some is left off. It picks the bindings that fit itself: the help model
// (bubbles v1.0.0) goes on adding them past its Width when the "…" would
// not fit either.
func (m *Model) shortHelp(w int) string {
	h := m.helpView
	all := keymap.ShortHelp()
	sep := ansi.StringWidth(h.ShortSeparator)
	n, used := 0, 0
	for _, b := range all {
		iw := ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc)
		if n > 0 {
			iw += sep
		}
		if used+iw > w {
			break
		}
		used += iw
		n++
	}
	s := h.ShortHelpView(all[:n])
	if n < len(all) && used+2 <= w {
		s += " " + h.Styles.Ellipsis.Render(h.Ellipsis)
	}
	return s
}

// helpNotes follow the key columns on the help screen.
var helpNotes = []string{
	"/ and f open a prompt on the last line: enter applies it, esc cancels.",
	"f takes node names and message types, !x leaves x out (“n1 Vote !Heartbeat”); empty clears it.",
	"a adds the kinds hidden by default: sends, timer set/cancel, starts.",
	"c: the selected event's causal past (↑) and future (↓), the rest dimmed; after v, its causes.",
	"o on a client's invoke ▷ or return ◁: the chain from one to the other.",
	"Live (a scenario): m marks nodes; x X L H break them; i picks a message in flight, d D drop or",
	"duplicate it; w saves the session as a scenario file that replays it.",
	"The wheel scrolls what it is over: the diagram or the panel (or J K, ⇧↓ ⇧↑).",
}

var legend = []string{
	"○─╮    a message leaves its sender's lane where it was sent, runs down while",
	"  ╰─▶● in flight (┆ dashed: not arrived yet at the playhead) and turns into",
	"       the receiver where it arrived; a later one that overtakes it crosses it",
	"═ a duplicate   ─✕ lost (partition, loss, receiver crashed, dropped)",
	"◷ timer fired   ◆ mark (leader, commit…)   ◇ state change",
	"✖ crash (the lane breaks)   ▲ restart   ‖ » pause, resume   ▷ ◁ invoke / return",
	"│ ┃ ║ ┆  lanes by partition component, ╎ isolated; ▌ faults in force",
	"█  leader or coordinator, in the critical section, or holding the token",
	"!  a check's violation   ▸ the selected row   ↑ ↓ ◉ causal past, future, event",
	"t: a blank line is a unit of time, ≈ +1.2s a longer gap cut short",
	"s: each node's state; a log as term runs is a strip: █ committed, ▒ not yet",
}

// helpLines is the ? screen: the key map's columns side by side (as many
// as fit the width; the rest go below), then the diagram's legend.
func (m *Model) helpLines(g geom) []string {
	const indent = "  "
	width := g.w - len(indent)
	h := m.helpView
	var rows, row []string
	rowW := 0
	for _, group := range keymap.FullHelp() {
		col := h.FullHelpView([][]key.Binding{group})
		cw := lipgloss.Width(col)
		if len(row) > 0 && rowW+len(h.FullSeparator)+cw > width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			col = lipgloss.JoinHorizontal(lipgloss.Top, h.FullSeparator, col)
			cw += len(h.FullSeparator)
		}
		row = append(row, col)
		rowW += cw
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))

	title := func(s string) string { return styles[stTitle].Render(" " + s) }
	out := []string{title("KEYS")}
	for _, l := range strings.Split(strings.Join(rows, "\n"), "\n") {
		out = append(out, indent+l)
	}
	for _, l := range helpNotes {
		out = append(out, indent+l)
	}
	out = append(out, "", title("DIAGRAM"))
	for _, l := range legend {
		out = append(out, indent+l)
	}
	// scrolled: j k PgDn PgUp move it when it does not fit
	top := min(m.helpTop, max(len(out)-g.bodyH, 0))
	out = out[top:]
	if len(out) > g.bodyH+1 {
		out = append(out[:g.bodyH], styles[stDim].Render("  ▼ more (j, PgDn)"))
	}
	return out
}
