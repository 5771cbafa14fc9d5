package checkers

import "distlab/checkers/chain"

func init() { families = append(families, chain.Specs()) }
