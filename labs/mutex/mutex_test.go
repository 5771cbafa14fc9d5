// Graded tests of the mutual-exclusion lab. Run them with
//
//	go test ./labs/mutex
//
// and scale the random sweeps with DISTLAB_SEEDS=5000. A failing sweep
// prints the seed, writes a replay scenario to a new temporary folder it names, and the
// commands that rerun it and open it in the visualizer.
package mutex_test

import (
	"testing"

	"distlab/labs/labkit"
)

const dir = "../../scenarios/mutex/"

// expect runs fixed scenarios.
func expect(t *testing.T, points int, files ...string) {
	labkit.Points(t, points)
	for _, f := range files {
		labkit.Expect(t, labkit.Load(t, dir+f))
	}
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
func TestTokenRingTextbookCost(t *testing.T) { expect(t, 10, "token-ring.yaml") }

// A crashed node is skipped; back, it says Hello and is put on the ring
// again.
func TestTokenRingSkipsCrashedNode(t *testing.T) {
	expect(t, 10, "token-ring-node-crash.yaml", "token-ring-rejoin.yaml")
}

// A dead holder takes the token with it; the watchdog makes a new one, but
// only after knocking, and never while its node is still handing the
// token over.
func TestTokenRingHolderCrash(t *testing.T) {
	expect(t, 5, "token-ring-holder-crash.yaml", "token-ring-regenerate.yaml", "token-ring-knock.yaml", "token-ring-handover.yaml")
}

// Loss, duplicates and reordering; a resent copy reaching a restarted
// node; acknowledgements arriving late.
func TestTokenRingSafeOnBadNetwork(t *testing.T) {
	labkit.Points(t, 20)
	labkit.Expect(t, labkit.Load(t, dir+"token-ring-resend.yaml"))
	labkit.Expect(t, labkit.Load(t, dir+"token-ring-late-ack.yaml"))
	labkit.Sweep(t, labkit.Load(t, dir+"token-ring-lossy.yaml"), labkit.Seeds(1000))
}
