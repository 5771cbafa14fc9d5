package commit_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	cm "distlab/contract/commit"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

const base = `version: 1
algorithm: 2pc
nodes: 2
duration: 1s
`

// Bad input names the file, the line and the field, and says what is wrong.
func TestBadWorkloads(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"participant that does not exist", base + `workload:
  random: 0
  accounts: {n0/A: 800, n1/B: 600}
  txns:
    - {at: 100ms, transfer: {from: n0/A, to: n9/A, amount: 200}}
`, `x.yaml:9:46: workload.txns[0].transfer.to: algorithm 2pc: n9/A: participant "n9" does not exist (valid: n0 … n1)`},
		{"negative amount", base + `workload:
  random: 0
  accounts: {n0/A: 800, n1/B: 600}
  txns:
    - {at: 100ms, transfer: {from: n0/A, to: n1/B, amount: -5}}
`, `x.yaml:9:60: workload.txns[0].transfer.amount: algorithm 2pc: the amount must be positive, got -5`},
		{"transfer between the same account", base + `workload:
  random: 0
  accounts: {n0/A: 800, n1/B: 600}
  txns:
    - {at: 100ms, transfer: {from: n0/A, to: n0/A, amount: 5}}
`, `x.yaml:9:46: workload.txns[0].transfer.to: algorithm 2pc: a transfer between the same account (n0/A)`},
		{"account at a participant that does not exist", base + "workload:\n  accounts:\n    n0/A: 800\n    n4/B: 600\n",
			`x.yaml:8:11: workload.accounts.n4/B: algorithm 2pc: n4/B: participant "n4" does not exist`},
		{"batch entry", base + `workload:
  random: 0
  accounts: {n0/A: 800, n1/B: 600}
  txns:
    - at: 1ms
      batch:
        - {from: n0/A, to: n1/B, amount: 5}
        - {from: n0/A, to: n1/C, amount: 5}
`, `x.yaml:12:28: workload.txns[0].batch[1].to: algorithm 2pc: n1/C is not an account (accounts: n0/A, n1/B)`},
		{"order of something not in stock", base + `workload:
  random: 0
  accounts: {n0/A: 800, n1/B: 600}
  txns:
    - {at: 1ms, order: {item: n1/B, qty: 1, price: 1, pay: n0/A, to: n1/B}}
`, `workload.txns[0].order.item: algorithm 2pc: n1/B is not a stock item`},
		{"two kinds in one transaction", base + `workload:
  random: 0
  txns:
    - {at: 1ms, read: [all], transfer: {from: n0/A, to: n1/B, amount: 5}}
`, `workload.txns[0]: algorithm 2pc: a transaction has exactly one of transfer, batch, order, read (found 2)`},
		{"bad client", base + "workload:\n  txns:\n    - {at: 1ms, client: bob, read: [all]}\n", `workload.txns[0].client: algorithm 2pc: client "bob": clients are named c0, c1`},
		{"not participant/item", base + "workload:\n  accounts: {A: 5}\n", `workload.accounts.A: algorithm 2pc: "A" is not participant/item (n0/A)`},
		{"heuristic word", "version: 1\nalgorithm: 2pc-heuristic\nnodes: 2\nduration: 1s\nparams: {heuristic: maybe}\n", `x.yaml:5:21: params.heuristic: algorithm 2pc-heuristic: "maybe": a heuristic decision is abort or commit`},
		{"mq with one service", "version: 1\nalgorithm: mq\nnodes: 1\nduration: 1s\n", "mq needs at least 2 services"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func run(t *testing.T, src string) *scenarios.Result {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{})
	require.NoError(t, err)
	return res
}

// marks collects the decide marks by node name.
func decisions(t *testing.T, tr *trace.Trace) map[string][]cm.DecideMark {
	out := map[string][]cm.DecideMark{}
	for _, e := range tr.All() {
		if cm.Decide.Is(&e) {
			m, err := cm.Decide.Decode(&e)
			require.NoError(t, err)
			out[tr.NodeName(e.Node)] = append(out[tr.NodeName(e.Node)], m)
		}
	}
	return out
}

// Every algorithm runs its default scenario strictly (marks validated
// against the contract, messages re-encoded at delivery) and passes.
func TestStrictDefaults(t *testing.T) {
	for _, alg := range []string{"2pc", "2pc-heuristic", "3pc", "3pc-skeen", "mq"} {
		t.Run(alg, func(t *testing.T) {
			res := run(t, "version: 1\nalgorithm: "+alg+"\nnodes: 3\nduration: 3s\nstrict: true\n")
			assert.Empty(t, res.Errors)
			assert.True(t, res.ExpectationMet, res.Why)
		})
	}
}

