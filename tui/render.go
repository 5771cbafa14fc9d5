package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"distlab/checkers/check"
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
	styles[stLane] = base.Foreground(c("8"))
	styles[stComp0] = base.Foreground(c("6")).Bold(true)
	styles[stComp1] = base.Foreground(c("5")).Bold(true)
	styles[stComp2] = base.Foreground(c("3")).Bold(true)
	styles[stComp3] = base.Foreground(c("2")).Bold(true)
	styles[stIso] = base.Foreground(c("1"))
	styles[stTime] = base.Foreground(c("8"))
	styles[stMsg] = base.Foreground(c("4")).Bold(true)
	styles[stDup] = base.Foreground(c("3"))
	styles[stDrop] = base.Foreground(c("1"))
	styles[stTimer] = base.Foreground(c("8"))
	styles[stCrash] = base.Foreground(c("1")).Bold(true)
	styles[stRestart] = base.Foreground(c("2")).Bold(true)
	styles[stMark] = base.Foreground(c("3")).Bold(true)
	styles[stState] = base.Foreground(c("6"))
	styles[stNet] = base.Foreground(c("5")).Bold(true)
	styles[stViol] = base.Foreground(c("15")).Background(c("1")).Bold(true)
	styles[stDim] = base.Foreground(c("8"))
	styles[stTitle] = base.Bold(true)
	styles[stOp] = base.Foreground(c("2"))
	styles[stHi] = base.Foreground(c("3"))
	for i := range styles {
		cursorStyles[i] = styles[i].Reverse(true)
	}
	cursorStyles[stViol] = styles[stViol]
}

// cell is one column of a diagram row.
type cell struct {
	r rune // 0: the right half of a wide rune before it
	s sty
}

type rowBuf []cell

func (b rowBuf) put(x int, r rune, s sty) {
	if x >= 0 && x < len(b) {
		b[x] = cell{r, s}
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
				b[end-1] = cell{'…', st}
			}
			return end
		}
		b[x] = cell{r, st}
		if w == 2 {
			b[x+1] = cell{0, st}
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
		if c.r == 0 {
			continue
		}
		if c.s != cur {
			flush()
			cur = c.s
		}
		run.WriteRune(c.r)
	}
	flush()
}

