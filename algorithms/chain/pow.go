package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"time"

	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// Proof of work. A miner works on a block on top of its tip (an attacker
// on its private branch). Virtual mining draws the time of its next block
// from an exponential distribution with rate (hash share × network hash
// rate) / expected tries: finding a hash below the target is a Bernoulli
// trial per try, so with millions of tries a second the waiting time is
// exponential, and memoryless, so a miner that switches to a new tip
// simply draws again. With realhash the miner really runs the nonce loop,
// a batch of tries every tick.

// mineBase is the block a miner extends.
func (s *server) mineBase() *entry {
	if s.adv.private != nil {
		return s.adv.private
	}
	return s.tip
}

// spentTries is what the current template has cost so far (virtual
// mining: the tries the miner's hash rate made since it began).
func (s *server) spentTries() int64 {
	if s.cfg.protocol != cc.PoW {
		return 0
	}
	if s.cfg.realhash {
		return s.tries
	}
	return int64(s.rate * (s.env.Now() - s.since).Seconds())
}

// mineRestart starts work on a new block on the mining base.
func (s *server) mineRestart() {
	if s.cfg.protocol != cc.PoW {
		return
	}
	s.env.CancelTimer(s.mineTimer)
	s.mineTimer = 0
	s.since, s.tries, s.budget = s.env.Now(), 0, 0
	s.rate = s.cfg.weights[s.me] * s.cfg.hashrate
	if s.rate <= 0 {
		return
	}
	base := s.mineBase()
	bits := s.expectedBits(base)
	tb, t := targetBytes(bits)
	if t == nil {
		return
	}
	s.target = tb
	if s.cfg.realhash {
		s.template = s.newBlock(base)
		s.template.Bits = bits
		s.template.Root = s.template.BodyRoot()
		s.mineTimer = s.env.SetTimer(s.cfg.tick, tagHash)
		return
	}
	blocksPerSecond := s.rate / blockhash.ExpectedTries(t)
	wait := s.env.Rand().ExpFloat64() / blocksPerSecond
	s.mineTimer = s.env.SetTimer(time.Duration(wait*float64(time.Second)), tagMine)
}

// mineVirtual: the drawn time has come; the block is found.
func (s *server) mineVirtual() {
	base := s.mineBase()
	b := s.newBlock(base)
	b.Bits = s.expectedBits(base)
	b.Seal()
	s.found(b, s.spentTries())
}

// mineReal runs one tick's batch of tries.
func (s *server) mineReal() {
	s.budget += s.rate * s.cfg.tick.Seconds()
	batch := int64(s.budget)
	s.budget -= float64(batch)
	ok, tries := solve(&s.template.Header, s.target, batch)
	s.tries += tries
	if !ok {
		s.mineTimer = s.env.SetTimer(s.cfg.tick, tagHash)
		return
	}
	b := s.template
	b.Hash = b.Header.Hash()
	s.found(b, s.tries)
}

// found hands a newly mined block to the role that decides what to do
// with it (an honest miner publishes it at once).
func (s *server) found(b *cc.Block, tries int64) {
	s.mineTimer = 0
	if s.adv.mined(s, b, tries) {
		return
	}
	s.since, s.tries = s.env.Now(), 0 // the next template's tries start now
	s.produced(b, tries, false)
}

// hashWithNonce is the SHA-256 of an encoded header (buf, from
// h.Encode) with its nonce replaced: the nonce is the encoding's last 8
// bytes (blockhash.NonceOffset), so a miner encodes the header once and
// rewrites only those.
func hashWithNonce(buf []byte, nonce uint64) [32]byte {
	binary.BigEndian.PutUint64(buf[blockhash.NonceOffset(len(buf)):], nonce)
	return sha256.Sum256(buf)
}

// solve is the nonce search: try nonces from h.Nonce on, at most budget of
// them, until the header's hash is below target (blockhash.Meets). It
// returns whether it found one (h.Nonce is then the winning nonce) and how
// many hashes it computed.
func solve(h *blockhash.Header, target [32]byte, budget int64) (found bool, tries int64) {
	// BEGIN SOLUTION nonce-search
	buf := h.Encode(nil)
	for tries < budget {
		tries++
		if blockhash.Meets(hashWithNonce(buf, h.Nonce), target) {
			return true, tries
		}
		h.Nonce++
	}
	return false, tries
	// STUB
	// panic("TODO(lab chain): the nonce search")
	// END SOLUTION
}

// expectedBits is the difficulty a block on parent must carry: the
// parent's, except every Retarget blocks, when the target is scaled by how
// long the last Retarget blocks took against Interval each (at most 4×
// either way, as Bitcoin does).
func (s *server) expectedBits(parent *entry) uint32 {
	h := parent.height() + 1
	r := int64(s.cfg.retarget)
	if r == 0 || h%r != 0 || parent.height() == 0 {
		return parent.b.Bits
	}
	first := ancestorAt(parent, max(parent.height()-r, 0))
	actual := parent.b.Time - first.b.Time
	expected := (parent.height() - first.height()) * s.cfg.interval.Milliseconds()
	actual = min(max(actual, expected/4), expected*4)
	t := targetOf(parent.b.Bits)
	if t == nil || expected <= 0 {
		return parent.b.Bits
	}
	next := new(big.Int).Mul(t, big.NewInt(actual))
	next.Quo(next, big.NewInt(expected))
	if limit := blockhash.TargetForZeros(1, blockhash.Bits); next.Cmp(limit) > 0 {
		next = limit
	}
	if next.Sign() == 0 {
		next.SetInt64(1)
	}
	return blockhash.TargetToCompact(next)
}
