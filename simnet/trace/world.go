package trace

import "time"

// HighlightKey is the published state key that marks a node as the one that
// matters now (a leader, a node in its critical section, the token holder):
// a node publishes it with a short reason ("leader") and clears it with "".
// The visualizer and the exports draw highlighted nodes apart; this package
// knows no algorithm words beyond this one key.
const HighlightKey = "highlight"

// Change says what an event changed in a World.
type Change uint8

// The parts of a World an event can change.
const (
	ChangedNet       Change = 1 << iota // who can reach whom
	ChangedUp                           // a node started, crashed, restarted, paused or resumed
	ChangedState                        // a node published state (or lost it in a crash)
	ChangedHighlight                    // a node's highlight came or went
)

// World is the state of a run at one point of its trace, built by applying
// the trace's events in order: which nodes are up and in which incarnation,
// who can reach whom (Net), what each node has published, who is
// highlighted, and when the last fault happened. It is the one reading of
// a trace that checkers, the visualizer and the exports share.
//
//	w := trace.NewWorld(tr.Header)
//	for _, e := range tr.All() {
//		w.Apply(&e)
//		if w.Up(3) && w.Net.Blocked(3, 0) { ... }
//	}
type World struct {
	Net
	header    Header
	up        []bool
	paused    []bool
	inc       []int
	state     []map[string]string
	highlight []string
	now       time.Duration
	lastFault time.Duration
	applied   int
}

// NewWorld is the world before the first event: every node down (nodes come
// up with their Start event), every link up.
func NewWorld(h Header) *World {
	w := &World{header: h}
	w.grow(len(h.Nodes))
	return w
}

func (w *World) grow(n int) {
	w.Net.Grow(n)
	for len(w.up) < n {
		w.up = append(w.up, false)
		w.paused = append(w.paused, false)
		w.inc = append(w.inc, 0)
		w.state = append(w.state, map[string]string{})
		w.highlight = append(w.highlight, "")
	}
}

// SetHeader replaces the header (a live run adds nodes as it goes).
func (w *World) SetHeader(h Header) {
	w.header = h
	w.grow(len(h.Nodes))
}

func (w *World) valid(id NodeID) bool { return id >= 0 && int(id) < len(w.up) }

// Apply advances the world by one event and says what changed.
func (w *World) Apply(e *Event) Change {
	w.now = e.Time
	w.applied++
	if w.Net.Apply(e) {
		w.lastFault = e.Time
		return ChangedNet
	}
	if !w.valid(e.Node) {
		if e.Node >= 0 {
			w.grow(int(e.Node) + 1) // a live run's new node
		} else {
			return 0
		}
	}
	switch e.Kind {
	case Start, Restart:
		w.up[e.Node] = true
		if e.Kind == Restart {
			w.lastFault = e.Time
		}
		return ChangedUp
	case Pause, Resume:
		w.paused[e.Node] = e.Kind == Pause
		w.lastFault = e.Time
		return ChangedUp
	case Crash:
		w.up[e.Node] = false
		w.paused[e.Node] = false
		w.inc[e.Node]++
		w.lastFault = e.Time
		c := ChangedUp
		if len(w.state[e.Node]) > 0 {
			clear(w.state[e.Node])
			c |= ChangedState
		}
		if w.highlight[e.Node] != "" {
			w.highlight[e.Node] = ""
			c |= ChangedHighlight
		}
		return c
	case State:
		w.state[e.Node][e.Name] = e.Value
		if e.Name == HighlightKey && w.highlight[e.Node] != e.Value {
			w.highlight[e.Node] = e.Value
			return ChangedState | ChangedHighlight
		}
		return ChangedState
	}
	return 0
}

// Nodes is the number of nodes.
func (w *World) Nodes() int { return len(w.up) }

// Header is the trace header the world was built from.
func (w *World) Header() Header { return w.header }

// Now is the time of the last event applied.
func (w *World) Now() time.Duration { return w.now }

// Applied is the number of events applied.
func (w *World) Applied() int { return w.applied }

// Up reports whether a node is running.
func (w *World) Up(id NodeID) bool { return w.valid(id) && w.up[id] }

// Paused reports whether a node is stopped in a pause (up, but handling
// nothing until it resumes).
func (w *World) Paused(id NodeID) bool { return w.valid(id) && w.paused[id] }

// Incarnation counts a node's crashes: a message sent to incarnation k is
// lost once the node has crashed, even if it restarted since.
func (w *World) Incarnation(id NodeID) int {
	if !w.valid(id) {
		return 0
	}
	return w.inc[id]
}

// Value is a node's published state under key ("" when unset).
func (w *World) Value(id NodeID, key string) string {
	if !w.valid(id) {
		return ""
	}
	return w.state[id][key]
}

// State is a node's published state. It is the world's own map: read it,
// do not keep or change it.
func (w *World) State(id NodeID) map[string]string {
	if !w.valid(id) {
		return nil
	}
	return w.state[id]
}

// Highlight is why a node is highlighted ("" when it is not).
func (w *World) Highlight(id NodeID) string {
	if !w.valid(id) {
		return ""
	}
	return w.highlight[id]
}

// LastFault is the time of the last network fault, crash or restart (zero
// when none happened yet).
func (w *World) LastFault() time.Duration { return w.lastFault }

// Members lists the nodes of a group, in id order. Group "" names the
// nodes that have none (a hand-written trace may give no groups).
func (h Header) Members(group string) []NodeID {
	var out []NodeID
	for i := range h.Nodes {
		if h.GroupOf(NodeID(i)) == group {
			out = append(out, NodeID(i))
		}
	}
	return out
}

// GroupOf is a node's group, "" when it has none.
func (h Header) GroupOf(id NodeID) string {
	if id < 0 || int(id) >= len(h.Groups) {
		return ""
	}
	return h.Groups[id]
}

// IsFault reports whether an event is a fault or its repair: a network
// change, a crash, a restart, a pause or its end.
func (k Kind) IsFault() bool {
	return k.IsNetwork() || k == Crash || k == Restart || k == Pause || k == Resume
}

// LastFault is the time of a trace's last fault (zero when it has none).
func (t *Trace) LastFault() time.Duration {
	for i := t.Len() - 1; i >= 0; i-- {
		if e := t.At(i); e.Kind.IsFault() {
			return e.Time
		}
	}
	return 0
}
