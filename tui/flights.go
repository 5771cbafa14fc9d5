package tui

import (
	"sort"

	"distlab/simnet/trace"
)

// A message is drawn where it flies: from the row where it was sent down
// to the row where it arrived (or was lost). It leaves the sender's lane
// sideways into the gap toward the receiver, runs down a column of that
// gap while it is in flight (dashed while it has not arrived yet at the
// playhead), and turns into the receiver at its delivery:
//
//	○─╮            n0 sends at this row
//	  │  ◷
//	  ╰────▶●      n1 receives it here
//
// A message overtaken by a later one crosses it. Each message gets a
// column slot in its sender's gap, the lowest free one over its flight;
// slots are given in delivery order once, so a column does not move while
// scrolling, and do not depend on the width (a narrow terminal with fewer
// columns draws the messages past its slots flat, at their delivery).

const (
	noRow    = int32(1<<31 - 1)
	longSpan = 512 // flights longer than this (in rows) are kept apart
)

type flight struct {
	sendRow, endRow int32
	ev              int32 // the delivery or loss
	sendEv          int32
	from, to        trace.NodeID
	slot            int16
	lost            bool
}

// pending is a message sent (in view) that has not arrived yet.
type pending struct {
	msg      int64
	sendEv   int32
	sendRow  int32
	from, to trace.NodeID
}

type flightIndex struct {
	flights []flight // in order of end row
	long    []int32  // flights longer than longSpan rows, by index
	// per message id: the row its send is attached to; -2 out of view,
	// -1 not seen
	sendRow []int32
	ended   []bool // per message id: its first delivery or loss was seen
	open    []pending
	// lastEnd[from*2+side][slot]: the end row of the last flight there
	lastEnd   [][]int32
	lastRowOf []int32 // per node: its last row
}

func (fi *flightIndex) reset() { *fi = flightIndex{} }

func (fi *flightIndex) grow(msg int64) {
	for int64(len(fi.sendRow)) <= msg {
		fi.sendRow = append(fi.sendRow, -1)
		fi.ended = append(fi.ended, false)
	}
}

// see is told every event in order, after the row (if any) it makes was
// appended: row is that row's index or -1.
func (m *Model) seeFlight(i int, e *trace.Event, row int) {
	fi := &m.fl
	if a := actor(e); a >= 0 && row >= 0 {
		for int(a) >= len(fi.lastRowOf) {
			fi.lastRowOf = append(fi.lastRowOf, -1)
		}
		fi.lastRowOf[a] = int32(row)
	}
	switch e.Kind {
	case trace.Send:
		if e.Msg <= 0 {
			return
		}
		fi.grow(e.Msg)
		arrival := trace.Event{Kind: trace.Deliver, Node: e.Peer, Peer: e.Node, Name: e.Name}
		if !m.filt.matchText(&arrival) {
			fi.sendRow[e.Msg] = -2 // the filter leaves it out
			return
		}
		at := int32(row)
		if row < 0 {
			// attach it to the sender's own row at this moment (the
			// delivery or timer it answers), else to the last row
			at = int32(len(m.rows) - 1)
			if e.Node >= 0 && int(e.Node) < len(fi.lastRowOf) {
				if r := fi.lastRowOf[e.Node]; r >= 0 && m.ix.tr.At(int(m.rows[r])).Time == e.Time {
					at = r
				}
			}
			at = max(at, 0) // before the first row: it starts there
		}
		fi.sendRow[e.Msg] = at
		fi.open = append(fi.open, pending{msg: e.Msg, sendEv: int32(i), sendRow: at, from: e.Node, to: e.Peer})
	case trace.Deliver, trace.Drop:
		if e.Msg <= 0 || e.Msg >= int64(len(fi.sendRow)) {
			return
		}
		from, to := e.Peer, e.Node
		if e.Kind == trace.Drop {
			from, to = e.Node, e.Peer
		}
		first := !fi.ended[e.Msg]
		fi.ended[e.Msg] = true
		if first {
			fi.closeOpen(e.Msg)
		}
		rs := fi.sendRow[e.Msg]
		if rs < 0 || row < 0 || from == to {
			return
		}
		fi.place(flight{sendRow: rs, endRow: int32(row), ev: int32(i), sendEv: int32(m.ix.desc.SendOf(e.Msg)),
			from: from, to: to, lost: e.Kind == trace.Drop})
	}
}

func (fi *flightIndex) closeOpen(msg int64) {
	for k := len(fi.open) - 1; k >= 0; k-- {
		if fi.open[k].msg == msg {
			fi.open = append(fi.open[:k], fi.open[k+1:]...)
			return
		}
	}
}

