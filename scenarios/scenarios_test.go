package scenarios_test

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/scenarios"
	"distlab/simnet"
	"distlab/simnet/trace"
)

const good = `version: 1
algorithm: broadcast
nodes: 3
seed: 9
duration: 100ms
params: {rounds: 3, every: 10ms}
network:
  latency: {dist: exponential, min: 1ms, mean: 2ms}
  drop: 0.1
  fifo: true
  links:
    - {from: n0, to: n1, drop: 1, fifo: false}
clocks:
  n1: {offset: 5ms, drift_ppm: 10}
faults:
  - {at: 10ms, partition: [[n0], [n1, n2]]}
  - {at: 20ms, heal: true}
  - {at: 30ms, cut: {from: n1, to: n2}}
  - {at: 40ms, isolate: n2}
  - {at: 50ms, rejoin: n2}
  - {at: 60ms, crash: n0}
  - {at: 70ms, restart: n0}
checks: [no-panic]
expect: pass
`

func TestParseGood(t *testing.T) {
	sc, err := scenarios.Parse("good.yaml", []byte(good))
	require.NoError(t, err)
	assert.Equal(t, "good", sc.Name)
	assert.Equal(t, int64(9), sc.Seed)
	assert.Len(t, sc.Faults, 7)
	assert.Equal(t, 1.0, sc.Links[0].Link.Drop)
	assert.True(t, sc.Network.FIFO)
	assert.False(t, sc.Links[0].Link.FIFO, "a link overrides the network's fifo")
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.True(t, res.ExpectationMet, res.Why)
}

