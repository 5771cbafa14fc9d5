package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	cc "distlab/contract/chain"
)

// Proof of stake, as the course tells it: stake is coin age, coins × days
// held. Each slot has one producer, chosen from the parent's ledger by
//
//   - max: the validator with the largest coin age (the course's rule);
//   - lottery: a draw weighted by coin age, from the SHA-256 of the
//     parent's hash and the slot, so every node computes the same winner.
//
// Winning consumes the winner's coin age (unless KeepAge) and pays
// interest on it: coin-days × Interest / 365, the course's 5000 coin-days
// × 5 % / 365 = 0.68 coins. Stake is bonded apart from the spendable
// balances that transactions move.

// currentSlot is the slot the present time falls in (slot 1 starts after
// one slot length; genesis is slot 0).
func (s *server) currentSlot() int64 { return int64(s.env.Now() / s.cfg.slot) }

// nextSlot sets the timer for the next slot's start.
func (s *server) nextSlot() {
	next := time.Duration(s.currentSlot()+1) * s.cfg.slot
	s.env.SetTimer(next-s.env.Now(), tagSlot)
}

// onSlot: a slot begins; its producer makes a block on its tip.
func (s *server) onSlot() {
	slot := s.currentSlot()
	s.nextSlot()
	var mine bool
	if s.cfg.protocol == cc.PoS {
		mine = leader(s.cfg, s.tip, slot) == s.me
	} else {
		mine = s.producerFor(s.tip, slot) == s.me
	}
	if !mine {
		s.env.Highlight("")
		return
	}
	if s.adv.slot(s, slot) {
		return
	}
	s.produced(s.slotBlock(s.tip, slot, nil), 0, false)
}

// slotBlock is a block for a slot on base, with extra transactions first
// (an equivocator's conflicting payments) and, in PoS with slashing, the
// evidence this node holds that base's chain has not used yet.
func (s *server) slotBlock(base *entry, slot int64, extra []cc.Tx) *cc.Block {
	b := s.newBlock(base)
	b.Time = (time.Duration(slot) * s.cfg.slot).Milliseconds()
	b.Slot = slot
	if len(extra) > 0 {
		b.Txs = append(extra, b.Txs...)
		if len(b.Txs) > s.cfg.maxTxs {
			b.Txs = b.Txs[:s.cfg.maxTxs]
		}
	}
	for _, ev := range s.evidence {
		if !base.state.slashed[ev.A.Producer] {
			b.Evidence = append(b.Evidence, ev)
		}
	}
	b.Seal()
	return b
}

// coinDays is a validator's coin age at a time: stake × days since its age
// last reset.
func coinDays(cfg *config, st *ledger, v string, atMS int64) float64 {
	day := float64(cfg.pos.Day.Milliseconds())
	return st.stake[v] * float64(atMS-st.ageFrom[v]) / day
}

// leader is the producer of a slot on top of parent.
func leader(cfg *config, parent *entry, slot int64) string {
	st := parent.state
	at := (time.Duration(slot) * cfg.slot).Milliseconds()
	var names []string
	var ages []float64
	total := 0.0
	for _, v := range cfg.servers {
		if st.slashed[v] || st.stake[v] <= 0 {
			continue
		}
		a := max(coinDays(cfg, st, v, at), 0)
		names = append(names, v)
		ages = append(ages, a)
		total += a
	}
	if len(names) == 0 {
		return ""
	}
	if cfg.pos.Rule == RuleMax || total == 0 {
		best := 0
		for i := range ages {
			if ages[i] > ages[best] {
				best = i
			}
		}
		return names[best]
	}
	u := lotteryDraw(parent.hash(), slot) * total
	for i, a := range ages {
		if u < a {
			return names[i]
		}
		u -= a
	}
	return names[len(names)-1]
}

// lotteryDraw is a number in [0, 1) from the SHA-256 of the parent's hash
// and the slot: every node draws the same.
func lotteryDraw(parentHash string, slot int64) float64 {
	raw, _ := hex.DecodeString(parentHash)
	sum := sha256.Sum256(binary.BigEndian.AppendUint64(raw, uint64(slot)))
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}

// interest is what consuming coin-days earns at a yearly rate.
func interest(coinDays, rate float64) float64 { return coinDays * rate / 365 }

// reward pays the slot's producer interest on its coin age and, unless
// KeepAge, consumes that age.
func reward(cfg *config, st *ledger, producer string, slot int64) {
	at := (time.Duration(slot) * cfg.slot).Milliseconds()
	cd := max(coinDays(cfg, st, producer, at), 0)
	st.stake[producer] += interest(cd, cfg.pos.Interest)
	if !cfg.pos.KeepAge {
		st.ageFrom[producer] = at
	}
}
