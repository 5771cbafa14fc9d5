// Package gossip checks gossip runs from their trace: the client history
// (writes and reads, contract/gossip's Input and Output), the replicas'
// store-apply marks, and the messages between replicas (what each one
// carried, through gc.Carrier or its "entries" field).
//
//   - convergence: after the last write and the last fault the live
//     replicas hold the same store within a bound; per update the time,
//     rounds (on the replicas' aligned grid) and hops until every live
//     replica held it, and Maelstrom's stable latency (p50/p95/max), which
//     the reads must not contradict; optionally held to targets.
//   - no-lost-write: Jepsen's set-full outcome of every acknowledged
//     write (stable, stale, divergent, lost, never read, unsettled); a
//     write is seen by a read that returns it or a newer version written
//     by a write that does not precede it in real time, so a later write
//     that last-writer-wins discards under clock skew is lost.
//   - gossip-validity: every entry applied or read is a client's write
//     with the version its replica gave it; every entry taken from a peer
//     came in the message being handled; a replica's version of a key
//     never goes backwards within an incarnation; a restart restores only
//     what the replica held.
//   - residue: the share of live replicas an update never reached.
//   - gossip-cost: messages and bytes between replicas per update and per
//     client operation (Maelstrom's msgs-per-op), deliveries that brought
//     nothing new, repeated sends of the same data on a link.
//
// The checks share one reading of a trace (history.go), kept weakly
// while the trace is checked.
package gossip
