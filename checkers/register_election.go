package checkers

import "distlab/checkers/election"

func init() { families = append(families, election.Specs()) }
