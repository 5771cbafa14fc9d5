package election_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/election"
	"distlab/checkers/check"
	checks "distlab/checkers/election"
	"distlab/contract"
	"distlab/simnet"
	"distlab/simnet/trace"
)

func run(seed int64, n int, f simnet.Factory, d time.Duration, faults ...simnet.Fault) *simnet.Sim {
	sim := simnet.New(simnet.Config{Seed: seed, Strict: true})
	sim.AddNodes("n", n, contract.ServerGroup, f)
	for _, fl := range faults {
		sim.Schedule(fl)
	}
	sim.Run(d)
	return sim
}

func leaderOf(sim *simnet.Sim, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		if sim.Up(simnet.NodeID(i)) {
			out = append(out, sim.VisibleState(simnet.NodeID(i))["leader"])
		}
	}
	return out
}

func verdicts(tr *trace.Trace, bound time.Duration) map[string]check.Result {
	ctx := context.Background()
	out := map[string]check.Result{}
	for _, r := range []check.Result{
		checks.CheckOneLeaderPerTerm(ctx, tr),
		checks.CheckFreshestLeader(ctx, tr),
		checks.CheckSplitBrain(ctx, tr, checks.SplitBrainOptions{Handover: time.Second}),
		checks.CheckLiveness(ctx, tr, checks.LivenessOptions{Bound: bound}),
	} {
		out[r.Name] = r
	}
	return out
}

func TestBullyHighestLiveIDWins(t *testing.T) {
	tests := []struct {
		name   string
		faults []simnet.Fault
		want   string
	}{
		{"clean start", nil, "n4"},
		{"leader crashes", []simnet.Fault{{At: time.Second, Kind: simnet.FaultCrash, Node: 4}}, "n3"},
		{"two highest crash", []simnet.Fault{{At: time.Second, Kind: simnet.FaultCrash, Node: 4}, {At: time.Second, Kind: simnet.FaultCrash, Node: 3}}, "n2"},
		{"recovered high node takes over", []simnet.Fault{{At: time.Second, Kind: simnet.FaultCrash, Node: 4}, {At: 2 * time.Second, Kind: simnet.FaultRestart, Node: 4}}, "n4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim := run(1, 5, election.NewBully(election.DefaultBully()), 4*time.Second, tc.faults...)
			require.Empty(t, sim.Errors())
			for _, l := range leaderOf(sim, 5) {
				assert.Equal(t, tc.want, l)
			}
		})
	}
}

func TestBullySplitBrainUnderPartition(t *testing.T) {
	sim := run(1, 5, election.NewBully(election.DefaultBully()), 6*time.Second,
		simnet.Fault{At: time.Second, Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{4}, {0, 1, 2, 3}}},
		simnet.Fault{At: 4 * time.Second, Kind: simnet.FaultHeal})
	v := verdicts(sim.Trace(), time.Second)
	assert.Equal(t, check.Fail, v[checks.SplitBrain].Verdict, v[checks.SplitBrain].Detail)
	assert.Contains(t, v[checks.SplitBrain].Detail, "n4 leading {n4}")
	assert.Equal(t, check.Pass, v[checks.Liveness].Verdict, v[checks.Liveness].Detail)
}

func TestZabFreshestDataWins(t *testing.T) {
	tests := []struct {
		name   string
		zxids  []int64
		faults []simnet.Fault
		want   string
	}{
		{"equal zxids: highest id", nil, nil, "n4"},
		{"freshest zxid wins", []int64{3, 9, 5, 2, 4}, nil, "n1"},
		{"tie on zxid: higher id", []int64{3, 9, 5, 9, 4}, nil, "n3"},
		{"freshest crashed: next freshest", []int64{3, 9, 5, 2, 4}, []simnet.Fault{{At: 0, Kind: simnet.FaultCrash, Node: 1}}, "n2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := election.DefaultZab()
			p.Zxids = tc.zxids
			sim := run(1, 5, election.NewZab(p), 3*time.Second, tc.faults...)
			require.Empty(t, sim.Errors())
			for _, l := range leaderOf(sim, 5) {
				assert.Equal(t, tc.want, l)
			}
			for name, r := range verdicts(sim.Trace(), 2*time.Second) {
				assert.Equal(t, check.Pass, r.Verdict, "%s: %s", name, r.Detail)
			}
		})
	}
}