// TestParseErrors: every error names the file, the line and column, and
// the field; unknown names list the valid ones.
func TestParseErrors(t *testing.T) {
	base := "version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 1s\n"
	cases := []struct {
		name, src, want string
	}{
		{"no version", "algorithm: broadcast\n", "x.yaml: missing version"},
		{"bad version", "version: 7\n", "x.yaml:1:10: version: scenario format version 7"},
		{"unknown algorithm", "version: 1\nalgorithm: bully2\nnodes: 3\nduration: 1s\n", `x.yaml:2:12: algorithm: unknown algorithm "bully2" (valid: `},
		{"unknown field", "version: 1\nduraton: 1s\n", `x.yaml:2:1: duraton: unknown field "duraton"`},
		{"bad duration", "version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 2x\n", `x.yaml:4:11: duration: "2x" is not a duration`},
		{"syntax", "version: 1\nnodes: [3\n", "x.yaml:2:8:"},
		{"unknown node", base + "faults:\n  - {at: 1s, crash: n9}\n", `x.yaml:6:21: faults[0].crash: unknown node "n9" (valid: n0, n1, n2)`},
		{"unknown partition node", base + "faults:\n  - at: 1s\n    partition: [[n0], [n1, n7]]\n", `faults[0].partition[1][1]: unknown node "n7"`},
		{"two actions", base + "faults:\n  - {at: 1s, crash: n1, heal: true}\n", "faults[0]: a fault has `at` and exactly one of"},
		{"no at", base + "faults:\n  - {crash: n1}\n", "faults[0]: a fault needs `at:`"},
		{"unknown check", base + "checks: [nope]\n", `x.yaml:5:10: checks[0]: unknown check "nope" (valid: `},
		{"bad param type", base + "params:\n  rounds: many\n", "x.yaml:6:11: params.rounds:"},
		{"unknown param", base + "params:\n  roundz: 3\n", `params.roundz: unknown field "roundz"`},
		{"bad param duration", base + "params: {every: 5}\n", `params.every: "5" is not a duration`},
		{"bad probability", base + "network:\n  drop: 1.5\n", "network: drop must be a probability"},
		{"bad latency", base + "network:\n  latency: {dist: gamma}\n", `unknown latency distribution "gamma"`},
		{"unknown link node", base + "network:\n  links:\n    - {from: n0, to: n5}\n", `network.links[0].to: unknown node "n5"`},
		{"check of another family", "version: 1\nalgorithm: central\nnodes: 3\nduration: 1s\nchecks: [mutex-safety, linearizability]\n",
			`x.yaml:5:24: checks[1]: check linearizability reads the kv family's contract, but algorithm central (family mutex) speaks mutex`},
		{"election check on a clock", "version: 1\nalgorithm: lamport\nnodes: 3\nduration: 1s\nchecks:\n  - {name: split-brain, grace: 1s}\n",
			`checks[0]: check split-brain reads the election family's contract, but algorithm lamport (family clocks) speaks clocks`},
		{"restart aimed at a highlight", base + "faults:\n  - {at: 1s, restart: \"@leader\"}\n", "faults[0].restart: only crash and isolate can aim at a highlighted node (@leader), not restart"},
		{"empty highlight", base + "faults:\n  - {at: 1s, crash: \"@\"}\n", `faults[0].crash: "@" names no highlight`},
		{"pause without for", base + "faults:\n  - {at: 1s, pause: n1}\n", "faults[0].pause: a pause needs `for:`, a positive duration"},
		{"for on a partition", base + "faults:\n  - {at: 1s, isolate: n1, for: 1s}\n", "faults[0].for: `for` is how long a pause lasts (or a crashed node stays down); this fault is a isolate"},
		{"crash down for nothing", base + "faults:\n  - {at: 1s, crash: n1, for: 0s}\n", "faults[0].for: a crash's `for:` is how long the node stays down"},
		{"amnesia without crash", base + "faults:\n  - {at: 1s, pause: n1, for: 1s, amnesia: true}\n", "faults[0].amnesia: amnesia belongs to a crash"},
		{"pause of a stranger", base + "faults:\n  - {at: 1s, pause: n9, for: 1s}\n", `faults[0].pause: unknown node "n9"`},
		{"bad nemesis amnesia", base + "nemesis: {start: 1ms, end: 2ms, interval: 1ms, crash: 1, amnesia: 2}\n", "nemesis amnesia is a probability"},
		{"expect unknown check", base + "checks: [no-panic]\nexpect: {violations: [split-brain]}\n", `expect.violations[0]: "split-brain" is not among this scenario's checks`},
		{"expect word", base + "expect: fail\n", "expect is `pass` or {violations"},
		{"nemesis zero", base + "nemesis: {start: 1s, end: 2s, interval: 100ms}\n", "nemesis has every weight zero"},
		{"nemesis target", base + "nemesis: {start: 1ms, end: 2ms, interval: 1ms, crash: 1, targets: [n0, x]}\n", `nemesis.targets[1]: unknown node "x"`},
		{"not a mapping", "- a\n- b\n", "a scenario is a YAML mapping"},
		{"empty", "", "empty scenario"},
		{"nodes", "version: 1\nalgorithm: broadcast\nnodes: 0\nduration: 1s\n", "x.yaml:3:8: nodes: nodes must be a positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// scenarioFiles lists the library's scenario files (this package's folder).
func scenarioFiles(t *testing.T) []string {
	var files []string
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	}))
	require.NotEmpty(t, files)
	return files
}

func traceBytes(t *testing.T, tr *trace.Trace) []byte {
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, tr))
	return buf.Bytes()
}

// TestEveryScenarioIsDeterministic runs each scenario file twice with its
// seed (identical traces, byte for byte) and once with another seed
// (a different trace).
func TestEveryScenarioIsDeterministic(t *testing.T) {
	for _, file := range scenarioFiles(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Load(file)
			require.NoError(t, err)
			opts := scenarios.RunOptions{SkipChecks: true}
			a, err := sc.Run(opts)
			require.NoError(t, err)
			b, err := sc.Run(opts)
			require.NoError(t, err)
			ab, bb := traceBytes(t, a.Trace), traceBytes(t, b.Trace)
			require.Equal(t, len(ab), len(bb), "same seed, different trace length")
			require.True(t, bytes.Equal(ab, bb), "same seed must give a byte-identical trace")
			other := sc.Seed + 1
			c, err := sc.Run(scenarios.RunOptions{SkipChecks: true, Seed: &other})
			require.NoError(t, err)
			assert.False(t, bytes.Equal(ab, traceBytes(t, c.Trace)), "a different seed should give a different trace")
		})
	}
}

