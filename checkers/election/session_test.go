package election_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/checkers/election"
	"distlab/scenarios"
)

// watched is a check with options, under a name of its own in a session.
type watched struct {
	spec check.Spec
	opts any
}

// Recorded runs judged as they go — by a session following the trace as
// it spills to a file, and by one fed the events as they are recorded —
// get the verdicts the checks give over the whole trace afterwards: on
// runs that pass and runs that fail each check.
func TestSessionJudgesAsTheWholeTrace(t *testing.T) {
	var checks []watched
	for _, spec := range election.Specs() {
		opts := []any{nil}
		switch spec.Name {
		case election.SplitBrain:
			opts = append(opts, &election.SplitBrainOptions{Handover: 20 * time.Millisecond})
		case election.Liveness:
			opts = append(opts, &election.LivenessOptions{Bound: 50 * time.Millisecond})
		case election.Cost:
			opts = append(opts, &election.CostOptions{MaxLeaderChanges: 1, KeepAlive: []string{"AppendEntries", "Ping", "Heartbeat"}})
		}
		for i, o := range opts {
			s := spec
			s.Name = fmt.Sprintf("%s/%d", spec.Name, i)
			checks = append(checks, watched{s, o})
		}
	}
	verdicts := map[string]map[check.Verdict]bool{}
	spilled := 0
	for _, file := range []string{"raft-random", "raft-double-vote", "zab-random", "zab-ignore-zxid", "bully-flapping", "bully-partition"} {
		sc, err := scenarios.Load("../../scenarios/election/" + file + ".yaml")
		require.NoError(t, err)
		if file == "raft-random" {
			sc.Duration *= 4 // long enough to spill
		}
		sim, _, err := sc.Prepare(sc.Seed)
		require.NoError(t, err)
		require.NoError(t, sim.Spill(t.TempDir(), 0))
		follow, stream := checkers.NewSession(sim.Trace().Header), checkers.NewSession(sim.Trace().Header)
		for _, c := range checks {
			require.True(t, follow.Watch(c.spec, c.opts))
			require.True(t, stream.Watch(c.spec, c.opts))
		}
		follow.Follow(sim.Trace())
		sim.SetStream(stream.Observe)
		sim.Run(sc.Duration)
		tr := sim.Trace()
		require.NoError(t, tr.SpillError())
		if tr.SpilledBytes() > 0 {
			spilled++
		}
		for _, c := range checks {
			whole := checkers.Run(c.spec, tr, c.opts, checkers.RunConfig{})
			assert.Equal(t, whole, checkers.Run(c.spec, tr, c.opts, checkers.RunConfig{Session: follow}), "%s, %s followed", file, c.spec.Name)
			assert.Equal(t, whole, checkers.Run(c.spec, tr, c.opts, checkers.RunConfig{Session: stream}), "%s, %s streamed", file, c.spec.Name)
			if verdicts[c.spec.Name] == nil {
				verdicts[c.spec.Name] = map[check.Verdict]bool{}
			}
			verdicts[c.spec.Name][whole.Verdict] = true
		}
	}
	assert.Positive(t, spilled, "a run spilled: its older events were judged before they left memory")
	for _, name := range []string{"one-leader-per-term/0", "one-vote-per-term/0", "zab-freshest-leader/0", "split-brain/1", "election-liveness/1", "election-cost/1"} {
		assert.True(t, verdicts[name][check.Pass] && verdicts[name][check.Fail], "%s passes some runs and fails others: %v", name, verdicts[name])
	}
}
