package election

import (
	"context"
	"fmt"
	"strings"

	"distlab/simnet/trace"
)

// world replays a trace's election-relevant facts: which nodes are up,
// which believe they lead, whom each names as leader, and the network.
type world struct {
	tr      *trace.Trace
	servers []trace.NodeID
	up      []bool
	leads   []bool // believes it is leader ("leader" mark, until stepdown or crash)
	quorum  []bool // its leader mark carried a quorum (a quorum-based algorithm)
	term    []int64
	known   []string // its published "leader" state
	net     *netView
}

func newWorld(tr *trace.Trace) *world {
	n := len(tr.Header.Nodes)
	w := &world{tr: tr, up: make([]bool, n), leads: make([]bool, n), quorum: make([]bool, n),
		term: make([]int64, n), known: make([]string, n), net: newNetView(n)}
	for i := 0; i < n; i++ {
		if len(tr.Header.Groups) <= i || tr.Header.Groups[i] == "server" || tr.Header.Groups[i] == "" {
			w.servers = append(w.servers, trace.NodeID(i))
		}
	}
	return w
}

func (w *world) valid(id trace.NodeID) bool { return id >= 0 && int(id) < len(w.up) }

// step applies one event. It reports whether the leadership picture
// (who is up, who leads, the network) changed, and returns an error for a
// malformed election mark.
func (w *world) step(e *trace.Event) (changed bool, err error) {
	if w.net.apply(e) {
		return true, nil
	}
	if !w.valid(e.Node) {
		return false, nil
	}
	switch e.Kind {
	case trace.Start, trace.Restart:
		w.up[e.Node] = true
		w.leads[e.Node] = false
		w.known[e.Node] = ""
		return true, nil
	case trace.Crash:
		w.up[e.Node] = false
		w.leads[e.Node] = false
		w.known[e.Node] = ""
		return true, nil
	case trace.State:
		if e.Name == "leader" {
			w.known[e.Node] = e.Value
			return true, nil
		}
	case trace.Mark:
		switch e.Name {
		case MarkLeader:
			var m LeaderMark
			if err := e.DecodeData(&m); err != nil {
				return false, fmt.Errorf("event %d: bad leader mark: %v", e.Index, err)
			}
			w.leads[e.Node], w.quorum[e.Node], w.term[e.Node] = true, len(m.Quorum) > 0, m.Term
			return true, nil
		case MarkStepdown:
			w.leads[e.Node] = false
			return true, nil
		}
	}
	return false, nil
}

// leaders lists the live nodes that believe they lead.
func (w *world) leaders() []trace.NodeID {
	var out []trace.NodeID
	for i, l := range w.leads {
		if l && w.up[i] {
			out = append(out, trace.NodeID(i))
		}
	}
	return out
}

// majority is how many servers make a majority.
func (w *world) majority() int { return len(w.servers)/2 + 1 }

// liveIn counts the live servers among ids.
func (w *world) liveIn(ids []trace.NodeID) int {
	n := 0
	for _, id := range ids {
		if w.up[id] {
			n++
		}
	}
	return n
}

// singleKnown returns the one leader every live server knows, if there is
// exactly one live node believing it leads and every live server's
// "leader" state names it.
func (w *world) singleKnown() (trace.NodeID, bool) {
	ls := w.leaders()
	if len(ls) != 1 {
		return trace.None, false
	}
	name := w.tr.NodeName(ls[0])
	for _, s := range w.servers {
		if w.up[s] && w.known[s] != name {
			return trace.None, false
		}
	}
	return ls[0], true
}

// describe renders the current leaders and who knows what, for details.
func (w *world) describe() string {
	var parts []string
	for _, s := range w.servers {
		state := "down"
		if w.up[s] {
			k := w.known[s]
			if k == "" {
				k = "?"
			}
			state = "→" + k
			if w.leads[s] {
				state = "LEADER"
			}
		}
		parts = append(parts, w.tr.NodeName(s)+":"+state)
	}
	return strings.Join(parts, " ")
}

func (w *world) names(ids []trace.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = w.tr.NodeName(id)
	}
	return out
}

// cancelled checks ctx every so many events.
func cancelled(ctx context.Context, i int) bool {
	return i&1023 == 0 && ctx.Err() != nil
}
