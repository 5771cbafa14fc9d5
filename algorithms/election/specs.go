package election

import (
	"fmt"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/simnet"
)

// Specs registers Bully and ZAB for scenario files.
func Specs() []algo.Spec {
	return []algo.Spec{
		{
			Name: "bully", Family: "election", Contracts: []*contract.Contract{ec.Contract},
			Summary: "Bully election: Election/Alive/Victory, the highest live id wins; splits its brain under partitions",
			Checks:  []string{"split-brain", "election-liveness", "election-cost"},
			Params:  func() any { return DefaultBully() },
			// The older of two leaders in one component hears of the newer
			// at the next heartbeat of either: two heartbeats are plenty.
			Tolerances: func(p any) map[string]string {
				return Handover(2 * p.(*BullyParams).Heartbeat)
			},
			Build: func(b algo.Build) error {
				p := b.Params.(*BullyParams)
				if p.Heartbeat <= 0 || p.Timeout <= 0 || p.AnswerWait <= 0 || p.VictoryWait <= 0 {
					return fmt.Errorf("bully: heartbeat, timeout, answer_wait and victory_wait must be positive")
				}
				b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, NewBully(p))
				return nil
			},
			Claims: bullyClaims,
		},
		{
			Name: "zab", Family: "election", Contracts: []*contract.Contract{ec.Contract},
			Summary:    "ZooKeeper's fast leader election: votes (epoch, zxid, id) broadcast until a quorum agrees; the freshest data wins",
			Checks:     []string{"one-leader-per-term", "zab-freshest-leader", "split-brain", "election-liveness", "election-cost"},
			Params:     func() any { return DefaultZab() },
			Tolerances: zabTolerances,
			Build:      buildZab(NewZab),
			Claims:     zabClaims,
		},
		{
			Name: "zab-ignore-zxid", Family: "election", Contracts: []*contract.Contract{ec.Contract},
			Summary:    "BROKEN on purpose: ZAB whose votes compare server ids only, so stale data can win",
			Checks:     []string{"one-leader-per-term", "zab-freshest-leader", "split-brain", "election-liveness"},
			Params:     func() any { return DefaultZab() },
			Tolerances: zabTolerances,
			Build:      buildZab(NewZabIgnoringZxid),
		},
	}
}

// zabTolerances: a ZAB leader does not listen to another's pings; it
// notices it lost its quorum at its next quorum check, one timeout after
// the last, which counted acks from the timeout before: two timeouts.
func zabTolerances(p any) map[string]string {
	return Handover(2 * p.(*ZabParams).Timeout)
}

// Handover is the split-brain tolerance an algorithm's timeouts justify:
// how long two leaders may share one component while the older learns of
// the newer.
func Handover(d time.Duration) map[string]string {
	return map[string]string{"split-brain": fmt.Sprintf("{handover: %v}", d)}
}

func buildZab(factory func(*ZabParams) simnet.Factory) func(b algo.Build) error {
	return func(b algo.Build) error {
		p := b.Params.(*ZabParams)
		if p.FinalizeWait <= 0 || p.Heartbeat <= 0 || p.Timeout <= 0 {
			return fmt.Errorf("zab: finalize_wait, heartbeat and timeout must be positive")
		}
		if len(p.Zxids) > b.Nodes {
			return fmt.Errorf("zab: %d zxids given for %d nodes", len(p.Zxids), b.Nodes)
		}
		for _, z := range p.Zxids {
			if z < 0 || z >= 1<<32 {
				return fmt.Errorf("zab: zxid %d out of range (a counter in epoch 0: 0 ≤ zxid < 2^32)", z)
			}
		}
		voters := b.Nodes
		for _, o := range p.Observers {
			var i int
			if _, err := fmt.Sscanf(o, "n%d", &i); err != nil || i < 0 || i >= b.Nodes || fmt.Sprintf("n%d", i) != o {
				return fmt.Errorf("zab: observer %q is not a server (n0 … n%d)", o, b.Nodes-1)
			}
			voters--
		}
		if voters < 1 {
			return fmt.Errorf("zab: every node is an observer; at least one must vote")
		}
		b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, factory(p))
		return nil
	}
}