// A participant that never got the CanCommit aborts when a peer asks it
// (ask_peers), which unblocks the others when the coordinator is gone.
func TestAskPeersEndsBlocking(t *testing.T) {
	const src = `version: 1
algorithm: 2pc
nodes: 3
duration: 3s
params: {ask_peers: %s, send_gap: 5ms}
network: {latency: {dist: constant, min: 10ms}}
workload:
  random: 0
  accounts: {n0/A: 100, n1/B: 100, n2/C: 100}
  txns:
    - at: 100ms
      batch:
        - {from: n0/A, to: n1/B, amount: 1}
        - {from: n0/A, to: n2/C, amount: 1}
faults:
  - {at: 122ms, crash: tm}
checks: [atomic-commit, commit-termination]
`
	// CanCommit reaches n0 (125ms) and n1 (130ms) only: the coordinator
	// crashes at 122ms, with n2's CanCommit (due at 125ms) not yet sent.
	blocked := run(t, strings.Replace(src, "%s", "false", 1))
	assert.Empty(t, decisions(t, blocked.Trace)["n0"], "without ask_peers n0 waits for the coordinator")
	asked := run(t, strings.Replace(src, "%s", "true", 1))
	d := decisions(t, asked.Trace)
	require.Len(t, d["n0"], 1)
	assert.False(t, d["n0"][0].Commit)
	assert.Equal(t, cm.ByPeer, d["n0"][0].By)
	assert.Equal(t, cm.ByUnilateral, d["n2"][0].By, "n2 never voted, so it may abort on its own")
	assert.True(t, asked.ExpectationMet, asked.Why)
}

// A restarted coordinator that has no record of a transaction answers
// abort (presumed abort), and logs it so it answers the same again.
func TestPresumedAbort(t *testing.T) {
	res := run(t, `version: 1
algorithm: 2pc
nodes: 2
duration: 3s
network: {latency: {dist: constant, min: 10ms}}
workload:
  random: 0
  accounts: {n0/A: 100, n1/B: 100}
  txns:
    - {at: 100ms, transfer: {from: n0/A, to: n1/B, amount: 1}}
faults:
  - {at: 125ms, crash: tm}
  - {at: 1s, restart: tm}
checks: [atomic-commit, commit-termination]
`)
	d := decisions(t, res.Trace)
	require.NotEmpty(t, d["tm"])
	assert.Equal(t, cm.DecideMark{Txn: "c0.1", Commit: false, By: cm.ByRecovery}, d["tm"][0])
	assert.False(t, d["n0"][0].Commit)
	assert.True(t, res.ExpectationMet, res.Why)
}

// The checks catch each broken variant in its scenario, and pass the
// correct ones on the same faults.
func TestBrokenVariantsAreCaught(t *testing.T) {
	for _, file := range []string{"2pc-heuristic-partial-docommit", "3pc-precommit-crash", "3pc-skeen-partition", "mq-lost-ack"} {
		t.Run(file, func(t *testing.T) {
			sc, err := scenarios.Load("../../scenarios/commit/" + file + ".yaml")
			require.NoError(t, err)
			res, err := sc.Run(scenarios.RunOptions{})
			require.NoError(t, err)
			require.True(t, res.ExpectationMet, res.Why)
			failed := 0
			for _, c := range res.Checks {
				if c.Verdict == check.Fail {
					failed++
				}
			}
			assert.Positive(t, failed)
		})
	}
}

// A failing run's replay file (what the labs write) loads again and reruns
// the same run: written-out transactions keep exactly one kind each.
func TestReplayFilesLoad(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/commit/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			sc, err := scenarios.Load(file)
			require.NoError(t, err)
			res, err := sc.Run(scenarios.RunOptions{})
			require.NoError(t, err)
			data, err := res.ReplayScenario(res.Faults).Encode(res.Seed, res.Faults, res.Trace.Header.Nodes, "")
			require.NoError(t, err)
			replay, err := scenarios.Parse("replay.yaml", data)
			require.NoError(t, err, "%s", data)
			again, err := replay.Run(scenarios.RunOptions{})
			require.NoError(t, err)
			assert.Equal(t, res.Trace.Len(), again.Trace.Len(), "the replay runs the same events")
			require.Len(t, again.Checks, len(res.Checks))
			for i, c := range res.Checks {
				assert.Equal(t, c.Verdict, again.Checks[i].Verdict, c.Name)
			}
		})
	}
}
