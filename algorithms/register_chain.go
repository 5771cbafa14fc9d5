package algorithms

import "distlab/algorithms/chain"

func init() { families = append(families, chain.Specs()) }
