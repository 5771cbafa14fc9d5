package tui

import (
	"slices"
	"sort"
	"strings"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// index is what the view needs to draw any row quickly, built once over the
// trace and extended as a live trace grows. Everything in it is append-only.
type index struct {
	tr     *trace.Trace
	n      int     // events indexed so far
	sendOf []int32 // message id → index of its Send event (-1: none seen)
	deliv  []uint8 // message id → deliveries seen so far (saturating)
	dup    []bool  // event index → this Deliver is a second (duplicate) delivery
	epochs []epoch // network and up/down state, changing only at faults

	cps    []checkpoint // node states every cpEvery events, for stateAt
	state  []map[string]string
	hiBits []uint8 // per node: which published keys make it highlighted
	cur    epoch   // the state being built
}

// epoch is the network and liveness picture from event from on.
type epoch struct {
	from     int
	comp     []int8 // per node: -1 no partition, 0.. component, isolatedComp
	up       []bool
	hi       []bool // per node: leads, coordinates, is in the critical section or holds the token
	cuts     [][2]trace.NodeID
	faulty   bool // any partition, cut or isolation is active
	partDesc string
}

const isolatedComp = 100

const cpEvery = 2048

type checkpoint struct {
	states []map[string]string
}

func newIndex(tr *trace.Trace) *index {
	ix := &index{tr: tr}
	ix.cur = epoch{}
	ix.extend()
	return ix
}

func (ix *index) nodes() int { return len(ix.tr.Header.Nodes) }

// grow keeps the per-node slices as long as the header's node list (a live
// run may add nodes).
func (ix *index) grow() {
	n := ix.nodes()
	for len(ix.cur.comp) < n {
		ix.cur.comp = append(ix.cur.comp, -1)
		ix.cur.up = append(ix.cur.up, false)
		ix.cur.hi = append(ix.cur.hi, false)
		ix.hiBits = append(ix.hiBits, 0)
	}
	for len(ix.state) < n {
		ix.state = append(ix.state, map[string]string{})
	}
}

func (ix *index) pushEpoch(from int) {
	e := ix.cur
	e.from = from
	e.comp = slices.Clone(ix.cur.comp)
	e.up = slices.Clone(ix.cur.up)
	e.hi = slices.Clone(ix.cur.hi)
	e.cuts = slices.Clone(ix.cur.cuts)
	e.faulty = len(e.cuts) > 0
	for _, c := range e.comp {
		if c >= 0 {
			e.faulty = true
		}
	}
	if len(ix.epochs) > 0 && ix.epochs[len(ix.epochs)-1].from == from {
		ix.epochs[len(ix.epochs)-1] = e
		return
	}
	ix.epochs = append(ix.epochs, e)
}

// extend indexes events appended since the last call; it returns how many.
func (ix *index) extend() int {
	evs := ix.tr.Events
	start := ix.n
	ix.grow()
	if len(ix.epochs) == 0 {
		ix.pushEpoch(0)
	}
	for i := start; i < len(evs); i++ {
		if i%cpEvery == 0 {
			cp := checkpoint{states: make([]map[string]string, len(ix.state))}
			for j, m := range ix.state {
				cp.states[j] = cloneMap(m)
			}
			ix.cps = append(ix.cps, cp)
		}
		e := &evs[i]
		ix.dup = append(ix.dup, false)
		switch e.Kind {
		case trace.Send:
			ix.growMsg(e.Msg)
			ix.sendOf[e.Msg] = int32(i)
		case trace.Deliver:
			ix.growMsg(e.Msg)
			if ix.deliv[e.Msg] > 0 {
				ix.dup[i] = true
			}
			if ix.deliv[e.Msg] < 255 {
				ix.deliv[e.Msg]++
			}
		case trace.Start, trace.Restart:
			ix.grow()
			ix.cur.up[e.Node] = true
			ix.pushEpoch(i)
		case trace.Crash:
			ix.cur.up[e.Node] = false
			ix.cur.hi[e.Node] = false
			ix.hiBits[e.Node] = 0
			clear(ix.state[e.Node])
			ix.pushEpoch(i)
		case trace.Partition:
			for j := range ix.cur.comp {
				if ix.cur.comp[j] != isolatedComp {
					ix.cur.comp[j] = -1
				}
			}
			for g, members := range e.Groups {
				for _, id := range members {
					if int(id) < len(ix.cur.comp) && ix.cur.comp[id] != isolatedComp {
						ix.cur.comp[id] = int8(min(g, 99))
					}
				}
			}
			ix.cur.partDesc = ix.tr.DescribeGroupsSep("|", e.Groups)
			ix.pushEpoch(i)
		case trace.Heal:
			for j := range ix.cur.comp {
				ix.cur.comp[j] = -1
			}
			ix.cur.cuts = nil
			ix.cur.partDesc = ""
			ix.pushEpoch(i)
		case trace.Cut:
			ix.cur.cuts = append(ix.cur.cuts, [2]trace.NodeID{e.Node, e.Peer})
			ix.pushEpoch(i)
		case trace.Isolate:
			ix.cur.comp[e.Node] = isolatedComp
			ix.pushEpoch(i)
		case trace.Rejoin:
			ix.cur.comp[e.Node] = -1
			ix.pushEpoch(i)
		case trace.State:
			if int(e.Node) < len(ix.state) {
				ix.state[e.Node][e.Name] = e.Value
				if bit, on, ok := trace.HighlightBit(e.Name, e.Value); ok {
					b := ix.hiBits[e.Node] &^ bit
					if on {
						b |= bit
					}
					ix.hiBits[e.Node] = b
					if (b != 0) != ix.cur.hi[e.Node] {
						ix.cur.hi[e.Node] = b != 0
						ix.pushEpoch(i)
					}
				}
			}
		}
	}
	ix.n = len(evs)
	return ix.n - start
}

func (ix *index) growMsg(id int64) {
	for int64(len(ix.sendOf)) <= id {
		ix.sendOf = append(ix.sendOf, -1)
		ix.deliv = append(ix.deliv, 0)
	}
}

// epochAt is the network picture in force at event i (after it happened).
func (ix *index) epochAt(i int) *epoch {
	k := sort.Search(len(ix.epochs), func(k int) bool { return ix.epochs[k].from > i }) - 1
	if k < 0 {
		k = 0
	}
	return &ix.epochs[k]
}

// sendEvent returns the Send of message id, or nil.
func (ix *index) sendEvent(id int64) *trace.Event {
	if id <= 0 || id >= int64(len(ix.sendOf)) || ix.sendOf[id] < 0 {
		return nil
	}
	return &ix.tr.Events[ix.sendOf[id]]
}

// stateAt returns every node's visible state just after event i, from the
// nearest checkpoint forward.
func (ix *index) stateAt(i int) []map[string]string {
	if i < 0 || len(ix.cps) == 0 {
		return make([]map[string]string, ix.nodes())
	}
	cp := ix.cps[min(i/cpEvery, len(ix.cps)-1)]
	out := make([]map[string]string, ix.nodes())
	for j := range out {
		if j < len(cp.states) {
			out[j] = cloneMap(cp.states[j])
		} else {
			out[j] = map[string]string{}
		}
	}
	for k := (i / cpEvery) * cpEvery; k <= i && k < ix.n; k++ {
		e := &ix.tr.Events[k]
		switch e.Kind {
		case trace.State:
			if int(e.Node) < len(out) {
				out[e.Node][e.Name] = e.Value
			}
		case trace.Crash:
			clear(out[e.Node])
		}
	}
	return out
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
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
	if !f.all && hiddenByDefault[e.Kind] {
		return false
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
			i := sort.Search(len(tr.Events), func(i int) bool { return tr.Events[i].Time >= r.At })
			if i >= len(tr.Events) {
				i = len(tr.Events) - 1
			}
			if i >= 0 {
				evs = []int{i}
			}
		}
		for _, ev := range evs {
			if ev >= 0 && ev < len(tr.Events) {
				out = append(out, violation{event: ev, check: ci})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].event < out[b].event })
	return out
}
