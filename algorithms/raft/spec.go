package raft

import (
	"fmt"

	"distlab/algorithms/algo"
	"distlab/algorithms/election"
	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/contract/kv"
	rc "distlab/contract/raftlog"
	"distlab/simnet"
)

// Specs registers Raft's algorithms.
func Specs() []algo.Spec {
	kvParams := func() any {
		p := DefaultParams()
		p.SnapshotThreshold = 64
		return p
	}
	electionParams := func() any { return DefaultParams() }
	workload := func() any { return DefaultWorkload() }
	return []algo.Spec{
		{Name: "raft-kv", Family: "raft", Contracts: kvContracts, Checks: kvChecks,
			Summary: "Raft log replication with a key-value service (get, put, append, cas) and retrying exactly-once clients",
			Params:  kvParams, Workload: workload, Build: buildKV(Bugs{}, false)},
		{Name: "raft-kv-cas-at-leader", Family: "raft", Contracts: kvContracts, Checks: kvChecks,
			Summary: "BROKEN on purpose: Raft KV whose leader compares a cas on arrival, against its applied state, not in log order",
			Params:  kvParams, Workload: workload, Build: buildKV(Bugs{CASAtLeader: true}, false)},
		{Name: "raft-kv-stale-read", Family: "raft", Contracts: kvContracts, Checks: kvChecks,
			Summary: "BROKEN on purpose: Raft KV whose servers answer Get from local state, without a quorum",
			Params:  kvParams, Workload: workload, Build: buildKV(Bugs{StaleReads: true}, true)},
		{Name: "raft", Family: "election", Contracts: []*contract.Contract{ec.Contract, rc.Contract}, Checks: electionChecks,
			Summary: "Raft leader election (the raft-kv servers with no clients)",
			Params:  electionParams, Tolerances: tolerances, Build: buildServers(Bugs{}), Claims: electionClaims},
		{Name: "raft-double-vote", Family: "election", Contracts: []*contract.Contract{ec.Contract, rc.Contract}, Checks: electionChecks,
			Summary: "BROKEN on purpose: Raft election whose servers vote for every up-to-date candidate of a term",
			Params:  electionParams, Tolerances: tolerances, Build: buildServers(Bugs{DoubleVote: true})},
	}
}

// electionClaims measure Raft's election beside Bully and ZAB.
var electionClaims = election.Claims(
	func(n int) string { return fmt.Sprintf("one round: 2(n−1) = %d", 2*(n-1)) },
	func(n int) string { return fmt.Sprintf("one round: 2(n−1) = %d", 2*(n-1)) },
	`one candidate usually wins in one round, 2(n−1) messages, but only after a randomized
election timeout (150–300ms here), which is most of its time.`)

// tolerances: an old leader learns of the new one from the first message
// of the newer term it gets (a heartbeat, or a follower's answer to its
// own); by one election timeout its followers would have elected anew.
func tolerances(p any) map[string]string {
	return election.Handover(p.(*Params).ElectionTimeoutMax)
}

// kvContracts are what Raft-KV's traces follow: its servers run the
// election and replicate a log, its clients record a key-value history.
var kvContracts = []*contract.Contract{ec.Contract, rc.Contract, kv.Contract}

// kvChecks are Raft-KV's checks: what the clients saw, and the log rules
// behind it.
var kvChecks = []string{"linearizability", "kv-liveness", "raft-commit-rule", "raft-state-machine-safety", "raft-log-matching"}

// electionChecks are the election family's checkers (checkers/election).
var electionChecks = []string{"one-leader-per-term", "one-vote-per-term", "split-brain", "election-liveness"}

func params(b algo.Build) Params {
	if p, ok := b.Params.(*Params); ok && p != nil {
		return *p
	}
	return *DefaultParams()
}

func buildServers(bugs Bugs) func(b algo.Build) error {
	return func(b algo.Build) error {
		p := params(b)
		if err := p.validate(); err != nil {
			return err
		}
		b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
			return NewServer(env, p, bugs)
		})
		return nil
	}
}

func buildKV(bugs Bugs, readAny bool) func(b algo.Build) error {
	servers := buildServers(bugs)
	return func(b algo.Build) error {
		if err := servers(b); err != nil {
			return err
		}
		w := *DefaultWorkload()
		if wp, ok := b.Workload.(*Workload); ok && wp != nil {
			w = *wp
		}
		if w.Clients < 0 || w.Ops < 0 || w.Keys < 1 || w.Timeout <= 0 {
			return fmt.Errorf("raft workload: need clients >= 0, ops >= 0, keys >= 1, timeout > 0")
		}
		if w.Get < 0 || w.Put < 0 || w.Append < 0 || w.CAS < 0 {
			return fmt.Errorf("raft workload: the weights get, put, append and cas must not be negative")
		}
		for i := range w.Clients {
			b.Sim.AddNode(fmt.Sprintf("c%d", i), contract.ClientGroup, func(env *simnet.Env) simnet.Node {
				return NewClient(env, w, i, readAny)
			})
		}
		return nil
	}
}

func (p Params) validate() error {
	switch {
	case p.ElectionTimeoutMin <= 0 || p.ElectionTimeoutMax < p.ElectionTimeoutMin:
		return fmt.Errorf("raft params: need 0 < election_timeout_min <= election_timeout_max")
	case p.Heartbeat <= 0:
		return fmt.Errorf("raft params: heartbeat must be positive")
	case p.Heartbeat >= p.ElectionTimeoutMin:
		return fmt.Errorf("raft params: heartbeat (%v) must be shorter than election_timeout_min (%v)", p.Heartbeat, p.ElectionTimeoutMin)
	case p.SnapshotThreshold < 0:
		return fmt.Errorf("raft params: snapshot_threshold must not be negative")
	}
	return nil
}
