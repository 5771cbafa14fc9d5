package gossip_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

// Bad parameters are reported at their line with the valid range.
func TestBadParams(t *testing.T) {
	cases := []struct {
		algorithm, params string
		want              string
	}{
		{"gossip", "params:\n  k: 30\n", "bad.yaml:7:6: params.k: algorithm gossip: k = 30 is larger than the cluster allows: a replica has 24 peers (valid: 1..24)"},
		{"gossip", "params:\n  k: 0\n", "params.k: algorithm gossip: k = 0 "},
		{"gossip", "params:\n  period: 0s\n", "bad.yaml:7:11: params.period: algorithm gossip: period must be positive (got 0s)"},
		{"gossip", "params:\n  period: -100ms\n", "params.period: algorithm gossip: period must be positive (got -100ms)"},
		{"anti-entropy", "params:\n  period: 0s\n", "params.period:"},
		{"anti-entropy", "params:\n  mode: both\n", `params.mode: algorithm anti-entropy: unknown anti-entropy mode "both" (valid: push, pull, push-pull)`},
		{"rumor", "params:\n  fanout: 25\n", "params.fanout: algorithm rumor: fanout = 25: a replica has 24 peers (valid: 1..24)"},
		{"rumor", "params:\n  mode: loud\n", `unknown rumor mode "loud" (valid: feedback, blind)`},
		{"rumor", "params:\n  stop: dice\n", `unknown way to lose interest "dice" (valid: counter, coin)`},
		{"rumor", "params:\n  k: 0\n", "params.k: algorithm rumor: k = 0"},
		{"flood", "params:\n  topology: ring\n", `bad.yaml:7:13: params.topology: algorithm flood: unknown topology "ring" (valid: line, grid, tree, total)`},
		{"tree", "params:\n  branching: 0\n", "params.branching: algorithm tree: branching = 0"},
		{"gossip", "workload:\n  write_to: [n99]\n", `workload.write_to: algorithm gossip: unknown replica "n99" (valid: n0, n1,`},
		{"gossip", "workload:\n  timeout: 0s\n", "workload.timeout:"},
	}
	for _, c := range cases {
		t.Run(c.algorithm+" "+c.want, func(t *testing.T) {
			src := fmt.Sprintf("version: 1\nalgorithm: %s\nnodes: 25\nduration: 1s\n\n%s", c.algorithm, c.params)
			_, err := scenarios.Parse("bad.yaml", []byte(src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func runScenario(t *testing.T, src string) *scenarios.Result {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	return res
}

func verdicts(res *scenarios.Result) map[string]check.Result {
	out := map[string]check.Result{}
	for _, c := range res.Checks {
		out[c.Name] = c
	}
	return out
}

// Rumor mongering with blind counters and k = 1 is infect-and-die: each
// replica tells fanout peers once, then stops. Its traffic is exactly
// fanout messages per replica that heard the rumor.
func TestInfectAndDie(t *testing.T) {
	res := runScenario(t, `version: 1
algorithm: rumor
nodes: 50
duration: 2s
params: {mode: blind, stop: counter, k: 1, fanout: 3}
workload: {clients: 1, writes: 1, reads: 0, settle: 0s}
checks: [residue, gossip-cost]
`)
	v := verdicts(res)
	cost := v["gossip-cost"].Metrics
	residue := v["residue"].Metrics["residue"]
	informed := 50 * (1 - residue)
	assert.InDelta(t, 3*informed, cost["msgs"], 1e-9, "three Rumor messages per replica that heard it; no feedback")
	assert.Equal(t, 0.0, cost["per_update/Feedback"])
}

// With feedback, a replica loses interest only when told the peer knew.
func TestRumorFeedbackCounts(t *testing.T) {
	res := runScenario(t, `version: 1
algorithm: rumor
nodes: 30
duration: 3s
params: {mode: feedback, stop: counter, k: 3}
workload: {clients: 1, writes: 1, reads: 0, settle: 0s}
checks: [residue, gossip-cost]
`)
	cost := verdicts(res)["gossip-cost"].Metrics
	// Every replica that stopped was told "known" k = 3 times; each
	// Feedback message tells it once.
	assert.Positive(t, cost["per_update/Feedback"])
	assert.LessOrEqual(t, cost["per_update/Feedback"], 3.0*30)
	assert.GreaterOrEqual(t, cost["per_update/Rumor"], cost["per_update/Feedback"], "every feedback answers a rumor")
}

// The final reads together read every replica once.
func TestFinalReadsCoverEveryReplica(t *testing.T) {
	res := runScenario(t, `version: 1
algorithm: gossip
nodes: 7
duration: 3s
workload: {clients: 3, writes: 2, reads: 0, settle: 1s}
checks: [no-lost-write]
`)
	read := map[string]int{}
	for _, e := range res.Trace.All() {
		if e.Kind == trace.Invoke {
			var in struct{ Kind, Replica string }
			require.NoError(t, e.DecodeData(&in))
			if in.Kind == "read" {
				read[in.Replica]++
			}
		}
	}
	assert.Len(t, read, 7)
	for r, n := range read {
		assert.Equal(t, 1, n, r)
	}
	assert.Equal(t, check.Pass, verdicts(res)["no-lost-write"].Verdict, verdicts(res)["no-lost-write"].Detail)
}