func TestZabObserverFollowsButDoesNotVote(t *testing.T) {
	p := election.DefaultZab()
	p.Observers = []string{"n4"}
	p.Zxids = []int64{0, 0, 0, 0, 100} // the observer's fresh data does not make it leader
	sim := run(1, 5, election.NewZab(p), 3*time.Second)
	require.True(t, sim.Up(4))
	for _, l := range leaderOf(sim, 5) {
		assert.Equal(t, "n3", l)
	}
	assert.Equal(t, "observing", sim.VisibleState(4)["role"])
}

// Random partitions, crashes and restarts never give ZAB two leaders in
// one epoch or a stale leader, and a leader emerges after the last fault.
func TestZabSafetyRandomFaults(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		p := election.DefaultZab()
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		p.Zxids = []int64{r.Int64N(5), r.Int64N(5), r.Int64N(5), r.Int64N(5), r.Int64N(5)}
		sim := simnet.New(simnet.Config{Seed: seed})
		sim.AddNodes("n", 5, contract.ServerGroup, election.NewZab(p))
		nem := simnet.Nemesis{Start: 500 * time.Millisecond, End: 5 * time.Second, Interval: 400 * time.Millisecond,
			Partition: 1, Isolate: 1, Crash: 1, Heal: 1}
		for _, f := range nem.Generate(sim.Streams().Get("faults"), sim.Group(contract.ServerGroup)) {
			sim.Schedule(f)
		}
		sim.Run(8 * time.Second)
		for name, res := range verdicts(sim.Trace(), 2*time.Second) {
			require.Equal(t, check.Pass, res.Verdict, "seed %d: %s: %s", seed, name, res.Detail)
		}
	}
	t.Log("zab: 300 seeds ok")
}

// Bully may split its brain while faults last, but once they end the
// highest live node leads and everyone knows it.
func TestBullyLivenessRandomFaults(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		sim := simnet.New(simnet.Config{Seed: seed})
		sim.AddNodes("n", 5, contract.ServerGroup, election.NewBully(election.DefaultBully()))
		nem := simnet.Nemesis{Start: 500 * time.Millisecond, End: 5 * time.Second, Interval: 400 * time.Millisecond,
			Partition: 1, Isolate: 1, Crash: 1, Heal: 1}
		for _, f := range nem.Generate(sim.Streams().Get("faults"), sim.Group(contract.ServerGroup)) {
			sim.Schedule(f)
		}
		sim.Run(7 * time.Second)
		res := checks.CheckLiveness(context.Background(), sim.Trace(), checks.LivenessOptions{Bound: time.Second})
		require.Equal(t, check.Pass, res.Verdict, "seed %d: %s", seed, res.Detail)
		for _, l := range leaderOf(sim, 5) {
			require.Equal(t, "n4", l, "seed %d", seed)
		}
	}
}

// The broken variant elects by id alone; the checker must catch it.
func TestZabIgnoringZxidIsCaught(t *testing.T) {
	p := election.DefaultZab()
	p.Zxids = []int64{3, 9, 5, 2, 4}
	sim := run(1, 5, election.NewZabIgnoringZxid(p), 2*time.Second)
	r := checks.CheckFreshestLeader(context.Background(), sim.Trace())
	require.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "n4 became leader of epoch 1")
	assert.Contains(t, r.Detail, "n1 in its quorum voted for it in round 1 holding fresher (zxid 0x9, id 1)")
}
