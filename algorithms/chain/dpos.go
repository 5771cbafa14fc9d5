package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	cc "distlab/contract/chain"
)

// Delegated proof of stake. Stakeholders vote (approval voting: a vote
// lists up to 30 candidates, and each approved candidate gets the voter's
// whole balance as weight); the K candidates with the most weight are the
// delegates. Time is cut into slots; K·m slots make a round, in which
// every delegate produces m blocks in a row, in an order shuffled anew
// each round. Votes are counted again every Maintenance rounds. A block
// is irreversible once more than 2/3 of the delegates have built on it;
// no node ever leaves its last irreversible block (LIB).

// roundOf is the round a slot belongs to (slot 1 is the first of round 0;
// genesis, slot 0, counts as round 0 too).
func roundOf(cfg *config, slot int64) int64 {
	if slot <= 0 {
		return 0
	}
	return (slot - 1) / int64(cfg.k*cfg.m)
}

// turnOf is the turn within its round a slot belongs to.
func turnOf(cfg *config, slot int64) int {
	return int((slot-1)%int64(cfg.k*cfg.m)) / cfg.m
}

// tally counts the votes in a ledger: the K candidates with the most
// approving balance (ties broken by node order), returned in node order.
func tally(cfg *config, st *ledger) []string {
	weight := map[string]int64{}
	votes := st.allVotes()
	for _, voter := range sortedKeys(votes) {
		seen := map[string]bool{}
		for _, c := range votes[voter] {
			if !seen[c] {
				seen[c] = true
				weight[c] += st.Balance(voter)
			}
		}
	}
	cands := slices.Clone(cfg.servers)
	slices.SortStableFunc(cands, func(a, b string) int {
		if weight[a] != weight[b] {
			if weight[a] > weight[b] {
				return -1
			}
			return 1
		}
		return compareNames(a, b)
	})
	elected := slices.Clone(cands[:cfg.k])
	slices.SortFunc(elected, compareNames) // the schedule depends on the set, not on the tally's order
	return elected
}

// roundSet is the delegate set and turn order of a round for a block whose
// parent is given: the parent's own while the round goes on; a new count
// of the parent's votes when a maintenance round began since.
func (s *server) roundSet(parent *entry, round int64) ([]string, []string) {
	if round == parent.round {
		return parent.delegates, parent.schedule
	}
	set := parent.delegates
	maint := int64(s.cfg.maintenance)
	// an election happened if a multiple of Maintenance lies in (parent.round, round]
	if round/maint > parent.round/maint {
		set = tally(s.cfg, parent.state)
	}
	return set, schedule(set, round)
}

// producerFor is the delegate whose turn a slot is, on top of parent.
func (s *server) producerFor(parent *entry, slot int64) string {
	_, sched := s.roundSet(parent, roundOf(s.cfg, slot))
	if len(sched) == 0 {
		return ""
	}
	return sched[turnOf(s.cfg, slot)%len(sched)]
}

// roundRandom is the i-th pseudo-random number of a round: the first 8
// bytes of SHA-256("dpos-round" ‖ round ‖ i). Every node draws the same.
func roundRandom(round int64, i int) uint64 {
	seed := binary.BigEndian.AppendUint64([]byte("dpos-round"), uint64(round))
	sum := sha256.Sum256(binary.BigEndian.AppendUint64(seed, uint64(i)))
	return binary.BigEndian.Uint64(sum[:8])
}

// schedule is the turn order of a round: the delegates (in node order, as
// the election returns them) shuffled by Fisher–Yates with the round's
// numbers roundRandom(round, i), so that every node computes the same
// order and each round's differs. It returns a new slice.
func schedule(delegates []string, round int64) []string {
	// BEGIN SOLUTION schedule
	out := slices.Clone(delegates)
	for i := len(out) - 1; i > 0; i-- {
		j := int(roundRandom(round, i) % uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
	// STUB
	// panic("TODO(lab chain): shuffle the round's delegates")
	// END SOLUTION
}

// updateLIB moves the last irreversible block forward on the tip's chain:
// the highest block that more than 2/3 of the K delegates (⌊2K/3⌋+1
// distinct producers) have built on, counting the producers of the blocks
// after it. It moves the LIB with s.setLIB (which records it).
func (s *server) updateLIB() {
	// BEGIN SOLUTION lib
	need := 2*s.cfg.k/3 + 1
	after := make(map[string]bool, need)
	for e := s.tip; e != nil && e.height() > s.lib.height(); e = e.parent {
		if len(after) >= need {
			s.setLIB(e)
			return
		}
		after[e.b.Producer] = true
	}
	// STUB
	// panic("TODO(lab chain): find the last irreversible block")
	// END SOLUTION
}

// missed lists the delegates of the last complete round that made no
// block in their turn on this node's chain.
func (s *server) missed() []string {
	if s.cfg.protocol != cc.DPoS {
		return nil
	}
	round := roundOf(s.cfg, s.currentSlot()) - 1
	if round < 0 {
		return nil
	}
	made := map[int]bool{}
	ref := s.tip
	for ref.height() > 0 && roundOf(s.cfg, ref.b.Slot) >= round {
		if roundOf(s.cfg, ref.b.Slot) == round {
			made[turnOf(s.cfg, ref.b.Slot)] = true
		}
		ref = ref.parent
	}
	_, sched := s.roundSet(ref, round)
	var out []string
	for t, d := range sched {
		if !made[t] {
			out = append(out, d)
		}
	}
	return out
}
