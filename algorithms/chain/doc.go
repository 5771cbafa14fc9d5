// Package chain is the blockchain family: consensus on a ledger by proof
// of work, proof of stake and delegated proof of stake (the course's
// chapter 5), with adversaries that double-spend, mine selfishly, sign two
// blocks for one slot or forge invalid blocks.
//
// Servers (n0, n1, …) keep a tree of valid blocks and follow its best
// chain; clients (c0, c1, …) send transfers to every server and, under
// DPoS, vote. A block carries its height, its parent's hash, its producer,
// its transactions; its hash is SHA-256 over the header encoding that
// contract/chain/blockhash documents. A node that receives a block whose
// parent it lacks asks the sender for the missing blocks (GetBlocks with a
// block locator, answered by Blocks): that is how a node catches up after
// a partition or a restart.
//
//   - pow: virtual mining by default (each miner's next block after an
//     exponential wait with rate share × hash rate / expected tries) or
//     realhash (the SHA-256 nonce loop); the heaviest chain wins, the
//     block seen first breaks a tie; optional difficulty retargeting.
//   - pos: one producer per slot, by the largest coin age (the course's
//     rule) or a coin-age lottery; winning consumes coin age and pays
//     5 %/year interest on it; optional slashing.
//   - dpos: approval voting weighted by stake elects K delegates; each
//     round they produce m blocks each in a shuffled order; the last
//     irreversible block is the highest one more than 2/3 of the delegates
//     built on.
//
// The lab's parts are marked in validate.go and pow.go (block validation,
// the nonce search), catchup.go (fork choice, locator, catch-up) and
// dpos.go (schedule, LIB).
package chain
