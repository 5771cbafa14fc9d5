package commit

import (
	"fmt"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet"
)

// Family is the family's name.
const Family = "commit"

// Names of the registered algorithms.
const (
	TwoPC          = "2pc"
	TwoPCHeuristic = "2pc-heuristic"
	ThreePC        = "3pc"
	ThreePCSkeen   = "3pc-skeen"
	MQ             = "mq"
)

// Checks is what an atomic-commit scenario checks when it names none.
var Checks = []string{"atomic-commit", "commit-termination", "bank-invariant", "atomic-visibility", "commit-cost"}

// MQChecks is what an mq scenario checks when it names none.
var MQChecks = []string{"eventual-consistency", "effectively-once"}

// Specs lists the family's algorithms for the registry.
func Specs() []algo.Spec {
	workload := func() any { return DefaultWorkload() }
	commitContracts := []*contract.Contract{cm.Contract}
	return []algo.Spec{
		{
			Name: TwoPC, Family: Family, Contracts: commitContracts, Checks: Checks,
			Summary: "two-phase commit with durable logs and recovery: safe always, blocked while the coordinator is away (4n messages per transaction)",
			Params: func() any {
				t := DefaultTiming()
				return &Params2PC{VoteTimeout: t.VoteTimeout, Retry: t.Retry, Timeout: t.Timeout}
			},
			Workload: workload,
			Build: buildAtomic(func(p any) (config, error) {
				q := p.(*Params2PC)
				return config{Timing: q.timing(), askPeers: q.AskPeers}, q.timing().validate()
			}),
			Claims: twoPCClaims,
		},
		{
			Name: TwoPCHeuristic, Family: Family, Contracts: commitContracts, Checks: Checks,
			Summary: "BROKEN on purpose: 2PC whose prepared participants decide alone after a timeout (an XA heuristic decision)",
			Params: func() any {
				t := DefaultTiming()
				return &ParamsHeuristic{VoteTimeout: t.VoteTimeout, Retry: t.Retry, Timeout: t.Timeout, HeuristicAfter: time.Second, Heuristic: "abort"}
			},
			Workload: workload,
			Build: buildAtomic(func(p any) (config, error) {
				q := p.(*ParamsHeuristic)
				if q.HeuristicAfter <= 0 {
					return config{}, &algo.FieldError{Field: "params.heuristic_after", Err: fmt.Errorf("must be positive")}
				}
				if q.Heuristic != "abort" && q.Heuristic != "commit" {
					return config{}, &algo.FieldError{Field: "params.heuristic", Err: fmt.Errorf("%q: a heuristic decision is abort or commit", q.Heuristic)}
				}
				return config{Timing: q.timing(), heuristicAfter: q.HeuristicAfter, heuristic: q.Heuristic == "commit"}, q.timing().validate()
			}),
		},
		{
			Name: ThreePC, Family: Family, Contracts: commitContracts, Checks: Checks,
			Summary:  "three-phase commit with the seed's timeout rules taken literally (no PreCommit → abort, pre-committed → commit): disagrees after one crash",
			Params:   params3PC,
			Workload: workload,
			Build: buildAtomic(func(p any) (config, error) {
				q := p.(*Params3PC)
				return config{Timing: q.timing(), threePhase: true}, q.timing().validate()
			}),
			Claims: threePCClaims,
		},
		{
			Name: ThreePCSkeen, Family: Family, Contracts: commitContracts, Checks: Checks,
			Summary:  "three-phase commit with Skeen's termination protocol: no blocking when the coordinator crashes, disagreement under a partition (6n messages)",
			Params:   params3PC,
			Workload: workload,
			Build: buildAtomic(func(p any) (config, error) {
				q := p.(*Params3PC)
				return config{Timing: q.timing(), threePhase: true, skeen: true}, q.timing().validate()
			}),
			Claims: skeenClaims,
		},
		{
			Name: MQ, Family: Family, Contracts: []*contract.Contract{cm.MQ}, Checks: MQChecks,
			Summary:  "the message-queue method: order → pay → stock through a broker's half messages; check-back and idempotent consumers as params",
			Params:   func() any { return DefaultMQParams() },
			Workload: func() any { return DefaultMQWorkload() },
			Build:    buildMQ,
			Claims:   mqClaims,
		},
	}
}

func params3PC() any {
	t := DefaultTiming()
	return &Params3PC{VoteTimeout: t.VoteTimeout, Retry: t.Retry, Timeout: t.Timeout}
}

// buildAtomic adds nodes participants n0…, the coordinator tm and the
// clients.
func buildAtomic(configure func(p any) (config, error)) func(b algo.Build) error {
	return func(b algo.Build) error {
		cfg, err := configure(b.Params)
		if err != nil {
			return err
		}
		w, ok := b.Workload.(*Workload)
		if !ok || w == nil {
			w = DefaultWorkload()
		}
		d, err := w.resolve(b.Nodes)
		if err != nil {
			return err
		}
		ids := map[string]simnet.NodeID{}
		var tm simnet.NodeID
		for i := range b.Nodes {
			name := participantName(i)
			ids[name] = b.Sim.AddNode(name, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
				return newParticipant(env, cfg, d.items, tm, ids, i)
			})
		}
		tm = b.Sim.AddNode(CoordinatorName, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
			return newCoordinator(env, cfg, ids)
		})
		for i := range d.clients {
			b.Sim.AddNode(fmt.Sprintf("c%d", i), contract.ClientGroup, func(env *simnet.Env) simnet.Node {
				return newClient(env, w, d, i, tm)
			})
		}
		return nil
	}
}
