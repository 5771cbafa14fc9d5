// Package mutex holds the distributed mutual-exclusion algorithms of the
// textbook's chapter 3, behind one workload:
//
//   - central: one coordinator keeps a FIFO queue and hands out the right to
//     enter (request, grant, release: 3 messages per entry);
//   - ricart-agrawala: a node asks every peer and enters when all n−1 have
//     agreed; requests carry (Lamport timestamp, node id) and the earlier
//     request wins (2(n−1) messages per entry);
//   - token-ring: a token travels n0 → n1 → … → n0; only its holder may enter
//     (between 1 and n token passes per entry, more when the ring idles);
//   - ricart-agrawala-broken: Ricart-Agrawala that also answers while inside
//     the critical section, kept so that the checker has something to catch.
//
// Every node runs the same application (Workload): it thinks for a random
// while, asks for the critical section, stays inside for a while, leaves,
// and starts over. What checkers need is recorded as trace marks:
//
//	cs-request {"seq":3,"ts":17}   the node starts wanting (ts: R-A only)
//	cs-enter   {"seq":3}           the node is inside from now
//	cs-exit    {"seq":3}           the node is outside from now
//	queued     {"node":"n2","seq":3}  central: the request reached the coordinator
//	grant      {"node":"n2","seq":3}  central: the coordinator granted it
//
// The textbook algorithms assume links that neither lose nor duplicate.
// For lossy networks each algorithm has an opt-in repair (Retransmit for
// central and Ricart-Agrawala, AckTimeout for the ring); its messages are
// counted like any other, so the cost of reliability shows in the figures.
// The ring can also skip a node that stops acknowledging (SkipAfter) and
// make a new token when the holder died with it (Regenerate); both rest on
// timeouts, so a node that is only slow can cost safety, which the lab
// lets students provoke.
//
// Crash and restart: request ids include an incarnation number kept in
// durable storage, Ricart-Agrawala stores its Lamport clock before every
// reply, and the coordinator can store its queue (CentralParams.Persist),
// so a restarted node never mistakes an answer meant for its previous
// life.
package mutex
