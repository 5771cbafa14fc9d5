package checkers

import "distlab/checkers/linearizability"

func init() { families = append(families, linearizability.Specs()) }
