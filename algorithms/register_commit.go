package algorithms

import "distlab/algorithms/commit"

func init() { families = append(families, commit.Specs()) }
