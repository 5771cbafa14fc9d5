// Package clocks holds the logical clocks of the clocks family: Lamport
// clocks and vector clocks, run on a small messaging workload, plus
// deliberately broken variants that the causality checker must catch.
//
// Every node acts on its own timer: with probability local_prob it does a
// local event, otherwise it sends a message to a random peer; every delivery
// is a receive event. The clock rules live on two small types, Lamport and
// Vector, so that the lab can ask a student to write them:
//
//	local event or send:  tick        (L += 1;            V[self] += 1)
//	receive of m:         merge, tick (L = max(L, m) + 1; V = max(V, m), V[self] += 1)
//
// Each clock event is recorded in the trace as a mark named "clock" whose
// payload is {"kind": "local"|"send"|"recv", "lamport": L} or
// {"kind": ..., "vector": [...]}. The send mark comes immediately before the
// env.Send it stands for, and the recv mark is the first thing Receive
// records, right after the simulator's Deliver event: that adjacency is how
// the checker (checkers/causality) ties marks to messages without trusting
// anything the clock says. The clock also travels inside the message
// (LamportMsg, VectorMsg) — that is the algorithm — and is published as
// visible state "clock" for the visualizer.
//
// A node's clock is kept in durable storage (params: persist, default true),
// so a node that crashes and restarts carries on from the value it had: its
// events before and after the crash are one process. With persist: false a
// restarted node starts again from zero, which breaks the clock condition.
//
// Registered algorithms: lamport, vector, and the broken lamport-nomerge and
// vector-nomerge, whose receive rule ticks without merging the message's
// timestamp.
package clocks
