package chain

import "distlab/algorithms/algo"

// The comparison's situations. Each protocol runs with the parameters the
// course quotes (Bitcoin's 10 minutes and ~3,500 transactions a block;
// one-second PoS slots holding 30; EOS's 21 delegates and half-second
// slots), clients offering a little more than the blocks can hold; then a
// third of the producers crash.
const (
	seedSetting = "the course's figures"
	seedNote    = `each protocol with the parameters the course quotes; PoW and PoS clients offer a little more than blocks hold (so throughput is the blocks' capacity, and the backlog makes inclusion slow), DPoS clients less; PoW links take 1–10s (Bitcoin-like propagation), the others 5–50ms`
	crashThird  = "a third of the producers crash"
	crashNote   = `the same networks, but a third of the producers crash at 20s and stay down: what keeps going, and does anything still become final?`
)

func figures(final string, txs, interval, inclusion, irreversible, stale, who func(int) string) []algo.Figure {
	return []algo.Figure{
		{Label: "interval s", Check: "chain-cost", Metric: "mean_interval_ms", Scale: 0.001, Textbook: interval},
		{Label: "tx/s", Check: "chain-cost", Metric: "tps", Textbook: txs},
		{Label: "included p99.9 s", Check: "chain-cost", Metric: "inclusion_p999_ms", Scale: 0.001, Textbook: inclusion},
		{Label: "final s", Check: "chain-cost", Metric: final, Scale: 0.001, Textbook: irreversible},
		{Label: "msgs/block", Check: "chain-cost", Metric: "msgs_per_block"},
		{Label: "stale", Check: "chain-cost", Metric: "stale_rate", Textbook: stale},
		{Label: "producers", Check: "chain-quality", Metric: "producers", Textbook: who},
		{Label: "top share", Check: "chain-quality", Metric: "top_share"},
	}
}

func crashFigures(final string, bound func(int) string) []algo.Figure {
	return []algo.Figure{
		{Label: "blocks/s", Check: "chain-growth", Metric: "blocks_per_s"},
		{Label: "final after crash", Check: "chain-cost", Metric: "final_after_fault", Textbook: bound},
		{Label: "final s", Check: "chain-cost", Metric: final, Scale: 0.001},
	}
}

// The claims each algorithm declares (filled in by init below).
var powClaims, posClaims, dposClaims []algo.Claim

func text(s string) func(int) string { return func(int) string { return s } }

func init() {
	powClaims = []algo.Claim{
		{Situation: seedSetting, Note: seedNote, Sizes: []int{5}, Seeds: 1,
			Scenario: `duration: 3h
params: {k: 4, interval: 600s, max_txs: 3500, balance: 1000000}
workload: {clients: 4, every: 550ms}
network:
  latency: {dist: uniform, min: 1s, max: 10s}
checks:
  - {name: chain-cost, z: 6}
  - chain-quality
`,
			Figures: figures("time_to_z_ms", text("5–7 (course)"), text("≈ 600 (course: 10 min)"), text(""),
				text("6 blocks ≈ 3600 (custom; never certain)"), text("1 − e^(−Δ/T) ≈ 0.009"), text("any miner, ∝ hash share")),
			Reading: `PoW's throughput is arithmetic: 3,500 transactions every 600s is 5.8 per second, the course's 5–7,
whatever the network does. A transfer waits for the next block (minutes) and "final" means six
blocks on top, about an hour, and even then only improbable to undo (see the double-spend table).
Every block is announced to every miner; most messages are the transactions themselves. Seconds of
propagation against ten minutes keep stale blocks under 1 %; the fault bound is 50 % of the hash
power against attackers, while crashed miners only slow the chain down.`},
		{Situation: crashThird, Note: crashNote, Sizes: []int{6}, Seeds: 3,
			Scenario: `duration: 120s
params: {k: 4, interval: 1s}
workload: {clients: 2, every: 1s}
faults:
  - {at: 20s, crash: n0}
  - {at: 20s, crash: n1}
checks:
  - {name: chain-cost, z: 6}
  - {name: chain-growth, window: 30s}
`,
			Figures: crashFigures("time_to_z_ms", text("keeps going (50 % bounds attackers, not crashes)"))},
	}
	posClaims = []algo.Claim{
		{Situation: seedSetting, Note: seedNote, Sizes: []int{5}, Seeds: 1,
			Scenario: `duration: 300s
params: {slot: 1s, max_txs: 30, balance: 1000000}
workload: {clients: 8, every: 200ms}
network:
  latency: {dist: uniform, min: 5ms, max: 50ms}
checks:
  - {name: chain-cost, z: 6}
  - chain-quality
`,
			Figures: figures("time_to_z_ms", text("≈ 30 (course, Ethereum)"), text("1 slot"), text(""),
				text("as PoW, in slots"), text("0: one producer per slot"), text("largest coin age (course)")),
			Reading: `the course's largest-coin-age rule picks exactly one producer per slot, so no block is ever
stale and blocks come every slot; throughput is again block size over slot length. Winning
spends coin age, so every validator produces in turn in proportion to its coins (see
pos-abc-max): no monopoly. The fault bound the course does not mention: the rule is
deterministic, so a crashed validator whose turn it is stops the chain (pos-max-crash).`},
		{Situation: crashThird, Note: crashNote, Sizes: []int{6}, Seeds: 3,
			Scenario: `duration: 120s
params: {slot: 1s}
workload: {clients: 2, every: 1s}
faults:
  - {at: 20s, crash: n0}
  - {at: 20s, crash: n1}
checks:
  - {name: chain-cost, z: 6}
  - {name: chain-growth, window: 30s}
`,
			Figures: crashFigures("time_to_z_ms", text("stops when a crashed validator has the largest age"))},
	}
	dposClaims = []algo.Claim{
		{Situation: seedSetting, Note: seedNote, Sizes: []int{21}, Seeds: 1,
			Scenario: `duration: 60s
params: {slot: 500ms, max_txs: 500, balance: 1000000}
workload: {clients: 5, every: 50ms}
network:
  latency: {dist: uniform, min: 5ms, max: 50ms}
checks:
  - {name: chain-cost, z: 6}
  - chain-quality
`,
			Figures: figures("lib_ms", text(""), text("0.5 (EOS)"), text("≤ 1 for 99.9 % (course)"),
				text("> 2/3 of 21 built on it: 15 slots = 7.5"), text("0: one producer per slot"), text("21 elected delegates in turn")),
			Reading: `"99.9 % of transactions confirmed within 1s" is true of inclusion: a transfer is in a block within
half a second. Irreversibility needs 15 of the 21 delegates to build on the block: 7.5s with one
block per turn, 90s with EOS's 12 (per_turn: 12), 34s with the course's 101 delegates (dpos-101).
Twenty-one producers send each block to twenty peers; no block is ever stale. The fault bound is a
third of the delegates: with 7 of 21 down nothing becomes final any more, although blocks still
come (the next table).`},
		{Situation: crashThird, Note: crashNote, Sizes: []int{21}, Seeds: 3,
			Scenario: `duration: 60s
params: {slot: 500ms}
workload: {clients: 2, every: 1s}
faults:
  - {at: 20s, crash: n0}
  - {at: 20s, crash: n1}
  - {at: 20s, crash: n2}
  - {at: 20s, crash: n3}
  - {at: 20s, crash: n4}
  - {at: 20s, crash: n5}
  - {at: 20s, crash: n6}
checks:
  - {name: chain-cost, z: 6}
  - {name: chain-growth, window: 30s}
`,
			Figures: crashFigures("lib_ms", text("0: needs > 2/3 (15 of 21); 14 are left"))},
	}
}
