// Package chain checks blockchain runs with the properties of Garay,
// Kiayias and Leonardos's "Bitcoin backbone" (common prefix, chain growth,
// chain quality), the ledger's validity and the persistence of confirmed
// transactions, DPoS finality and schedule, PoS accountability, and what
// a block costs.
//
// Everything is read from the contract's marks (contract/chain): the block
// marks rebuild the block tree, each honest node's tip marks say which
// chain it followed and when, genesis gives the initial balances. Only
// servers whose participant mark says honest are judged; adversaries'
// chains are theirs to choose. Blocks on honest chains are re-validated
// here (hash, link, proof of work, transactions) rather than trusted.
//
//   - common-prefix(k): the deepest reorganization any honest node went
//     through (blocks abandoned) is at most k; the depth histogram is in
//     the metrics; with settle, nodes at the end agree but for k blocks.
//   - fork-choice: honest nodes only move to strictly heavier chains (first
//     seen wins a tie) and never off their last irreversible block.
//   - chain-growth: every honest chain grows by min blocks per window.
//   - chain-quality: the adversary's share of the main chain (the
//     heaviest honest tip at the end), and of any ℓ-block window, against
//     its weight; with fairness, every producer's share.
//   - ledger-validity: no honest node adopts an invalid block.
//   - confirmation-safety(z): a transaction with z confirmations on an
//     honest node's chain stays there; reverted and double-spent counts.
//   - finality-safety, finality-liveness, schedule-validity (DPoS).
//   - accountability (PoS): double signers are slashed.
//   - chain-cost: tries per block, intervals, stale rate against
//     1 − e^(−Δ/T) with Δ measured from the NewBlock messages, messages
//     per block, throughput, inclusion latency, time to z confirmations
//     and to irreversibility.
package chain
