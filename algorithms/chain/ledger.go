package chain

import (
	"fmt"
	"maps"
	"slices"

	cc "distlab/contract/chain"
)

// ledger is the state after a block: balances and nonces (every
// protocol), votes (DPoS), bonded stake and coin age (PoS). A block's
// ledger records only what its transactions changed on top of its
// parent's (an overlay), flattened every few levels, so that a block with
// few transactions costs little however many accounts there are.
type ledger struct {
	parent  *ledger
	depth   int
	balance map[string]int64
	nonce   map[string]int64 // the last nonce each account used
	votes   map[string][]string
	// PoS: copied whole (one entry per validator)
	stake   map[string]float64
	ageFrom map[string]int64 // the time (ms) since which coin age accrues
	slashed map[string]bool
}

// flattenAt is the overlay depth at which a ledger copies everything.
const flattenAt = 16

func newLedger(balances map[string]int64) *ledger {
	return &ledger{balance: maps.Clone(balances), nonce: map[string]int64{}, votes: map[string][]string{}}
}

// clone is a new ledger on top of l, to be changed.
func (l *ledger) clone() *ledger {
	c := &ledger{parent: l, depth: l.depth + 1, balance: map[string]int64{}, nonce: map[string]int64{}, votes: map[string][]string{}}
	if l.stake != nil {
		c.stake = maps.Clone(l.stake)
		c.ageFrom = maps.Clone(l.ageFrom)
		c.slashed = maps.Clone(l.slashed)
	}
	if c.depth >= flattenAt {
		c.flatten()
	}
	return c
}

// flatten copies every inherited entry into l and cuts it from its parent.
func (l *ledger) flatten() {
	var chain []*ledger
	for x := l.parent; x != nil; x = x.parent {
		chain = append(chain, x)
	}
	bal, non, vot := map[string]int64{}, map[string]int64{}, map[string][]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		maps.Copy(bal, chain[i].balance)
		maps.Copy(non, chain[i].nonce)
		maps.Copy(vot, chain[i].votes)
	}
	maps.Copy(bal, l.balance)
	maps.Copy(non, l.nonce)
	maps.Copy(vot, l.votes)
	l.balance, l.nonce, l.votes, l.parent, l.depth = bal, non, vot, nil, 0
}

// Balance is an account's balance.
func (l *ledger) Balance(a string) int64 {
	for x := l; x != nil; x = x.parent {
		if v, ok := x.balance[a]; ok {
			return v
		}
	}
	return 0
}

// LastNonce is the last nonce an account used (ok false: none yet).
func (l *ledger) LastNonce(a string) (int64, bool) {
	for x := l; x != nil; x = x.parent {
		if v, ok := x.nonce[a]; ok {
			return v, true
		}
	}
	return 0, false
}

// allVotes is every voter's current approval list.
func (l *ledger) allVotes() map[string][]string {
	var chain []*ledger
	for x := l; x != nil; x = x.parent {
		chain = append(chain, x)
	}
	out := map[string][]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		maps.Copy(out, chain[i].votes)
	}
	return out
}

// maxApprovals caps a vote's list (EOS: 30).
const maxApprovals = 30

// apply applies one transaction, or says why it is invalid here.
func (l *ledger) apply(tx *cc.Tx) error {
	if last, _ := l.LastNonce(tx.From); tx.Nonce != last+1 {
		if tx.Nonce <= last {
			return fmt.Errorf("transaction %s: %s's nonce %d was used already (last %d): a replay or a double spend", tx.ID, tx.From, tx.Nonce, last)
		}
		return fmt.Errorf("transaction %s: %s's nonce %d is not the next one (%d)", tx.ID, tx.From, tx.Nonce, last+1)
	}
	if tx.IsVote() {
		if tx.Amount != 0 || tx.To != "" {
			return fmt.Errorf("transaction %s: a vote moves no coins", tx.ID)
		}
		if len(tx.Approve) > maxApprovals {
			return fmt.Errorf("transaction %s: a vote approves at most %d delegates", tx.ID, maxApprovals)
		}
		l.votes[tx.From] = slices.Clone(tx.Approve)
	} else {
		have := l.Balance(tx.From)
		switch {
		case tx.Amount <= 0:
			return fmt.Errorf("transaction %s: amount %d is not positive", tx.ID, tx.Amount)
		case tx.To == "" || tx.To == tx.From:
			return fmt.Errorf("transaction %s: needs a recipient other than the sender", tx.ID)
		case have < tx.Amount:
			return fmt.Errorf("transaction %s: %s spends %d but holds %d", tx.ID, tx.From, tx.Amount, have)
		}
		l.balance[tx.From] = have - tx.Amount
		l.balance[tx.To] = l.Balance(tx.To) + tx.Amount
	}
	l.nonce[tx.From] = tx.Nonce
	return nil
}
