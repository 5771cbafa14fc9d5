package election

import (
	"fmt"
	"strings"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// world follows a trace's election facts on top of the shared replay
// (trace.World: who is up, who can reach whom, what each node published):
// which nodes believe they lead, in which term, and with a quorum or not.
type world struct {
	*trace.World
	h       trace.Header
	servers []trace.NodeID
	leads   []bool // believes it is leader ("leader" mark, until stepdown or crash)
	quorum  []bool // its leader mark carried a quorum (a quorum-based algorithm)
	term    []int64
	// disagree is the first message only a leader sends from a node whose
	// marks say it does not lead (or leads another term).
	disagree *disagreement
}

// disagreement is a node's messages contradicting its marks.
type disagreement struct {
	at     time.Duration
	index  int
	node   trace.NodeID
	detail string
}

func newWorld(h trace.Header) *world {
	n := len(h.Nodes)
	return &world{World: trace.NewWorld(h), h: h, servers: contract.Servers(h),
		leads: make([]bool, n), quorum: make([]bool, n), term: make([]int64, n)}
}

func (w *world) valid(id trace.NodeID) bool { return id >= 0 && int(id) < len(w.leads) }

// step applies one event. It reports whether the leadership picture (who
// is up, who leads, who knows whom as leader, the network) changed, and
// returns an error for a malformed election mark.
func (w *world) step(e *trace.Event) (changed bool, err error) {
	if e.Kind == trace.Send && w.disagree == nil && w.valid(e.Node) {
		if l, ok, err := ec.LeadingOf(e); err != nil {
			return false, err
		} else if ok {
			w.checkLeading(e, l)
		}
	}
	c := w.Apply(e)
	switch {
	case c&trace.ChangedNet != 0:
		return true, nil
	case !w.valid(e.Node):
		return false, nil
	case c&trace.ChangedUp != 0:
		w.leads[e.Node] = false // a crash ends leadership; a restarted node leads only once it marks leader again
		return true, nil
	case e.Kind == trace.State:
		return e.Name == ec.StateLeader, nil
	case ec.Leader.Is(e):
		m, err := ec.Leader.Decode(e)
		if err != nil {
			return false, err
		}
		w.leads[e.Node], w.quorum[e.Node], w.term[e.Node] = true, len(m.Quorum) > 0, m.Term
		return true, nil
	case ec.Stepdown.Is(e):
		w.leads[e.Node] = false
		return true, nil
	}
	return false, nil
}

// checkLeading records a leader's message sent by a node that, by its
// marks, does not lead, or leads in another term.
func (w *world) checkLeading(e *trace.Event, l ec.Leading) {
	n := e.Node
	var why string
	switch {
	case !w.leads[n]:
		why = "its marks say it does not lead (no leader mark since it started, or a stepdown since)"
	case l.Termed && w.term[n] != l.Term:
		why = fmt.Sprintf("its leader mark is for term %d", w.term[n])
	default:
		return
	}
	term := ""
	if l.Termed {
		term = fmt.Sprintf(" of term %d", l.Term)
	}
	w.disagree = &disagreement{at: e.Time, index: e.Index, node: n,
		detail: fmt.Sprintf("marks and messages disagree: %s sent %s%s at %v, as only a leader does, but %s",
			w.h.NodeName(n), e.Name, term, e.Time, why)}
}

// known is whom a node names as leader in its published state.
func (w *world) known(id trace.NodeID) string { return w.Value(id, ec.StateLeader) }

// leaders lists the live nodes that believe they lead.
func (w *world) leaders() []trace.NodeID {
	var out []trace.NodeID
	for i, l := range w.leads {
		if l && w.Up(trace.NodeID(i)) {
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
		if w.Up(id) {
			n++
		}
	}
	return n
}

// singleKnown returns the one leader every live server knows, if there is
// exactly one live node believing it leads and every live server's
// published leader names it.
func (w *world) singleKnown() (trace.NodeID, bool) {
	ls := w.leaders()
	if len(ls) != 1 {
		return trace.None, false
	}
	name := w.h.NodeName(ls[0])
	for _, s := range w.servers {
		if w.Up(s) && w.known(s) != name {
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
		if w.Up(s) {
			k := w.known(s)
			if k == "" {
				k = "?"
			}
			state = "→" + k
			if w.leads[s] {
				state = "LEADER"
			}
		}
		parts = append(parts, w.h.NodeName(s)+":"+state)
	}
	return strings.Join(parts, " ")
}

func (w *world) names(ids []trace.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = w.h.NodeName(id)
	}
	return out
}

// members lists the nodes of component c.
func members(nodes []trace.NodeID, comp []int, c int) []trace.NodeID {
	var out []trace.NodeID
	for i, id := range nodes {
		if comp[i] == c {
			out = append(out, id)
		}
	}
	return out
}

// decided is what an incremental check holds once its verdict is in: the
// first violation ends the judging, later events change nothing.
type decided struct{ res *check.Result }

func (d *decided) decide(r check.Result) { d.res = &r }

func (d *decided) done() bool { return d.res != nil }
