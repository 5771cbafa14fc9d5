package raft_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/algo"
	"distlab/algorithms/raft"
	"distlab/checkers/check"
	"distlab/checkers/linearizability"
	"distlab/contract"
	"distlab/contract/kv"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// run builds one raft-kv run the way a scenario would.
type run struct {
	name     string
	nodes    int
	seed     int64
	dur      time.Duration
	link     *simnet.Link
	nemesis  *simnet.Nemesis
	faults   []simnet.Fault
	params   func(*raft.Params)
	workload func(*raft.Workload)
}

func (r run) sim(t testing.TB) *simnet.Sim {
	spec := specNamed(t, r.name)
	sim := simnet.New(simnet.Config{Seed: r.seed, Network: r.link, Algorithm: r.name})
	p := spec.Params().(*raft.Params)
	if r.params != nil {
		r.params(p)
	}
	var w any
	if spec.Workload != nil {
		wl := spec.Workload().(*raft.Workload)
		if r.workload != nil {
			r.workload(wl)
		}
		w = wl
	}
	require.NoError(t, spec.Build(algo.Build{Sim: sim, Nodes: r.nodes, Params: p, Workload: w}))
	for _, f := range r.faults {
		sim.Schedule(f)
	}
	if r.nemesis != nil {
		servers := sim.Group(contract.ServerGroup)
		for _, f := range r.nemesis.Generate(sim.Streams().Get("faults"), servers) {
			sim.Schedule(f)
		}
	}
	sim.Run(r.dur)
	return sim
}

func specNamed(t testing.TB, name string) algo.Spec {
	for _, s := range raft.Specs() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no spec %s", name)
	return algo.Spec{}
}

func lin(t testing.TB, tr *trace.Trace) check.Result {
	return linearizability.CheckTrace(context.Background(), tr, &linearizability.Options{Timeout: 5 * time.Second, Dir: t.TempDir()})
}

func countReturns(tr *trace.Trace) (invokes, returns int) {
	for _, e := range tr.All() {
		switch e.Kind {
		case trace.Invoke:
			invokes++
		case trace.Return:
			returns++
		}
	}
	return
}

// pendingBefore counts operations invoked before t that never returned.
func pendingBefore(tr *trace.Trace, t time.Duration) int {
	open := map[int64]bool{}
	for _, e := range tr.All() {
		switch {
		case e.Kind == trace.Invoke && e.Time < t:
			open[e.Op] = true
		case e.Kind == trace.Return:
			delete(open, e.Op)
		}
	}
	return len(open)
}

func TestSteadyStateCompletesAndIsLinearizable(t *testing.T) {
	sim := run{name: "raft-kv", nodes: 5, seed: 1, dur: 5 * time.Second}.sim(t)
	tr := sim.Trace()
	inv, ret := countReturns(tr)
	assert.Equal(t, 90, inv)
	assert.Equal(t, 90, ret)
	r := lin(t, tr)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	t.Log(r.Detail, tr.Len(), "events")
}

func lossy() *simnet.Link {
	return &simnet.Link{Latency: simnet.Latency{Dist: "uniform", Min: time.Millisecond, Max: 30 * time.Millisecond}, Drop: 0.05, Duplicate: 0.02}
}

func nemesis() *simnet.Nemesis {
	return &simnet.Nemesis{Start: 300 * time.Millisecond, End: 4 * time.Second, Interval: 300 * time.Millisecond,
		Partition: 2, Isolate: 1, Crash: 2, Heal: 1, Swizzle: 0.5}
}

func TestRandomFaultsStayLinearizable(t *testing.T) {
	for seed := int64(1); seed <= 50; seed++ {
		sim := run{name: "raft-kv", nodes: 5, seed: seed, dur: 8 * time.Second, link: lossy(), nemesis: nemesis()}.sim(t)
		r := lin(t, sim.Trace())
		require.Equal(t, check.Pass, r.Verdict, "seed %d: %s", seed, r.Detail)
		assert.Zero(t, pendingBefore(sim.Trace(), 7*time.Second), "seed %d: every operation finishes once the faults heal", seed)
	}
}

func TestStaleReadIsCaught(t *testing.T) {
	caught := 0
	for seed := int64(1); seed <= 10; seed++ {
		sim := run{name: "raft-kv-stale-read", nodes: 5, seed: seed, dur: 5 * time.Second, link: lossy(), nemesis: nemesis()}.sim(t)
		r := lin(t, sim.Trace())
		if r.Verdict == check.Fail {
			caught++
			require.NotEmpty(t, r.Artifacts)
		}
	}
	t.Logf("stale reads caught in %d of 10 seeds", caught)
	assert.Greater(t, caught, 5)
}

