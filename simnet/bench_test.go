package simnet_test

import (
	"math/rand/v2"
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
	var steps, recorded int64
	var traceBytes int
	for b.Loop() {
		sim := simnet.New(cfg)
		sim.AddNodes("n", nodes, "server", f)
		for sim.Processed() < benchSteps && sim.Step() {
		}
		steps += sim.Processed()
		recorded += int64(sim.Trace().Len())
		traceBytes = sim.Trace().MemoryBytes()
	}
	// A "step" here is one scheduler step (a delivery, a timer, a start);
	// each also records one to three trace events (send, deliver, timer).
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
	if recorded > 0 {
		b.ReportMetric(float64(traceBytes)/float64(recorded/int64(b.N)), "B/event")
	}
}

// bareEvent is the bare loop's event: what any discrete-event simulator
// keeps of a message in flight.
type bareEvent struct {
	at         time.Duration
	seq        uint64
	payload    any
	id         int64
	node, from int32
}

// bareHeap is a hand-written value heap, as simnet's.
type bareHeap []bareEvent

func (h *bareHeap) push(e bareEvent) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].at < s[i].at || (s[p].at == s[i].at && s[p].seq < s[i].seq) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *bareHeap) pop() bareEvent {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		m := l
		if r := l + 1; r < len(s) && (s[r].at < s[l].at || (s[r].at == s[l].at && s[r].seq < s[l].seq)) {
			m = r
		}
		if s[i].at < s[m].at || (s[i].at == s[m].at && s[i].seq < s[m].seq) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// bareLoop is the baseline every simulator step is compared with: a
// typed-heap discrete-event loop with no handlers and no trace, bouncing
// one message between two nodes with the default link's latency draw
// (uniform 1–10 ms from a PCG source). It returns the steps it made.
func bareLoop(steps int) int64 {
	r := rand.New(rand.NewPCG(1, 2))
	h := bareHeap{{node: 1, from: 0, id: 1, payload: ping{}}}
	var seq uint64
	for range steps {
		e := h.pop()
		seq++
		h.push(bareEvent{at: e.at + time.Millisecond + time.Duration(r.Int64N(int64(9*time.Millisecond)+1)), seq: seq,
			node: e.from, from: e.node, id: e.id + 1, payload: e.payload})
	}
	return int64(steps)
}

// BenchmarkBareLoop is the baseline alone.
func BenchmarkBareLoop(b *testing.B) {
	var steps int64
	for b.Loop() {
		steps += bareLoop(benchSteps)
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
}

// BenchmarkVsBareLoop runs the bare loop and the simulator's ping-pong
// (traced to memory, and untraced) in turns within each iteration, so both
// see the same machine load, and reports the simulator's step rate as a
// percentage of the bare loop's ("%bare").
//
//	go test -run XXX -bench VsBareLoop ./simnet
func BenchmarkVsBareLoop(b *testing.B) {
	bounce := func(env *simnet.Env) simnet.Node { return &bouncer{env: env} }
	for _, tc := range []struct {
		name string
		cfg  simnet.Config
	}{{"traced", simnet.Config{Seed: 1}}, {"untraced", simnet.Config{Seed: 1, NoTrace: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			var bareTime, simTime time.Duration
			var bareSteps, simSteps int64
			for b.Loop() {
				t0 := time.Now()
				bareSteps += bareLoop(benchSteps)
				t1 := time.Now()
				sim := simnet.New(tc.cfg)
				sim.AddNodes("n", 2, "server", bounce)
				for sim.Processed() < benchSteps && sim.Step() {
				}
				simSteps += sim.Processed()
				simTime += time.Since(t1)
				bareTime += t1.Sub(t0)
			}
			bareRate := float64(bareSteps) / bareTime.Seconds()
			simRate := float64(simSteps) / simTime.Seconds()
			b.ReportMetric(float64(bareTime.Nanoseconds())/float64(bareSteps), "bare-ns/step")
			b.ReportMetric(float64(simTime.Nanoseconds())/float64(simSteps), "sim-ns/step")
			b.ReportMetric(100*simRate/bareRate, "%bare")
		})
	}
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
