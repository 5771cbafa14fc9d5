package mutex_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/algo"
	"distlab/algorithms/mutex"
	"distlab/checkers/check"
	mcheck "distlab/checkers/mutex"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// run builds one algorithm on a fresh simulator and runs it.
func run(t testing.TB, name string, nodes int, seed int64, dur time.Duration, link *simnet.Link,
	params func(any), work func(*mutex.Workload), faults ...simnet.Fault) *trace.Trace {
	t.Helper()
	var spec algo.Spec
	for _, s := range mutex.Specs() {
		if s.Name == name {
			spec = s
		}
	}
	require.NotEmpty(t, spec.Name, name)
	p, w := spec.Params(), spec.Workload().(*mutex.Workload)
	if params != nil {
		params(p)
	}
	if work != nil {
		work(w)
	}
	sim := simnet.New(simnet.Config{Seed: seed, Algorithm: name, Network: link})
	require.NoError(t, spec.Build(algo.Build{Sim: sim, Nodes: nodes, Params: p, Workload: w}))
	for _, f := range faults {
		sim.Schedule(f)
	}
	sim.Run(dur)
	return sim.Trace()
}

func verdicts(tr *trace.Trace, opts map[string]any) map[string]check.Result {
	out := map[string]check.Result{}
	for _, s := range mcheck.Specs() {
		var o any
		if s.Options != nil {
			o = s.Options()
		}
		if v, ok := opts[s.Name]; ok {
			o = v
		}
		out[s.Name] = s.Run(context.Background(), tr, o)
	}
	return out
}

func TestNoFaultTextbookCosts(t *testing.T) {
	stop := func(w *mutex.Workload) { w.Stop = 4 * time.Second }
	for _, tc := range []struct {
		name    string
		nodes   int
		formula string
	}{
		{mutex.Central, 5, "3"},
		{mutex.Ricart, 5, "2(n-1)"},
		{mutex.Ricart, 3, "2(n-1)"},
		{mutex.TokenRing, 5, "1..n"},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.name, tc.nodes), func(t *testing.T) {
			tr := run(t, tc.name, tc.nodes, 1, 5*time.Second, nil, nil, stop)
			res := verdicts(tr, map[string]any{mcheck.Cost: &mcheck.CostOptions{Formula: tc.formula, Tolerance: 0.001}})
			for name, r := range res {
				assert.Equal(t, check.Pass, r.Verdict, "%s: %s", name, r.Detail)
				t.Logf("%s: %s", name, r.Detail)
			}
		})
	}
}

// lossy is the network of the safety sweeps: delays, drops and duplicates.
var lossy = &simnet.Link{Latency: simnet.Latency{Dist: "exponential", Min: time.Millisecond, Mean: 8 * time.Millisecond, Max: 80 * time.Millisecond},
	Drop: 0.05, Duplicate: 0.05}

func repair(p any) {
	switch p := p.(type) {
	case *mutex.CentralParams:
		p.Retransmit = 200 * time.Millisecond
	case *mutex.RAParams:
		p.Retransmit = 200 * time.Millisecond
	case *mutex.RingParams:
		p.AckTimeout = 200 * time.Millisecond
	}
}

func TestLossyNetworkStaysSafeAndLive(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	stop := func(w *mutex.Workload) { w.Stop = 2 * time.Second }
	for _, name := range []string{mutex.Central, mutex.Ricart, mutex.TokenRing} {
		t.Run(name, func(t *testing.T) {
			for seed := int64(1); seed <= int64(seeds); seed++ {
				tr := run(t, name, 5, seed, 4*time.Second, lossy, repair, stop)
				res := verdicts(tr, map[string]any{mcheck.Liveness: &mcheck.LivenessOptions{Bound: time.Second}})
				for _, c := range []string{mcheck.Safety, mcheck.Liveness} {
					require.Equal(t, check.Pass, res[c].Verdict, "seed %d %s: %s", seed, c, res[c].Detail)
				}
			}
		})
	}
}

