package chain_test

import (
	"testing"

	"distlab/scenarios"
)

// BenchmarkSeeds runs whole scenarios with their checks, one seed per
// iteration, and reports seeds per minute (one core).
//
//	go test -run XXX -bench Seeds ./scenarios/chain
func BenchmarkSeeds(b *testing.B) {
	for _, file := range []string{"pow-nemesis.yaml", "pow-realhash-nemesis.yaml", "dpos-nemesis.yaml", "pos-slashing.yaml", "pow-double-spend.yaml"} {
		b.Run(file, func(b *testing.B) {
			sc, err := scenarios.Load(file)
			if err != nil {
				b.Fatal(err)
			}
			seed := int64(0)
			b.ResetTimer()
			for b.Loop() {
				seed++
				if _, err := sc.Run(scenarios.RunOptions{Seed: &seed}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "seeds/min")
		})
	}
}
