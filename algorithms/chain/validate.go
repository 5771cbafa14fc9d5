package chain

import (
	"fmt"

	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// validate checks a block against its parent and returns the ledger after
// it, or says why the block is invalid. A valid block
//
//   - is sealed: its hash is the SHA-256 of its header, its root the hash
//     of its body, each transaction's id its own (cc.Block.CheckSeal);
//   - extends its parent: the parent's hash, the parent's height + 1;
//   - follows its protocol (s.checkProtocol): PoW the difficulty the chain
//     demands and, with real hashing, a hash below that target; PoS and
//     DPoS a slot after the parent's, not in the future, made by the
//     producer that slot belongs to;
//   - holds only transactions that apply, in order, to the parent's ledger
//     (ledger.apply: no overspending, no nonce used twice).
func (s *server) validate(b *cc.Block, parent *entry) (*ledger, error) {
	// BEGIN SOLUTION validate
	if err := b.CheckSeal(); err != nil {
		return nil, err
	}
	if b.Parent != parent.hash() || b.Height != parent.height()+1 {
		return nil, fmt.Errorf("block %.8s at height %d does not extend %.8s at height %d", b.Hash, b.Height, parent.hash(), parent.height())
	}
	if err := s.checkProtocol(b, parent); err != nil {
		return nil, err
	}
	state := parent.state.clone()
	for i := range b.Txs {
		if err := state.apply(&b.Txs[i]); err != nil {
			return nil, err
		}
	}
	if err := s.applyProtocol(b, parent, state); err != nil {
		return nil, err
	}
	return state, nil
	// STUB
	// return nil, fmt.Errorf("TODO(lab chain): validate block %.8s", b.Hash)
	// END SOLUTION
}

// checkProtocol applies the protocol's own rules to a block's header.
func (s *server) checkProtocol(b *cc.Block, parent *entry) error {
	switch s.cfg.protocol {
	case cc.PoW:
		if want := s.expectedBits(parent); b.Bits != want {
			return fmt.Errorf("block %.8s has difficulty bits %08x, the chain demands %08x", b.Hash, b.Bits, want)
		}
		if s.cfg.realhash && !blockhash.BelowHex(b.Hash, targetOf(b.Bits)) {
			return fmt.Errorf("block %.8s: its hash is not below the target (no proof of work)", b.Hash)
		}
	case cc.PoS, cc.DPoS:
		if b.Slot <= parent.b.Slot {
			return fmt.Errorf("block %.8s is for slot %d, not after its parent's slot %d", b.Hash, b.Slot, parent.b.Slot)
		}
		if now := s.currentSlot(); b.Slot > now {
			return fmt.Errorf("block %.8s is for slot %d, in the future (now %d)", b.Hash, b.Slot, now)
		}
		var want string
		if s.cfg.protocol == cc.PoS {
			want = leader(s.cfg, parent, b.Slot)
		} else {
			want = s.producerFor(parent, b.Slot)
		}
		if b.Producer != want {
			return fmt.Errorf("block %.8s for slot %d is signed by %s, but the slot belongs to %s", b.Hash, b.Slot, b.Producer, want)
		}
	}
	if len(b.Evidence) > 0 && (s.cfg.protocol != cc.PoS || !s.cfg.pos.Slashing) {
		return fmt.Errorf("block %.8s carries evidence, but this chain does not slash", b.Hash)
	}
	return nil
}

// applyProtocol updates the ledger for what the protocol does besides
// transactions: PoS interest, coin age and slashing.
func (s *server) applyProtocol(b *cc.Block, parent *entry, state *ledger) error {
	if s.cfg.protocol != cc.PoS {
		return nil
	}
	for i := range b.Evidence {
		ev := &b.Evidence[i]
		if err := ev.Valid(); err != nil {
			return fmt.Errorf("block %.8s: %v", b.Hash, err)
		}
		if state.slashed[ev.A.Producer] {
			return fmt.Errorf("block %.8s: %s is already slashed", b.Hash, ev.A.Producer)
		}
		state.slashed[ev.A.Producer] = true
		state.stake[ev.A.Producer] = 0
	}
	reward(s.cfg, state, b.Producer, b.Slot)
	return nil
}
