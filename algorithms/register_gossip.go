package algorithms

import "distlab/algorithms/gossip"

func init() { families = append(families, gossip.Specs()) }