// TestEveryScenarioMeetsItsExpectation is what `distlab run` checks, for
// the whole library.
func TestEveryScenarioMeetsItsExpectation(t *testing.T) {
	for _, file := range scenarioFiles(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Load(file)
			require.NoError(t, err)
			res, err := sc.Run(scenarios.RunOptions{ArtifactDir: t.TempDir()})
			require.NoError(t, err)
			assert.True(t, res.ExpectationMet, "%s: %s", file, res.Why)
		})
	}
}

// TestEncodeRoundTrip: a scenario written by Encode parses back and runs
// the same.
func TestEncodeRoundTrip(t *testing.T) {
	sc, err := scenarios.Parse("good.yaml", []byte(good))
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	data, err := sc.Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, "written by a test")
	require.NoError(t, err)
	back, err := scenarios.Parse("good.yaml", data)
	require.NoError(t, err, "%s", data)
	res2, err := back.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, traceBytes(t, res.Trace), traceBytes(t, res2.Trace))
}

// Pauses and amnesia are scenario faults, drawn by the nemesis too, and a
// replay file writes them out.
func TestPauseAndAmnesiaRoundTrip(t *testing.T) {
	src := "version: 1\nalgorithm: raft\nnodes: 3\nduration: 3s\nfaults:\n" +
		"  - {at: 1s, pause: n1, for: 700ms}\n  - {at: 1500ms, crash: n2, amnesia: true}\n  - {at: 2s, restart: n2}\n" +
		"nemesis: {start: 100ms, end: 2500ms, interval: 100ms, pause: 1, crash: 1, amnesia: 1}\n"
	sc, err := scenarios.Parse("p.yaml", []byte(src))
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	kinds := map[trace.Kind]int{}
	amnesia := 0
	w := trace.NewWorld(res.Trace.Header)
	for _, e := range res.Trace.All() {
		w.Apply(&e)
		kinds[e.Kind]++
		if e.Kind == trace.Crash && strings.Contains(e.Value, "amnesia") {
			amnesia++
		}
	}
	assert.Greater(t, kinds[trace.Pause], 1, "the scheduled pause and the nemesis's")
	assert.Positive(t, kinds[trace.Resume])
	for id := range trace.NodeID(3) {
		assert.False(t, w.Paused(id), "every pause is over by the end (a crash ends one too)")
	}
	assert.Greater(t, amnesia, 1)
	data, err := sc.Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, "")
	require.NoError(t, err)
	assert.Contains(t, string(data), "pause: n1\n  for: 700ms")
	assert.Contains(t, string(data), "amnesia: true")
	back, err := scenarios.Parse("p.yaml", data)
	require.NoError(t, err, "%s", data)
	res2, err := back.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, traceBytes(t, res.Trace), traceBytes(t, res2.Trace))
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("version: 1\nalgorithm: broadcast\nnodes: 2\nduration: 10ms\n"))
	f.Add([]byte("version: 1\nfaults: [{at: 1s, partition: [[n0]]}]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if sc.Nodes > 20 || sc.Duration > 1e9 {
			return // valid but too big to run inside a fuzz iteration
		}
		if _, err := sc.Run(scenarios.RunOptions{SkipChecks: true}); err != nil {
			t.Fatalf("a valid scenario failed to run: %v", err)
		}
	})
}

