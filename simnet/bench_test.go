package simnet_test

import (
	"testing"
	"time"

	"distlab/simnet"
)

// bouncer returns every message it gets: with two of them, a ping-pong that
// measures the bare cost of send + deliver.
type bouncer struct{ env *simnet.Env }

func (b *bouncer) Start() {
	if b.env.ID() == 0 {
		b.env.Send(1, ping{})
	}
}
func (b *bouncer) Receive(from simnet.NodeID, msg any) { b.env.Send(from, msg) }
func (b *bouncer) Timer(any)                           {}

// shouter broadcasts to everyone on a timer.
type shouter struct{ env *simnet.Env }

func (s *shouter) Start()                     { s.env.SetTimer(time.Millisecond, "round") }
func (s *shouter) Receive(simnet.NodeID, any) {}
func (s *shouter) Timer(any) {
	s.env.Broadcast(ping{N: 1})
	s.env.SetTimer(10*time.Millisecond, "round")
}

func runEvents(b *testing.B, cfg simnet.Config, nodes int, f simnet.Factory) {
	b.ReportAllocs()
	var events int64
	for b.Loop() {
		sim := simnet.New(cfg)
		sim.AddNodes("n", nodes, "server", f)
		for sim.Processed() < benchSteps && sim.Step() {
		}
		sim.Trace() // join the recorded chunks: part of the cost
		events += sim.Processed()
	}
	// An "event" here is one scheduler step (a delivery, a timer, a start);
	// each also records one to three trace events (send, deliver, timer).
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/step")
}

// BenchmarkPingPong: two nodes bounce one message; each step is a send and
// a delivery, traced to memory.
func BenchmarkPingPong(b *testing.B) {
	runEvents(b, simnet.Config{Seed: 1}, 2, func(env *simnet.Env) simnet.Node { return &bouncer{env: env} })
}

// BenchmarkPingPongNoTrace is the bare event loop.
func BenchmarkPingPongNoTrace(b *testing.B) {
	runEvents(b, simnet.Config{Seed: 1, NoTrace: true}, 2, func(env *simnet.Env) simnet.Node { return &bouncer{env: env} })
}

func BenchmarkBroadcast5(b *testing.B) {
	runEvents(b, simnet.Config{Seed: 1}, 5, func(env *simnet.Env) simnet.Node { return &shouter{env: env} })
}

func BenchmarkBroadcast50(b *testing.B) {
	runEvents(b, simnet.Config{Seed: 1}, 50, func(env *simnet.Env) simnet.Node { return &shouter{env: env} })
}

// BenchmarkBroadcast50Lossy adds loss and duplication draws.
func BenchmarkBroadcast50Lossy(b *testing.B) {
	link := simnet.Link{Latency: simnet.Latency{Dist: "exponential", Min: time.Millisecond, Mean: 2 * time.Millisecond}, Drop: 0.05, Duplicate: 0.05}
	runEvents(b, simnet.Config{Seed: 1, Network: &link}, 50, func(env *simnet.Env) simnet.Node { return &shouter{env: env} })
}

// benchSteps is one run's length: about the size of a lab scenario's run
// (tens of thousands of trace events), not a trace that spills out of the
// caches.
const benchSteps = 20_000

// Benchmarks measure what the distlab command and the lab tests run with.
func init() { simnet.TuneGC() }
