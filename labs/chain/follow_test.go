package chain_test

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"distlab/algorithms/chain"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet/trace"
)

// followsHeaviest reads a PoW trace and checks that whenever a block
// message reaches an honest server, the server is on a chain at least as
// heavy as every chain it has received in full since it last started:
// each block and all its ancestors, in any order, in NewBlock or Blocks
// messages, or mined by itself. A block that arrives before its parent
// counts once the parent arrives: the fork-choice rule and the catch-up
// together must never leave a node behind what it holds.
//
// The facts come from the messages the trace shows delivered, not from
// what nodes mark about themselves; only blocks made by honest servers
// count (every one of them is valid).
func followsHeaviest(tr *trace.Trace) error {
	type server struct {
		has      map[string]bool     // received or mined, connected or not
		children map[string][]string // by parent hash, among has
		whole    map[string]bool     // has, with every ancestor
		best     string              // the heaviest of whole
		tip      string
		down     bool
	}
	var genesis string
	work := map[string]float64{} // a block's chain work, every honest block
	honest := map[trace.NodeID]bool{}
	sent := map[int64][]cc.Block{} // the blocks each message carries
	servers := map[trace.NodeID]*server{}
	start := func(id trace.NodeID) {
		servers[id] = &server{has: map[string]bool{}, children: map[string][]string{},
			whole: map[string]bool{genesis: true}, best: genesis, tip: genesis}
	}
	receive := func(s *server, b cc.Block) {
		if _, ok := work[b.Hash]; !ok || s.has[b.Hash] {
			return
		}
		s.has[b.Hash] = true
		s.children[b.Parent] = append(s.children[b.Parent], b.Hash)
		if !s.whole[b.Parent] {
			return
		}
		for queue := []string{b.Hash}; len(queue) > 0; queue = queue[1:] {
			h := queue[0]
			s.whole[h] = true
			if work[h] > work[s.best] {
				s.best = h
			}
			queue = append(queue, s.children[h]...)
		}
	}
	judge := func(id trace.NodeID, s *server, at time.Duration) error {
		if s.down || work[s.tip] >= work[s.best] {
			return nil
		}
		return fmt.Errorf("at %v %s is on block %.8s (work %.6g) although it holds the whole of a heavier chain, ending at %.8s (work %.6g): a block that arrived before its parent must join the tree when the parent does",
			at, tr.Header.Nodes[id], s.tip, work[s.tip], s.best, work[s.best])
	}
	for _, e := range tr.All() {
		switch {
		case cc.Genesis.Is(&e):
			g, err := cc.Genesis.Decode(&e)
			if err != nil {
				return err
			}
			genesis = g.Hash
		case cc.Participant.Is(&e):
			p, err := cc.Participant.Decode(&e)
			if err != nil {
				return err
			}
			if p.Role == cc.Honest {
				honest[e.Node] = true
				start(e.Node)
			}
		case cc.Produced.Is(&e) && honest[e.Node]:
			m, err := cc.Produced.Decode(&e)
			if err != nil {
				return err
			}
			b := m.Block
			work[b.Hash] = work[b.Parent] + blockWork(b.Bits)
			if !m.Withheld {
				receive(servers[e.Node], b)
			}
		case cc.Tip.Is(&e) && honest[e.Node]:
			m, err := cc.Tip.Decode(&e)
			if err != nil {
				return err
			}
			servers[e.Node].tip = m.Hash
		case e.Kind == trace.Crash && honest[e.Node]:
			servers[e.Node].down = true
		case e.Kind == trace.Restart && honest[e.Node]:
			start(e.Node) // a restarted server has lost its blocks
		case e.Kind == trace.Send:
			switch m := e.Body.(type) {
			case chain.NewBlock:
				sent[e.Msg] = []cc.Block{m.Block}
			case chain.Blocks:
				sent[e.Msg] = m.Blocks
			}
		case e.Kind == trace.Deliver && honest[e.Node]:
			blocks, ok := sent[e.Msg]
			if !ok {
				continue
			}
			s := servers[e.Node]
			// what it received before this message, it has handled
			if err := judge(e.Node, s, e.Time); err != nil {
				return err
			}
			for _, b := range blocks {
				receive(s, b)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(servers)) {
		if err := judge(id, servers[id], tr.End()); err != nil {
			return err
		}
	}
	return nil
}

// blockWork is the expected tries of a PoW block's target.
func blockWork(bits uint32) float64 {
	t, err := blockhash.CompactToTarget(bits)
	if err != nil {
		return 0
	}
	return blockhash.ExpectedTries(t)
}