// TestExploreAndShrink: a broken clock fails on every seed; exploring finds
// the lowest seed, and shrinking drops the faults that do not matter and
// halves the workload while the run still fails.
func TestExploreAndShrink(t *testing.T) {
	sc, err := scenarios.Parse("shrink.yaml", []byte(`version: 1
algorithm: lamport-nomerge
nodes: 4
duration: 3s
workload: {events: 40, interval: 20ms}
nemesis: {start: 100ms, end: 2s, interval: 200ms, partition: 1, crash: 1, isolate: 1}
checks: [causality]
expect: pass
`))
	require.NoError(t, err)
	failing, first, err := sc.Explore(scenarios.ExploreOptions{From: 1, Seeds: 8})
	require.NoError(t, err)
	require.NotNil(t, first)
	assert.Equal(t, int64(1), first.Seed, "the lowest failing seed is reported")
	assert.Len(t, failing, 8)
	require.NotEmpty(t, first.Faults)

	small, res, err := sc.Shrink(first, nil)
	require.NoError(t, err)
	assert.False(t, res.ExpectationMet, "the shrunk run still fails")
	assert.Less(t, len(res.Faults), len(first.Faults), "faults that do not matter are dropped")
	assert.Less(t, res.Trace.Len(), first.Trace.Len())
	data, err := small.Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, "shrunk")
	require.NoError(t, err)
	assert.Contains(t, string(data), "events: 1\n", "the workload is halved down to what still fails:\n%s", data)
	back, err := scenarios.Parse("shrunk.yaml", data)
	require.NoError(t, err)
	again, err := back.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, traceBytes(t, res.Trace), traceBytes(t, again.Trace), "the written file replays the shrunk run")
}

// TestStreamedTraceMatchesTheRecordedOne: the file written while the run
// goes on is byte for byte the trace written afterwards.
func TestStreamedTraceMatchesTheRecordedOne(t *testing.T) {
	sc, err := scenarios.Parse("good.yaml", []byte(good))
	require.NoError(t, err)
	var streamed bytes.Buffer
	res, err := sc.Run(scenarios.RunOptions{TraceTo: &streamed})
	require.NoError(t, err)
	assert.Equal(t, string(traceBytes(t, res.Trace)), streamed.String())
}

// Raft-KV speaks two contracts: a scenario may ask it for checks of both.
func TestAnAlgorithmMaySpeakTwoContracts(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: raft-kv\nnodes: 3\nduration: 1s\nchecks: [linearizability, one-leader-per-term]\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"linearizability", "one-leader-per-term", "no-panic"}, sc.CheckNames())
}

// The trace header records the run's checks, options and expectation, so
// that TraceChecks plans exactly what the run ran.
func TestTraceChecksReplayTheRunsPlan(t *testing.T) {
	sc, err := scenarios.Load("mutex/central.yaml")
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	checks, expect, err := scenarios.TraceChecks(res.Trace, nil)
	require.NoError(t, err)
	assert.Equal(t, sc.Expect, expect)
	require.Len(t, checks, len(sc.Checks))
	for i, c := range checks {
		assert.Equal(t, sc.Checks[i].Name, c.Name)
		assert.Equal(t, sc.Checks[i].Options, c.Options, "%s keeps the scenario's options", c.Name)
	}
	again := scenarios.RunChecks(res.Trace, checks, scenarios.RunOptions{})
	for i := range again {
		assert.Equal(t, res.Checks[i].Verdict, again[i].Verdict, again[i].Name)
		assert.Equal(t, res.Checks[i].Detail, again[i].Detail, again[i].Name)
	}
	_, _, err = scenarios.TraceChecks(res.Trace, []string{"one-leader-per-term"})
	assert.ErrorContains(t, err, "check one-leader-per-term reads the election family's contract, but algorithm central (family mutex) speaks mutex")
}

