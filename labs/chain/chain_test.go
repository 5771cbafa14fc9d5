// Graded tests of the blockchain lab. Run them with
//
//	go test ./labs/chain
//
// and scale the random sweeps with DISTLAB_SEEDS=5000. A failing sweep
// prints the seed, writes a replay scenario and the commands that rerun
// it and open it in the visualizer.
package chain_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"distlab/algorithms/chain"
	cc "distlab/contract/chain"
	"distlab/labs/labkit"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

const dir = "../../scenarios/chain/"

func expect(t *testing.T, points int, files ...string) {
	labkit.Points(t, points)
	for _, f := range files {
		labkit.Expect(t, labkit.Load(t, dir+f))
	}
}

func sweep(t *testing.T, points int, file string) {
	labkit.Points(t, points)
	labkit.Sweep(t, labkit.Load(t, dir+file), labkit.Seeds(1000))
}

// Part A: the nonce search (pow.go, solve) and block validation
// (validate.go, validate).

// The puzzle costs 16^k tries a block, whoever finds it, and blocks come
// at the pace the hash rate allows.
func TestNonceSearch(t *testing.T) {
	expect(t, 10, "pow-difficulty-k2.yaml", "pow-difficulty-k3.yaml", "pow-difficulty-bits.yaml")
}

// Every kind of invalid block is refused.
func TestForgedBlocksRefused(t *testing.T) { expect(t, 10, "pow-forge.yaml") }

// Real mining with a forger, partitions, crashes and loss.
func TestValidationUnderFaults(t *testing.T) { sweep(t, 15, "pow-realhash-nemesis.yaml") }

// Part B: fork choice and catch-up (catchup.go).

// A healed partition: the minority catches up and adopts the heavier
// chain; a double spender's heavier private chain wins too.
func TestHeavierChainWins(t *testing.T) {
	expect(t, 10, "pow-partition-heal.yaml", "pow-double-spend.yaml")
}

// Catching up after a partition costs about what was missed: the
// locator finds the fork point, so the Blocks answers carry the blocks
// the other side made, not the whole chain again.
func TestCatchUpSendsWhatIsMissing(t *testing.T) {
	labkit.Points(t, 5)
	res := labkit.Expect(t, labkit.Load(t, dir+"pow-partition-heal.yaml"))
	mined, sent := 0, 0
	for _, e := range res.Trace.All() {
		switch {
		case cc.Produced.Is(&e) && e.Time >= 20*time.Second && e.Time < 40*time.Second:
			mined++
		case e.Kind == trace.Send && e.Time >= 40*time.Second:
			if m, ok := e.Body.(chain.Blocks); ok {
				sent += len(m.Blocks)
			}
		}
	}
	if sent == 0 || sent > 3*mined {
		t.Fatalf("after the heal the Blocks answers carried %d blocks; the partition's two sides made %d: catching up should resend about what the other side missed (is the locator right? does serveBlocks start at the first locator hash on its chain?)", sent, mined)
	}
	t.Logf("the partition made %d blocks; catching up sent %d", mined, sent)
}

// First seen wins a tie: otherwise a selfish miner below the threshold
// would profit.
func TestFirstSeenTies(t *testing.T) { expect(t, 5, "pow-selfish-025.yaml") }

// Partitions, isolations, crashes and loss: everyone ends on one chain.
func TestForkChoiceUnderFaults(t *testing.T) { sweep(t, 15, "pow-nemesis.yaml") }

// Part C: DPoS scheduling and the last irreversible block (dpos.go).

func TestDPoSFinality(t *testing.T) {
	expect(t, 10, "dpos.yaml", "dpos-partition-15-6.yaml", "dpos-partition-11-10.yaml", "dpos-low-turnout.yaml")
}

func TestDPoSUnderFaults(t *testing.T) { sweep(t, 10, "dpos-nemesis.yaml") }

// Partitions that heal before the next one, crashes and loss, drawn
// per seed: finality must never conflict and must resume after the last
// heal. (Re-partitioning before a heal defeats the rule itself: see
// scenarios/chain/dpos-repartition.yaml.)
func TestDPoSPartitionsHeal(t *testing.T) {
	labkit.Points(t, 15)
	n := labkit.Seeds(1000)
	labkit.SweepFunc(t, n, func(seed int64) error {
		src := healedPartitions(seed)
		sc, err := scenarios.Parse(fmt.Sprintf("dpos-partitions-seed%d.yaml", seed), []byte(src))
		if err != nil {
			return err
		}
		res, err := sc.Run(scenarios.RunOptions{Seed: &seed})
		if err != nil {
			return err
		}
		if !res.ExpectationMet {
			return fmt.Errorf("%s\nscenario:\n%s", res.Why, src)
		}
		return nil
	})
}

// healedPartitions draws a DPoS run with three partitions, each healed
// before the next, a crash and 5 % loss. Nobody votes again (turnout 0):
// two sides that elect different delegates could each count a 2/3
// majority of their own.
func healedPartitions(seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	var faults []string
	at := time.Second
	for range 3 {
		at += time.Duration(r.IntN(1500)) * time.Millisecond
		perm := r.Perm(7)
		cut := 1 + r.IntN(6)
		var a, b []string
		for i, p := range perm {
			if i < cut {
				a = append(a, fmt.Sprintf("n%d", p))
			} else {
				b = append(b, fmt.Sprintf("n%d", p))
			}
		}
		faults = append(faults, fmt.Sprintf("  - {at: %v, partition: [[%s], [%s]]}", at, strings.Join(a, ", "), strings.Join(b, ", ")))
		at += time.Duration(1000+r.IntN(2500)) * time.Millisecond
		faults = append(faults, fmt.Sprintf("  - {at: %v, heal: true}", at))
	}
	victim := r.IntN(7)
	faults = append(faults, fmt.Sprintf("  - {at: %v, crash: n%d}", time.Duration(1000+r.IntN(8000))*time.Millisecond, victim),
		fmt.Sprintf("  - {at: %v, restart: n%d}", at+time.Second, victim))
	return fmt.Sprintf(`version: 1
algorithm: dpos
nodes: 7
duration: %v
params: {delegates: 5, per_turn: 2, slot: 300ms, turnout: 0}
workload: {clients: 1, every: 1s}
network:
  latency: {dist: uniform, min: 5ms, max: 40ms}
  drop: 0.05
faults:
%s
checks:
  - fork-choice
  - finality-safety
  - {name: finality-liveness, bound: 6s}
  - schedule-validity
expect: pass
`, at+8*time.Second, strings.Join(faults, "\n"))
}
