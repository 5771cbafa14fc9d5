// Graded tests of the mutual-exclusion lab. Run them with
//
//	go test ./labs/mutex
//
// and scale the random sweeps with DISTLAB_SEEDS=5000. A failing sweep
// prints the seed, writes a replay scenario to labs/mutex/failures/ and the
// commands that rerun it and open it in the visualizer.
package mutex_test

import (
	"testing"

	"distlab/labs/labkit"
)

const dir = "../../scenarios/mutex/"

// expect runs one fixed scenario.
func expect(t *testing.T, points int, file string) {
	labkit.Points(t, points)
	labkit.Expect(t, labkit.Load(t, dir+file))
}

// sweep runs a scenario with the nemesis over many seeds.
func sweep(t *testing.T, points int, file string) {
	labkit.Points(t, points)
	labkit.Sweep(t, labkit.Load(t, dir+file), labkit.Seeds(1000))
}

// The checker is graded on the reference too: it must catch a node that
// replies while inside the critical section.
func TestCheckerCatchesBrokenRicartAgrawala(t *testing.T) {
	expect(t, 5, "ricart-agrawala-broken.yaml")
}

// The reference coordinator: textbook cost, and blocking when it dies.
func TestCentralTextbookCost(t *testing.T)     { expect(t, 5, "central.yaml") }
func TestCentralCoordinatorCrash(t *testing.T) { expect(t, 5, "central-coordinator-crash.yaml") }
func TestCentralSafeOnBadNetwork(t *testing.T) { sweep(t, 5, "central-lossy.yaml") }

// Part A: Ricart-Agrawala's decision to defer (algorithms/mutex/ricart.go).
func TestRicartAgrawalaTextbookCost(t *testing.T) { expect(t, 10, "ricart-agrawala.yaml") }
func TestRicartAgrawalaPeerCrash(t *testing.T)    { expect(t, 5, "ricart-agrawala-peer-crash.yaml") }
func TestRicartAgrawalaSafeOnBadNetwork(t *testing.T) {
	sweep(t, 15, "ricart-agrawala-lossy.yaml")
}

// Nodes crash and come back: blocked while a peer is down, never unsafe.
func TestRicartAgrawalaSurvivesRestarts(t *testing.T) {
	labkit.Points(t, 5)
	labkit.Sweep(t, labkit.Load(t, dir+"ricart-agrawala-crash-restart.yaml"), labkit.Seeds(200))
}

// Part B: the token ring (algorithms/mutex/ring.go).
func TestTokenRingTextbookCost(t *testing.T)     { expect(t, 10, "token-ring.yaml") }
func TestTokenRingSkipsCrashedNode(t *testing.T) { expect(t, 10, "token-ring-node-crash.yaml") }
func TestTokenRingHolderCrash(t *testing.T)      { expect(t, 5, "token-ring-holder-crash.yaml") }
func TestTokenRingSafeOnBadNetwork(t *testing.T) {
	sweep(t, 20, "token-ring-lossy.yaml")
}
