// Graded tests of the leader-election lab: see README.md. Run them with
//
//	go test ./labs/election
//
// and scale the random sweeps with DISTLAB_SEEDS=5000. A failing sweep
// prints the seed, writes a replay scenario to a new temporary folder it names, and
// the commands that rerun it and open it in the visualizer.
package election_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/election"
	"distlab/labs/labkit"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

const dir = "../../scenarios/election/"

// expect runs fixed scenarios, each of which must meet its expectation.
func expect(t *testing.T, points int, files ...string) {
	labkit.Points(t, points)
	for _, f := range files {
		t.Run(f, func(t *testing.T) { labkit.Expect(t, labkit.Load(t, dir+f)) })
	}
}

// sweep runs a scenario with its nemesis over many seeds.
func sweep(t *testing.T, points int, file string, seeds int) {
	labkit.Points(t, points)
	labkit.Sweep(t, labkit.Load(t, dir+file), labkit.Seeds(seeds))
}

// Part A: Bully (algorithms/election/bully.go, parts bully-election and
// bully-leader).

// Targeted schedules too: a low node restarting while the leader is freshly
// dead (every higher node it asks must hold its own election at once), and
// the old leader rejoining beside a new one (it must answer a lower
// claimant with a Victory at once).
func TestBullyElects(t *testing.T) {
	labkit.Points(t, 10)
	for _, f := range []string{"bully-clean-start.yaml", "bully-leader-crash.yaml", "bully-lower-restart.yaml", "bully-reassert.yaml"} {
		t.Run(f, func(t *testing.T) {
			res := labkit.Expect(t, labkit.Load(t, dir+f))
			require.NoError(t, highestLeads(res.Trace))
		})
	}
}

// The weaknesses must show: split brain under partitions, and a recovered
// high node taking over every time.
func TestBullyWeaknesses(t *testing.T) {
	expect(t, 10, "bully-partition.yaml", "bully-even-split.yaml", "bully-minority-heals.yaml", "bully-flapping.yaml")
}

func TestBullyRecoversAfterFaults(t *testing.T) {
	labkit.Points(t, 10)
	sc := labkit.Load(t, dir+"bully-random.yaml")
	labkit.SweepFunc(t, labkit.Seeds(300), func(seed int64) error {
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		if err != nil {
			return err
		}
		if !res.ExpectationMet {
			return fmt.Errorf("%s (replay: %s run scenarios/election/bully-random.yaml --seed %d)", res.Why, labkit.Command(), seed)
		}
		if err := highestLeads(res.Trace); err != nil {
			return fmt.Errorf("%v (replay: %s run scenarios/election/bully-random.yaml --seed %d)", err, labkit.Command(), seed)
		}
		return nil
	})
}

// highestLeads checks Bully's promise at the end of a run: every live
// server names the highest live server as its leader.
func highestLeads(tr *trace.Trace) error {
	up := map[trace.NodeID]bool{}
	knows := map[trace.NodeID]string{}
	for _, e := range tr.All() {
		switch {
		case e.Kind == trace.Start || e.Kind == trace.Restart:
			up[e.Node] = true
			knows[e.Node] = ""
		case e.Kind == trace.Crash:
			up[e.Node] = false
		case e.Kind == trace.State && e.Name == "leader":
			knows[e.Node] = e.Value
		}
	}
	highest := trace.None
	for id := range tr.Header.Nodes {
		if up[trace.NodeID(id)] {
			highest = trace.NodeID(id)
		}
	}
	want := tr.NodeName(highest)
	for id := range tr.Header.Nodes {
		n := trace.NodeID(id)
		if up[n] && knows[n] != want {
			return fmt.Errorf("at the end %s names %q as leader, but the highest live node is %s", tr.NodeName(n), knows[n], want)
		}
	}
	return nil
}

// Part B: ZAB's fast leader election (algorithms/election/zab.go, parts
// zab-compare and zab-quorum).

func TestZabVoteOrder(t *testing.T) {
	labkit.Points(t, 5)
	v := func(id int32, epoch, zxid int64) election.Vote {
		return election.Vote{Leader: id, Epoch: epoch, Zxid: zxid}
	}
	cases := []struct {
		name string
		a, b election.Vote
		want bool
	}{
		{"a higher epoch wins whatever the zxid", v(0, 2, 1), v(4, 1, 99), true},
		{"a lower epoch loses", v(4, 1, 99), v(0, 2, 1), false},
		{"same epoch: fresher zxid wins", v(1, 1, 9), v(4, 1, 5), true},
		{"same epoch: staler zxid loses", v(4, 1, 5), v(1, 1, 9), false},
		{"same epoch and zxid: higher id wins", v(3, 1, 9), v(1, 1, 9), true},
		{"a vote does not beat itself", v(3, 1, 9), v(3, 1, 9), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, election.Better(c.a, c.b), c.name)
	}
}

func TestZabElects(t *testing.T) {
	expect(t, 10, "zab-clean-start.yaml", "zab-leader-crash.yaml", "zab-observer.yaml")
}

// The freshest data wins, not the highest id.
func TestZabFreshestWins(t *testing.T) {
	expect(t, 10, "zab-zxids.yaml", "zab-stale-crash.yaml")
}

// A quorum or nothing: the majority carries on, an even split elects no one.
func TestZabPartitions(t *testing.T) {
	expect(t, 10, "zab-partition.yaml", "zab-minority-heals.yaml", "zab-even-split.yaml")
}

// Random faults, then the same on a network that reorders freely and
// duplicates: late and repeated NewEpoch, FollowerInfo and notifications.
func TestZabSafetyUnderFaults(t *testing.T) {
	labkit.Points(t, 15)
	labkit.Sweep(t, labkit.Load(t, dir+"zab-reorder.yaml"), labkit.Seeds(500))
	labkit.Sweep(t, labkit.Load(t, dir+"zab-random.yaml"), labkit.Seeds(1000))
}

// Part C: Raft's election (algorithms/raft, the raft lab's code) under the
// same faults, judged by the same checkers.

func TestRaftElects(t *testing.T) {
	expect(t, 5, "raft-clean-start.yaml", "raft-leader-crash.yaml", "raft-flapping.yaml")
}

func TestRaftPartitions(t *testing.T) {
	expect(t, 5, "raft-partition.yaml", "raft-minority-heals.yaml", "raft-even-split.yaml")
}

func TestRaftSafetyUnderFaults(t *testing.T) { sweep(t, 10, "raft-random.yaml", 1000) }

// The checkers are graded on the reference too: a Raft that votes twice in
// a term must be caught.
func TestCheckerCatchesDoubleVotingRaft(t *testing.T) {
	expect(t, 5, "raft-double-vote.yaml")
}

// ... and a ZAB that ignores zxids must be caught electing stale data.
func TestCheckerCatchesStaleZabLeader(t *testing.T) {
	expect(t, 5, "zab-ignore-zxid.yaml")
}
