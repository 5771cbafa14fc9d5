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
	// MaxRows caps the diagram's length in events (default 1500); a longer
	// trace is cut with a note. Narrow the Window to show a later part.
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
)

// palette for partition components (light enough for slides).
var compColors = []string{"#0e7490", "#a21caf", "#b45309", "#15803d"}

type svgRow struct {
	y    int
	lane []int8 // per node: -2 down, -1 normal, 0.. partition group, laneHi, laneIsolated
}

type svgItem struct{ ev, row int }

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
			if len(rows) >= maxRows {
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
			rows = append(rows, svgRow{y: svgTop + 24 + len(rows)*svgRowH, lane: lane})
			clear(used)
			curTime, solo = e.Time, alone
		}
		if e.Node >= 0 && int(e.Node) < n {
			used[e.Node] = e.Kind + 1
		}
		if e.Kind == trace.Send {
			sendRowOf[e.Msg] = len(rows) - 1
		}
		items = append(items, svgItem{ev: i, row: len(rows) - 1})
	}
	width := svgLeft + n*laneW + 260
	height := svgTop + 24 + len(rows)*svgRowH + 50
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="12">`+"\n", width, height, width, height)
	bw.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>` + "\n")
	bw.WriteString(`<style>.msg{stroke:#1d4ed8;stroke-width:1.4;fill:none}.dup{stroke:#d97706;stroke-dasharray:5 3}.lost{stroke:#dc2626;stroke-dasharray:3 3}.lbl{fill:#334155;font-size:10px}.mark{fill:#a16207;font-weight:bold}.t{fill:#64748b;font-size:10px}.net{fill:#7e22ce}</style>` + "\n")
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	title := opts.Title
	if title == "" {
		h := tr.Header
		title = fmt.Sprintf("%s %s · seed %d · %d events", h.Scenario, h.Algorithm, h.Seed, tr.Len())
	}
	fmt.Fprintf(bw, `<text x="12" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", esc(title))

	// partition bands
	bandStart := -1
	var bandText string
	closeBand := func(endY int) {
		if bandStart >= 0 {
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="#7e22ce" fill-opacity="0.06"/>`+"\n",
				svgLeft-8, bandStart, n*laneW+16, max(endY-bandStart, 4))
			fmt.Fprintf(bw, `<text x="%d" y="%d" class="net">%s</text>`+"\n", svgLeft+n*laneW+10, bandStart+14, esc(bandText))
			bandStart = -1
		}
	}
	for _, it := range items {
		e, r := tr.At(it.ev), rows[it.row]
		switch e.Kind {
		case trace.Partition:
			closeBand(r.y - svgRowH/2)
			bandStart, bandText = r.y-svgRowH/2, "partition "+tr.DescribeGroups(e.Groups)
		case trace.Heal:
			closeBand(r.y)
		}
	}
	if len(rows) > 0 {
		closeBand(rows[len(rows)-1].y + svgRowH/2)
	}

	// lanes: segments of constant style
	for id := 0; id < n; id++ {
		lx := x(trace.NodeID(id))
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold" font-size="14">%s</text>`+"\n", lx, svgTop+8, esc(names[id]))
		start := 0
		for k := 1; k <= len(rows); k++ {
			if k < len(rows) && rows[k].lane[id] == rows[start].lane[id] {
				continue
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
					lx, rows[start].y-svgRowH/2, lx, rows[k-1].y+svgRowH/2, color, wdt, dash)
			}
			start = k
		}
	}

	// time labels: when time moves on, at most every other row
	last := time.Duration(-1)
	lastRow := -10
	for _, it := range items {
		k, r := it.row, rows[it.row]
		t := tr.At(it.ev).Time
		if t != last && k-lastRow >= 2 {
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="end" class="t">%s</text>`+"\n", svgLeft-12, r.y+4, esc(t.String()))
			last, lastRow = t, k
		}
	}

	desc := trace.NewDescriber(tr)
	// a violation's event may not be drawn (a state change, say): ring the
	// first drawn event at or after it instead.
	violated := map[int]string{}
	for _, v := range opts.Verdicts {
		if v.Verdict == check.Fail {
			for _, ev := range v.Events {
				k := sort.Search(len(items), func(k int) bool { return items[k].ev >= ev })
				if k < len(items) {
					violated[items[k].ev] = v.Name
				}
			}
		}
	}
	seen := map[int64]bool{}
	for _, it := range items {
		e, r := tr.At(it.ev), rows[it.row]
		tip := esc(fmt.Sprintf("#%d %s %s: %s", it.ev+1, e.Time, tr.NodeName(e.Node), desc.Event(it.ev)))
		xn := 0
		if e.Node >= 0 && int(e.Node) < n {
			xn = x(e.Node)
		}
		switch e.Kind {
		case trace.Deliver:
			sendY := svgTop + 16
			dashed := ""
			if i, ok := sendRowOf[e.Msg]; ok {
				sendY = rows[i].y
			} else {
				dashed = ` stroke-dasharray="1 3"`
			}
			cls := "msg"
			if seen[e.Msg] {
				cls = "msg dup"
			}
			seen[e.Msg] = true
			xs := x(e.Peer)
			fmt.Fprintf(bw, `<g><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d" class="%s"%s marker-end="url(#arrow)"/>`,
				tip, xs, sendY, xn, r.y, cls, dashed)
			fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" class="lbl">%s</text></g>`+"\n",
				(xs+xn)/2, (sendY+r.y)/2-3, esc(e.Name))
			fmt.Fprintf(bw, `<circle cx="%d" cy="%d" r="3.5" fill="#1d4ed8"/>`+"\n", xn, r.y)
		case trace.Drop:
			xs, xr := x(e.Node), x(e.Peer)
			sy := r.y
			if i, ok := sendRowOf[e.Msg]; ok {
				sy = rows[i].y
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
			fmt.Fprintf(bw, `<g><title>violation of %s</title><circle cx="%d" cy="%d" r="9" fill="none" stroke="#dc2626" stroke-width="2.5"/><text x="%d" y="%d" fill="#dc2626" font-weight="bold">✗ %s</text></g>`+"\n",
				esc(name), xn, r.y, svgLeft+n*laneW+10, r.y+4, esc(name))
		}
	}
	if truncated > 0 {
		fmt.Fprintf(bw, `<text x="12" y="%d" fill="#dc2626">… %d more events not drawn (limit %d rows): narrow the time window</text>`+"\n", height-16, truncated, maxRows)
	}
	bw.WriteString("</svg>\n")
}

func esc(s string) string { return html.EscapeString(s) }
