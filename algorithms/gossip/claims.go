package gossip

import (
	"fmt"
	"math"
	"slices"

	"distlab/algorithms/algo"
)

// The comparison's situations. Every run carries one update, written at a
// random replica just after the start, with nothing else going on: the
// setting of the literature's formulas.
const (
	situationSpread = "one update spreads"
	noteSpread      = `one write at a random replica, no faults, 100ms rounds aligned on every replica;
rounds to full coverage counted on that grid (flood and tree have no rounds: their hops);
"msgs" are the messages between replicas until the last one held the update`
	situationRumor = "rumor residue"
	noteRumor      = `rumor mongering of one update at n = 1000, no backup: the residue is the share of replicas
that never hear it, the traffic m the rumor messages per replica (Demers et al. 1987, beside the book)`
	situationDie = "infect and die"
	noteDie      = `each replica forwards the update once, to f = ln n + c random peers, on first hearing it
(rumor: blind, counter, k = 1, fanout f); P(all) is the share of runs in which every replica heard it`
)

// oneUpdate is the scenario of a claim: one write, then nothing but the
// protocol for the given time (enough for the slowest of its runs: a run
// that has not reached everyone by then is left out of the rounds).
func oneUpdate(duration, params, checks string) string {
	return fmt.Sprintf(`duration: %s
params: %s
workload: {clients: 1, writes: 1, reads: 0, start: 10ms, settle: 0s}
checks: %s
`, duration, params, checks)
}

// spreadFigures are the columns of the spread situation; textbook gives
// the literature's rounds at n ("" for none), msgs its message count.
func spreadFigures(rounds, msgs func(n int) string) []algo.Figure {
	return []algo.Figure{
		{Label: "rounds", Check: "convergence", Metric: "cover_rounds_mean", StdErr: true, Textbook: rounds},
		{Label: "max rounds", Check: "convergence", Metric: "cover_rounds_max", Aggregate: "max", Format: "%.0f"},
		{Label: "msgs", Check: "convergence", Metric: "cover_msgs_mean", Format: "%.0f", Textbook: msgs},
		{Label: "residue", Check: "residue", Metric: "residue", Format: "%.3f"},
	}
}

const spreadChecks = "[{name: convergence, bound: 3500ms}, {name: residue, max: 1}]"

// spreadClaims measure one variant at each size (default n = 100 and
// 1000): 400 seeds at 100, 100 at 1000, enough for the rounds' first two
// digits (their standard error is printed). rounds is about the most
// rounds the variant needs at n = 1000 (the runs last twice that, at
// least 1s).
func spreadClaims(variant, params string, rounds int, formula, msgs func(n int) string, reading string, sizes ...int) []algo.Claim {
	if len(sizes) == 0 {
		sizes = []int{100, 1000}
	}
	var out []algo.Claim
	for i, n := range sizes {
		seeds, need := 400, rounds*2/3
		if n >= 1000 {
			seeds, need = 100, rounds
		}
		duration := fmt.Sprintf("%dms", max(1000, 150*need))
		c := algo.Claim{Situation: situationSpread, Variant: variant, Note: noteSpread,
			Scenario: oneUpdate(duration, params, spreadChecks), Figures: spreadFigures(formula, msgs),
			Sizes: []int{n}, Seeds: seeds}
		if i == 0 {
			c.Reading = reading
		}
		out = append(out, c)
	}
	return out
}

func log2(n int) float64 { return math.Log2(float64(n)) }
func ln(n int) float64   { return math.Log(float64(n)) }

// pushRounds is Frieze–Grimmett's and Pittel's push: log2 n + ln n.
func pushRounds(n int) string {
	return fmt.Sprintf("push: log2 n + ln n = %.1f (Frieze–Grimmett, Pittel)", log2(n)+ln(n))
}

// seedRounds is all the seed says.
func seedRounds(int) string { return `the seed: "a few periods"` }

