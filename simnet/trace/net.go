package trace

import (
	"slices"
	"strings"
)

// Net is the network's connectivity: who can send to whom. It is the one
// statement of the rules, used by the simulator to decide every delivery
// and by everyone who replays a trace (checkers, the visualizer, exports):
//
//   - a partition assigns nodes to groups and replaces the previous
//     partition; a node named in no group keeps every link;
//   - an isolation cuts a node off from everyone until it rejoins; it is
//     independent of the partition, so a node that rejoins is still in its
//     partition group;
//   - a cut stops the one-way link from→to; cuts add up;
//   - a heal ends the partition, every isolation and every cut.
//
// A node can always reach itself. The zero Net has no nodes; Grow adds them.
type Net struct {
	group    []int32 // partition group of each node; -1: in none
	isolated []bool
	cuts     [][2]NodeID // sorted, no duplicates
	faults   int         // nodes in a group or isolated, plus cuts: 0 means all links up
}

// Grow makes room for nodes 0..size-1 (new nodes have every link).
func (n *Net) Grow(size int) {
	for len(n.group) < size {
		n.group = append(n.group, -1)
		n.isolated = append(n.isolated, false)
	}
}

// Size is the number of nodes the Net knows.
func (n *Net) Size() int { return len(n.group) }

func (n *Net) valid(id NodeID) bool { return id >= 0 && int(id) < len(n.group) }

// Partition replaces the partition with groups. Ids outside the Net are
// ignored.
func (n *Net) Partition(groups [][]NodeID) {
	for i, g := range n.group {
		if g >= 0 {
			n.group[i] = -1
			n.faults--
		}
	}
	for g, members := range groups {
		for _, id := range members {
			if n.valid(id) && n.group[id] < 0 {
				n.group[id] = int32(g)
				n.faults++
			}
		}
	}
}

// Heal ends the partition, every isolation and every cut.
func (n *Net) Heal() {
	for i := range n.group {
		n.group[i] = -1
		n.isolated[i] = false
	}
	n.cuts = n.cuts[:0]
	n.faults = 0
}

// Cut stops messages from→to.
func (n *Net) Cut(from, to NodeID) {
	c := [2]NodeID{from, to}
	i, found := slices.BinarySearchFunc(n.cuts, c, cmpPair)
	if !found {
		n.cuts = slices.Insert(n.cuts, i, c)
		n.faults++
	}
}

func cmpPair(a, b [2]NodeID) int {
	if a[0] != b[0] {
		return int(a[0] - b[0])
	}
	return int(a[1] - b[1])
}

// Isolate cuts id off from everyone.
func (n *Net) Isolate(id NodeID) {
	if n.valid(id) && !n.isolated[id] {
		n.isolated[id] = true
		n.faults++
	}
}

// Rejoin ends id's isolation (not its partition group, nor any cut).
func (n *Net) Rejoin(id NodeID) {
	if n.valid(id) && n.isolated[id] {
		n.isolated[id] = false
		n.faults--
	}
}

// Apply updates the Net for a network event (Partition, Heal, Cut,
// Isolate, Rejoin) and reports whether e was one.
func (n *Net) Apply(e *Event) bool {
	switch e.Kind {
	case Partition:
		n.Partition(e.Groups)
	case Heal:
		n.Heal()
	case Cut:
		n.Cut(e.Node, e.Peer)
	case Isolate:
		n.Isolate(e.Node)
	case Rejoin:
		n.Rejoin(e.Node)
	default:
		return false
	}
	return true
}

// Blocked reports whether a message from→to is stopped now.
func (n *Net) Blocked(from, to NodeID) bool {
	if n.faults == 0 || from == to || !n.valid(from) || !n.valid(to) {
		return false
	}
	if n.isolated[from] || n.isolated[to] {
		return true
	}
	if gf, gt := n.group[from], n.group[to]; gf >= 0 && gt >= 0 && gf != gt {
		return true
	}
	if len(n.cuts) > 0 {
		_, cut := slices.BinarySearchFunc(n.cuts, [2]NodeID{from, to}, cmpPair)
		return cut
	}
	return false
}

// Linked reports whether messages pass both ways between a and b.
func (n *Net) Linked(a, b NodeID) bool { return !n.Blocked(a, b) && !n.Blocked(b, a) }

// Faulty reports whether any partition, isolation or cut is in force.
func (n *Net) Faulty() bool { return n.faults > 0 }

// Group is id's partition group (an index into the last Partition's
// groups), or -1 when it is in none.
func (n *Net) Group(id NodeID) int {
	if !n.valid(id) {
		return -1
	}
	return int(n.group[id])
}

// Isolated reports whether id is cut off from everyone.
func (n *Net) Isolated(id NodeID) bool { return n.valid(id) && n.isolated[id] }

// Cuts lists the one-way cuts in force, sorted.
func (n *Net) Cuts() [][2]NodeID { return slices.Clone(n.cuts) }

// Clone is an independent copy.
func (n *Net) Clone() Net {
	return Net{group: slices.Clone(n.group), isolated: slices.Clone(n.isolated), cuts: slices.Clone(n.cuts), faults: n.faults}
}

// Components splits nodes into the connected components of the Linked
// graph: comp[i] is the component of nodes[i], numbered in order of their
// first member in nodes.
func (n *Net) Components(nodes []NodeID) []int {
	comp := make([]int, len(nodes))
	for i := range comp {
		comp[i] = -1
	}
	next := 0
	var stack []int
	for i := range nodes {
		if comp[i] >= 0 {
			continue
		}
		comp[i] = next
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for k := range nodes {
				if comp[k] < 0 && n.Linked(nodes[j], nodes[k]) {
					comp[k] = next
					stack = append(stack, k)
				}
			}
		}
		next++
	}
	return comp
}

// Describe renders the faults in force with node names, "" when there are
// none: "{n0,n1}|{n2} · n0 isolated · cut n1→n2".
func (n *Net) Describe(name func(NodeID) string) string {
	if n.faults == 0 {
		return ""
	}
	var parts []string
	var groups [][]NodeID
	for id, g := range n.group {
		if g < 0 {
			continue
		}
		for int(g) >= len(groups) {
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], NodeID(id))
	}
	var gs []string
	for _, g := range groups {
		if len(g) > 0 {
			gs = append(gs, "{"+joinNames(g, name)+"}")
		}
	}
	if len(gs) > 0 {
		parts = append(parts, strings.Join(gs, "|"))
	}
	var iso []NodeID
	for id, on := range n.isolated {
		if on {
			iso = append(iso, NodeID(id))
		}
	}
	if len(iso) > 0 {
		parts = append(parts, joinNames(iso, name)+" isolated")
	}
	for _, c := range n.cuts {
		parts = append(parts, "cut "+name(c[0])+"→"+name(c[1]))
	}
	return strings.Join(parts, " · ")
}

func joinNames(ids []NodeID, name func(NodeID) string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = name(id)
	}
	return strings.Join(s, ",")
}
