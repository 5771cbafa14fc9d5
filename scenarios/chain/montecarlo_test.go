package chain_test

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"distlab/algorithms/chain/theory"
	"distlab/checkers/check"
	cc "distlab/contract/chain"
	"distlab/scenarios"
	"distlab/simnet"
	"distlab/simnet/trace"
)

func init() { simnet.TuneGC() }

// mcSeeds is how many seeds a table runs: def, or DISTLAB_MC_SEEDS.
func mcSeeds(def int) int {
	if v, err := strconv.Atoi(os.Getenv("DISTLAB_MC_SEEDS")); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return min(def, max(def/10, 3))
	}
	return def
}

// sweep runs a scenario for seeds 1..n on every core and hands each
// result's checks to measure (called concurrently). With untilDecided a
// run stops 60s (virtual) after the adversary's attack mark says the race
// is decided (release or give-up): the rest would be honest mining that
// changes no figure, and stopping there makes the tables 3–4× cheaper.
func sweep(t *testing.T, src string, n int, untilDecided bool, measure func(seed int64, res []check.Result)) {
	t.Helper()
	sc, err := scenarios.Parse("table.yaml", []byte(src))
	require.NoError(t, err, src)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				seed := next.Add(1)
				if seed > int64(n) {
					return
				}
				var checks []check.Result
				var err error
				if untilDecided {
					checks, err = runUntilDecided(sc, seed)
				} else {
					var res *scenarios.Result
					if res, err = sc.Run(scenarios.RunOptions{Seed: &seed}); err == nil {
						checks = res.Checks
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				measure(seed, checks)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, firstErr)
}

func runUntilDecided(sc *scenarios.Scenario, seed int64) ([]check.Result, error) {
	sim, _, err := sc.Prepare(seed)
	if err != nil {
		return nil, err
	}
	decided := time.Duration(-1)
	sim.SetStream(func(e *trace.Event) {
		if decided < 0 && cc.Attack.Is(e) {
			if m, err := cc.Attack.Decode(e); err == nil && (m.Phase == "release" || m.Phase == "give-up") {
				decided = e.Time
			}
		}
	})
	for sim.Step() {
		if now := sim.Now(); now > sc.Duration || (decided >= 0 && now > decided+time.Minute) {
			break
		}
	}
	sim.Run(sim.Now())
	return sc.RunChecks(sim.Trace(), scenarios.RunOptions{}), nil
}

func metric(res []check.Result, name, key string) (float64, bool) {
	for _, r := range res {
		if r.Name == name {
			v, ok := r.Metrics[key]
			return v, ok
		}
	}
	return 0, false
}

// se is the standard error of a proportion measured over n runs.
func se(p float64, n int) float64 { return math.Sqrt(p * (1 - p) / float64(n)) }

// The double-spend race (Nakamoto, §11) measured over many seeds.
//
// Tie convention: the honest nodes keep the block they saw first, so a
// private branch that only draws level persuades nobody; the attacker
// needs a strictly longer branch after the merchant's z confirmations.
// Nakamoto counts drawing level as success, and takes the attacker's
// progress during the wait to be Poisson with mean z·q/p, as if the z
// honest blocks took exactly their expected time; the honest wait is
// itself random, so the attacker's count is negative binomial (wider).
// The table prints the exact race under both conventions beside his
// figure, so each difference has its column.
func TestDoubleSpendTable(t *testing.T) {
	n := mcSeeds(200)
	start := time.Now()
	var rows []string
	rows = append(rows, fmt.Sprintf("%-5s %-3s %-6s %-18s %-12s %-12s %-10s", "q", "z", "seeds", "measured ± se", "exact race", "tie wins", "Nakamoto"))
	cells := []struct {
		q  float64
		zs []int
	}{{0.1, []int{1, 2, 3, 4, 6}}, {0.3, []int{1, 2, 4, 6, 10}}}
	for _, cell := range cells {
		for _, z := range cell.zs {
			giveUp := z + 12
			src := fmt.Sprintf(`version: 1
algorithm: pow
nodes: 3
duration: %ds
params:
  k: 4
  interval: 600s
  shares: {n2: %v}
  adversary: {node: n2, role: double-spend, at: 1s, z: %d, give_up: %d}
workload: {clients: 0}
checks:
  - {name: confirmation-safety, z: %d}
expect: pass
`, 600*(z+giveUp+80), cell.q, z, giveUp, z)
			var wins atomic.Int64
			sweep(t, src, n, true, func(_ int64, res []check.Result) {
				if v, ok := metric(res, "confirmation-safety", "double_spent"); ok && v > 0 {
					wins.Add(1)
				}
			})
			p := float64(wins.Load()) / float64(n)
			exact := theory.Race(cell.q, z, false, giveUp)
			measured := fmt.Sprintf("%.4f ± %.4f", p, se(p, n))
			if wins.Load() == 0 {
				measured = fmt.Sprintf("0 (< %.4f)", 3/float64(n)) // the rule of three: a 95 % bound
			}
			rows = append(rows, fmt.Sprintf("%-5v %-3d %-6d %-18s %-12.5f %-12.5f %-10.7f", cell.q, z, n,
				measured, exact, theory.Race(cell.q, z, true, 0), theory.Nakamoto(cell.q, z)))
			// the simulation is the race the exact column computes
			require.InDelta(t, exact, p, 4*se(exact, n)+2.0/float64(n), "q=%v z=%d over %d seeds", cell.q, z, n)
		}
	}
	t.Logf("double spend: %d seeds per row, %v\n%s", n, time.Since(start).Round(time.Millisecond), strings.Join(rows, "\n"))
}

// meanSE is the mean of per-seed figures and its standard error.
func meanSE(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	if len(xs) < 2 {
		return m, 0
	}
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)-1) / float64(len(xs)))
}

