package chain

import (
	"distlab/algorithms/algo"
	"distlab/contract"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// Checks is what a chain scenario checks when it names none.
var Checks = []string{"common-prefix", "fork-choice", "chain-growth", "chain-quality", "ledger-validity", "confirmation-safety", "chain-cost"}

// DPoSChecks adds DPoS's own.
var DPoSChecks = append(append([]string{}, Checks...), "finality-safety", "finality-liveness", "schedule-validity")

// PoSChecks adds slashing's.
var PoSChecks = append(append([]string{}, Checks...), "accountability")

// Specs lists the family's algorithms for the registry.
func Specs() []algo.Spec {
	workload := func() any { return DefaultWorkload() }
	contracts := []*contract.Contract{cc.Contract}
	return []algo.Spec{
		{
			Name: cc.PoW, Family: "chain", Contracts: contracts,
			Summary:  "proof of work: the first to find a hash below the target extends the chain; heaviest chain wins, first seen breaks ties (virtual mining, or realhash: the SHA-256 nonce loop)",
			Checks:   Checks,
			Params:   func() any { return DefaultPoW() },
			Workload: workload,
			Build: func(b algo.Build) error {
				cfg, err := powConfig(b.Nodes, b.Params.(*PoWParams), b.Workload.(*Workload))
				if err != nil {
					return err
				}
				return build(b, cfg)
			},
			Claims: powClaims,
		},
		{
			Name: cc.PoS, Family: "chain", Contracts: contracts,
			Summary:  "proof of stake with coin age: each slot's producer has the largest coin age (the course's rule) or wins a coin-age lottery; optional slashing of equivocators",
			Checks:   PoSChecks,
			Params:   func() any { return DefaultPoS() },
			Workload: workload,
			Build: func(b algo.Build) error {
				cfg, err := posConfig(b.Nodes, b.Params.(*PoSParams), b.Workload.(*Workload))
				if err != nil {
					return err
				}
				return build(b, cfg)
			},
			Claims: posClaims,
		},
		{
			Name: cc.DPoS, Family: "chain", Contracts: contracts,
			Summary:  "delegated proof of stake: stake-weighted approval voting elects K delegates who produce in a shuffled round-robin; a block is irreversible once > 2/3 of them built on it",
			Checks:   DPoSChecks,
			Params:   func() any { return DefaultDPoS() },
			Workload: workload,
			Build: func(b algo.Build) error {
				cfg, err := dposConfig(b.Nodes, b.Params.(*DPoSParams), b.Workload.(*Workload))
				if err != nil {
					return err
				}
				return build(b, cfg)
			},
			Claims: dposClaims,
		},
	}
}

// build makes the genesis block and adds the servers and clients.
func build(b algo.Build, cfg *config) error {
	g := &cc.Block{}
	g.Parent = blockhash.Zero
	g.Producer = "genesis"
	g.Bits = cfg.bits
	g.Seal()
	cfg.genesis = g
	b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, newServer(cfg))
	b.Sim.AddNodes("c", len(cfg.clients), contract.ClientGroup, newClient(cfg))
	return nil
}
