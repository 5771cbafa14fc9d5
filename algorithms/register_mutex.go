package algorithms

import "distlab/algorithms/mutex"

func init() { families = append(families, mutex.Specs()) }