// place gives a flight the lowest slot of its sender's gap that is free
// over its rows, and records it.
func (fi *flightIndex) place(f flight) {
	key := int(f.from)*2 + side(f.from, f.to)
	for key >= len(fi.lastEnd) {
		fi.lastEnd = append(fi.lastEnd, nil)
	}
	slots := fi.lastEnd[key]
	s := 0
	for s < len(slots) && slots[s] >= f.sendRow {
		s++
	}
	if s == len(slots) {
		slots = append(slots, 0)
	}
	slots[s] = f.endRow
	fi.lastEnd[key] = slots
	f.slot = int16(min(s, 1<<15-1))
	fi.flights = append(fi.flights, f)
	if f.endRow-f.sendRow > longSpan {
		fi.long = append(fi.long, int32(len(fi.flights)-1))
	}
}

func side(from, to trace.NodeID) int {
	if to > from {
		return 0
	}
	return 1
}

// inWindow calls fn for every flight that crosses rows [r0, r1].
func (fi *flightIndex) inWindow(r0, r1 int32, fn func(f *flight)) {
	k := sort.Search(len(fi.flights), func(k int) bool { return fi.flights[k].endRow >= r0 })
	for ; k < len(fi.flights) && fi.flights[k].endRow <= r1+longSpan; k++ {
		if f := &fi.flights[k]; f.sendRow <= r1 && f.endRow-f.sendRow <= longSpan {
			fn(f)
		}
	}
	for _, k := range fi.long {
		if f := &fi.flights[k]; f.endRow >= r0 && f.sendRow <= r1 {
			fn(f)
		}
	}
}

// openSlots gives the messages still in flight a slot each, after the
// placed ones: a provisional column, until they arrive.
func (fi *flightIndex) openSlots() []int16 {
	out := make([]int16, len(fi.open))
	used := map[[2]int]bool{}
	for k, p := range fi.open {
		key := int(p.from)*2 + side(p.from, p.to)
		var slots []int32
		if key < len(fi.lastEnd) {
			slots = fi.lastEnd[key]
		}
		s := 0
		for (s < len(slots) && slots[s] >= p.sendRow) || used[[2]int{key, s}] {
			s++
		}
		used[[2]int{key, s}] = true
		out[k] = int16(min(s, 1<<15-1))
	}
	return out
}

// Line masks: which sides of a cell a message line touches.
const (
	mUp uint8 = 1 << iota
	mDown
	mLeft
	mRight
	mDashed // a vertical still in flight
	mDouble // a duplicate's horizontal
)

var boxRunes = [16]rune{
	0:                            ' ',
	mUp:                          '│',
	mDown:                        '│',
	mUp | mDown:                  '│',
	mLeft:                        '─',
	mRight:                       '─',
	mLeft | mRight:               '─',
	mDown | mRight:               '╭',
	mDown | mLeft:                '╮',
	mUp | mRight:                 '╰',
	mUp | mLeft:                  '╯',
	mUp | mDown | mRight:         '├',
	mUp | mDown | mLeft:          '┤',
	mLeft | mRight | mDown:       '┬',
	mLeft | mRight | mUp:         '┴',
	mUp | mDown | mLeft | mRight: '┼',
}

func boxRune(mask uint8) rune {
	dirs := mask & 15
	switch {
	case dirs == mUp|mDown && mask&mDashed != 0:
		return '┆'
	case (dirs == mLeft|mRight || dirs == mLeft || dirs == mRight) && mask&mDouble != 0:
		return '═'
	}
	return boxRunes[dirs]
}

// slotColumn is the x of a flight's vertical, or false when the gap has
// no room for its slot (the flight is then drawn flat).
func (g *geom) slotColumn(from, to trace.NodeID, slot int16) (int, bool) {
	room := g.sp - 2
	if int(slot) >= room {
		return 0, false
	}
	if to > from {
		return g.laneX(int(from)) + 1 + int(slot), true
	}
	return g.laneX(int(from)) - 1 - int(slot), true
}

// grid is the body being drawn: one rowBuf a screen line.
type grid struct {
	lines []rowBuf
	g     geom
}

func (gr *grid) mask(y, x int, m uint8, s sty) {
	if y < 0 || y >= len(gr.lines) || x < 0 || x >= len(gr.lines[y]) {
		return
	}
	c := &gr.lines[y][x]
	c.m |= m
	if c.prio < prioLine || c.s == stDim || s != stDim {
		c.s = s
	}
	if c.prio < prioLine {
		c.prio = prioLine
	}
}

func (gr *grid) glyph(y, x int, r rune, s sty, only bool) {
	if y < 0 || y >= len(gr.lines) || x < 0 || x >= len(gr.lines[y]) {
		return
	}
	c := &gr.lines[y][x]
	if only && c.prio >= prioGlyph {
		return
	}
	c.r, c.s, c.prio, c.m = r, s, prioGlyph, 0
}

// hline draws a horizontal from x0 to x1 (inclusive, any order).
func (gr *grid) hline(y, x0, x1 int, extra uint8, s sty) {
	if x0 > x1 {
		x0, x1 = x1, x0
	}
	for x := x0; x <= x1; x++ {
		var m uint8
		if x > x0 {
			m |= mLeft
		}
		if x < x1 {
			m |= mRight
		}
		gr.mask(y, x, m|extra, s)
	}
}

