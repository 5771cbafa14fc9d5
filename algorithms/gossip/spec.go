package gossip

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// Checks is what a gossip scenario checks when it names none.
var Checks = []string{"convergence", "no-lost-write", "gossip-validity", "residue", "gossip-cost"}

// Names of the registered algorithms.
const (
	NameGossip        = "gossip"
	NameGossipArrival = "gossip-arrival"
	NameAntiEntropy   = "anti-entropy"
	NameRumor         = "rumor"
	NameFlood         = "flood"
	NameTree          = "tree"
)

// Specs lists the family's algorithms for the registry.
func Specs() []algo.Spec {
	contracts := []*contract.Contract{gc.Contract}
	workload := func() any { return DefaultWorkload() }
	spec := func(name, summary string, params func() any, build func(b algo.Build) error, claims []algo.Claim) algo.Spec {
		return algo.Spec{Name: name, Family: "gossip", Contracts: contracts, Summary: summary, Checks: Checks,
			Params: params, Workload: workload, Build: build, Claims: claims}
	}
	return []algo.Spec{
		spec(NameGossip, "the seed's gossip: every period each replica sends all its data to k random peers; newest (timestamp, node id) wins; memory: the seed's don't-resend optimisation",
			func() any { return DefaultPushParams() }, buildPush(false), pushClaims()),
		spec(NameGossipArrival, "BROKEN on purpose: the seed's gossip merging by arrival order (the last entry received wins, whatever its version)",
			func() any { return DefaultPushParams() }, buildPush(true), nil),
		spec(NameAntiEntropy, "anti-entropy beside the book (Demers et al.): each period one random peer; digest first, then only the entries that differ; push, pull or push-pull",
			func() any { return DefaultAntiEntropyParams() }, buildAntiEntropy, antiEntropyClaims()),
		spec(NameRumor, "rumor mongering beside the book (Demers et al.): hot updates told to random peers until interest is lost (feedback|blind, counter|coin, k); optional backup anti-entropy",
			func() any { return DefaultRumorParams() }, buildRumor, rumorClaims()),
		spec(NameFlood, "baseline: forward every new update at once to every neighbour in a topology (line, grid, tree, total); no repair",
			func() any { return DefaultFloodParams() }, buildFlood, floodClaims()),
		spec(NameTree, "baseline: forward every new update along a spanning tree (Maelstrom's tree topology, branching 4 by default); n−1 messages, no repair",
			func() any { return DefaultTreeParams() }, buildFlood, treeClaims()),
	}
}

// fieldErr is a params error the scenario loader reports at the field.
func fieldErr(field, format string, args ...any) error {
	return &algo.FieldError{Field: "params." + field, Err: fmt.Errorf(format, args...)}
}

// workloadErr is the same for the workload section.
func workloadErr(field, format string, args ...any) error {
	return &algo.FieldError{Field: "workload." + field, Err: fmt.Errorf(format, args...)}
}

func checkPeriod(d time.Duration) error {
	if d <= 0 {
		return fieldErr("period", "period must be positive (got %v): a replica gossips once a period (valid: any duration > 0, e.g. 100ms)", d)
	}
	return nil
}

// needPeers rejects a cluster too small to gossip in.
func needPeers(n int) error {
	if n < 2 {
		return fieldErr("k", "a gossip cluster needs at least 2 replicas (nodes: %d)", n)
	}
	return nil
}

// addServers adds the replicas n0 … and returns their ids.
func addServers(b algo.Build, node func(env *simnet.Env, servers []simnet.NodeID) simnet.Node) []simnet.NodeID {
	servers := serverIDs(b.Nodes)
	b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node { return node(env, servers) })
	return servers
}

// serverIDs is the ids of the first n nodes: the servers are added first.
func serverIDs(n int) []simnet.NodeID {
	ids := make([]simnet.NodeID, n)
	for i := range ids {
		ids[i] = simnet.NodeID(i)
	}
	return ids
}

