package export

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"sort"
	"time"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// SVGOptions shape the SVG and HTML diagrams.
type SVGOptions struct {
	Window
	// Title heads the picture (default: scenario, algorithm and seed).
	Title string
	// Height is the picture's height budget in pixels (default
	// SlideHeight; negative: none). Past it the quiet stretches are elided,
	// each replaced by a band that says what it held: what is kept is the
	// rows with faults, crashes, restarts, marks and violations and a few
	// rows around each, then the first rows.
	Height int
	// TimeAxis spaces rows by virtual time; a long gap is cut short by a
	// zigzag that says how long it was.
	TimeAxis bool
	// MaxRows caps the diagram's length in rows when there is no height
	// budget (default 1500); a longer trace is cut with a note. Narrow the
	// Window to show a later part.
	MaxRows int
	// HideTimers leaves out timer expiries; States adds every published
	// state change (role=leader…) as a small label.
	HideTimers bool
	States     bool
	// Verdicts, when given, ring the events of each violation in red (and
	// the HTML page lists the checks).
	Verdicts []check.Result
}

const (
	svgTop  = 70
	svgLeft = 96
	svgRowH = 20
	// SlideHeight is the default height budget: a slide (1080p, with room
	// for a title).
	SlideHeight = 1000
	svgBandH    = 18 // an elided stretch
	svgGapMax   = 60 // the most a time gap takes before it is cut short
	svgBottom   = 50
)

// palette for partition components (light enough for slides).
var compColors = []string{"#0e7490", "#a21caf", "#b45309", "#15803d"}

type svgRow struct {
	y    int
	lane []int8 // per node: -2 down, -1 normal, 0.. partition group, laneHi, laneIsolated
	t    time.Duration
	key  uint8 // keyFault: a fault, crash, restart, pause, error or violation; keyMark: a mark
	kept bool
}

// svgBand is what stands for rows not drawn: an elided stretch (rows
// first..last) or a long time gap cut short (first = last = -1).
type svgBand struct {
	y, h        int
	first, last int
	events      int
	from, to    time.Duration
}

type svgItem struct{ ev, row int }

// What a height budget keeps first.
const (
	keyMark  uint8 = 1
	keyFault uint8 = 2
)

// Lane states besides -2 (down), -1 (normal) and 0.. (partition group):
// laneHi for a highlighted node, laneIsolated for an isolated one.
const (
	laneHi       = 100
	laneIsolated = 101
	lanePaused   = 102
)

// SVG writes the space-time diagram as a standalone SVG picture: one
// vertical lane per node, time flowing down, each message a line from its
// send to its delivery, lost messages ending in a red cross, crashes
// breaking the lane, partitions shaded with lanes coloured by component,
// and family marks labelled.
func SVG(w io.Writer, tr *trace.Trace, opts SVGOptions) error {
	bw := bufio.NewWriter(w)
	writeSVG(bw, tr, opts)
	return bw.Flush()
}

func (o *SVGOptions) rowKind(k trace.Kind) bool {
	switch k {
	case trace.Send, trace.Deliver, trace.Drop, trace.Crash, trace.Restart, trace.Pause, trace.Resume, trace.Mark, trace.Partition,
		trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin, trace.Invoke, trace.Return, trace.Error:
		return true
	case trace.TimerFire:
		return !o.HideTimers
	case trace.State:
		return o.States
	}
	return false
}