// collect runs a scenario over n seeds and gathers one metric per seed.
func collect(t *testing.T, src string, n int, checkName, key string) []float64 {
	var mu sync.Mutex
	var out []float64
	sweep(t, src, n, false, func(_ int64, res []check.Result) {
		if v, ok := metric(res, checkName, key); ok {
			mu.Lock()
			out = append(out, v)
			mu.Unlock()
		}
	})
	require.Len(t, out, n, "%s/%s measured on every seed", checkName, key)
	return out
}

// Selfish mining (Eyal and Sirer) at γ = 0: the pool's share of the main
// chain beside their revenue formula, below and above the threshold
// (1 − γ)/(3 − 2γ) = 1/3.
func TestSelfishMiningTable(t *testing.T) {
	if testing.Short() {
		t.Skip("a Monte-Carlo table: the scenario files cover this ground under -short")
	}
	n := mcSeeds(4)
	start := time.Now()
	rows := []string{fmt.Sprintf("%-6s %-6s %-18s %-14s %-10s %s", "α", "seeds", "revenue ± se", "Eyal–Sirer", "threshold", "pays?")}
	for _, alpha := range []float64{0.1, 0.25, 0.33, 0.4, 0.45} {
		src := fmt.Sprintf(`version: 1
algorithm: pow
nodes: 5
duration: 2000s
params:
  k: 4
  interval: 1s
  shares: {n4: %v}
  adversary: {node: n4, role: selfish}
workload: {clients: 0}
network:
  latency: {dist: constant, min: 5ms}
checks: [chain-quality]
`, alpha)
		shares := collect(t, src, n, "chain-quality", "adversary_share")
		m, e := meanSE(shares)
		want := theory.SelfishRevenue(alpha, 0)
		pays := "no"
		if m > alpha {
			pays = "yes"
		}
		rows = append(rows, fmt.Sprintf("%-6v %-6d %-18s %-14.4f %-10.4f %s", alpha, n, fmt.Sprintf("%.4f ± %.4f", m, e), want, theory.SelfishThreshold(0), pays))
		require.InDelta(t, want, m, 4*e+0.02, "α=%v", alpha)
	}
	t.Logf("selfish mining, γ = 0 (every link 5ms: honest miners always hear the honest block first); %d seeds of ~2000 blocks per row, %v\n%s",
		n, time.Since(start).Round(time.Millisecond), strings.Join(rows, "\n"))
}

