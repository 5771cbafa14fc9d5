// Package scenarios reads, validates and runs scenario files: YAML that says
// everything about one run (algorithm, cluster size, seed, network, faults,
// workload, checks and the expected outcome), so that a run can be replayed
// exactly. FORMAT.md beside this file is the format's reference; the
// folders beside it hold the library of scenarios, one per family.
//
//	sc, err := scenarios.Load("scenarios/election/bully-split-brain.yaml")
//	res, err := sc.Run(scenarios.RunOptions{})
//	fmt.Println(res.ExpectationMet, res.Checks)
//
// Errors name the file, line, column and field.
package scenarios

//go:generate go run ../cmd/distlab describe --write-format FORMAT.md
