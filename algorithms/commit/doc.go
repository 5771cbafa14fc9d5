// Package commit is the distributed-commit family: atomic commit over
// participants that hold accounts and stock, and the message-queue method
// for eventual consistency.
//
// A transaction manager "tm" coordinates participants n0, n1, … for
// clients c0, c1, … that submit transfers, orders and snapshot reads:
//
//   - 2pc: two-phase commit (the seed's XA flow: CanCommit, Yes/No,
//     DoCommit/DoAbort, HaveCommitted) with durable logs and recovery: a
//     restarted coordinator re-sends its logged decision, an uncertain
//     participant asks (and, with ask_peers, asks its peers too);
//   - 2pc-heuristic (broken on purpose): a prepared participant decides
//     alone after a timeout, as an XA resource manager's heuristic
//     decision does;
//   - 3pc: three-phase commit with the seed's timeout rules, literally
//     (waiting for PreCommit → abort; pre-committed and waiting for
//     DoCommit → commit), which disagree after a single crash;
//   - 3pc-skeen: three-phase commit with Skeen's termination protocol.
//
// The message-queue method (mq) joins services order → pay → stock
// through a broker's half messages, with RocketMQ's check-back and an
// idempotent consumer as parameters.
//
// Participants keep their items and one record per transaction in durable
// storage: the undo values of an executed transaction, its prepared (or
// voted, pre-committed) state and its decision; locks are rebuilt from
// those records at a restart. The family's contract (what the checkers
// read) is distlab/contract/commit.
package commit
