package algorithms

import "distlab/algorithms/clocks"

func init() { families = append(families, clocks.Specs()) }