func pushClaims() []algo.Claim {
	both := func(n int) string { return pushRounds(n) + `; the seed: "a few periods"` }
	return slices.Concat(
		spreadClaims("k=1", "{k: 1, period: 100ms}", 22, both, nil,
			`each informed replica pushes to one random peer a round: the push model of the
literature, log2 n rounds while the informed double, then about ln n more to find the last
few (a random push mostly hits replicas that already know). The seed's "a few periods"
is about 8 at n = 100 and 17 at n = 1000. Every round every informed replica sends its
whole store, so the messages grow with n × rounds, most of them redundant.`),
		spreadClaims("k=1 memory", "{k: 1, period: 100ms, memory: true}", 22, seedRounds, nil,
			`the seed's optimisation: a replica does not send the same data to the same peer
twice. Within the ~10 rounds an update needs at n = 100 a replica seldom picks a peer twice
anyway (it has 99 to choose from), so rounds and messages move by a percent or two; most
redundancy is different senders hitting the same replica, which memory cannot see. Under a
partition it is worse than useless: see scenarios/gossip/gossip-memory-partition.yaml.`, 100),
		spreadClaims("k=2", "{k: 2, period: 100ms}", 14, seedRounds, nil, "", 100),
		spreadClaims("k=2 memory", "{k: 2, period: 100ms, memory: true}", 14, seedRounds, nil, "", 100),
		spreadClaims("k=3", "{k: 3, period: 100ms}", 10, seedRounds, nil,
			`larger k: fewer rounds (the informed grow about (k+1)-fold a round at first) for
about k times the messages a round.`, 100),
		spreadClaims("k=3 memory", "{k: 3, period: 100ms, memory: true}", 10, seedRounds, nil, "", 100),
	)
}

func antiEntropyClaims() []algo.Claim {
	pushPull := func(n int) string {
		return fmt.Sprintf("push-pull: log3 n + O(log log n) = %.1f + O(%.1f) (Karp et al. 2000)", log2(n)/math.Log2(3), math.Log(ln(n)))
	}
	return slices.Concat(
		spreadClaims("push", "{mode: push, period: 100ms}", 22, pushRounds, nil,
			`push: only the informed offer, as in the seed's gossip with k = 1, but the digest
goes first and only the missing entries travel: the same rounds for much smaller messages
(three per exchange: digest, want, diff).`),
		spreadClaims("pull", "{mode: pull, period: 100ms}", 22, nil, nil,
			`pull: every replica asks a random peer each round. It starts slowly (a replica must
happen to ask one of the few that know) and ends fast: the share still in the dark is
squared every round (Demers et al.), where push needs ln n rounds to find the last few.`, 100),
		spreadClaims("push-pull", "{mode: push-pull, period: 100ms}", 11, pushPull, nil,
			`push-pull: each exchange moves the update whichever side had it, so the informed
about triple a round at first, and the end is as fast as pull's: log3 n + O(log log n)
rounds. It is the fastest to reach everyone here, and pays a digest from every replica
every round whether or not anything is new.`),
	)
}

// residueFormula solves Demers' s = e^(−(k+1)(1−s)) for the residue of
// rumor mongering with feedback and a coin of 1/k (fixed-point iteration
// from 0 climbs to the root below 1).
func residueFormula(k int) float64 {
	s := 0.0
	for range 200 {
		s = math.Exp(-float64(k+1) * (1 - s))
	}
	return s
}

