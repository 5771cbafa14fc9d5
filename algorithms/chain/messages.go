package chain

import cc "distlab/contract/chain"

// The messages. Servers gossip transactions and blocks; a node that gets
// a block whose parent it lacks asks the sender for the blocks it is
// missing (GetBlocks with a locator, answered by Blocks).

// Transaction carries a client's transaction to the servers.
type Transaction struct{ Tx cc.Tx }

// NewBlock announces a block to the peers.
type NewBlock struct{ Block cc.Block }

// GetBlocks asks for the blocks after the first locator hash the receiver
// has on its best chain. The locator lists the asker's best chain from the
// tip back, every block for a few steps and then doubling the step, ending
// at genesis (Bitcoin's block locator): O(log height) hashes find the fork
// point of any two chains.
type GetBlocks struct{ Locator []string }

// Blocks answers GetBlocks (or releases a withheld chain): blocks in
// order, each the parent of the next.
type Blocks struct{ Blocks []cc.Block }

// GetMissed asks a server which delegates missed their turns in the last
// complete round (a DPoS voter deciding whom to vote out).
type GetMissed struct{}

// Missed answers GetMissed.
type Missed struct{ Delegates []string }

// Equivocation passes on proof that a producer signed two blocks for one
// slot (PoS with slashing), so the next producer, whoever it is, can put
// it in a block.
type Equivocation struct{ Evidence cc.Evidence }