// addClients adds the workload's clients.
func addClients(b algo.Build, servers []simnet.NodeID) error {
	w := *DefaultWorkload()
	if wp, ok := b.Workload.(*Workload); ok && wp != nil {
		w = *wp
	}
	if err := w.validate(); err != nil {
		return err
	}
	writeTo := servers
	if len(w.WriteTo) > 0 {
		writeTo = nil
		var names []string
		for _, id := range servers {
			names = append(names, b.Sim.Name(id))
		}
		for _, name := range w.WriteTo {
			i := slices.Index(names, name)
			if i < 0 {
				return workloadErr("write_to", "unknown replica %q (valid: %s)", name, strings.Join(names, ", "))
			}
			writeTo = append(writeTo, servers[i])
		}
	}
	for i := range w.Clients {
		b.Sim.AddNode(fmt.Sprintf("c%d", i), contract.ClientGroup, func(env *simnet.Env) simnet.Node {
			return newClient(env, w, i, servers, writeTo)
		})
	}
	return nil
}

func pushParams(b algo.Build) PushParams {
	if p, ok := b.Params.(*PushParams); ok && p != nil {
		return *p
	}
	return *DefaultPushParams()
}

func buildPush(arrival bool) func(b algo.Build) error {
	return func(b algo.Build) error {
		p := pushParams(b)
		if err := needPeers(b.Nodes); err != nil {
			return err
		}
		if p.K < 1 || p.K > b.Nodes-1 {
			what := "is larger than the cluster allows"
			if p.K < 1 {
				what = "sends to nobody"
			}
			return fieldErr("k", "k = %d %s: a replica has %d peers (valid: 1..%d)", p.K, what, b.Nodes-1, b.Nodes-1)
		}
		if err := checkPeriod(p.Period); err != nil {
			return err
		}
		if p.Resolution < 0 {
			return fieldErr("resolution", "resolution must not be negative (got %v; 0 keeps nanoseconds)", p.Resolution)
		}
		servers := addServers(b, func(env *simnet.Env, servers []simnet.NodeID) simnet.Node {
			return newPusher(env, servers, p, arrival)
		})
		return addClients(b, servers)
	}
}

func buildAntiEntropy(b algo.Build) error {
	p := *DefaultAntiEntropyParams()
	if pp, ok := b.Params.(*AntiEntropyParams); ok && pp != nil {
		p = *pp
	}
	if err := needPeers(b.Nodes); err != nil {
		return err
	}
	if _, _, err := p.directions(); err != nil {
		return fieldErr("mode", "%v", err)
	}
	if err := checkPeriod(p.Period); err != nil {
		return err
	}
	servers := addServers(b, func(env *simnet.Env, servers []simnet.NodeID) simnet.Node {
		return newAntiEntropy(env, servers, p)
	})
	return addClients(b, servers)
}

func buildRumor(b algo.Build) error {
	p := *DefaultRumorParams()
	if pp, ok := b.Params.(*RumorParams); ok && pp != nil {
		p = *pp
	}
	if err := needPeers(b.Nodes); err != nil {
		return err
	}
	if err := p.validate(b.Nodes - 1); err != nil {
		return err
	}
	servers := addServers(b, func(env *simnet.Env, servers []simnet.NodeID) simnet.Node {
		return newRumorer(env, servers, p)
	})
	return addClients(b, servers)
}

func buildFlood(b algo.Build) error {
	p := *DefaultFloodParams()
	if pp, ok := b.Params.(*FloodParams); ok && pp != nil {
		p = *pp
	}
	if err := p.validate(); err != nil {
		return err
	}
	if b.Nodes < 1 {
		return fieldErr("topology", "no replicas")
	}
	servers := serverIDs(b.Nodes)
	next := neighbours(p.Topology, p.Branching, servers)
	b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
		return newFlooder(env, servers, next[env.ID()], p)
	})
	return addClients(b, servers)
}
