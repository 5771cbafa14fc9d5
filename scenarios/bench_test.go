package scenarios_test

import (
	"cmp"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"distlab/scenarios"
	"distlab/simnet"
)

// BenchmarkScenarios runs every scenario file end to end: simulation,
// trace to memory, and every check.
//
//	go test -run XXX -bench Scenarios ./scenarios
func BenchmarkScenarios(b *testing.B) {
	var files []string
	_ = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	for _, file := range files {
		sc, err := scenarios.Load(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(file, ".yaml"), func(b *testing.B) {
			b.ReportAllocs()
			events := 0
			dir := b.TempDir()
			for b.Loop() {
				res, err := sc.Run(scenarios.RunOptions{ArtifactDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				events += res.Trace.Len()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// Benchmarks measure what the distlab command and the lab tests run with.
func init() { simnet.TuneGC() }

// millionEvents is a Raft-KV run long enough to record about a million
// events: 5 servers, 5 clients, 20,000 operations on a lossy network.
const millionEvents = `version: 1
name: raft-million
description: A long Raft-KV run, for the memory benchmark.
algorithm: raft-kv
nodes: 5
seed: 1
duration: 600s
workload: {clients: 5, ops: 18000, keys: 5, think: 5ms}
network:
  latency: {dist: uniform, min: 1ms, max: 10ms}
  drop: 0.01
checks: [linearizability, kv-liveness, one-leader-per-term, split-brain]
expect: pass
`

// BenchmarkMillionEvents runs a million-event Raft-KV scenario with its
// checks, keeping the whole trace in memory ("memory") and the way
// distlab runs it (older events spilled to a file past
// scenarios.DefaultKeepEvents, incremental checks judging as the run goes:
// "spill"). It reports the trace's bytes per event (records, symbols and
// payloads; message bodies are the messages themselves and are counted in
// the heap figures), and the heap: the peak of the heap's objects
// (garbage not yet collected included, so it depends on GOGC) and the
// peak live heap (what the collector found live).
//
//	go test -run XXX -bench MillionEvents -benchtime 1x ./scenarios
func BenchmarkMillionEvents(b *testing.B) {
	sc, err := scenarios.Parse("million.yaml", []byte(millionEvents))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		keep int
	}{{"memory", -1}, {"spill", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			var peak, live uint64
			var events, traceBytes int
			for b.Loop() {
				stop := sampleHeap(&peak, &live)
				res, err := sc.Run(scenarios.RunOptions{ArtifactDir: dir, KeepEvents: tc.keep, SpillDir: dir})
				stop()
				if err != nil {
					b.Fatal(err)
				}
				if !res.ExpectationMet {
					b.Fatal(res.Why)
				}
				events, traceBytes = res.Trace.Len(), res.Trace.MemoryBytes()
			}
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(traceBytes)/float64(events), "B/event")
			b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
			b.ReportMetric(float64(live)/1e6, "peak-live-MB")
		})
	}
}

// sampleHeap records the heap's peak (objects, garbage included) and peak
// live size every millisecond until stop is called.
func sampleHeap(peak, live *uint64) (stop func()) {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	done := make(chan struct{})
	finished := make(chan struct{})
	read := func() {
		metrics.Read(samples)
		*peak = max(*peak, samples[0].Value.Uint64())
		*live = max(*live, samples[1].Value.Uint64())
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// BenchmarkExploreRaftNemesis runs what distlab explore runs for each seed
// of scenarios/raft/nemesis.yaml (simulation and every check), on one
// worker, and reports seeds per minute of one core. EXPLORE_FILE names
// another scenario (relative to this directory) to profile.
//
//	go test -run XXX -bench ExploreRaftNemesis -benchtime 200x ./scenarios
func BenchmarkExploreRaftNemesis(b *testing.B) {
	file := cmp.Or(os.Getenv("EXPLORE_FILE"), "raft/nemesis.yaml")
	sc, err := scenarios.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	seed := int64(0)
	for b.Loop() {
		seed++
		failing, _, err := sc.Explore(scenarios.ExploreOptions{From: seed, Seeds: 1, Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(failing) > 0 {
			b.Fatalf("seed %d fails", seed)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "seeds/min")
}
