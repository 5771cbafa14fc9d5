// Package commit checks the distributed-commit family's traces
// (contract/commit): atomic-commit (AC1–AC4), commit-termination (with
// blocking as a number: uncertainty and lock-hold times), bank-invariant
// over snapshot reads, atomic-visibility, commit-cost; and for the
// message-queue method, eventual-consistency (with the inconsistency
// window) and effectively-once.
//
// Facts come from the messages where the trace shows them: a
// transaction's participants and the items it writes from its CanCommit
// messages, the votes from the Vote messages, the message delays from the
// chain of sends and deliveries, redeliveries from the broker's Deliver
// messages. Decisions, log writes and initial items come from marks.
package commit
