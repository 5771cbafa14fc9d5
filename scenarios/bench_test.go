package scenarios_test

import (
	"distlab/simnet"

	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"distlab/scenarios"
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
