// Package causality checks logical clocks against the happens-before
// relation that the trace itself shows, without trusting any clock.
//
// # What it reads
//
// Clock events are the clocks contract's "clock" marks
// (distlab/contract/clocks), whose payload is
//
//	{"kind": "local" | "send" | "recv", "lamport": 7}
//	{"kind": "local" | "send" | "recv", "vector": [2, 0, 1]}
//
// (or both values at once). Every mark of a trace must carry the same
// values. Happens-before is built from two kinds of edge only:
//
//   - program order: a node's clock events in trace order. A restart does
//     not start a new process: events before a crash precede events after
//     the restart, so a clock must survive crashes (durable storage).
//   - messages: a send event precedes every receive of that message (a
//     duplicated message gives two receives with the same send).
//
// Marks carry no message ids (a node cannot know the id the simulator will
// give), so marks are tied to messages by adjacency in the trace, which the
// simulator guarantees because a handler's records are consecutive:
//
//   - a "send" mark on node p is paired with p's next Send event; only
//     p's State, Log, TimerSet and TimerCancel records may come between
//     (so: mark, then env.Send);
//   - a Deliver to p of a message whose Send was paired is paired with p's
//     next clock mark, which must be a "recv"; again only State, Log,
//     TimerSet and TimerCancel may come between (so: the recv mark is the
//     first thing Receive records);
//   - a Send without a send mark is not a clock message; its deliveries
//     are ignored.
//
// Anything else — a send mark whose Send never comes, a Deliver of a clock
// message with no recv mark, a recv mark with no Deliver before it, an
// unknown kind — fails the check as "malformed clock marks", naming the
// event: the recording contract is part of the algorithm.
//
// # What it checks
//
// The checker keeps its own vector clock over the trace (the ground truth
// G), so a→b exactly when a ≠ b and G(b) counts a, and then checks:
//
//   - Lamport: a→b ⇒ L(a) < L(b) (the clock condition);
//   - vector: a→b ⇔ V(a) < V(b), where V(a) < V(b) means every entry ≤
//     and the vectors differ (shorter vectors are padded with zeros).
//
// The verdict is exact over all pairs of clock events; the result names the
// first offending pair (ordered by the later event's trace index), with
// both trace indexes, nodes, times and clock values. Since < is
// transitive, a→b ⇒ C(a) < C(b) holds for all pairs iff it holds on every
// direct edge, so that direction is checked on edges, and an offending
// edge (a program-order step or a message) is what is reported. For the
// converse (vectors only) the checker uses that, for an event b on node p
// and another node q, the events of q that came earlier in the trace and
// are concurrent with b are a contiguous run of q's program order — those
// after G(b)[q] — and that along q the vectors strictly increase (already
// checked). So "V(a) < V(b)" need only be tested for the first event of
// the run and "V(b) < V(a)" for the last (a binary search then finds the
// first offender). The cost is O(E·N²) time and O(E·N) memory for E clock
// events on N nodes, not O(E²); there is no cap on pairs. The check
// honours ctx and answers Unknown, never Pass, when stopped.
//
// # What it measures
//
// Metrics: clock_events, local_events, send_events, recv_events,
// messages, ordered_pairs and concurrent_pairs (over unordered pairs of
// clock events). On a pass, Lamport traces add lamport_ordered_concurrent
// (concurrent pairs that still get different Lamport times, so that
// comparing times would call them ordered), lamport_tied_concurrent and
// lamport_false_order_ratio; vector traces add vector_detected_concurrent
// (equal to concurrent_pairs: every concurrent pair is recognised). That
// contrast is the point of the clocks lab.
//
//	res := causality.Check(ctx, tr)
package causality
