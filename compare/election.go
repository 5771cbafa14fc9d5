package compare

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"distlab/algorithms"
	"distlab/algorithms/algo"
	echeck "distlab/checkers/election"
	"distlab/contract"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// ElectionSizes are the cluster sizes Election uses when given none.
var ElectionSizes = []int{3, 5, 7, 9}

// electionAlgorithms are compared in this order (registry names).
var electionAlgorithms = []string{"bully", "raft", "zab"}

// electionRuns is how many seeds each figure is averaged over.
const electionRuns = 5

// keepAlive names the messages that keep a leader in place rather than
// elect one; they are counted apart.
var keepAlive = map[string]bool{"Heartbeat": true, "Ping": true, "Ack": true, "AppendEntries": true, "AppendEntriesReply": true}

// ElectionRow is one measured line: a situation (a clean start, or the
// leader's crash), an algorithm and a cluster size, averaged over seeds.
type ElectionRow struct {
	Situation string
	Algorithm string
	Nodes     int
	Runs      int           // runs that reached a leader known to all
	Time      time.Duration // from the start (or the crash) to a leader known to all
	Election  float64       // election messages in that time
	KeepAlive float64       // heartbeats in that time
	ByType    map[string]float64
	Textbook  string
	Missing   string // why the algorithm could not be measured
}

