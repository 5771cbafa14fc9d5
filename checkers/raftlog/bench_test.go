package raftlog_test

import (
	"context"
	"testing"

	"distlab/checkers/check"
	"distlab/checkers/raftlog"
	"distlab/scenarios"
)

// BenchmarkFoldRaftLog judges one recorded raft/nemesis run with the three
// raft-log checks, each folded over the trace in memory: what the checks
// themselves cost a seed, apart from the simulation.
func BenchmarkFoldRaftLog(b *testing.B) {
	sc, err := scenarios.Load("../../scenarios/raft/nemesis.yaml")
	if err != nil {
		b.Fatal(err)
	}
	sim, _, err := sc.Prepare(sc.Seed)
	if err != nil {
		b.Fatal(err)
	}
	sim.Run(sc.Duration)
	tr := sim.Trace()
	b.ReportMetric(float64(tr.Len()), "events")
	for b.Loop() {
		for _, spec := range raftlog.Specs() {
			r := check.Fold(spec.Name, spec.Observe)(context.Background(), tr, nil)
			if r.Verdict == check.Fail {
				b.Fatal(r.Detail)
			}
		}
	}
}
