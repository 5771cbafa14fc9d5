package trace

import (
	"maps"
	"slices"
	"sort"
)

// Timeline is a World that remembers: one pass over a trace that keeps a
// snapshot (an Epoch) at every change of the network, of which nodes are
// up, or of who is highlighted, and a checkpoint of every node's published
// state every so many events, so that the picture after any event can be
// looked up at once. The visualizer and the exports draw from it. A
// Timeline follows a trace that grows (a live run): call Extend.
type Timeline struct {
	tr      *Trace
	world   *World
	epochs  []Epoch
	cps     [][]map[string]string // every node's state before events 0, k, 2k… (k = timelineCheckpoint)
	started []int                 // per node: first event where it was up, -1 never
}

// Epoch is the picture from event From on, until the next epoch.
type Epoch struct {
	From      int
	Net       Net
	Up        []bool
	Paused    []bool
	Highlight []string
}

// IsPaused reports whether node id is in a pause in this epoch.
func (e *Epoch) IsPaused(id NodeID) bool { return id >= 0 && int(id) < len(e.Paused) && e.Paused[id] }

// Highlighted reports whether node id is highlighted in this epoch.
func (e *Epoch) Highlighted(id NodeID) bool {
	return id >= 0 && int(id) < len(e.Highlight) && e.Highlight[id] != ""
}

// IsUp reports whether node id is up in this epoch.
func (e *Epoch) IsUp(id NodeID) bool { return id >= 0 && int(id) < len(e.Up) && e.Up[id] }

// timelineCheckpoint is how many events apart state checkpoints are.
const timelineCheckpoint = 2048

// NewTimeline folds the trace's events so far.
func NewTimeline(tr *Trace) *Timeline {
	t := &Timeline{tr: tr, world: NewWorld(tr.Header)}
	t.snapshot(0)
	t.Extend()
	return t
}

// World is the world after the last event folded.
func (t *Timeline) World() *World { return t.world }

// Len is the number of events folded.
func (t *Timeline) Len() int { return t.world.Applied() }

// Extend folds the events added to the trace since the last call and
// returns how many there were.
func (t *Timeline) Extend() int {
	start := t.world.Applied()
	if len(t.tr.Header.Nodes) > t.world.Nodes() {
		t.world.SetHeader(t.tr.Header)
	}
	for i := start; i < t.tr.Len(); i++ {
		if i%timelineCheckpoint == 0 {
			t.checkpoint()
		}
		e := t.tr.At(i)
		c := t.world.Apply(&e)
		for len(t.started) < t.world.Nodes() {
			t.started = append(t.started, -1)
		}
		if c&ChangedUp != 0 && t.started[e.Node] < 0 && t.world.Up(e.Node) {
			t.started[e.Node] = i
		}
		if c&(ChangedNet|ChangedUp|ChangedHighlight) != 0 {
			t.snapshot(i)
		}
	}
	return t.world.Applied() - start
}

func (t *Timeline) snapshot(from int) {
	w := t.world
	e := Epoch{From: from, Net: w.Net.Clone(), Up: slices.Clone(w.up), Paused: slices.Clone(w.paused), Highlight: slices.Clone(w.highlight)}
	if n := len(t.epochs); n > 0 && t.epochs[n-1].From == from {
		t.epochs[n-1] = e
		return
	}
	t.epochs = append(t.epochs, e)
}

func (t *Timeline) checkpoint() {
	cp := make([]map[string]string, len(t.world.state))
	for j, m := range t.world.state {
		cp[j] = maps.Clone(m)
	}
	t.cps = append(t.cps, cp)
}

// At is the picture in force just after event i.
func (t *Timeline) At(i int) *Epoch {
	k := sort.Search(len(t.epochs), func(k int) bool { return t.epochs[k].From > i }) - 1
	return &t.epochs[max(k, 0)]
}

// Epochs lists every epoch in order.
func (t *Timeline) Epochs() []Epoch { return t.epochs }

// Started reports whether node id had been up at or before event i (a node
// not started yet is not "down").
func (t *Timeline) Started(id NodeID, i int) bool {
	return id >= 0 && int(id) < len(t.started) && t.started[id] >= 0 && t.started[id] <= i
}

// StateAt returns every node's published state just after event i: fresh
// maps, the caller's to keep.
func (t *Timeline) StateAt(i int) []map[string]string {
	n := t.world.Nodes()
	out := make([]map[string]string, n)
	for j := range out {
		out[j] = map[string]string{}
	}
	if i < 0 || len(t.cps) == 0 {
		return out
	}
	k := min(i/timelineCheckpoint, len(t.cps)-1)
	for j, m := range t.cps[k] {
		maps.Copy(out[j], m)
	}
	for x := k * timelineCheckpoint; x <= i && x < t.world.Applied(); x++ {
		e := t.tr.At(x)
		if e.Node < 0 || int(e.Node) >= n {
			continue
		}
		switch e.Kind {
		case State:
			out[e.Node][e.Name] = e.Value
		case Crash:
			clear(out[e.Node])
		}
	}
	return out
}
