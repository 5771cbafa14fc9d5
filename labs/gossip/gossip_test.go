// Graded tests of the gossip lab: see README.md. Run them with
//
//	go test ./labs/gossip
//
// and scale the random sweeps with DISTLAB_SEEDS=5000. A failing sweep
// prints the seed, writes a replay scenario to a new temporary folder it names, and
// the commands that rerun it and open it in the visualizer.
package gossip_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/gossip"
	gc "distlab/contract/gossip"
	"distlab/labs/labkit"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

const dir = "../../scenarios/gossip/"

// expect runs fixed scenarios, each of which must meet its expectation.
func expect(t *testing.T, points int, files ...string) {
	labkit.Points(t, points)
	if len(files) == 0 {
		t.Skip("-short: nothing left to run")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) { labkit.Expect(t, labkit.Load(t, dir+f)) })
	}
}

// sweep runs a scenario with its nemesis (loss, partitions, isolations,
// crashes and restarts) over many seeds.
func sweep(t *testing.T, points int, file string) {
	labkit.Points(t, points)
	labkit.Sweep(t, labkit.Load(t, dir+file), labkit.Seeds(1000))
}

// run runs a scenario given as text and returns its trace (the checks are
// the scenario's own; the expectation must hold).
func run(t *testing.T, src string) *scenarios.Result {
	t.Helper()
	sc, err := scenarios.Parse("lab.yaml", []byte(src))
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	require.True(t, res.ExpectationMet, "%s", res.Why)
	return res
}

// calm runs a test body that calls the student's code directly, turning a
// panic (an unfinished stub) into this test's failure instead of the end
// of every test.
func calm(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	body(t)
}

// calmRun is t.Run with calm.
func calmRun(t *testing.T, name string, body func(t *testing.T)) {
	t.Run(name, func(t *testing.T) { calm(t, body) })
}

// ---- Part A: the merge and the seed's k-push (store.go, push.go) ----

// The merge rule on its own: the later timestamp wins, equal timestamps
// go to the larger node id, and a replica keeps what it has otherwise.
func TestMergeRule(t *testing.T) {
	labkit.Points(t, 10)
	calm(t, mergeRule)
}

func mergeRule(t *testing.T) {
	held := gc.Entry{Key: "x", Value: "held", TS: 100, Node: 2}
	cases := []struct {
		name    string
		in      gc.Entry
		changed bool
	}{
		{"later timestamp", gc.Entry{Key: "x", Value: "in", TS: 101, Node: 0}, true},
		{"earlier timestamp", gc.Entry{Key: "x", Value: "in", TS: 99, Node: 4}, false},
		{"same timestamp, larger node id", gc.Entry{Key: "x", Value: "in", TS: 100, Node: 3}, true},
		{"same timestamp, smaller node id", gc.Entry{Key: "x", Value: "in", TS: 100, Node: 1}, false},
		{"the same entry again", held, false},
	}
	for _, c := range cases {
		calmRun(t, c.name, func(t *testing.T) {
			var s gossip.Store
			require.True(t, s.Merge(held), "an empty store takes any entry")
			assert.Equal(t, c.changed, s.Merge(c.in), "Merge must report whether the store changed")
			got, _ := s.Get("x")
			want := held
			if c.changed {
				want = c.in
			}
			assert.Equal(t, want, got)
		})
	}
	calmRun(t, "a new key is taken", func(t *testing.T) {
		var s gossip.Store
		s.Merge(held)
		assert.True(t, s.Merge(gc.Entry{Key: "y", Value: "v", TS: 1}))
		assert.Equal(t, 2, s.Len())
	})
	calmRun(t, "every arrival order gives the same store", func(t *testing.T) {
		entries := []gc.Entry{{Key: "x", Value: "a", TS: 5, Node: 0}, {Key: "x", Value: "b", TS: 7, Node: 1},
			{Key: "x", Value: "c", TS: 7, Node: 3}, {Key: "x", Value: "d", TS: 6, Node: 4}}
		for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}} {
			var s gossip.Store
			for _, i := range order {
				s.Merge(entries[i])
			}
			got, _ := s.Get("x")
			assert.Equal(t, "c", got.Value, "order %v", order)
		}
	})
}

