// Package gossip holds the gossip family: a replicated key-value store
// whose replicas spread client writes among themselves, with the seed's
// protocol, two refinements beside the book, and two baselines.
//
//   - gossip: the seed's k-push. Every period each replica sends all the
//     data it holds to k random peers; the receiver keeps, per key, the
//     newer version (timestamp, then node id). With memory, a replica
//     does not send its current data to the same peer twice (the seed's
//     optimisation) and falls silent once every peer has it.
//   - anti-entropy (Demers et al. 1987): every period a digest (keys and
//     versions) to one random peer, which answers with only the entries
//     that differ: push, pull or push-pull.
//   - rumor (Demers et al.): a replica that learns something new is hot
//     and tells fanout random peers a round until it loses interest:
//     after k peers that already knew (feedback) or k rounds (blind), by a
//     counter or with probability 1/k (coin); optionally backed by
//     push-pull anti-entropy.
//   - flood and tree: every new update forwarded once to every neighbour
//     in one of Maelstrom's topologies (line, grid, tree, total); no
//     rounds, no repair.
//   - gossip-arrival: BROKEN on purpose, the last entry to arrive wins.
//
// Every replica shares replica.go: client writes are stamped with the
// replica's physical clock (skew included; resolution can coarsen it),
// reads return the whole store, the store can be durable, and every
// change is a store-apply mark. Rounds are aligned on virtual time, so
// the checkers can count them. The workload (client.go) is Maelstrom's
// broadcast workload on a store: writes to random replicas, reads from
// random replicas, then final reads of every replica.
//
// The lab (labs/gossip) has the student write the merge, the k-push, the
// anti-entropy diff and answer, and rumor mongering's loss of interest.
package gossip