func writeSVG(bw *bufio.Writer, tr *trace.Trace, opts SVGOptions) {
	maxRows := opts.MaxRows
	if maxRows <= 0 {
		maxRows = 1500
	}
	budget := opts.Height
	if budget == 0 {
		budget = SlideHeight
	}
	names := tr.Header.Nodes
	n := len(names)
	laneW := max(56, min(130, 1100/max(n, 1)))
	x := func(id trace.NodeID) int { return svgLeft + laneW/2 + int(id)*laneW }

	// Walk the whole trace (state before the window matters), keeping rows.
	world := trace.NewWorld(tr.Header)
	var rows []svgRow
	var items []svgItem
	sendRowOf := map[int64]int{} // message → row of its send
	truncated := 0
	// Events share a row when they happen at the same virtual time on
	// different nodes (a broadcast fans out from one point): the picture
	// stays short enough for a slide.
	used := make([]trace.Kind, n) // kind+1 of the node's last event in the current row; 0 none
	curTime := time.Duration(-1)
	solo := false // the current row holds a fault, crash or restart: it stays alone
	for i := range tr.Len() {
		e := tr.At(i)
		world.Apply(&e)
		if !opts.has(e.Time) || !opts.rowKind(e.Kind) || (e.Kind == trace.State && e.Name == trace.HighlightKey) {
			continue
		}
		alone := e.Kind.IsFault() || e.Node < 0 || int(e.Node) >= n
		newRow := len(rows) == 0 || alone || solo || e.Time != curTime
		if !newRow {
			last := used[e.Node]
			switch {
			case last == 0:
			case last == trace.Send+1 && e.Kind == trace.Send:
			case last == trace.Send+1 && e.Kind == trace.Drop:
			default:
				newRow = true
			}
			if e.Kind == trace.Deliver {
				if r, ok := sendRowOf[e.Msg]; ok && r == len(rows)-1 {
					newRow = true
				}
			}
		}
		if newRow {
			if budget < 0 && len(rows) >= maxRows {
				truncated++
				continue
			}
			lane := make([]int8, n)
			for j := range lane {
				id := trace.NodeID(j)
				switch {
				case !world.Up(id):
					lane[j] = -2
				case world.Paused(id):
					lane[j] = lanePaused
				case world.Highlight(id) != "":
					lane[j] = laneHi
				case world.Net.Isolated(id):
					lane[j] = laneIsolated
				default:
					lane[j] = int8(min(world.Net.Group(id), 99))
				}
			}
			rows = append(rows, svgRow{lane: lane, t: e.Time})
			clear(used)
			curTime, solo = e.Time, alone
		}
		if e.Node >= 0 && int(e.Node) < n {
			used[e.Node] = e.Kind + 1
		}
		if e.Kind == trace.Send {
			sendRowOf[e.Msg] = len(rows) - 1
		}
		switch e.Kind {
		case trace.Send, trace.Deliver, trace.Drop, trace.TimerFire, trace.State, trace.Invoke, trace.Return:
		case trace.Mark:
			rows[len(rows)-1].key = max(rows[len(rows)-1].key, keyMark)
		default:
			rows[len(rows)-1].key = keyFault // a fault, crash, restart, pause or error
		}
		items = append(items, svgItem{ev: i, row: len(rows) - 1})
	}
	// a violation's event may not be drawn (a state change, say): ring the
	// first drawn event at or after it instead.
	violated := map[int]string{}
	for _, v := range opts.Verdicts {
		if v.Verdict == check.Fail {
			for _, ev := range v.Events {
				k := sort.Search(len(items), func(k int) bool { return items[k].ev >= ev })
				if k < len(items) {
					violated[items[k].ev] = v.Name
					rows[items[k].row].key = keyFault
				}
			}
		}
	}
	elided := chooseRows(rows, budget)
	bands := layoutRows(rows, items, opts, budget)
	bottomY := svgTop + 24
	if len(rows) > 0 {
		bottomY = svgTop + 24
		for _, r := range rows {
			if r.kept {
				bottomY = max(bottomY, r.y+svgRowH/2)
			}
		}
		for _, b := range bands {
			bottomY = max(bottomY, b.y+b.h)
		}
	}
	width := svgLeft + n*laneW + 260
	height := bottomY + svgBottom
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="12">`+"\n", width, height, width, height)
	bw.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>` + "\n")
	bw.WriteString(`<style>.msg{stroke:#1d4ed8;stroke-width:1.4;fill:none}.dup{stroke:#d97706;stroke-dasharray:5 3}.lost{stroke:#dc2626;stroke-dasharray:3 3}.lbl{fill:#334155;font-size:10px}.mark{fill:#a16207;font-weight:bold}.t{fill:#64748b;font-size:10px}.net{fill:#7e22ce}.band{fill:#f1f5f9}.bandt{fill:#475569;font-size:11px;font-style:italic}</style>` + "\n")
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	title := opts.Title
	if title == "" {
		h := tr.Header
		title = fmt.Sprintf("%s %s · seed %d · %d events", h.Scenario, h.Algorithm, h.Seed, tr.Len())
	}
	fmt.Fprintf(bw, `<text x="12" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", esc(title))
	if elided > 0 {
		fmt.Fprintf(bw, `<text x="12" y="44" class="bandt">%d quiet rows elided to fit %dpx (the faults, crashes, marks and violations are kept); export with a larger --height, or 0, for all</text>`+"\n", elided, budget)
	}

	// partition bands
	// (the partition's own row says which it is)
	bandStart := -1
	closeBand := func(endY int) {
		if bandStart >= 0 {
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="#7e22ce" fill-opacity="0.06"/>`+"\n",
				svgLeft-8, bandStart, n*laneW+16, max(endY-bandStart, 4))
			bandStart = -1
		}
	}
	for _, it := range items {
		e, r := tr.At(it.ev), rows[it.row]
		if !r.kept {
			continue
		}
		switch e.Kind {
		case trace.Partition:
			closeBand(r.y - svgRowH/2)
			bandStart = r.y - svgRowH/2
		case trace.Heal:
			closeBand(r.y)
		}
	}
	closeBand(bottomY)

	// elided stretches and cut-short gaps: a band across the lanes
	for _, b := range bands {
		fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" class="band"/>`+"\n", svgLeft-8, b.y, n*laneW+16, b.h)
		text := fmt.Sprintf("≈ +%v", b.to-b.from)
		if b.first >= 0 {
			text = fmt.Sprintf("⋯ %d events elided (%v – %v) ⋯", b.events, b.from, b.to)
		}
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" class="bandt">%s</text>`+"\n", svgLeft+n*laneW/2, b.y+b.h/2+4, esc(text))
	}

	// lanes: segments of constant style over consecutive drawn rows
	for id := 0; id < n; id++ {
		lx := x(trace.NodeID(id))
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold" font-size="14">%s</text>`+"\n", lx, svgTop+8, esc(names[id]))
		start := -1
		flush := func(endY int) {
			if start < 0 {
				return
			}
			st := rows[start].lane[id]
			if st != -2 {
				color, wdt, dash := "#94a3b8", 2, ""
				switch {
				case st == laneHi:
					color, wdt = "#eab308", 7
				case st == laneIsolated:
					color, dash = "#dc2626", ` stroke-dasharray="2 4"`
				case st == lanePaused:
					color, dash = "#cbd5e1", ` stroke-dasharray="1 5"`
				case st >= 0:
					color, wdt = compColors[int(st)%len(compColors)], 4
				}
				fmt.Fprintf(bw, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%d"%s/>`+"\n",
					lx, rows[start].y-svgRowH/2, lx, endY, color, wdt, dash)
			}
			start = -1
		}
		prev := -1
		for k := range rows {
			if !rows[k].kept {
				continue
			}
			contiguous := prev >= 0 && prev == k-1 // no band between (time gaps are lane too)
			if start >= 0 && (!contiguous || rows[k].lane[id] != rows[start].lane[id]) {
				if contiguous {
					flush(rows[k].y - svgRowH/2)
				} else {
					flush(rows[prev].y + svgRowH/2)
				}
			}
			if start < 0 {
				start = k
			}
			prev = k
		}
		if prev >= 0 {
			flush(rows[prev].y + svgRowH/2)
		}
		// faint through the bands
		for _, b := range bands {
			fmt.Fprintf(bw, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#cbd5e1" stroke-width="2" stroke-dasharray="2 3"/>`+"\n", lx, b.y-svgRowH/2, lx, b.y+b.h+svgRowH/2)
		}
	}

	// time labels: when time moves on, at most every other row
	last := time.Duration(-1)
	lastY := -100
	for _, it := range items {
		r := rows[it.row]
		t := tr.At(it.ev).Time
		if r.kept && t != last && r.y-lastY >= 2*svgRowH {
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end" class="t">%s</text>`+"\n", svgLeft-12, r.y+4, esc(t.String()))
			last, lastY = t, r.y
		}
	}

	// bandY is where a message sent in an elided row starts: the band.
	bandY := func(row int) int {
		for _, b := range bands {
			if b.first >= 0 && row >= b.first && row <= b.last {
				return b.y + b.h/2
			}
		}
		return svgTop + 16
	}
	desc := trace.NewDescriber(tr)
	seen := map[int64]bool{}
	for _, it := range items {
		e, r := tr.At(it.ev), rows[it.row]
		if e.Kind == trace.Deliver {
			wasSeen := seen[e.Msg]
			seen[e.Msg] = true
			if !r.kept {
				continue
			}
			tip := esc(fmt.Sprintf("#%d %s %s: %s", it.ev+1, e.Time, tr.NodeName(e.Node), desc.Event(it.ev)))
			sendY, dashed := svgTop+16, ` stroke-dasharray="1 3"`
			if i, ok := sendRowOf[e.Msg]; ok {
				if rows[i].kept {
					sendY, dashed = rows[i].y, ""
				} else {
					sendY = bandY(i)
				}
			}
			cls := "msg"
			if wasSeen {
				cls = "msg dup"
			}
			xs, xn := x(e.Peer), x(e.Node)
			fmt.Fprintf(bw, `<g><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d" class="%s"%s marker-end="url(#arrow)"/>`,
				tip, xs, sendY, xn, r.y, cls, dashed)
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" class="lbl">%s</text></g>`+"\n",
				(xs+xn)/2, (sendY+r.y)/2-3, esc(e.Name))
			fmt.Fprintf(bw, `<circle cx="%d" cy="%d" r="3.5" fill="#1d4ed8"/>`+"\n", xn, r.y)
			if name, ok := violated[it.ev]; ok {
				ring(bw, xn, r.y, svgLeft+n*laneW+10, name)
			}
			continue
		}
		if !r.kept {
			continue
		}
		tip := esc(fmt.Sprintf("#%d %s %s: %s", it.ev+1, e.Time, tr.NodeName(e.Node), desc.Event(it.ev)))
		xn := 0
		if e.Node >= 0 && int(e.Node) < n {
			xn = x(e.Node)
		}
		switch e.Kind {
		case trace.Drop:
			xs, xr := x(e.Node), x(e.Peer)
			sy := r.y
			if i, ok := sendRowOf[e.Msg]; ok {
				sy = rows[i].y
				if !rows[i].kept {
					sy = bandY(i)
				}
			}
			ex := xs + (xr-xs)*6/10
			fmt.Fprintf(bw, `<g><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d" class="msg lost"/>`, tip, xs, sy, ex, r.y)
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" fill="#dc2626" font-size="14" font-weight="bold">✕</text></g>`+"\n", ex, r.y+5)
		case trace.Send:
			fmt.Fprintf(bw, `<circle cx="%d" cy="%d" r="3" fill="white" stroke="#1d4ed8" stroke-width="1.5"><title>%s</title></circle>`+"\n", xn, r.y, tip)
		case trace.TimerFire:
			fmt.Fprintf(bw, `<circle cx="%d" cy="%d" r="3" fill="#cbd5e1"><title>%s</title></circle>`+"\n", xn, r.y, tip)
		case trace.Crash:
			fmt.Fprintf(bw, `<g><title>%s</title><text x="%d" y="%d" text-anchor="middle" fill="#dc2626" font-size="18" font-weight="bold">✖</text><text x="%d" y="%d" fill="#dc2626" class="mark">crash</text></g>`+"\n", tip, xn, r.y+6, xn+10, r.y+4)
		case trace.Restart:
			fmt.Fprintf(bw, `<g><title>%s</title><path d="M%d,%d l6,10 h-12 z" fill="#16a34a"/><text x="%d" y="%d" fill="#16a34a" class="mark">restart</text></g>`+"\n", tip, xn, r.y-6, xn+10, r.y+4)
		case trace.Pause, trace.Resume:
			label, color := "pause "+e.Value, "#dc2626"
			if e.Kind == trace.Resume {
				label, color = "resume", "#16a34a"
			}
			fmt.Fprintf(bw, `<g><title>%s</title><rect x="%d" y="%d" width="3" height="10" fill="%s"/><rect x="%d" y="%d" width="3" height="10" fill="%s"/><text x="%d" y="%d" fill="%s" class="mark">%s</text></g>`+"\n",
				tip, xn-4, r.y-5, color, xn+1, r.y-5, color, xn+10, r.y+4, color, esc(label))
		case trace.Mark:
			fmt.Fprintf(bw, `<g><title>%s</title><path d="M%d,%d l5,5 l-5,5 l-5,-5 z" fill="#ca8a04"/><text x="%d" y="%d" class="mark">%s</text></g>`+"\n", tip, xn, r.y-5, xn+9, r.y+4, esc(e.Name))
		case trace.State:
			fmt.Fprintf(bw, `<g><title>%s</title><circle cx="%d" cy="%d" r="2.5" fill="#0891b2"/><text x="%d" y="%d" class="lbl">%s</text></g>`+"\n", tip, xn, r.y, xn+6, r.y+4, esc(e.Name+"="+e.Value))
		case trace.Invoke, trace.Return:
			fmt.Fprintf(bw, `<g><title>%s</title><rect x="%d" y="%d" width="7" height="7" fill="#16a34a"/><text x="%d" y="%d" class="lbl">%s</text></g>`+"\n", tip, xn-3, r.y-3, xn+8, r.y+4, esc(desc.Event(it.ev)))
		case trace.Error:
			fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#dc2626" font-weight="bold">!<title>%s</title></text>`+"\n", xn, r.y+4, tip)
		case trace.Partition, trace.Heal, trace.Cut, trace.Isolate, trace.Rejoin:
			fmt.Fprintf(bw, `<g><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#7e22ce" stroke-dasharray="6 4"/><text x="%d" y="%d" class="net">%s</text></g>`+"\n",
				tip, svgLeft-8, r.y, svgLeft+n*laneW+8, r.y, svgLeft+n*laneW+10, r.y+4, esc(desc.Event(it.ev)))
		}
		if name, ok := violated[it.ev]; ok {
			ring(bw, xn, r.y, svgLeft+n*laneW+10, name)
		}
	}
	if truncated > 0 {
		fmt.Fprintf(bw, `<text x="12" y="%d" fill="#dc2626">… %d more events not drawn (limit %d rows): narrow the time window</text>`+"\n", height-16, truncated, maxRows)
	}
	bw.WriteString("</svg>\n")
}

