// Package simnet is the deterministic discrete-event network every distlab
// algorithm runs on.
//
// One goroutine runs the event loop; events are ordered by (virtual time,
// insertion sequence), and virtual time jumps straight to the next event, so
// seconds of simulated time cost microseconds. Nodes are event handlers:
// they react to Start, Receive and Timer and act only through their *Env
// (send, broadcast, timers, virtual and physical time, a seeded random
// source, durable storage, logs, visible state and marks). All randomness
// comes from the run's seed through named sub-streams, so the same seed gives
// the same trace, byte for byte.
//
// Faults are data: latency distributions, loss and duplication per link,
// partitions into groups, one-way cuts, isolation, crashes and restarts, and
// clock offset and drift, scheduled by hand or drawn by a Nemesis. Every
// event is recorded in a trace.Trace — or, in a run judged by its checks
// alone (RecordOnly: an exploration's seeds), only the events they read;
// the nodes run the same either way.
//
//	sim := simnet.New(simnet.Config{Seed: 1})
//	sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return &pinger{env: env} })
//	sim.Run(10 * time.Second)
//	tr := sim.Trace()
package simnet
