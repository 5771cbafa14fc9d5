package checkers

import "distlab/checkers/gossip"

func init() { families = append(families, gossip.Specs()) }
