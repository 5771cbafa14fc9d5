package trace_test

import (
	"testing"

	"distlab/simnet/trace"
)

func BenchmarkZZSliceAt(b *testing.B) {
	tr := benchTrace(100_000)
	evs := tr.Collect()
	for b.Loop() {
		n := 0
		for i := range evs {
			e := evs[i]
			if e.Kind == trace.Deliver && e.Name != "" {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tr.Len()), "ns/event")
}

func BenchmarkZZAt(b *testing.B) {
	tr := benchTrace(100_000)
	for b.Loop() {
		n := 0
		for i := range tr.Len() {
			e := tr.At(i)
			if e.Kind == trace.Deliver && e.Name != "" {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tr.Len()), "ns/event")
}

func BenchmarkZZFill(b *testing.B) {
	tr := benchTrace(100_000)
	for b.Loop() {
		n := 0
		var e trace.Event
		for i := range tr.Len() {
			tr.Fill(i, &e)
			if e.Kind == trace.Deliver && e.Name != "" {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tr.Len()), "ns/event")
}
