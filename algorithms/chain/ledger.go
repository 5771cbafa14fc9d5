package chain

import (
	"fmt"
	"maps"
	"slices"

	cc "distlab/contract/chain"
)

// ledger is the state after a block: balances and nonces (every
// protocol), votes (DPoS), bonded stake and coin age (PoS). Each block
// keeps its own copy; the maps are small (one entry per account).
type ledger struct {
	balance map[string]int64
	nonce   map[string]int64 // the last nonce each account used
	votes   map[string][]string
	stake   map[string]float64
	ageFrom map[string]int64 // PoS: the time (ms) since which coin age accrues
	slashed map[string]bool
}

func newLedger(balances map[string]int64) *ledger {
	return &ledger{balance: maps.Clone(balances), nonce: map[string]int64{}}
}

func (l *ledger) clone() *ledger {
	c := &ledger{balance: maps.Clone(l.balance), nonce: maps.Clone(l.nonce)}
	if l.votes != nil {
		c.votes = maps.Clone(l.votes) // the slices are never changed in place
	}
	if l.stake != nil {
		c.stake = maps.Clone(l.stake)
		c.ageFrom = maps.Clone(l.ageFrom)
		c.slashed = maps.Clone(l.slashed)
	}
	return c
}

// maxApprovals caps a vote's list (EOS: 30).
const maxApprovals = 30

// apply applies one transaction, or says why it is invalid here.
func (l *ledger) apply(tx *cc.Tx) error {
	if last, used := l.nonce[tx.From]; used && tx.Nonce <= last {
		return fmt.Errorf("transaction %s: %s's nonce %d is not above its last one (%d): a replay or a double spend", tx.ID, tx.From, tx.Nonce, last)
	}
	if tx.IsVote() {
		if tx.Amount != 0 || tx.To != "" {
			return fmt.Errorf("transaction %s: a vote moves no coins", tx.ID)
		}
		if len(tx.Approve) > maxApprovals {
			return fmt.Errorf("transaction %s: a vote approves at most %d delegates", tx.ID, maxApprovals)
		}
		if l.votes == nil {
			l.votes = map[string][]string{}
		}
		l.votes[tx.From] = slices.Clone(tx.Approve)
	} else {
		switch {
		case tx.Amount <= 0:
			return fmt.Errorf("transaction %s: amount %d is not positive", tx.ID, tx.Amount)
		case tx.To == "" || tx.To == tx.From:
			return fmt.Errorf("transaction %s: needs a recipient other than the sender", tx.ID)
		case l.balance[tx.From] < tx.Amount:
			return fmt.Errorf("transaction %s: %s spends %d but holds %d", tx.ID, tx.From, tx.Amount, l.balance[tx.From])
		}
		l.balance[tx.From] -= tx.Amount
		l.balance[tx.To] += tx.Amount
	}
	l.nonce[tx.From] = tx.Nonce
	return nil
}