// huge leaves out the 1,000-replica scenarios under -short (the CI's
// race-detector pass, where they take minutes); grading runs them.
func huge(t *testing.T, files ...string) []string {
	if !testing.Short() {
		return files
	}
	t.Logf("-short: %v left out", files)
	return nil
}

// The seed's gossip spreads one update everywhere, at three sizes.
func TestKPushSpreads(t *testing.T) {
	expect(t, 10, append([]string{"seed/gossip-n25-k1.yaml", "seed/gossip-n100-k2.yaml"}, huge(t, "seed/gossip-n1000-k3.yaml")...)...)
}

// k distinct peers a round, never itself, and every peer in time: told by
// the trace of a run without memory.
func TestKPushPicksKDistinctPeers(t *testing.T) {
	labkit.Points(t, 5)
	res := run(t, `version: 1
algorithm: gossip
nodes: 12
duration: 3s
params: {k: 3, period: 100ms}
workload: {clients: 1, writes: 1, reads: 0, settle: 0s}
checks: [convergence, residue]
`)
	// Pushes per (sender, instant) and who each sender ever picked.
	type round struct {
		from trace.NodeID
		at   int64
	}
	picks := map[round][]trace.NodeID{}
	ever := map[trace.NodeID]map[trace.NodeID]bool{}
	for _, e := range res.Trace.All() {
		if e.Kind != trace.Send || e.Name != "Push" {
			continue
		}
		r := round{e.Node, int64(e.Time)}
		picks[r] = append(picks[r], e.Peer)
		if ever[e.Node] == nil {
			ever[e.Node] = map[trace.NodeID]bool{}
		}
		ever[e.Node][e.Peer] = true
	}
	require.NotEmpty(t, picks)
	for r, to := range picks {
		require.Len(t, to, 3, "%s at %v pushed to %v: k = 3 peers a round", res.Trace.NodeName(r.from), r.at, to)
		sorted := slices.Clone(to)
		slices.Sort(sorted)
		require.Len(t, slices.Compact(sorted), 3, "%s picked a peer twice in one round: %v", res.Trace.NodeName(r.from), to)
		require.NotContains(t, to, r.from, "a replica pushed to itself")
	}
	for from, peers := range ever {
		assert.Len(t, peers, 11, "over 30 rounds %s should have picked each of its 11 peers", res.Trace.NodeName(from))
	}
}

// With memory, no replica sends its current data to the same peer twice
// (gossip-cost's repeats), and a replica that has told everyone stops.
func TestKPushMemory(t *testing.T) {
	expect(t, 10, "seed/gossip-n25-k1-memory.yaml", "seed/gossip-n100-k3-memory.yaml")
	t.Run("new data is sent again", func(t *testing.T) {
		// Writes keep coming to n0: each new write must reach everyone,
		// although every peer was already sent the older data.
		run(t, `version: 1
algorithm: gossip
nodes: 4
duration: 4s
params: {k: 1, period: 100ms, memory: true}
workload: {clients: 1, writes: 6, reads: 0, interval: 500ms, write_to: [n0], settle: 1s}
checks: [convergence, residue, {name: gossip-cost, max_repeats: 0}]
`)
	})
}

// The weaknesses the lab is about: last-writer-wins under clock skew, a
// write lost with its replica's disk, and the seed's optimisation under a
// partition (these are expected violations, they need the merge and push).
func TestKPushLessons(t *testing.T) {
	expect(t, 5, "lww-clock-skew.yaml", "lww-clock-synced.yaml", "gossip-amnesia.yaml", "gossip-crash-restart.yaml",
		"gossip-memory-partition.yaml", "gossip-partition-heal.yaml", "gossip-pause.yaml")
}

// Timestamps in whole seconds tie often: every replica must break a tie
// the same way (by node id), or they never agree.
func TestTiesBreakByNodeID(t *testing.T) {
	expect(t, 5, "gossip-coarse-clock.yaml")
	sc, err := scenarios.Parse("ties.yaml", []byte(`version: 1
algorithm: gossip
nodes: 5
duration: 3s
params: {k: 2, period: 100ms, resolution: 1s}
workload: {clients: 3, writes: 8, reads: 0, keys: 1, interval: 30ms, settle: 0s}
checks: [convergence, gossip-validity, residue]
`))
	require.NoError(t, err)
	labkit.Sweep(t, sc, labkit.Seeds(1000))
}

