package gossip_test

import (
	"testing"

	"distlab/scenarios"
)

func BenchmarkFile(b *testing.B) {
	sc, err := scenarios.Load("../../scenarios/gossip/seed/gossip-n1000-k1.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := sc.Run(scenarios.RunOptions{SkipChecks: false}); err != nil {
			b.Fatal(err)
		}
	}
}