func TestSameSeedSameTrace(t *testing.T) {
	enc := func() string {
		sim := run{name: "raft-kv", nodes: 5, seed: 42, dur: 6 * time.Second, link: lossy(), nemesis: nemesis(),
			params: func(p *raft.Params) { p.SnapshotThreshold = 10; p.PreVote = true }}.sim(t)
		var b strings.Builder
		require.NoError(t, trace.Write(&b, sim.Trace()))
		return b.String()
	}
	a, b := enc(), enc()
	assert.Greater(t, len(a), 10000)
	assert.True(t, a == b, "two runs with seed 42 differ")
}

// Every committed write survives a crash of the whole cluster: after all
// five servers restart, the clients' Gets still see them.
func TestWholeClusterRestartKeepsCommitted(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		var faults []simnet.Fault
		for i := range 5 {
			faults = append(faults, simnet.Fault{At: 1500 * time.Millisecond, Kind: simnet.FaultCrash, Node: simnet.NodeID(i)},
				simnet.Fault{At: 2 * time.Second, Kind: simnet.FaultRestart, Node: simnet.NodeID(i)})
		}
		sim := run{name: "raft-kv", nodes: 5, seed: seed, dur: 8 * time.Second, faults: faults,
			params:   func(p *raft.Params) { p.SnapshotThreshold = 16 },
			workload: func(w *raft.Workload) { w.Ops = 150; w.Think = 30 * time.Millisecond }}.sim(t)
		r := lin(t, sim.Trace())
		require.Equal(t, check.Pass, r.Verdict, "seed %d: %s", seed, r.Detail)
		assert.Zero(t, pendingBefore(sim.Trace(), 5*time.Second), "seed %d", seed)
		before, after := 0, 0
		for _, e := range sim.Trace().All() {
			if e.Kind == trace.Return {
				if e.Time < 1500*time.Millisecond {
					before++
				} else {
					after++
				}
			}
		}
		require.Positive(t, before, "seed %d: operations before the crash", seed)
		require.Positive(t, after, "seed %d: operations after the restart", seed)
	}
}

// casWorkload mixes cas with get, put and append on two keys, so clients
// race on the same values.
func casWorkload(w *raft.Workload) {
	w.Clients, w.Ops, w.Keys = 5, 150, 2
	w.Get, w.Put, w.Append, w.CAS = 3, 1, 1, 4
}

// casResults counts the cas operations that swapped and that did not.
func casResults(t testing.TB, tr *trace.Trace) (swapped, refused int) {
	h, err := linearizability.FromTrace(tr)
	require.NoError(t, err)
	for _, op := range h.Operations {
		if op.Input.Op == kv.OpCAS && op.Known() {
			if *op.Output.OK {
				swapped++
			} else {
				refused++
			}
		}
	}
	return swapped, refused
}

// Under loss, duplication, partitions and crashes, with snapshots carrying
// the sessions, a history mixing cas with get, put and append stays
// linearizable: each cas is compared in log order and applied once.
func TestCASStaysLinearizable(t *testing.T) {
	totalSwapped, totalRefused := 0, 0
	for seed := int64(1); seed <= 30; seed++ {
		sim := run{name: "raft-kv", nodes: 5, seed: seed, dur: 8 * time.Second, link: lossy(), nemesis: nemesis(),
			params: func(p *raft.Params) { p.SnapshotThreshold = 16 }, workload: casWorkload}.sim(t)
		r := lin(t, sim.Trace())
		require.Equal(t, check.Pass, r.Verdict, "seed %d: %s", seed, r.Detail)
		s, f := casResults(t, sim.Trace())
		totalSwapped += s
		totalRefused += f
	}
	t.Logf("%d cas swapped, %d refused over 30 seeds", totalSwapped, totalRefused)
	assert.Positive(t, totalSwapped, "some cas must swap, or the test shows nothing")
	assert.Positive(t, totalRefused, "some cas must be refused, or the test shows nothing")
}

// The broken variant compares a cas on arrival; two racing cas both swap,
// and the checker must say so.
func TestCASAtLeaderIsCaught(t *testing.T) {
	caught := 0
	for seed := int64(1); seed <= 10; seed++ {
		sim := run{name: "raft-kv-cas-at-leader", nodes: 3, seed: seed, dur: 5 * time.Second, workload: func(w *raft.Workload) {
			casWorkload(w)
			w.Keys, w.Append = 1, 0
		}}.sim(t)
		r := lin(t, sim.Trace())
		require.NotEqual(t, check.Unknown, r.Verdict, "seed %d: %s", seed, r.Detail)
		if r.Verdict == check.Fail {
			caught++
			require.NotEmpty(t, r.Artifacts)
		}
	}
	t.Logf("cas compared at the leader caught in %d of 10 seeds", caught)
	assert.Greater(t, caught, 5)
}