// flightDraw is one flight as the screen sees it.
type flightDraw struct {
	f       flight
	msg     int64 // an open one's message id
	arrived bool  // its delivery row has been revealed
	open    bool  // still in flight at the end of what is indexed
}

// drawFlights draws every message crossing the screen's rows. lineOf maps
// a row to its screen line (-1 when it is not on screen); first and last
// are the rows on screen, bottom the last screen line the rows reach.
func (m *Model) drawFlights(gr *grid, first, last int, lineOf func(r int) int, bottom int) {
	if last < first {
		return
	}
	fi := &m.fl
	draw := func(d flightDraw) {
		f := d.f
		g := &gr.g
		if int(f.from) >= g.lanes || int(f.to) >= g.lanes || f.from < 0 || f.to < 0 {
			if d.arrived && int(f.to) < g.lanes && f.to >= 0 && !f.lost {
				gr.glyph(lineOf(int(f.endRow)), g.laneX(int(f.to)), '●', stMsg, true)
			}
			return
		}
		st := stMsg
		var extra uint8
		dup := !f.lost && f.ev >= 0 && m.ix.dup(int(f.ev))
		switch {
		case f.lost:
			st = stDrop
		case dup:
			st, extra = stDup, mDouble
		}
		if m.causal != nil && !m.flightInView(&f) {
			st = stDim
		}
		if d.open && d.msg == m.inFlight && m.inFlight > 0 {
			st = stMarked // selected with i
		}
		xs, xr := g.laneX(int(f.from)), g.laneX(int(f.to))
		dir := 1
		if xr < xs {
			dir = -1
		}
		ys := lineOf(int(f.sendRow))
		ye := -1
		if d.arrived {
			ye = lineOf(int(f.endRow))
		}
		c, routed := g.slotColumn(f.from, f.to, f.slot)
		if !routed {
			// no room in the gap: flat, at the delivery
			if ye >= 0 {
				gr.hline(ye, xs, xr-dir, extra, st)
				gr.glyph(ye, xs, '○', st, true)
				m.arrive(gr, ye, xr, dir, st, f.lost)
			}
			if ys >= 0 {
				gr.glyph(ys, xs, '○', st, true)
			}
			return
		}
		if ys >= 0 {
			gr.hline(ys, xs, c, 0, st)
			gr.mask(ys, c, mDown, st)
			gr.glyph(ys, xs, '○', st, true)
		}
		from := ys + 1
		if ys < 0 {
			from = 0
		}
		to := ye - 1
		var dash uint8
		if ye < 0 {
			to = bottom
			if !d.arrived || d.open {
				dash = mDashed
			} else {
				to = len(gr.lines) - 1 // it arrives below the screen
			}
		}
		for y := from; y <= to; y++ {
			gr.mask(y, c, mUp|mDown|dash, st)
		}
		if ye >= 0 {
			gr.mask(ye, c, mUp, st)
			gr.hline(ye, c, xr-dir, extra, st)
			m.arrive(gr, ye, xr, dir, st, f.lost)
		}
	}
	r0, r1 := int32(first), int32(last)
	reveal := int32(m.reveal)
	fi.inWindow(r0, r1, func(f *flight) {
		if f.sendRow > reveal {
			return
		}
		draw(flightDraw{f: *f, arrived: f.endRow <= reveal})
	})
	if len(fi.open) > 0 {
		slots := fi.openSlots()
		for k, p := range fi.open {
			if p.sendRow > r1 || p.sendRow > reveal || p.from == p.to {
				continue
			}
			draw(flightDraw{f: flight{sendRow: p.sendRow, endRow: noRow, ev: -1, sendEv: p.sendEv, from: p.from, to: p.to, slot: slots[k]}, open: true, msg: p.msg})
		}
	}
}

// arrive draws a flight's head at the receiver: an arrow into a dot, or
// the cross of a lost message just short of it.
func (m *Model) arrive(gr *grid, y, xr, dir int, st sty, lost bool) {
	if lost {
		gr.glyph(y, xr-dir, '✕', stDrop, false)
		return
	}
	head := '▶'
	if dir < 0 {
		head = '◀'
	}
	if y >= 0 && y < len(gr.lines) {
		if c := gr.lines[y][xr-dir]; c.m&(mUp|mDown) == 0 {
			gr.glyph(y, xr-dir, head, st, false)
		}
	}
	gr.glyph(y, xr, '●', st, false)
}

// flightInView says whether a message belongs to the causal view: its
// delivery is in the past (so is its send), or its send in the future (so
// is its delivery); in an operation's chain, both are in it.
func (m *Model) flightInView(f *flight) bool {
	c := m.causal
	if c.chain {
		return c.past.has(int(f.sendEv)) && (f.ev < 0 || c.past.has(int(f.ev)))
	}
	return (f.ev >= 0 && c.past.has(int(f.ev))) || (c.future != nil && c.future.has(int(f.sendEv)))
}