// View implements tea.Model. It reads the model and never changes it.
func (m *Model) View() string {
	g := m.geom()
	var sb strings.Builder
	sb.Grow(g.w * g.h * 2)
	sb.WriteString(padLine(m.titleLine(), g.w))
	sb.WriteByte('\n')

	var body []string
	if m.help {
		body = m.helpLines(g)
	} else {
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

func (m *Model) titleLine() string {
	h := m.ix.tr.Header
	parts := []string{"distlab"}
	if h.Scenario != "" {
		parts = append(parts, h.Scenario)
	}
	if h.Algorithm != "" {
		parts = append(parts, h.Algorithm)
	}
	parts = append(parts, fmt.Sprintf("seed %d", h.Seed), fmt.Sprintf("%d nodes", len(h.Nodes)))
	if m.src != nil {
		if m.srcDone {
			parts = append(parts, "live (finished)")
		} else {
			parts = append(parts, "LIVE")
		}
	}
	s := styles[stTitle].Render(" " + strings.Join(parts, " · "))
	var tags []string
	if m.filt.text != "" {
		tags = append(tags, "filter: "+m.filt.text)
	}
	if m.filt.all {
		tags = append(tags, "all kinds")
	}
	if len(tags) > 0 {
		s += styles[stMark].Render("  [" + strings.Join(tags, "] [") + "]")
	}
	return s
}

// diagramLines draws the lane names and the body rows on screen, and
// nothing else: the cost of a frame does not grow with the trace.
func (m *Model) diagramLines(g geom) []string {
	out := make([]string, 0, g.bodyH+1)
	hdr := make(rowBuf, g.diagW)
	for i := range hdr {
		hdr[i] = cell{' ', stNone}
	}
	hdr.text(2, 9, "     time", stTime)
	names, sparse := laneNames(m.ix.tr.Header.Nodes, g.sp-1)
	for i := 0; i < g.lanes && i < len(names); i++ {
		name := names[i]
		if sparse {
			// too narrow for every name: every fifth lane, named in full
			if i%5 == 0 {
				hdr.text(g.laneX(i), 5*g.sp-1, name, stTitle)
			}
			continue
		}
		x := g.laneX(i) - (runewidth.StringWidth(name)-1)/2
		hdr.text(x, g.sp, name, stTitle)
	}
	if g.lanes < m.ix.nodes() {
		hdr.text(g.labelX, g.diagW-g.labelX, fmt.Sprintf("(+%d lanes: widen)", m.ix.nodes()-g.lanes), stDim)
	}
	var sb strings.Builder
	hdr.render(&sb, false)
	out = append(out, sb.String())

	if len(m.rows) == 0 {
		out = append(out, styles[stDim].Render("  (no events"+map[bool]string{true: " match the filter", false: " yet"}[m.filt.text != ""]+")"))
		return out
	}
	buf := make(rowBuf, g.diagW)
	var prevTime time.Duration = -1
	if m.top > 0 {
		prevTime = m.ix.tr.At(int(m.rows[m.top-1])).Time
	}
	for y := 0; y < g.bodyH; y++ {
		r := m.top + y
		if r > m.reveal || r >= len(m.rows) {
			rest := len(m.rows) - 1 - m.reveal
			if r == m.reveal+1 && (rest > 0 || !m.srcDone) {
				more := fmt.Sprintf("  ▼ %d more rows", rest)
				if !m.srcDone {
					more = "  ▼ the run goes on"
				}
				out = append(out, styles[stDim].Render(more+" (space plays, n steps, G jumps to the end)"))
			}
			break
		}
		ev := int(m.rows[r])
		e := m.ix.tr.At(ev)
		showTime := e.Time != prevTime || y == 0 || r == m.cursor
		prevTime = e.Time
		m.drawRow(buf, g, ev, r == m.cursor, showTime)
		sb.Reset()
		buf.render(&sb, r == m.cursor)
		out = append(out, sb.String())
	}
	return out
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

// laneGlyph is how a lane looks: broken while the node is down, and drawn
// per partition component so that the groups read even without colour.
func laneGlyph(ep *trace.Epoch, i int) (rune, sty) {
	id := trace.NodeID(i)
	if !ep.IsUp(id) {
		return ' ', stNone
	}
	if ep.IsPaused(id) {
		return '┊', stDim // frozen: it handles nothing until it resumes
	}
	if ep.Highlighted(id) {
		return '█', stHi
	}
	switch c := ep.Net.Group(id); {
	case ep.Net.Isolated(id):
		return '╎', stIso
	case c < 0:
		return '│', stLane
	default:
		return []rune{'┃', '║', '┆', '╏'}[c%4], stComp0 + sty(c%4)
	}
}

func (m *Model) drawRow(b rowBuf, g geom, ev int, cursor, showTime bool) {
	for i := range b {
		b[i] = cell{' ', stNone}
	}
	e := m.ix.tr.At(ev)
	ep := m.ix.epochAt(ev)
	if cursor {
		b.put(0, '▸', stNone)
	}
	_, viol := m.violEv[ev]
	if viol {
		b.put(1, '!', stViol)
	}
	if showTime {
		t := fmtDur(e.Time)
		b.text(gutterW-1-runewidth.StringWidth(t), 9, t, stTime)
	}
	if ep.Net.Faulty() {
		b.put(gutterW-1, '▌', stNet)
	}
	for i := 0; i < g.lanes; i++ {
		r, s := laneGlyph(ep, i)
		b.put(g.laneX(i), r, s)
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
		// a message: from sender to receiver. Deliver's Node is the
		// receiver; Drop's Node is the sender.
		from, to := e.Peer, e.Node
		if e.Kind == trace.Drop {
			from, to = e.Node, e.Peer
		}
		xs, okS := lane(from)
		xr, okR := lane(to)
		line, st := '─', stMsg
		if m.ix.dup(ev) {
			line, st = '═', stDup
		}
		if e.Kind == trace.Drop {
			st = stDrop
		}
		if okS && okR && xs != xr {
			dir := 1
			if xr < xs {
				dir = -1
			}
			for x := xs + dir; x != xr; x += dir {
				b.put(x, line, st)
			}
			b.put(xs, '○', st)
			if e.Kind == trace.Drop {
				b.put(xr-dir, '✕', stDrop)
			} else {
				b.put(xr-dir, map[int]rune{1: '▶', -1: '◀'}[dir], st)
				b.put(xr, '●', st)
			}
		} else if okR {
			b.put(xr, '●', st)
		}
	case trace.Send, trace.Duplicate:
		if onLane {
			b.put(x, '○', stMsg)
			if xr, ok := lane(e.Peer); ok && xr != x {
				if xr > x {
					b.put(x+1, '╴', stDim)
				} else {
					b.put(x-1, '╶', stDim)
				}
			}
		}
	case trace.TimerFire:
		b.put(x, '◷', stTimer)
	case trace.TimerSet, trace.TimerCancel, trace.Log:
		b.put(x, '·', stDim)
	case trace.Crash:
		b.put(x, '✖', stCrash)
	case trace.Restart, trace.Start:
		b.put(x, '▲', stRestart)
	case trace.Pause:
		b.put(x, '‖', stCrash)
	case trace.Resume:
		b.put(x, '»', stRestart)
	case trace.State:
		b.put(x, '◇', stState)
	case trace.Mark:
		b.put(x, '◆', stMark)
	case trace.Invoke:
		b.put(x, '▷', stOp)
	case trace.Return:
		b.put(x, '◁', stOp)
	case trace.Error:
		b.put(x, '!', stViol)
	case trace.Isolate, trace.Rejoin:
		b.put(x, '◎', stNet)
	case trace.Cut:
		if xr, ok := lane(e.Peer); ok && onLane {
			dir := 1
			if xr < x {
				dir = -1
			}
			for k := x + dir; k != xr; k += dir {
				b.put(k, '╌', stNet)
			}
			b.put(xr-dir, '╳', stNet)
		}
	case trace.Partition, trace.Heal:
		for k := gutterW; k < g.labelX-1; k++ {
			if b[k].r == ' ' {
				b[k] = cell{'╌', stNet}
			}
		}
	}
	if !onLane && e.Node >= 0 && !e.Kind.IsNetwork() && e.Kind != trace.Deliver && e.Kind != trace.Drop {
		// a lane that does not fit: say whose event it is
		b.text(g.labelX, 6, m.ix.tr.NodeName(e.Node)+":", stDim)
	}
	st := kindStyle(e.Kind, m.ix.dup(ev))
	if viol {
		st = stViol
	}
	b.text(g.labelX, g.diagW-g.labelX, m.ix.desc.Event(ev), st)
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
		body = e.Data
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
	play := "‖ paused"
	if m.playing {
		play = "▶ playing"
	}
	parts = append(parts, fmt.Sprintf("%s %d/s", play, speeds[m.speed]))
	rev := m.revealEvent()
	var at time.Duration
	if rev >= 0 {
		at = tr.At(rev).Time
	}
	parts = append(parts, "t="+fmtDur(at))
	total := strconv.Itoa(tr.Len())
	if !m.srcDone {
		total += "+"
	}
	shown := rev + 1
	if m.reveal >= len(m.rows)-1 {
		shown = m.ix.n // the rows filtered out after the last one have happened too
	}
	parts = append(parts, fmt.Sprintf("%d/%s events", shown, total))
	if len(m.verdicts) > 0 {
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
	if rev >= 0 {
		if f := m.faultsAt(rev); f != "" {
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
	"f takes node names and/or message types (“n1 n2 Vote”); empty clears it.",
	"a adds the kinds hidden by default: sends, timer set/cancel, starts.",
	"The wheel scrolls what it is over: the diagram or the panel (or J K, ⇧↓ ⇧↑).",
}

var legend = []string{
	"○──▶●  a message, drawn at its delivery   ○══▶● duplicate   ○──✕ lost",
	"◷ timer fired   ◆ mark (leader, commit…)   ◇ state change",
	"✖ crash (the lane breaks)   ▲ restart   ▷ ◁ client invoke / return",
	"│ ┃ ║ ┆  lanes by partition component, ╎ isolated; ▌ faults in force",
	"█  leader or coordinator, in the critical section, or holding the token",
	"!  a check's violation   ▸ the selected row",
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
	return out
}