// ring circles a violation's event in red and names the check.
func ring(bw *bufio.Writer, x, y, labelX int, name string) {
	fmt.Fprintf(bw, `<g><title>violation of %s</title><circle cx="%d" cy="%d" r="9" fill="none" stroke="#dc2626" stroke-width="2.5"/><text x="%d" y="%d" fill="#dc2626" font-weight="bold">✗ %s</text></g>`+"\n",
		esc(name), x, y, labelX, y+4, esc(name))
}

// chooseRows decides which rows are drawn within a height budget (none
// when budget < 0: all of them) and returns how many are elided. Kept
// first: the rows with faults and violations and up to 3 rows around each
// (fewer if that does not fit; if even they do not, the first of them);
// then the marks' rows; then rows from the start while there is room.
func chooseRows(rows []svgRow, budget int) int {
	if budget < 0 {
		for i := range rows {
			rows[i].kept = true
		}
		return 0
	}
	room := budget - svgTop - 24 - svgBottom
	c := 0 // the cost of what is kept: its rows, and a band for every elided run
	if len(rows) > 0 {
		c = svgBandH // nothing kept yet: one elided run
	}
	// keep adds row i if it fits, and says whether it did
	keep := func(i int) bool {
		if rows[i].kept {
			return true
		}
		before, after := i > 0 && !rows[i-1].kept, i+1 < len(rows) && !rows[i+1].kept
		delta := svgRowH
		switch {
		case before && after:
			delta += svgBandH // the run splits in two
		case !before && !after:
			delta -= svgBandH // the run was this row alone
		}
		if c+delta > room {
			return false
		}
		rows[i].kept = true
		c += delta
		return true
	}
	for around := 3; around >= 0; around-- {
		fits := true
		for i, r := range rows {
			if r.key == keyFault {
				for j := max(0, i-around); j <= min(len(rows)-1, i+around) && fits; j++ {
					fits = keep(j)
				}
			}
		}
		if fits {
			break
		}
		if around > 0 { // start again with fewer rows around each
			for i := range rows {
				rows[i].kept = false
			}
			c = svgBandH
		}
	}
	for i, r := range rows {
		if r.key == keyMark {
			keep(i)
		}
	}
	// a band in place of one or two rows saves little: draw them
	for short := 1; short <= 2; short++ {
		for i := 0; i < len(rows); i++ {
			if rows[i].kept {
				continue
			}
			j := i
			for j < len(rows) && !rows[j].kept {
				j++
			}
			if j-i <= short && i > 0 && j < len(rows) {
				for k := i; k < j; k++ {
					keep(k)
				}
			}
			i = j
		}
	}
	for i := range rows {
		if !keep(i) {
			break
		}
	}
	elided := 0
	for _, r := range rows {
		if !r.kept {
			elided++
		}
	}
	return elided
}

