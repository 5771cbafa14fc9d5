package mutex

import (
	"distlab/algorithms/algo"

	"distlab/contract"
	mc "distlab/contract/mutex"
)

// Checks is what a mutex scenario checks when it names none.
var Checks = []string{"mutex-safety", "mutex-liveness", "mutex-fairness", "mutex-cost"}

// Names of the registered algorithms.
const (
	Central      = "central"
	Ricart       = "ricart-agrawala"
	RicartBroken = "ricart-agrawala-broken"
	TokenRing    = "token-ring"
)

// Specs lists the family's algorithms for the registry.
func Specs() []algo.Spec {
	workload := func() any { return DefaultWorkload() }
	return []algo.Spec{
		{
			Name: Central, Family: "mutex", Contracts: []*contract.Contract{mc.Contract},
			Summary:  "central coordinator with a FIFO queue: request, grant, release (3 messages per entry)",
			Checks:   Checks,
			Params:   func() any { return &CentralParams{Coordinator: "n0"} },
			Workload: workload,
			Build:    buildCentral,
			Claims:   centralClaims,
		},
		{
			Name: Ricart, Family: "mutex", Contracts: []*contract.Contract{mc.Contract},
			Summary:  "Ricart-Agrawala: ask every peer, (Lamport timestamp, id) decides (2(n-1) messages per entry)",
			Checks:   Checks,
			Params:   func() any { return &RAParams{} },
			Workload: workload,
			Build:    buildRicart(false),
			Claims:   ricartClaims,
		},
		{
			Name: RicartBroken, Family: "mutex", Contracts: []*contract.Contract{mc.Contract},
			Summary:  "Ricart-Agrawala with a planted bug: it replies while inside the critical section",
			Checks:   Checks,
			Params:   func() any { return &RAParams{} },
			Workload: workload,
			Build:    buildRicart(true),
		},
		{
			Name: TokenRing, Family: "mutex", Contracts: []*contract.Contract{mc.Contract},
			Summary:  "token ring: only the token's holder enters; a crashed node can be skipped (1 to n passes per entry)",
			Checks:   Checks,
			Params:   func() any { return &RingParams{} },
			Workload: workload,
			Build:    buildRing,
			Claims:   ringClaims,
		},
	}
}
