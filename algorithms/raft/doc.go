// Package raft is the Raft consensus algorithm of the extended paper
// (Ongaro and Ousterhout, 2014) as a pure event-driven simnet node, and a
// linearizable key-value service built on it.
//
// A Server reacts to messages and timers only, in the shape of etcd-io/raft:
// one Receive switches on the message, and what a node does depends on its
// role (follower, pre-candidate, candidate, leader). It implements leader
// election (with optional pre-vote), log replication with the consistency
// check and the fast back-up of nextIndex, commit by majority of entries of
// the current term only, persistence of term, vote and log in the node's
// durable storage (one storage key per entry, so an append costs O(1)), and
// log compaction with snapshots and InstallSnapshot.
//
// The key-value service (get, put, append and cas, compare-and-set as in
// etcd) is the state machine the log drives; a cas compares when the log
// applies it, so it is ordered with everything else. Clients are simulated
// nodes: each sends to the server it believes leads, follows redirects,
// retries on timeout, and tags every operation with (client, sequence
// number) so a retried write or cas is applied once. Clients record each
// operation in the trace with env.Invoke and env.Return as contract/kv's
// Input and Output; checkers/linearizability reads that history.
//
// Registered algorithms (see Specs): "raft-kv" (servers and clients),
// "raft" (the same servers, no clients: election only), and variants
// broken on purpose: "raft-kv-stale-read" (Get answered from any server's
// local state, without a quorum), "raft-kv-cas-at-leader" (a cas compared
// by the leader on arrival, against what it has applied, not in log
// order) and "raft-double-vote" (a server grants its vote to every
// up-to-date candidate of a term).
package raft
