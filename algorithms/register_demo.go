package algorithms

import "distlab/algorithms/demo"

func init() { families = append(families, demo.Specs()) }
