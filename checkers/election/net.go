package election

import (
	"slices"

	"distlab/simnet/trace"
)

// netView rebuilds the network's connectivity from the trace's network
// events, with the simulator's rules: a partition assigns groups (nodes in
// none keep every link) and replaces the previous partition, cuts and
// isolations add up, and a heal ends them all.
type netView struct {
	group    []int
	isolated []bool
	cut      map[[2]trace.NodeID]bool
}

func newNetView(n int) *netView {
	v := &netView{group: make([]int, n), isolated: make([]bool, n), cut: map[[2]trace.NodeID]bool{}}
	for i := range v.group {
		v.group[i] = -1
	}
	return v
}

// apply updates the view for a network event and reports whether it was one.
func (v *netView) apply(e *trace.Event) bool {
	switch e.Kind {
	case trace.Partition:
		for i := range v.group {
			v.group[i] = -1
		}
		for g, members := range e.Groups {
			for _, id := range members {
				if v.valid(id) {
					v.group[id] = g
				}
			}
		}
	case trace.Heal:
		for i := range v.group {
			v.group[i] = -1
			v.isolated[i] = false
		}
		clear(v.cut)
	case trace.Cut:
		v.cut[[2]trace.NodeID{e.Node, e.Peer}] = true
	case trace.Isolate:
		if v.valid(e.Node) {
			v.isolated[e.Node] = true
		}
	case trace.Rejoin:
		if v.valid(e.Node) {
			v.isolated[e.Node] = false
		}
	default:
		return false
	}
	return true
}

func (v *netView) valid(id trace.NodeID) bool { return id >= 0 && int(id) < len(v.group) }

func (v *netView) blocked(a, b trace.NodeID) bool {
	if a == b {
		return false
	}
	if v.isolated[a] || v.isolated[b] || v.cut[[2]trace.NodeID{a, b}] {
		return true
	}
	ga, gb := v.group[a], v.group[b]
	return ga >= 0 && gb >= 0 && ga != gb
}

// linked reports whether messages pass both ways between a and b.
func (v *netView) linked(a, b trace.NodeID) bool { return !v.blocked(a, b) && !v.blocked(b, a) }

// components splits nodes into connected components of the "linked"
// graph. comp[i] is the component index of nodes[i]; components are
// numbered in order of their smallest member.
func (v *netView) components(nodes []trace.NodeID) []int {
	comp := make([]int, len(nodes))
	for i := range comp {
		comp[i] = -1
	}
	next := 0
	for i := range nodes {
		if comp[i] >= 0 {
			continue
		}
		comp[i] = next
		stack := []int{i}
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for k := range nodes {
				if comp[k] < 0 && v.linked(nodes[j], nodes[k]) {
					comp[k] = next
					stack = append(stack, k)
				}
			}
		}
		next++
	}
	return comp
}

// members lists the nodes in component c.
func members(nodes []trace.NodeID, comp []int, c int) []trace.NodeID {
	var out []trace.NodeID
	for i, id := range nodes {
		if comp[i] == c {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