// A thousand seeds of loss, partitions, isolations, crashes and restarts.
func TestKPushUnderFaults(t *testing.T) { sweep(t, 15, "gossip-nemesis.yaml") }

// ---- Part B: anti-entropy with digests (store.go Diff, antientropy.go) ----

func TestDiff(t *testing.T) {
	labkit.Points(t, 10)
	calm(t, diff)
}

func diff(t *testing.T) {
	var s gossip.Store
	for _, e := range []gc.Entry{
		{Key: "same", Value: "s", TS: 5, Node: 1},
		{Key: "mine-newer", Value: "m", TS: 9, Node: 1},
		{Key: "theirs-newer", Value: "t", TS: 2, Node: 1},
		{Key: "only-mine", Value: "o", TS: 3, Node: 0},
		{Key: "tie-mine", Value: "tm", TS: 4, Node: 3},
	} {
		s.Merge(e)
	}
	digest := []gossip.KeyStamp{
		{Key: "same", TS: 5, Node: 1},
		{Key: "mine-newer", TS: 8, Node: 4},
		{Key: "theirs-newer", TS: 2, Node: 2},
		{Key: "only-theirs", TS: 1, Node: 0},
		{Key: "tie-mine", TS: 4, Node: 2},
	}
	send, want := s.Diff(digest)
	var keys []string
	for _, e := range send {
		keys = append(keys, e.Key)
		got, _ := s.Get(e.Key)
		assert.Equal(t, got, e, "send the entry as held")
	}
	assert.ElementsMatch(t, []string{"mine-newer", "only-mine", "tie-mine"}, keys, "entries to send")
	assert.ElementsMatch(t, []string{"theirs-newer", "only-theirs"}, want, "keys to ask for")
	send, want = s.Diff(s.Digest())
	assert.Empty(t, send, "in sync: nothing to send")
	assert.Empty(t, want, "in sync: nothing to ask for")
	var empty gossip.Store
	send, want = empty.Diff(digest)
	assert.Empty(t, send)
	assert.Len(t, want, 5, "an empty store wants everything")
}

// push, pull and push-pull each spread updates everywhere at n = 1000.
func TestAntiEntropyModes(t *testing.T) {
	expect(t, 10, huge(t, "anti-entropy-push-n1000.yaml", "anti-entropy-pull-n1000.yaml", "anti-entropy-push-pull-n1000.yaml")...)
}

// Each mode moves entries only the way it says, and only what differs:
// told by the trace.
func TestAntiEntropyDirections(t *testing.T) {
	labkit.Points(t, 10)
	for _, mode := range gossip.AntiEntropyModes {
		t.Run(mode, func(t *testing.T) {
			res := run(t, fmt.Sprintf(`version: 1
algorithm: anti-entropy
nodes: 8
duration: 3s
params: {mode: %s, period: 100ms}
workload: {clients: 2, writes: 5, reads: 0, interval: 100ms, settle: 1s}
checks: [convergence, residue, no-lost-write]
`, mode))
			// opener[m]: the replica that opened the exchange a message
			// belongs to (the sender of the Digest).
			lastDigest := map[[2]trace.NodeID]bool{} // (opener, peer) exchanges seen
			for _, e := range res.Trace.All() {
				if e.Kind != trace.Send || e.Node >= 8 || e.Peer >= 8 {
					continue
				}
				body := e.BodyJSON()
				switch e.Name {
				case "Digest":
					lastDigest[[2]trace.NodeID{e.Node, e.Peer}] = true
				case "Diff":
					var d struct {
						Entries []gc.Entry `json:"entries"`
						Want    []string   `json:"want"`
					}
					require.NoError(t, json.Unmarshal(body, &d))
					require.False(t, len(d.Entries) == 0 && len(d.Want) == 0, "an empty Diff at %v: send nothing instead", e.Time)
					answering := lastDigest[[2]trace.NodeID{e.Peer, e.Node}] // the peer opened with a digest to me
					switch mode {
					case gossip.ModePush:
						if answering && !lastDigest[[2]trace.NodeID{e.Node, e.Peer}] {
							require.Empty(t, d.Entries, "push: the peer asks, it does not send its entries (%s→%s at %v)", res.Trace.NodeName(e.Node), res.Trace.NodeName(e.Peer), e.Time)
						}
					case gossip.ModePull:
						require.Empty(t, d.Want, "pull: the peer never asks for the opener's entries (%s→%s at %v)", res.Trace.NodeName(e.Node), res.Trace.NodeName(e.Peer), e.Time)
					}
				}
			}
		})
	}
}