// In strict mode a mark that breaks its family's contract crashes the node
// that recorded it, naming node and mark.
func TestStrictModeValidatesMarks(t *testing.T) {
	validate := contract.Validator(ec.Contract)
	cases := []struct {
		name    string
		mark    string
		payload any
		want    string
	}{
		{"unknown name", "leeder", ec.LeaderMark{Term: 1}, `mark "leeder" that breaks its family's contract: unknown mark (valid: election, leader, stepdown, vote)`},
		{"missing field", ec.Leader.Name, map[string]any{"quorum": []int{0}}, `mark "leader" that breaks its family's contract: missing field "term"`},
		{"unknown field", ec.Vote.Name, map[string]any{"term": 1, "leader": 2, "candidate": 3}, `unknown field "candidate"`},
		{"wrong type", ec.Vote.Name, map[string]any{"term": "two", "leader": 2}, `cannot unmarshal string into Go struct field VoteMark.term of type int64`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := simnet.New(simnet.Config{Seed: 1, Strict: true, Validate: validate})
			sim.AddNode("n0", contract.ServerGroup, func(env *simnet.Env) simnet.Node { return &marker{env, tc.mark, tc.payload} })
			sim.Run(time.Second)
			var crash *trace.Event
			for _, e := range sim.Trace().All() {
				if e.Kind == trace.Crash {
					crash = &e
					break
				}
			}
			require.NotNil(t, crash, "the node crashed")
			assert.Contains(t, crash.Value, "strict mode: n0 recorded "+tc.want[:0])
			assert.Contains(t, crash.Value, tc.want)
		})
	}
	// a good mark passes
	sim := simnet.New(simnet.Config{Seed: 1, Strict: true, Validate: validate})
	sim.AddNode("n0", contract.ServerGroup, func(env *simnet.Env) simnet.Node { return &marker{env, ec.Leader.Name, ec.LeaderMark{Term: 1}} })
	sim.Run(time.Second)
	for _, e := range sim.Trace().All() {
		assert.NotEqual(t, trace.Crash, e.Kind, e.Value)
	}
}

// A fault aimed at "@leader" hits whoever leads when it happens, and a
// replay file keeps the aim.
func TestFaultAimedAtTheLeader(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4, 5} {
		sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: raft\nnodes: 5\nduration: 4s\nfaults:\n  - {at: 2s, crash: \"@leader\"}\n"))
		require.NoError(t, err)
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		require.NoError(t, err)
		w := trace.NewWorld(res.Trace.Header)
		crashed := 0
		for _, e := range res.Trace.All() {
			if e.Kind == trace.Crash {
				assert.Equal(t, "leader", w.Highlight(e.Node), "seed %d: the crashed node led", seed)
				crashed++
			}
			w.Apply(&e)
		}
		assert.Equal(t, 1, crashed, "seed %d", seed)
		out, err := sc.Encode(seed, res.Faults, res.Trace.Header.Nodes, "")
		require.NoError(t, err)
		assert.Contains(t, string(out), `crash: "@leader"`)
	}
}

// marker records one mark at start.
type marker struct {
	env     *simnet.Env
	name    string
	payload any
}

func (m *marker) Start()                     { m.env.Mark(m.name, m.payload) }
func (m *marker) Receive(simnet.NodeID, any) {}
func (m *marker) Timer(any)                  {}

func TestNoPanicIsAlwaysChecked(t *testing.T) {
	for _, checks := range []string{"", "checks: [causality]\n"} {
		sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: lamport\nnodes: 2\nduration: 100ms\n"+checks))
		require.NoError(t, err)
		assert.Equal(t, []string{"causality", "no-panic"}, sc.CheckNames())
	}
}

// TestSwarmDrawsPerSeedAndReplays: a swarm nemesis draws its fault mix and
// the network's loss per seed, and the replay file keeps what was drawn.
func TestSwarmDrawsPerSeedAndReplays(t *testing.T) {
	sc, err := scenarios.Parse("swarm.yaml", []byte(`version: 1
algorithm: broadcast
nodes: 4
duration: 300ms
params: {rounds: 20, every: 10ms}
nemesis: {start: 20ms, end: 250ms, interval: 20ms, swarm: true}
`))
	require.NoError(t, err)
	draws := map[string]bool{}
	var lossy *scenarios.Result
	for seed := range int64(12) {
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		require.NoError(t, err)
		require.NotEmpty(t, res.Swarm)
		draws[res.Swarm] = true
		if res.Network.Drop > 0 && lossy == nil {
			lossy = res
		}
	}
	assert.Greater(t, len(draws), 8, "seeds draw different mixes")
	require.NotNil(t, lossy, "some seed draws message loss")
	data, err := lossy.ReplayScenario(lossy.Faults).Encode(lossy.Seed, lossy.Faults, lossy.Trace.Header.Nodes, "")
	require.NoError(t, err)
	back, err := scenarios.Parse("replay.yaml", data)
	require.NoError(t, err)
	again, err := back.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, traceBytes(t, lossy.Trace), traceBytes(t, again.Trace), "the replay keeps the drawn loss:\n%s", data)
}
