package raft_test

import (
	"context"
	"testing"
	"time"

	"distlab/algorithms/raft"
	"distlab/checkers/check"
	"distlab/checkers/linearizability"
	"distlab/simnet"
)

// thousandOps is the benchmark run: 5 servers, 5 clients, 1,000 operations
// on a lossy, reordering network with snapshots on.
func thousandOps(seed int64, nem bool) run {
	r := run{name: "raft-kv", nodes: 5, seed: seed, dur: 12 * time.Second,
		link:     &simnet.Link{Latency: simnet.Latency{Dist: "uniform", Min: time.Millisecond, Max: 10 * time.Millisecond}, Drop: 0.01},
		workload: func(w *raft.Workload) { w.Clients, w.Ops, w.Keys, w.Think = 5, 1000, 5, 5*time.Millisecond }}
	if nem {
		r.nemesis = nemesis()
	}
	return r
}

// BenchmarkKVOps measures simulated key-value operations per wall-clock
// second (simulation only, no checking).
func BenchmarkKVOps(b *testing.B) {
	ops := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sim := thousandOps(int64(i+1), false).sim(b)
		inv, _ := countReturns(sim.Trace())
		ops += inv
	}
	b.ReportMetric(float64(ops)/time.Since(start).Seconds(), "ops/s")
}

// BenchmarkSeedsPerMinute measures whole seeds — a 5-node, 1,000-operation
// run under the nemesis plus its linearizability check — per minute.
func BenchmarkSeedsPerMinute(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sim := thousandOps(int64(i+1), true).sim(b)
		r := linearizability.CheckTrace(context.Background(), sim.Trace(), &linearizability.Options{Timeout: 10 * time.Second})
		if r.Verdict != check.Pass {
			b.Fatalf("seed %d: %s %s", i+1, r.Verdict, r.Detail)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Minutes(), "seeds/min")
}

// Benchmarks measure what the distlab command and the lab tests run with.
func init() { simnet.TuneGC() }
