package mutex

import (
	"fmt"

	"distlab/algorithms/algo"
)

// The comparison's two situations: the same workload on the same
// reliable network, busy and light. mutex-cost counts messages up to the
// last exit, so a ring idling after the workload stopped does not count.
const (
	busyLoad = `duration: 6s
workload: {think: 50ms, hold: 10ms, stop: 5s}
checks: [mutex-cost]
`
	lightLoad = `duration: 6s
workload: {think: 1s, hold: 10ms, stop: 5s}
checks: [mutex-cost]
`
)

// claims builds an algorithm's claims for both loads, with the textbook's
// messages per entry.
func claims(formula func(n int) string, reading string) []algo.Claim {
	figures := func() []algo.Figure {
		return []algo.Figure{
			{Label: "entries", Check: "mutex-cost", Metric: "entries"},
			{Label: "msgs/entry", Check: "mutex-cost", Metric: "per_entry", Textbook: formula},
			{Label: "mean wait ms", Check: "mutex-cost", Metric: "wait_mean_ms"},
			{Label: "entries/s", Check: "mutex-cost", Metric: "throughput_per_s"},
			{Label: "per type", Check: "mutex-cost", Metric: "per_entry/*"},
		}
	}
	sizes := []int{3, 5, 10, 20}
	return []algo.Claim{
		{Situation: "busy load", Note: "every node asks again ~50ms after leaving (requests overlap); requests stop at 5s and the run drains",
			Scenario: busyLoad, Figures: figures(), Sizes: sizes, Seeds: 1, Reading: reading},
		{Situation: "light load", Note: "every node asks again ~1s after leaving (the critical section is mostly free)",
			Scenario: lightLoad, Figures: figures(), Sizes: sizes, Seeds: 1},
	}
}

var (
	centralClaims = claims(func(int) string { return "3" },
		"request, grant, release: 3 messages per entry whatever n; n0 only coordinates, so n−1 nodes compete.")
	ricartClaims = claims(func(n int) string { return fmt.Sprintf("2(n−1) = %d", 2*(n-1)) },
		"a request to every peer and a reply from each: 2(n−1) per entry, exactly, in any load.")
	ringClaims = claims(func(n int) string { return fmt.Sprintf("1..n = 1..%d", n) },
		`one pass per entry when everyone wants the critical section; under light load the token keeps
travelling with nobody to serve and every idle pass is a message (the textbook's "useless
communication"), so the figure climbs far above n.`)
)
