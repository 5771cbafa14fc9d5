package chain

import (
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// forgeBudget bounds the tries the forger spends on one proof of work.
const forgeBudget = 1 << 22

// The forger's invalid blocks, one rule broken each, in turn.
var forgeries = []string{"no-work", "bad-hash", "bad-height", "overspend", "replay", "easy-bits", "bad-root"}

// forge sends a block on the tip that breaks the kind-th rule. Where the
// block needs a proof of work to get past that check, the forger finds
// one (its hashing costs it no time: it stands for an attacker with hash
// power to burn whose blocks are still invalid).
func (s *server) forge(kind int) {
	what := forgeries[kind%len(forgeries)]
	if what == "no-work" && !s.cfg.realhash {
		what = "bad-hash" // virtual blocks carry no proof of work to forge
	}
	base := s.tip
	b := s.newBlock(base)
	b.Bits = s.expectedBits(base)
	switch what {
	case "bad-height":
		b.Height++
	case "overspend":
		tx := cc.Tx{From: s.me, To: s.cfg.adv.Merchant, Amount: base.state.Balance(s.me) + 1, Nonce: s.adv.nextNonce(s)}
		tx.ID = tx.ComputeID()
		b.Txs = []cc.Tx{tx}
	case "replay":
		var old *cc.Tx
		for e := base; e.parent != nil && old == nil; e = e.parent {
			if len(e.b.Txs) > 0 {
				old = &e.b.Txs[0]
			}
		}
		if old != nil {
			b.Txs = []cc.Tx{*old}
		} else { // nothing to replay yet: spend one nonce twice
			n := s.adv.nextNonce(s)
			one := cc.Tx{From: s.me, To: s.cfg.adv.Merchant, Amount: 1, Nonce: n}
			two := cc.Tx{From: s.me, To: s.me + "-vault", Amount: 1, Nonce: n}
			one.ID, two.ID = one.ComputeID(), two.ComputeID()
			b.Txs = []cc.Tx{one, two}
		}
	case "easy-bits":
		if t := targetOf(b.Bits); t != nil {
			t.Lsh(t, 4) // 16 times easier
			if limit := blockhash.TargetForZeros(1, blockhash.Bits); t.Cmp(limit) > 0 {
				t = limit
			}
			b.Bits = blockhash.TargetToCompact(t)
		}
	}
	b.Root = b.BodyRoot()
	if s.cfg.realhash && what != "no-work" {
		// bounded: a chain whose difficulty a broken validator let run
		// wild must not hang the forger
		if tb, t := targetBytes(b.Bits); t != nil {
			solve(&b.Header, tb, forgeBudget)
		}
	}
	b.Hash = b.Header.Hash()
	switch what {
	case "no-work":
		for tb, _ := targetBytes(b.Bits); blockhash.Meets(b.Header.Sum(), tb) && b.Nonce < forgeBudget; {
			b.Nonce++ // make sure it misses
		}
		b.Hash = b.Header.Hash()
	case "bad-hash":
		b.Hash = blockhash.Zero[:8] + b.Hash[8:]
	case "bad-root":
		b.Txs = append(b.Txs, cc.Tx{ID: "0000000000000000", From: "nobody"})
	}
	cc.Produced.Record(s.env, cc.BlockMark{Block: *b})
	cc.Attack.Record(s.env, cc.AttackMark{Phase: "forge " + what})
	s.broadcast(NewBlock{Block: *b})
}