// layoutRows gives every kept row its y and returns the bands: elided
// runs, and (time axis) gaps cut short. With the time axis, a gap of time
// is drawn as space in proportion, the scale shrunk to fit the budget.
func layoutRows(rows []svgRow, items []svgItem, opts SVGOptions, budget int) []svgBand {
	events := make([]int, len(rows))
	for _, it := range items {
		events[it.row]++
	}
	gap := func(dt time.Duration, scale float64) (int, bool) {
		if !opts.TimeAxis || dt <= 0 {
			return 0, false
		}
		px := float64(dt) * scale
		if px > svgGapMax {
			return svgBandH, true
		}
		return int(px), false
	}
	place := func(scale float64) ([]svgBand, int) {
		var bands []svgBand
		y := svgTop + 24 - svgRowH/2
		prevKept := -1
		for i := 0; i < len(rows); i++ {
			if !rows[i].kept {
				j := i
				b := svgBand{first: i, from: rows[i].t}
				for ; j < len(rows) && !rows[j].kept; j++ {
					b.events += events[j]
					b.to = rows[j].t
				}
				b.last = j - 1
				b.y, b.h = y+svgRowH/2, svgBandH
				y += svgBandH
				bands = append(bands, b)
				i = j - 1
				prevKept = -1
				continue
			}
			if prevKept >= 0 {
				dt := rows[i].t - rows[prevKept].t
				px, cut := gap(dt, scale)
				if cut {
					bands = append(bands, svgBand{y: y + svgRowH/2, h: px, first: -1, last: -1, from: rows[prevKept].t, to: rows[i].t})
				}
				y += px
			}
			y += svgRowH
			rows[i].y = y
			prevKept = i
		}
		return bands, y + svgRowH/2
	}
	if !opts.TimeAxis {
		bands, _ := place(0)
		return bands
	}
	// the scale: the median gap between rows takes 10px, shrunk to fit
	var gaps []time.Duration
	for i := 1; i < len(rows); i++ {
		if dt := rows[i].t - rows[i-1].t; dt > 0 {
			gaps = append(gaps, dt)
		}
	}
	scale := 0.0
	if len(gaps) > 0 {
		sort.Slice(gaps, func(a, b int) bool { return gaps[a] < gaps[b] })
		scale = 10 / float64(gaps[len(gaps)/2])
	}
	bands, bottom := place(scale)
	for k := 0; budget > 0 && bottom+svgBottom > budget && k < 20 && scale > 0; k++ {
		scale /= 1.5
		bands, bottom = place(scale)
	}
	return bands
}

func esc(s string) string { return html.EscapeString(s) }