func TestBrokenRicartIsCaught(t *testing.T) {
	tr := run(t, mutex.RicartBroken, 5, 1, 3*time.Second, nil, nil, nil)
	res := verdicts(tr, nil)[mcheck.Safety]
	require.Equal(t, check.Fail, res.Verdict)
	assert.Len(t, res.Nodes, 2)
	t.Log(res.Detail)
}

func crash(at time.Duration, node simnet.NodeID) simnet.Fault {
	return simnet.Fault{At: at, Kind: simnet.FaultCrash, Node: node}
}

// The crash scenarios of scenarios/mutex, built in Go: what each algorithm
// does when a node dies for good.
func TestCrashes(t *testing.T) {
	busy := func(w *mutex.Workload) { w.Think, w.Hold = 0, 500*time.Millisecond }
	skip := func(p any) { r := p.(*mutex.RingParams); r.AckTimeout, r.SkipAfter = 100*time.Millisecond, 2 }
	for _, tc := range []struct {
		name   string
		algo   string
		params func(any)
		work   func(*mutex.Workload)
		dur    time.Duration
		fault  simnet.Fault
		bound  time.Duration
		starve bool
	}{
		{"coordinator", mutex.Central, nil, nil, 6 * time.Second, crash(2*time.Second, 0), 2 * time.Second, true},
		{"ra-peer", mutex.Ricart, nil, nil, 6 * time.Second, crash(2*time.Second, 2), 2 * time.Second, true},
		{"ring-node", mutex.TokenRing, skip, busy, 12 * time.Second, crash(200*time.Millisecond, 3), 5 * time.Second, false},
		{"ring-holder", mutex.TokenRing, skip, busy, 12 * time.Second, crash(200*time.Millisecond, 1), 5 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := run(t, tc.algo, 5, 1, tc.dur, nil, tc.params, tc.work, tc.fault)
			res := verdicts(tr, map[string]any{mcheck.Liveness: &mcheck.LivenessOptions{Bound: tc.bound}})
			for name, r := range res {
				want := check.Pass
				if name == mcheck.Liveness && tc.starve {
					want = check.Fail
				}
				assert.Equal(t, want, r.Verdict, "%s: %s", name, r.Detail)
				t.Logf("%s: %s", name, r.Detail)
			}
		})
	}
}

func TestTokenRegeneration(t *testing.T) {
	busy := func(w *mutex.Workload) { w.Think, w.Hold = 0, 500*time.Millisecond }
	regen := func(p any) {
		r := p.(*mutex.RingParams)
		r.AckTimeout, r.SkipAfter, r.Regenerate = 100*time.Millisecond, 2, 5*time.Second
	}
	tr := run(t, mutex.TokenRing, 5, 1, 16*time.Second, nil, regen, busy, crash(200*time.Millisecond, 1))
	res := verdicts(tr, map[string]any{mcheck.Liveness: &mcheck.LivenessOptions{Bound: 5 * time.Second}})
	for name, r := range res {
		assert.Equal(t, check.Pass, r.Verdict, "%s: %s", name, r.Detail)
	}
	regenerated := 0
	for _, e := range tr.All() {
		if e.Kind == trace.Mark && e.Name == "token-regenerated" {
			regenerated++
		}
	}
	assert.Equal(t, 1, regenerated, "one node makes the new token")
}

// BenchmarkScenario is a full run with all four checks: 5 nodes, 4s of
// virtual time on the lossy network (the lab's sweep unit).
func BenchmarkScenario(b *testing.B) {
	stop := func(w *mutex.Workload) { w.Stop = 2500 * time.Millisecond }
	for _, name := range []string{mutex.Central, mutex.Ricart, mutex.TokenRing} {
		b.Run(name, func(b *testing.B) {
			events := 0
			for i := 0; b.Loop(); i++ {
				tr := run(b, name, 5, int64(i+1), 4*time.Second, lossy, repair, stop)
				res := verdicts(tr, nil)
				if res[mcheck.Safety].Verdict != check.Pass {
					b.Fatal(res[mcheck.Safety].Detail)
				}
				events += tr.Len()
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/run")
		})
	}
}