// A thousand seeds of faults for push-pull anti-entropy.
func TestAntiEntropyUnderFaults(t *testing.T) { sweep(t, 10, "anti-entropy-nemesis.yaml") }

// ---- Part C: rumor mongering (rumor.go) ----

// Losing interest, counted exactly: with feedback and a counter of k a
// replica stops after the k-th peer that already knew; blind, after k
// rounds of telling.
func TestRumorCounter(t *testing.T) {
	labkit.Points(t, 10)
	for _, mode := range []string{gossip.RumorFeedback, gossip.RumorBlind} {
		for k := 1; k <= 3; k++ {
			t.Run(fmt.Sprintf("%s k=%d", mode, k), func(t *testing.T) {
				res := run(t, fmt.Sprintf(`version: 1
algorithm: rumor
nodes: 40
duration: 4s
params: {mode: %s, stop: counter, k: %d, fanout: 1, period: 100ms}
workload: {clients: 1, writes: 1, reads: 0, settle: 0s}
checks: [{name: residue, max: 1}]
`, mode, k))
				rumors := map[trace.NodeID]int{}   // rumors sent by each replica
				feedback := map[trace.NodeID]int{} // "already knew" heard by each, so far
				for _, e := range res.Trace.All() {
					switch {
					case e.Kind == trace.Send && e.Name == "Rumor":
						if mode == gossip.RumorFeedback {
							require.Less(t, feedback[e.Node], k, "%s told a rumor at %v after %d peers already knew it (k = %d)", res.Trace.NodeName(e.Node), e.Time, feedback[e.Node], k)
						}
						rumors[e.Node]++
					case e.Kind == trace.Deliver && e.Name == "Feedback":
						feedback[e.Node]++
					}
				}
				require.NotEmpty(t, rumors)
				for node, n := range rumors {
					if mode == gossip.RumorBlind {
						require.Equal(t, k, n, "blind, counter k = %d: %s must tell exactly k rounds", k, res.Trace.NodeName(node))
					} else {
						require.GreaterOrEqual(t, feedback[node], k, "feedback: %s stopped after %d peers that knew (k = %d)", res.Trace.NodeName(node), feedback[node], k)
					}
				}
			})
		}
	}
}

// Rumors leave a residue, smaller as k grows; backup anti-entropy
// removes it.
func TestRumorResidue(t *testing.T) {
	labkit.Points(t, 10)
	for k := 1; k <= 5; k++ {
		for _, f := range []string{"rumor/rumor-k%d.yaml", "rumor/rumor-k%d-backup.yaml"} {
			file := fmt.Sprintf(f, k)
			t.Run(file, func(t *testing.T) { labkit.Expect(t, labkit.Load(t, dir+file)) })
		}
	}
	t.Run("a coin of 1/k", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: 1,000 replicas are run without -short")
		}
		// Demers' feedback-with-coin rule at k = 3: s = e^(−4(1−s)) ≈ 0.020.
		res := run(t, `version: 1
algorithm: rumor
nodes: 1000
duration: 3s
params: {mode: feedback, stop: coin, k: 3, period: 100ms}
workload: {clients: 1, writes: 3, reads: 0, interval: 10ms, settle: 0s}
checks: [{name: residue, max: 1}]
`)
		s := res.Checks[0].Metrics["residue"]
		assert.InDelta(t, 0.020, s, 0.015, "residue %.4f, Demers' formula 0.0198: lose interest with probability 1/k", s)
	})
}

// A thousand seeds of faults for rumors backed by anti-entropy.
func TestRumorUnderFaults(t *testing.T) { sweep(t, 10, "rumor-backup-nemesis.yaml") }

// The checkers are graded on the reference too.
func TestCheckersCatchBrokenMerge(t *testing.T) {
	expect(t, 5, "gossip-arrival.yaml")
}
