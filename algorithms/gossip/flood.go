package gossip

import (
	"math"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// Maelstrom's topologies for the baselines.
const (
	TopologyLine  = "line"
	TopologyGrid  = "grid"
	TopologyTree  = "tree"
	TopologyTotal = "total"
)

// Topologies lists the valid topologies.
var Topologies = []string{TopologyLine, TopologyGrid, TopologyTree, TopologyTotal}

// FloodParams are the baselines' knobs.
type FloodParams struct {
	// Topology is whom a replica forwards to: line (its two neighbours on
	// a line), grid (up to four on a √n-wide grid), tree (its parent and
	// children in a tree of the given branching) or total (everyone).
	Topology  string `yaml:"topology" doc:"whom a replica forwards to: line (its two neighbours on a line), grid (up to four on a √n-wide grid), tree (its parent and children in a tree of the given branching) or total (everyone)"`
	Branching int    `yaml:"branching" doc:"children per node in the tree topology"`
	Durable   bool   `yaml:"durable" doc:"keep the store in durable storage, so it survives a crash (not a crash with amnesia)"`
}

// DefaultFloodParams floods over the total topology.
func DefaultFloodParams() *FloodParams {
	return &FloodParams{Topology: TopologyTotal, Branching: 4, Durable: true}
}

// DefaultTreeParams sends along a tree of branching 4 (Maelstrom's tree4).
func DefaultTreeParams() *FloodParams {
	return &FloodParams{Topology: TopologyTree, Branching: 4, Durable: true}
}

func (p FloodParams) validate() error {
	switch p.Topology {
	case TopologyLine, TopologyGrid, TopologyTotal:
	case TopologyTree:
		if p.Branching < 1 {
			return fieldErr("branching", "branching = %d: a tree node has at least one child (valid: branching ≥ 1)", p.Branching)
		}
	default:
		return fieldErr("topology", "unknown topology %q (valid: line, grid, tree, total)", p.Topology)
	}
	return nil
}

// neighbours computes every replica's neighbours in a topology, by index
// in servers. The result is shared, read-only, by all replicas.
func neighbours(topology string, branching int, servers []simnet.NodeID) [][]simnet.NodeID {
	n := len(servers)
	out := make([][]simnet.NodeID, n)
	link := func(i, j int) {
		if i != j && j >= 0 && j < n {
			out[i] = append(out[i], servers[j])
		}
	}
	width := int(math.Ceil(math.Sqrt(float64(n))))
	for i := range n {
		switch topology {
		case TopologyLine:
			link(i, i-1)
			link(i, i+1)
		case TopologyGrid:
			if i%width > 0 {
				link(i, i-1)
			}
			if i%width < width-1 {
				link(i, i+1)
			}
			link(i, i-width)
			link(i, i+width)
		case TopologyTree:
			if i > 0 {
				link(i, (i-1)/branching)
			}
			for c := 1; c <= branching; c++ {
				link(i, branching*i+c)
			}
		default: // total
			for j := range n {
				link(i, j)
			}
		}
	}
	return out
}

// flooder is the baseline: a replica that learns something new forwards
// it at once to every neighbour but the one it came from. No rounds, no
// repair: a lost message is lost for the subtree behind it.
type flooder struct {
	replica
	p    FloodParams
	next []simnet.NodeID
}

func newFlooder(env *simnet.Env, servers []simnet.NodeID, next []simnet.NodeID, p FloodParams) *flooder {
	f := &flooder{replica: newReplica(env, servers, p.Durable), p: p, next: next}
	f.changed = f.forward
	return f
}

func (f *flooder) Start() {
	f.boot(gc.ConfigMark{Protocol: "flood/" + f.p.Topology, Fanout: len(f.next)})
}

func (f *flooder) Receive(from simnet.NodeID, msg any) {
	if f.serve(from, msg) {
		return
	}
	if m, ok := msg.(Flood); ok {
		f.absorb(from, m.Entries)
	}
}

func (f *flooder) Timer(any) {}

func (f *flooder) forward(e gc.Entry, from simnet.NodeID) {
	msg := Flood{Entries: []gc.Entry{e}}
	for _, peer := range f.next {
		if peer != from {
			f.env.Send(peer, msg)
		}
	}
}
