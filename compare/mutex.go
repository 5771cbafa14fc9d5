package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"distlab/algorithms/algo"
	"distlab/algorithms/mutex"
	mcheck "distlab/checkers/mutex"
	"distlab/simnet"
)

// MutexSizes are the cluster sizes Mutex uses when given none.
var MutexSizes = []int{3, 5, 10, 20}

// mutexLoad is one workload of the comparison.
type mutexLoad struct {
	name  string
	think time.Duration
	note  string
}

var mutexLoads = []mutexLoad{
	{"busy", 50 * time.Millisecond, "every node asks again ~50ms after leaving: requests overlap"},
	{"light", time.Second, "every node asks again ~1s after leaving: the critical section is mostly free"},
}

// MutexRow is one measured line of the comparison.
type MutexRow struct {
	Load      string
	Algorithm string
	Nodes     int
	Entries   int
	PerEntry  float64
	ByType    map[string]int
	Textbook  string
	MeanWait  time.Duration
	PerSecond float64
}

// Mutex runs central, Ricart-Agrawala and the token ring on the same
// reliable network and workload for each cluster size, and prints messages
// per critical-section entry, mean waiting time and throughput beside the
// textbook's figures (3, 2(n−1), 1..n).
func Mutex(w io.Writer, sizes []int, seed int64) error {
	if len(sizes) == 0 {
		sizes = MutexSizes
	}
	rows, err := MutexRows(sizes, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Mutual exclusion: the same workload on the same reliable network (1–10ms links), seed %d.\n", seed)
	fmt.Fprintf(w, "Every node thinks (exponential), asks, stays inside 5–15ms, leaves; requests stop at %v and the run drains.\n", mutexStop)
	fmt.Fprintf(w, "Central: n0 only coordinates, so n−1 nodes compete. Messages are counted up to the last exit.\n")
	for _, load := range mutexLoads {
		fmt.Fprintf(w, "\n%s load: %s\n\n", load.name, load.note)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "algorithm\tn\tentries\tmsgs/entry\ttextbook\tmean wait\tentries/s\tper type\t")
		for _, r := range rows {
			if r.Load != load.name {
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%s\t%v\t%.1f\t%s\t\n", r.Algorithm, r.Nodes, r.Entries, r.PerEntry,
				r.Textbook, r.MeanWait.Round(100*time.Microsecond), r.PerSecond, perType(r))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nThe ring's figure depends on the load: when few nodes want the critical section the token")
	fmt.Fprintln(w, "keeps travelling with nobody to serve, and every idle pass is a message (the textbook's")
	fmt.Fprintln(w, "\"useless communication\"); when everyone wants it, an entry costs about one pass.")
	return nil
}

// mutexStop and mutexRun are the workload's end and the run's length.
const (
	mutexStop = 5 * time.Second
	mutexRun  = 6 * time.Second
)

// MutexRows measures every algorithm, load and size.
func MutexRows(sizes []int, seed int64) ([]MutexRow, error) {
	specs := map[string]algo.Spec{}
	for _, s := range mutex.Specs() {
		specs[s.Name] = s
	}
	var rows []MutexRow
	for _, load := range mutexLoads {
		for _, name := range []string{mutex.Central, mutex.Ricart, mutex.TokenRing} {
			for _, n := range sizes {
				if n < 2 {
					return nil, fmt.Errorf("cluster size %d: the comparison needs at least 2 nodes", n)
				}
				spec := specs[name]
				wl := spec.Workload().(*mutex.Workload)
				wl.Think, wl.Hold, wl.Stop = load.think, 10*time.Millisecond, mutexStop
				sim := simnet.New(simnet.Config{Seed: seed, Algorithm: name, Scenario: "compare-mutex"})
				if err := spec.Build(algo.Build{Sim: sim, Nodes: n, Params: spec.Params(), Workload: wl}); err != nil {
					return nil, fmt.Errorf("%s, %d nodes: %w", name, n, err)
				}
				sim.Run(mutexRun)
				m, err := mcheck.MeasureTrace(sim.Trace())
				if err != nil {
					return nil, fmt.Errorf("%s, %d nodes: %w", name, n, err)
				}
				rows = append(rows, MutexRow{Load: load.name, Algorithm: name, Nodes: n, Entries: m.Entries,
					PerEntry: m.PerEntry, ByType: m.ByType, Textbook: textbook(name, n),
					MeanWait: m.MeanWait, PerSecond: m.Throughput})
			}
		}
	}
	return rows, nil
}

func textbook(name string, n int) string {
	switch name {
	case mutex.Central:
		return "3"
	case mutex.Ricart:
		return fmt.Sprintf("2(n-1) = %d", 2*(n-1))
	case mutex.TokenRing:
		return fmt.Sprintf("1..n = 1..%d", n)
	}
	return "?"
}

func perType(r MutexRow) string {
	var parts []string
	for _, t := range []string{"Request", "Grant", "Release", "Reply", "Token"} {
		if c, ok := r.ByType[t]; ok && r.Entries > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f", t, float64(c)/float64(r.Entries)))
		}
	}
	return strings.Join(parts, ", ")
}