func rumorClaims() []algo.Claim {
	var out []algo.Claim
	figures := func(formula func(int) string) []algo.Figure {
		return []algo.Figure{
			{Label: "residue", Check: "residue", Metric: "residue", StdErr: true, Format: "%.4f", Textbook: formula},
			{Label: "traffic m", Check: "gossip-cost", Metric: "traffic", StdErr: true},
			{Label: "P(all)", Check: "residue", Metric: "complete", Format: "%.2f"},
		}
	}
	checks := "[{name: residue, max: 1}, gossip-cost]"
	for _, v := range []struct{ mode, stop string }{{RumorFeedback, StopCoin}, {RumorFeedback, StopCounter}, {RumorBlind, StopCoin}} {
		for k := 1; k <= 5; k++ {
			if v.mode == RumorBlind && k > 3 {
				continue
			}
			var formula func(int) string
			if v.mode == RumorFeedback && v.stop == StopCoin {
				formula = func(int) string {
					return fmt.Sprintf("s = e^(−(k+1)(1−s)) = %.4f (Demers et al.)", residueFormula(k))
				}
			}
			reading := ""
			switch {
			case v.mode == RumorFeedback && v.stop == StopCoin && k == 1:
				reading = `feedback with a coin is the variant Demers et al. solved: s = e^(−(k+1)(1−s)),
and the residue relates to the traffic as s ≈ e^(−m). With k = 1 a counter and a coin are
the same rule (stop at the first peer that knew).`
			case v.mode == RumorFeedback && v.stop == StopCounter && k == 1:
				reading = `a counter of k forgives k − 1 unlucky contacts in a row where a coin may stop at the
first: fewer replicas are left out for a little more traffic.`
			case v.mode == RumorBlind && k == 1:
				reading = `blind: a replica stops after rounds of telling, whatever it hears back; no feedback
messages, but it cannot tell a rumor that is old news from a fresh one.`
			}
			out = append(out, algo.Claim{Situation: situationRumor, Note: noteRumor,
				Variant:  fmt.Sprintf("%s %s k=%d", v.mode, v.stop, k),
				Scenario: oneUpdate("3s", fmt.Sprintf("{mode: %s, stop: %s, k: %d, period: 100ms}", v.mode, v.stop, k), checks),
				Figures:  figures(formula), Sizes: []int{1000}, Seeds: 50, Reading: reading})
		}
	}
	for _, f := range []int{5, 6, 7} {
		success := func(n int) string {
			c := float64(f) - ln(n)
			return fmt.Sprintf("c = %.2f: e^(−e^(−c)) = %.2f (Kermarrec et al.)", c, math.Exp(-math.Exp(-c)))
		}
		reading := ""
		if f == 5 {
			reading = `infect and die: with fan-out ln n + c everyone hears the update with probability
e^(−e^(−c)) as n grows (Kermarrec et al. 2003); at n = 100 the runs land a few points above
the limit. Even at c ≈ 2.4 (fan-out 7, 7 messages per replica) some runs leave a replica
out: a probabilistic broadcast, not a reliable one.`
		}
		out = append(out, algo.Claim{Situation: situationDie, Note: noteDie,
			Variant:  fmt.Sprintf("f=%d", f),
			Scenario: oneUpdate("1s", fmt.Sprintf("{mode: blind, stop: counter, k: 1, fanout: %d, period: 100ms}", f), checks),
			Figures: []algo.Figure{
				{Label: "P(all)", Check: "residue", Metric: "complete", StdErr: true, Format: "%.3f", Textbook: success},
				{Label: "residue", Check: "residue", Metric: "residue", Format: "%.4f"},
				{Label: "msgs", Check: "gossip-cost", Metric: "msgs", Format: "%.0f"},
			},
			Sizes: []int{100}, Seeds: 2000, Reading: reading})
	}
	return out
}

func floodClaims() []algo.Claim {
	return spreadClaims("total", "{topology: total}", 4, nil,
		func(n int) string { return fmt.Sprintf("(n−1)² = %d", (n-1)*(n-1)) },
		`flood over the total topology: the writer tells everyone at once, then every replica
tells everyone again: (n−1)² messages for one update, n−2 of every n−1 redundant. The hops
count the path of the first copy to arrive, and with latencies of 1–10ms a two- or three-hop
path often beats the direct one.`, 100)
}

func treeClaims() []algo.Claim {
	return spreadClaims("branching 4", "{branching: 4}", 4, nil,
		func(n int) string { return fmt.Sprintf("n−1 = %d", n-1) },
		`a tree: exactly n−1 messages and a few hops (up to twice its depth), the cheapest and
quickest here — and the most fragile: one lost message cuts off a subtree for good
(scenarios/gossip/tree-loss.yaml).`)
}
