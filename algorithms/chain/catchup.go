package chain

import (
	cc "distlab/contract/chain"
	"distlab/simnet"
)

// prefer is the fork-choice rule: should this node leave its tip cur for
// cand? The heaviest chain wins (the most work; with a fixed difficulty
// the longest), and a tie keeps the block seen first, so that a node
// never flips between equal chains. DPoS never leaves its last
// irreversible block: a chain without it is refused however long
// (s.keepsLIB says whether a chain keeps it).
func (s *server) prefer(cand, cur *entry) bool {
	// BEGIN SOLUTION fork-choice
	if !s.keepsLIB(cand) {
		return false
	}
	return cand.work > cur.work
	// STUB
	// panic("TODO(lab chain): the fork-choice rule")
	// END SOLUTION
}

// locator lists the hashes of the chain ending at tip that GetBlocks
// sends: the tip and its 9 predecessors one by one, then every 2nd, 4th,
// 8th … block back, and genesis last.
func locator(tip *entry) []string {
	// BEGIN SOLUTION locator
	var out []string
	step := int64(1)
	for e := tip; ; {
		out = append(out, e.hash())
		if e.height() == 0 {
			return out
		}
		if len(out) >= 10 {
			step *= 2
		}
		e = ancestorAt(e, max(e.height()-step, 0))
	}
	// STUB
	// panic("TODO(lab chain): the block locator")
	// END SOLUTION
}

// onBlock handles a block from a peer: a known one is ignored; one whose
// parent is missing waits in the orphan pool while the sender is asked
// for what this node lacks; a valid one joins the tree, the fork-choice
// rule may make it the tip, and the orphans that waited for it follow.
func (s *server) onBlock(from simnet.NodeID, b cc.Block) {
	if _, known := s.blocks[b.Hash]; known {
		return
	}
	// BEGIN SOLUTION catch-up
	if _, ok := s.blocks[b.Parent]; !ok {
		if s.nOrphan < maxOrphans {
			s.orphans[b.Parent] = append(s.orphans[b.Parent], b)
			s.nOrphan++
		}
		s.requestBlocks(from)
		return
	}
	queue := []cc.Block{b}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		if _, known := s.blocks[next.Hash]; known {
			continue
		}
		e, err := s.add(&next, s.blocks[next.Parent])
		if err != nil {
			s.env.Logf("rejected block %.8s from %s: %v", next.Hash, s.env.NameOf(from), err)
			continue
		}
		s.adopt(e)
		waiting := s.orphans[next.Hash]
		delete(s.orphans, next.Hash)
		s.nOrphan -= len(waiting)
		queue = append(queue, waiting...)
	}
	// STUB
	// panic("TODO(lab chain): add the block, or keep it and ask for its ancestors")
	// END SOLUTION
}

// serveBlocks answers GetBlocks: the blocks of this node's best chain
// after the first locator hash on that chain (genesis if none is), at
// most maxBatch of them.
func (s *server) serveBlocks(to simnet.NodeID, loc []string) {
	// BEGIN SOLUTION serve-blocks
	start := s.genesis
	for _, h := range loc {
		if e, ok := s.blocks[h]; ok && !e.withheld && onChain(e, s.tip) {
			start = e
			break
		}
	}
	if start == s.tip {
		return
	}
	chain := path(start, s.tip)
	if len(chain) > maxBatch {
		chain = chain[:maxBatch]
	}
	out := make([]cc.Block, len(chain))
	for i, e := range chain {
		out[i] = *e.b
	}
	s.env.Send(to, Blocks{Blocks: out})
	// STUB
	// panic("TODO(lab chain): answer GetBlocks")
	// END SOLUTION
}
