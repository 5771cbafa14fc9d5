// Package algo is the contract between an algorithm package and the rest of
// distlab: the Spec each algorithm registers so that scenario files can name
// it. It imports only simnet, so every algorithm package can use it.
package algo

import (
	"distlab/contract"
	"distlab/simnet"
)

// Spec describes one runnable algorithm.
type Spec struct {
	Name    string // what scenario files write after "algorithm:"
	Family  string // clocks, mutex, election, raft, commit, gossip, chain
	Summary string // one line for `distlab list`
	// Contracts are the family contracts the algorithm's trace follows
	// (Raft-KV speaks both election and kv). A scenario may only ask for
	// checks that read one of them, and strict runs validate every mark
	// against them.
	Contracts []*contract.Contract
	// Checks are the checker names a scenario gets when it lists none.
	Checks []string
	// Tolerances gives, for the algorithm's parameters (what Params
	// returned, filled from the scenario), default options of some checks
	// as YAML mappings keyed by check name — allowances tied to the
	// algorithm's own timeouts rather than one figure for every algorithm
	// ({"split-brain": "{handover: 200ms}"}). A scenario's own options for
	// the check override them. Nil: the checks' defaults.
	Tolerances func(params any) map[string]string
	// Params returns a pointer to the algorithm's parameters with their
	// defaults; a scenario's "params:" section is decoded into it (unknown
	// fields are errors). Nil when the algorithm has no parameters.
	Params func() any
	// Workload is the same for the scenario's "workload:" section. An int
	// field tagged `shrink:"halve"` (operations, events…) is one that
	// `distlab explore` may halve while shrinking a failing run.
	Workload func() any
	// Build adds the algorithm's nodes (servers, and clients if it has any)
	// to the simulation.
	Build func(b Build) error
	// Claims are the textbook figures `distlab compare FAMILY` measures
	// the algorithm against; nil leaves it out of the comparison.
	Claims []Claim
}

// Claim is one situation an algorithm is measured in, and the figures
// measured there beside what the textbook says. The comparison runs every
// algorithm of a family that has a claim for a situation on the same
// scenario, and prints one table per situation.
type Claim struct {
	// Situation names the setting ("busy load", "leader crash"); the
	// family's claims with the same name share a table.
	Situation string
	// Variant tells apart the rows of one algorithm in one situation when
	// it has several claims there (other params: "k=2", "memory").
	Variant string
	// Note says what the situation is (printed above its table).
	Note string
	// Scenario is the scenario file without version, algorithm, nodes and
	// seed (the comparison adds them): duration, workload, params,
	// faults, checks. Its checks produce the figures' metrics.
	Scenario string
	// Figures are the columns measured.
	Figures []Figure
	// Sizes are the cluster sizes used when none are asked for, and Seeds
	// how many seeds each row averages.
	Sizes []int
	Seeds int
	// Reading explains the algorithm's figures (printed after the tables).
	Reading string
}

// Figure is one measured column: a metric of one check's result, averaged
// over the runs where the check reported it, and the textbook's figure.
type Figure struct {
	Label string // column header
	Check string // the check whose Result.Metrics carry it
	// Metric is the metric's name. A name ending in "/*" gathers every
	// metric with that prefix into one text column ("Request 1.00, …").
	Metric string
	// Scale multiplies the metric (0 means 1).
	Scale float64
	// Aggregate is how the runs' values combine: "" (the mean) or "max"
	// (the largest, e.g. the worst rounds over all seeds).
	Aggregate string
	// StdErr prints the mean's standard error beside it ("17.2 ±0.09"),
	// so a reader sees how many digits the seeds make stable.
	StdErr bool
	// Format is the value's printf verb (default "%.2f").
	Format string
	// Textbook is what the book claims at cluster size n ("2(n−1) = 8"),
	// "" for no claim.
	Textbook func(n int) string
}

// Speaks names the contracts the algorithm follows.
func (s Spec) Speaks() []string {
	names := make([]string, len(s.Contracts))
	for i, c := range s.Contracts {
		names[i] = c.Name
	}
	return names
}

// SpeaksContract reports whether the algorithm follows contract c.
func (s Spec) SpeaksContract(c *contract.Contract) bool {
	for _, x := range s.Contracts {
		if x == c || x.Name == c.Name {
			return true
		}
	}
	return false
}

// Build is what Spec.Build gets.
type Build struct {
	Sim *simnet.Sim
	// Nodes is the scenario's cluster size. Servers are named n0, n1, … in
	// group contract.ServerGroup; clients, if any, c0, c1, … in group
	// contract.ClientGroup.
	Nodes int
	// Params and Workload are the pointers returned by Spec.Params and
	// Spec.Workload, filled from the scenario (nil when the Spec has none).
	Params   any
	Workload any
}
