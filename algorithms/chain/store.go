package chain

import (
	"math/big"

	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// entry is a block in a node's store, linked to its parent, with the
// ledger after it.
type entry struct {
	b      *cc.Block
	parent *entry
	// work is the chain's weight up to here: the expected tries of every
	// block (PoW) or the number of blocks (PoS, DPoS). With a fixed
	// difficulty the heaviest chain is the longest.
	work  float64
	state *ledger
	seen  int64 // arrival order at this node: first seen wins a tie
	// withheld: produced here and not published (yet).
	withheld bool
	// DPoS: the round of this block's slot, the delegates elected for it
	// and their turn order.
	round     int64
	delegates []string
	schedule  []string
}

func (e *entry) height() int64 { return e.b.Height }
func (e *entry) hash() string  { return e.b.Hash }

// ancestorAt is e's ancestor at height h (e itself at its own height),
// nil when h is out of range.
func ancestorAt(e *entry, h int64) *entry {
	if h < 0 || h > e.height() {
		return nil
	}
	for e.height() > h {
		e = e.parent
	}
	return e
}

// onChain reports whether a is on the chain ending at b (a is b or one of
// its ancestors).
func onChain(a, b *entry) bool { return ancestorAt(b, a.height()) == a }

// forkPoint is the last block two chains share.
func forkPoint(a, b *entry) *entry {
	for a.height() > b.height() {
		a = a.parent
	}
	for b.height() > a.height() {
		b = b.parent
	}
	for a != b {
		a, b = a.parent, b.parent
	}
	return a
}

// path lists the blocks after from up to and including to, oldest first
// (from must be on to's chain).
func path(from, to *entry) []*entry {
	out := make([]*entry, to.height()-from.height())
	for e := to; e != from; e = e.parent {
		out[e.height()-from.height()-1] = e
	}
	return out
}

// blockWork is what one block adds to its chain's weight.
func blockWork(protocol string, b *cc.Block) float64 {
	if protocol != cc.PoW {
		return 1
	}
	t, err := blockhash.CompactToTarget(b.Bits)
	if err != nil {
		return 0
	}
	return blockhash.ExpectedTries(t)
}

// targetOf decodes a block's compact target (nil when malformed).
func targetOf(bits uint32) *big.Int {
	t, err := blockhash.CompactToTarget(bits)
	if err != nil || t.Sign() == 0 {
		return nil
	}
	return t
}
