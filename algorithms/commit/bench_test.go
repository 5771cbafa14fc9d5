package commit_test

import (
	"testing"

	"distlab/scenarios"
	"distlab/simnet"
)

func init() { simnet.TuneGC() }

// benchScenario runs one scenario file with its checks, a new seed each
// iteration, and reports seeds per minute.
func benchScenario(b *testing.B, file string) {
	sc, err := scenarios.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	seed := int64(0)
	events := 0
	for b.Loop() {
		seed++
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		if err != nil {
			b.Fatal(err)
		}
		events += res.Trace.Len()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "seeds/min")
	b.ReportMetric(float64(events)/float64(b.N), "events/seed")
}

// BenchmarkCommit: seeds per minute with every check, on one core.
func BenchmarkCommit(b *testing.B) {
	for _, name := range []string{"2pc", "2pc-nemesis", "2pc-lab-nemesis", "3pc-skeen", "3pc-skeen-lab-crashes", "mq", "mq-nemesis"} {
		b.Run(name, func(b *testing.B) { benchScenario(b, "../../scenarios/commit/"+name+".yaml") })
	}
}
