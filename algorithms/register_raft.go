package algorithms

import "distlab/algorithms/raft"

func init() { families = append(families, raft.Specs()) }
