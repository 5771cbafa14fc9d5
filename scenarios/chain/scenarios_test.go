package chain_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cc "distlab/contract/chain"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

// Bad input names the file, the line and the field, and the valid range.
func TestBadInput(t *testing.T) {
	base := "version: 1\nalgorithm: pow\nnodes: 3\nduration: 10s\n"
	for _, tc := range []struct{ name, src, want string }{
		{"shares over 1", base + "params:\n  k: 4\n  shares: {n0: 0.6, n1: 0.6}\n",
			"x.yaml:7:11: params.shares: algorithm pow: the hash shares sum to 1.2: they must sum to at most 1"},
		{"share of a stranger", base + "params:\n  shares: {n5: 0.1}\n", `x.yaml:6:`},
		{"k out of range", base + "params:\n  k: 0\n", "x.yaml:6:6: params.k: algorithm pow: k = 0 is outside 1 … 60"},
		{"k too big for real hashing", base + "params:\n  realhash: true\n  k: 9\n", "x.yaml:7:6: params.k: algorithm pow: k = 9 is outside 1 … 5 with realhash"},
		{"k in bits", base + "params:\n  unit: bits\n  k: 300\n", "params.k: algorithm pow: k = 300 is outside 1 … 240"},
		{"unit", base + "params:\n  unit: digits\n", `params.unit: algorithm pow: unknown unit "digits" (valid: hex, bits)`},
		{"adversary on a stranger", base + "params:\n  adversary: {node: n7, role: selfish}\n",
			`x.yaml:6:21: params.adversary.node: algorithm pow: unknown node "n7": the adversary must be a server (valid: n0, n1, n2)`},
		{"unknown role", base + "params:\n  adversary: {node: n1, role: thief}\n", `params.adversary.role: algorithm pow: unknown role "thief" for pow (valid: double-spend, selfish, forge)`},
		{"z out of range", base + "params:\n  adversary: {node: n1, role: double-spend, z: 0}\n", "params.adversary.z: algorithm pow: z is the confirmations the merchant waits: 1 … 1000"},
		{"delegates", "version: 1\nalgorithm: dpos\nnodes: 5\nduration: 10s\n", "x.yaml:3:8: nodes: algorithm dpos: 21 delegates (params.delegates) need at least 21 servers, and nodes is 5"},
		{"turnout", "version: 1\nalgorithm: dpos\nnodes: 21\nduration: 10s\nparams: {turnout: 2}\n", "params.turnout: algorithm dpos: turnout is a probability"},
		{"pos rule", "version: 1\nalgorithm: pos\nnodes: 3\nduration: 10s\nparams: {rule: biggest}\n", `params.rule: algorithm pos: unknown rule "biggest" (valid: max, lottery)`},
		{"stake of a stranger", "version: 1\nalgorithm: pos\nnodes: 3\nduration: 10s\nparams:\n  stakes: {n3: 5}\n", `x.yaml:6:`},
		{"clients", base + "workload: {clients: -1}\n", "workload.clients: algorithm pow: -1 clients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func load(t *testing.T, file string) *scenarios.Result {
	t.Helper()
	sc, err := scenarios.Load(file)
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	require.True(t, res.ExpectationMet, res.Why)
	return res
}

// After the heal the minority abandons exactly the blocks it mined
// during the partition: the reorg depth common-prefix reports.
func TestPartitionReorgIsTheMinoritysBlocks(t *testing.T) {
	res := load(t, "pow-partition-heal.yaml")
	minority := map[trace.NodeID]bool{0: true, 1: true}
	mined := 0
	for _, e := range res.Trace.All() {
		if cc.Produced.Is(&e) && minority[e.Node] && e.Time >= 20e9 && e.Time < 40e9 {
			mined++
		}
	}
	require.Positive(t, mined)
	for _, r := range res.Checks {
		if r.Name == "common-prefix" {
			assert.Equal(t, float64(mined), r.Metrics["reorg_max"], r.Detail)
			assert.Equal(t, 2.0, r.Metrics["reorg_depth/"+strconv.Itoa(mined)], "both minority nodes: %s", r.Detail)
		}
	}
}

// 15 | 6: during the partition the 15 side makes blocks irreversible that
// were produced after the split, the 6 side none (it only finishes
// finalizing blocks from before it); 11 | 10: neither side.
func TestLIBDuringPartitions(t *testing.T) {
	finalized := func(res *scenarios.Result, from, to int64) map[trace.NodeID]bool {
		made := map[string]int64{}
		out := map[trace.NodeID]bool{}
		for _, e := range res.Trace.All() {
			switch {
			case cc.Produced.Is(&e):
				m, _ := cc.Produced.Decode(&e)
				made[m.Block.Hash] = int64(e.Time)
			case cc.Irreversible.Is(&e) && int64(e.Time) >= from && int64(e.Time) < to:
				m, _ := cc.Irreversible.Decode(&e)
				if made[m.Hash] >= from {
					out[e.Node] = true
				}
			}
		}
		return out
	}
	res := load(t, "dpos-partition-15-6.yaml")
	moved := finalized(res, 10e9, 30e9)
	for id := range trace.NodeID(21) {
		assert.Equal(t, id < 15, moved[id], "n%d", id)
	}
	res = load(t, "dpos-partition-11-10.yaml")
	assert.Empty(t, finalized(res, 10e9, 40e9))
}
