package gossip_test

import (
	"testing"

	"distlab/scenarios"
	"distlab/simnet"
)

func init() { simnet.TuneGC() }

// A single update pushed through 1,000 replicas by the seed's gossip
// (k = 1): about 17 rounds, 20,000 messages.
const push1000 = `version: 1
algorithm: gossip
nodes: 1000
duration: 2500ms
params: {k: 1, period: 100ms}
workload: {clients: 1, writes: 1, reads: 0, settle: 0s}
checks: [convergence, residue]
`

// BenchmarkPush1000 is the simulation alone; BenchmarkPush1000Checked
// adds the checks.
//
//	go test -run XXX -bench Push1000 -benchmem ./algorithms/gossip
func BenchmarkPush1000(b *testing.B) { benchScenario(b, push1000, true) }

func BenchmarkPush1000Checked(b *testing.B) { benchScenario(b, push1000, false) }

func benchScenario(b *testing.B, src string, skip bool) {
	sc, err := scenarios.Parse("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		res, err := sc.Run(scenarios.RunOptions{SkipChecks: skip})
		if err != nil {
			b.Fatal(err)
		}
		events += res.Trace.Len()
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
}

// BenchmarkNemesisSeeds runs the lab's gossip-nemesis scenario (6
// replicas, 5% loss, partitions, crashes, every check) seed after seed on
// one core.
//
//	go test -run XXX -bench NemesisSeeds ./algorithms/gossip
func BenchmarkNemesisSeeds(b *testing.B) {
	sc, err := scenarios.Load("../../scenarios/gossip/gossip-nemesis.yaml")
	if err != nil {
		b.Fatal(err)
	}
	seed := int64(0)
	for b.Loop() {
		seed++
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		if err != nil {
			b.Fatal(err)
		}
		if !res.ExpectationMet {
			b.Fatalf("seed %d: %s", seed, res.Why)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "seeds/min")
}
