package gossip

import "distlab/algorithms/algo"

func pushClaims() []algo.Claim        { return nil }
func antiEntropyClaims() []algo.Claim { return nil }
func rumorClaims() []algo.Claim       { return nil }
func floodClaims() []algo.Claim       { return nil }
func treeClaims() []algo.Claim        { return nil }
