package scenarios_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/election"
	"distlab/scenarios"
	"distlab/simnet"
)

func splitBrain(t *testing.T, sc *scenarios.Scenario) *election.SplitBrainOptions {
	t.Helper()
	for _, c := range sc.Checks {
		if c.Name == election.SplitBrain {
			return c.Options.(*election.SplitBrainOptions)
		}
	}
	t.Fatalf("no split-brain check")
	return nil
}

// An algorithm ties split-brain's handover to its own timeouts; the
// scenario's own option wins.
func TestAlgorithmTolerances(t *testing.T) {
	src := func(alg, params, check string) string {
		return "version: 1\nalgorithm: " + alg + "\nnodes: 3\nduration: 1s\n" + params + "checks:\n  - " + check + "\n"
	}
	cases := []struct {
		name, src string
		want      time.Duration
	}{
		{"raft: one election timeout", src("raft", "params: {election_timeout_max: 400ms}\n", "split-brain"), 400 * time.Millisecond},
		{"zab: two timeouts", src("zab", "params: {timeout: 300ms}\n", "split-brain"), 600 * time.Millisecond},
		{"bully: two heartbeats", src("bully", "", "split-brain"), 200 * time.Millisecond},
		{"the scenario says", src("bully", "", "{name: split-brain, handover: 1s}"), time.Second},
		{"no tolerance: the check's default", src("broadcast", "", "no-panic"), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Parse("x.yaml", []byte(tc.src))
			require.NoError(t, err)
			if tc.want == 0 {
				return
			}
			assert.Equal(t, tc.want, splitBrain(t, sc).Handover)
		})
	}
	// Default checks get the tolerance too.
	sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: zab\nnodes: 3\nduration: 1s\n"))
	require.NoError(t, err)
	assert.Equal(t, 800*time.Millisecond, splitBrain(t, sc).Handover)
}

// A crash with a downtime survives the round trip through a replay file.
func TestCrashForRoundTrip(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("version: 1\nalgorithm: bully\nnodes: 3\nduration: 1s\nfaults:\n  - {at: 100ms, crash: \"@leader\", for: 50ms}\n"))
	require.NoError(t, err)
	require.Len(t, sc.Faults, 1)
	assert.Equal(t, 50*time.Millisecond, sc.Faults[0].For)
	data, err := sc.Encode(1, []simnet.Fault{{At: 100 * time.Millisecond, Kind: simnet.FaultCrash, Node: 2, For: 50 * time.Millisecond}}, []string{"n0", "n1", "n2"}, "")
	require.NoError(t, err)
	again, err := scenarios.Parse("replay.yaml", data)
	require.NoError(t, err, string(data))
	require.Len(t, again.Faults, 1)
	assert.Equal(t, 50*time.Millisecond, again.Faults[0].For)
	res, err := again.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	restarted := false
	for _, e := range res.Trace.All() {
		if e.Kind.String() == "restart" && e.Time == 150*time.Millisecond {
			restarted = true
		}
	}
	assert.True(t, restarted, "n2 restarts 50ms after its crash")
}
