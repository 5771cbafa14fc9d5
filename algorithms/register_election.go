package algorithms

import "distlab/algorithms/election"

func init() { families = append(families, election.Specs()) }
