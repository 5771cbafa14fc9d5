// Package mutex checks mutual-exclusion runs from their trace alone: the
// marks cs-request, cs-enter and cs-exit that every node records, and the
// central coordinator's queued and grant marks.
//
//   - mutex-safety: no two nodes inside the critical section at the same
//     instant. A node is inside over the half-open interval [enter, exit):
//     one node leaving at t and another entering at t is allowed. A crash
//     ends the crashed node's interval at the crash.
//   - mutex-liveness: every request is granted, unless its node crashed
//     first. A request still waiting at the end of the trace counts as
//     starved when more than Bound has passed since both the request and
//     the last fault (crash, restart, partition, heal, cut, isolate, rejoin).
//   - mutex-fairness: the order the algorithm promises. Central: grants in
//     the order requests reached the coordinator. Ricart-Agrawala: a
//     request never enters while an earlier (timestamp, id) request is
//     waiting. Token ring: while a node waits, no other node enters twice.
//   - mutex-cost: messages per entry, in total and per message type, mean
//     waiting time and throughput, optionally held against the textbook's
//     formula (3, 2(n-1), 1..n).
package mutex
