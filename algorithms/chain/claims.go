package chain

import "distlab/algorithms/algo"

var (
	powClaims  []algo.Claim
	posClaims  []algo.Claim
	dposClaims []algo.Claim
)