// Stale blocks against the propagation delay: 1 − e^(−Δ/T) with T the
// nominal interval and with T the main chain's measured interval.
func TestStaleRateTable(t *testing.T) {
	if testing.Short() {
		t.Skip("a Monte-Carlo table: the scenario files cover this ground under -short")
	}
	n := mcSeeds(5)
	start := time.Now()
	rows := []string{fmt.Sprintf("%-6s %-6s %-18s %-16s %-16s", "Δ/T", "seeds", "stale ± se", "1−e^(−Δ/T)", "with measured T")}
	for _, ratio := range []float64{0.01, 0.05, 0.1, 0.3} {
		src := fmt.Sprintf(`version: 1
algorithm: pow
nodes: 10
duration: 600s
params: {k: 4, interval: 1s}
workload: {clients: 0}
network:
  latency: {dist: constant, min: %dms}
checks: [chain-cost]
`, int(ratio*1000))
		var mu sync.Mutex
		var stale, withT []float64
		sweep(t, src, n, false, func(_ int64, res []check.Result) {
			s, ok1 := metric(res, "chain-cost", "stale_rate")
			f, ok2 := metric(res, "chain-cost", "stale_formula")
			if ok1 && ok2 {
				mu.Lock()
				stale, withT = append(stale, s), append(withT, f)
				mu.Unlock()
			}
		})
		m, e := meanSE(stale)
		mf, _ := meanSE(withT)
		rows = append(rows, fmt.Sprintf("%-6v %-6d %-18s %-16.4f %-16.4f", ratio, n, fmt.Sprintf("%.4f ± %.4f", m, e), theory.StaleRate(ratio, 1), mf))
		require.InDelta(t, mf, m, 4*e+0.2*mf+0.003, "Δ/T=%v", ratio)
	}
	t.Logf("stale rate, 10 equal miners, constant link delay Δ, T = 1s; %d seeds of ~600 blocks per row, %v\n%s",
		n, time.Since(start).Round(time.Millisecond), strings.Join(rows, "\n"))
}

// The puzzle's cost: tries per block with real SHA-256 against 16^k (hex
// digits) or 2^k (bits).
func TestDifficultyTable(t *testing.T) {
	if testing.Short() {
		t.Skip("a Monte-Carlo table: the scenario files cover this ground under -short")
	}
	n := mcSeeds(5)
	start := time.Now()
	rows := []string{fmt.Sprintf("%-4s %-5s %-6s %-18s %-10s %-8s %-14s", "k", "unit", "seeds", "tries/block ± se", "expected", "stale", "expected/(1−stale)")}
	for _, c := range []struct {
		k    int
		unit string
		dur  string
	}{{1, "hex", "60s"}, {2, "hex", "60s"}, {3, "hex", "40s"}, {4, "hex", "20s"}, {6, "bits", "60s"}, {10, "bits", "40s"}, {12, "bits", "40s"}} {
		src := fmt.Sprintf(`version: 1
algorithm: pow
nodes: 4
duration: %s
params: {k: %d, unit: %s, realhash: true, interval: 1s}
workload: {clients: 0}
checks: [chain-cost]
`, c.dur, c.k, c.unit)
		var mu sync.Mutex
		var tries, stale []float64
		sweep(t, src, n, false, func(_ int64, res []check.Result) {
			tr, _ := metric(res, "chain-cost", "tries_per_block")
			st, _ := metric(res, "chain-cost", "stale_rate")
			mu.Lock()
			tries, stale = append(tries, tr), append(stale, st)
			mu.Unlock()
		})
		m, e := meanSE(tries)
		ms, _ := meanSE(stale)
		want := math.Pow(16, float64(c.k))
		if c.unit == "bits" {
			want = math.Pow(2, float64(c.k))
		}
		rows = append(rows, fmt.Sprintf("%-4d %-5s %-6d %-18s %-10.0f %-8.3f %-14.0f", c.k, c.unit, n, fmt.Sprintf("%.0f ± %.0f", m, e), want, ms, want/(1-ms)))
		require.InDelta(t, want/(1-ms), m, 4*e+0.1*want, "k=%d %s", c.k, c.unit)
	}
	t.Logf("tries per main-chain block: every miner's tries, the losers' and the stale blocks' included, so a block costs\n"+
		"16^k (hex digits) or 2^k (bits) divided by the share of blocks that stay (12 bits = 3 hex digits: the same run); %d seeds per row, %v\n%s",
		n, time.Since(start).Round(time.Millisecond), strings.Join(rows, "\n"))
}