// Election runs Bully, Raft's election and ZAB's fast leader election on
// the same reliable network for each cluster size — from a clean start,
// and after the leader crashes — and prints the time and messages until a
// single leader is known to every live server, beside the textbook's
// claims.
func Election(w io.Writer, sizes []int, seed int64) error {
	if len(sizes) == 0 {
		sizes = ElectionSizes
	}
	rows, err := ElectionRows(sizes, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Leader election: the same reliable network (1–10ms links), seeds %d…%d, averages.\n", seed, seed+electionRuns-1)
	fmt.Fprintf(w, "Measured until ONE leader is known to every live server (election-liveness's condition).\n")
	fmt.Fprintf(w, "\"election\" counts every message but the leader's heartbeats and their answers (\"keep-alive\").\n")
	for _, sit := range []string{"clean start", "leader crash"} {
		switch sit {
		case "clean start":
			fmt.Fprintf(w, "\nclean start: every node starts at once, knowing nothing\n\n")
		default:
			fmt.Fprintf(w, "\nleader crash: the elected leader crashes at 2s; time and messages from the crash\n\n")
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "algorithm\tn\ttime\telection msgs\tkeep-alive\ttextbook\tby type\t")
		for _, r := range rows {
			if r.Situation != sit {
				continue
			}
			if r.Missing != "" {
				fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t%s\t%s\t\n", r.Algorithm, r.Nodes, r.Textbook, r.Missing)
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%v\t%.1f\t%.1f\t%s\t%s\t\n", r.Algorithm, r.Nodes, r.Time.Round(100*time.Microsecond),
				r.Election, r.KeepAlive, r.Textbook, byType(r.ByType))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprint(w, `
Reading it:
  bully   no votes to collect: the highest live id just announces Victory. From a clean start
          every node challenges all higher ones at once — the worst case, O(n²) (a little more:
          the leader also answers late challengers with a Victory). After a crash every follower
          notices at the same moment, so again the worst case; the best case, n−2, needs the
          second-highest node to notice first.
  raft    one candidate usually wins in one round, 2(n−1) messages, but only after a randomized
          election timeout (150–300ms here), which is most of its time.
  zab     every change of vote is broadcast: n(n−1) notifications per round, and a node changes
          its vote as better votes arrive, so an election costs a few rounds' worth — the
          textbook's "broadcast storm" — plus a discovery phase (FollowerInfo, NewEpoch,
          AckEpoch) before the leader is established. It needs no randomized wait, so from a
          clean start it is quicker than Raft here; after a crash both wait for their failure
          detector (Raft's election timeout, ZAB's 400ms of silence).
`)
	return nil
}

// ElectionRows measures every row of the comparison.
func ElectionRows(sizes []int, seed int64) ([]ElectionRow, error) {
	var rows []ElectionRow
	for _, sit := range []string{"clean start", "leader crash"} {
		for _, name := range electionAlgorithms {
			spec, lookErr := algorithms.Lookup(name)
			for _, n := range sizes {
				if n < 2 {
					return nil, fmt.Errorf("compare election: cluster size %d is too small (need at least 2)", n)
				}
				row := ElectionRow{Situation: sit, Algorithm: name, Nodes: n, ByType: map[string]float64{},
					Textbook: electionTextbook(name, sit, n)}
				if lookErr != nil {
					row.Missing = "not registered in this build"
					rows = append(rows, row)
					continue
				}
				var total time.Duration
				for s := seed; s < seed+electionRuns; s++ {
					m, ok, err := measureElection(spec, n, s, sit == "leader crash")
					if err != nil {
						return nil, err
					}
					if !ok {
						continue
					}
					row.Runs++
					total += m.took
					row.Election += float64(m.election)
					row.KeepAlive += float64(m.keepAlive)
					for k, v := range m.byType {
						row.ByType[k] += float64(v)
					}
				}
				if row.Runs == 0 {
					row.Missing = "no single leader known to all within the run"
				} else {
					k := float64(row.Runs)
					row.Time = total / time.Duration(row.Runs)
					row.Election /= k
					row.KeepAlive /= k
					for t := range row.ByType {
						row.ByType[t] /= k
					}
				}
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}

type electionMeasure struct {
	took                time.Duration
	election, keepAlive int
	byType              map[string]int
}

// measureElection runs one cluster and measures the window from the start
// (or the leader's crash at 2s) to a single leader known to all.
func measureElection(spec algo.Spec, n int, seed int64, crash bool) (electionMeasure, bool, error) {
	sim := simnet.New(simnet.Config{Seed: seed, Algorithm: spec.Name})
	var params any
	if spec.Params != nil {
		params = spec.Params()
	}
	if err := spec.Build(algo.Build{Sim: sim, Nodes: n, Params: params}); err != nil {
		return electionMeasure{}, false, fmt.Errorf("compare election: %s with %d nodes: %w", spec.Name, n, err)
	}
	from := time.Duration(0)
	if crash {
		from = 2 * time.Second
		sim.Run(from)
		leader := trace.None
		for _, id := range sim.Group(contract.ServerGroup) {
			if sim.VisibleState(id)["leader"] == sim.Name(id) {
				leader = id
			}
		}
		if leader == trace.None {
			return electionMeasure{}, false, nil
		}
		sim.Schedule(simnet.Fault{At: from, Kind: simnet.FaultCrash, Node: leader})
	}
	sim.Run(from + 4*time.Second)
	tr := sim.Trace()
	res := echeck.CheckLiveness(context.Background(), tr, echeck.LivenessOptions{Bound: 3 * time.Second})
	took, ok := res.Metrics["elect_after_fault_ms"]
	if !ok || res.Verdict == "fail" {
		return electionMeasure{}, false, nil
	}
	end := from + time.Duration(took*float64(time.Millisecond))
	m := electionMeasure{took: end - from, byType: map[string]int{}}
	for i := range tr.Len() {
		e := tr.At(i)
		if e.Kind != trace.Send || e.Time < from || e.Time > end {
			continue
		}
		if keepAlive[e.Name] {
			m.keepAlive++
			continue
		}
		m.election++
		m.byType[e.Name]++
	}
	return m, true, nil
}

// electionTextbook states the textbook's figure for a situation.
func electionTextbook(name, sit string, n int) string {
	switch name {
	case "bully":
		if sit == "clean start" {
			// Node i challenges the n−1−i above it, each live one answers,
			// the top one announces: n(n−1)/2 + n(n−1)/2 + (n−1).
			return fmt.Sprintf("worst O(n²) ≈ n²−1 = %d", n*(n-1)+(n-1))
		}
		// n−1 live nodes challenge everyone above (the dead leader too).
		live := n - 1
		return fmt.Sprintf("best n−2 = %d, worst O(n²) = %d", n-2, n*(n-1)/2+live*(live-1)/2+(n-1))
	case "raft":
		return fmt.Sprintf("one round: 2(n−1) = %d", 2*(n-1))
	case "zab":
		return fmt.Sprintf("n(n−1) = %d per round", n*(n-1))
	}
	return ""
}

func byType(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.1f", k, m[k])
	}
	return strings.Join(parts, ", ")
}
