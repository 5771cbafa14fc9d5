// Package theory holds the closed forms the chain family is measured
// against: Nakamoto's double-spend estimate and the exact race it
// approximates, Eyal and Sirer's selfish-mining revenue and threshold,
// the stale-block rate 1 − e^(−Δ/T), and the course's coin-age interest.
// The Monte-Carlo tables (scenarios/chain) and `distlab compare chain`
// print these beside what the simulation measures.
package theory

import "math"

// Nakamoto is the probability an attacker with hash share q ever catches
// up from z blocks behind, as section 11 of the Bitcoin paper computes it:
// the attacker's progress while the merchant waits is taken to be Poisson
// with mean z·q/p (as if the honest blocks took exactly their expected
// time), and catching up means drawing level, which happens from d behind
// with probability (q/p)^d.
func Nakamoto(q float64, z int) float64 {
	p := 1 - q
	if q >= p {
		return 1
	}
	lambda := float64(z) * q / p
	sum := 1.0
	for k := 0; k <= z; k++ {
		poisson := math.Exp(-lambda)
		for i := 1; i <= k; i++ {
			poisson *= lambda / float64(i)
		}
		sum -= poisson * (1 - math.Pow(q/p, float64(z-k)))
	}
	return sum
}

// Race is the exact probability that the double spend of the chain
// family's attacker succeeds: it starts a private branch when it pays the
// merchant, the merchant accepts once the payment has z confirmations
// (its block and z−1 on top), and the attacker wins if its branch ever
// gets strictly longer than the public one after that (tieWins: level is
// enough, Nakamoto's reading). The attacker's blocks by the time the
// honest chain has z follow a negative binomial distribution (each block
// is the attacker's with probability q), not a Poisson one. giveUp > 0
// abandons the race when the public branch leads by that many blocks
// (0: never).
func Race(q float64, z int, tieWins bool, giveUp int) float64 {
	p := 1 - q
	if q >= p && giveUp == 0 {
		return 1
	}
	need := 1 // the lead that wins
	if tieWins {
		need = 0
	}
	fail := 0.0
	nb := math.Pow(p, float64(z)) // P(k = 0)
	for k := 0; ; k++ {
		if k > 0 {
			nb *= float64(z+k-1) / float64(k) * q
		}
		lead := k - z
		if lead >= need {
			break
		}
		fail += nb * (1 - climb(q, need-lead, giveUp+lead))
	}
	return 1 - fail
}

// climb is the probability that a random walk, +1 with probability q and
// −1 otherwise, gains up steps before it loses down (down ≤ 0: never
// stops going down: the gambler's ruin against an infinite bank).
func climb(q float64, up, down int) float64 {
	p := 1 - q
	if down <= 0 {
		if q >= p {
			return 1
		}
		return math.Pow(q/p, float64(up))
	}
	if q == p {
		return float64(down) / float64(up+down)
	}
	r := p / q
	return (1 - math.Pow(r, float64(down))) / (1 - math.Pow(r, float64(up+down)))
}

// SelfishRevenue is Eyal and Sirer's relative revenue of a selfish pool
// with hash share alpha when a share gamma of the honest miners builds on
// its block in a tie.
func SelfishRevenue(alpha, gamma float64) float64 {
	a := alpha
	num := a*(1-a)*(1-a)*(4*a+gamma*(1-2*a)) - a*a*a
	den := 1 - a*(1+(2-a)*a)
	return num / den
}

// SelfishThreshold is the hash share above which selfish mining pays:
// (1 − γ)/(3 − 2γ).
func SelfishThreshold(gamma float64) float64 { return (1 - gamma) / (3 - 2*gamma) }

// StaleRate is the textbook estimate of the share of stale blocks when
// news of a block takes delta to arrive and blocks come every interval:
// the chance another block is found meanwhile, 1 − e^(−Δ/T).
func StaleRate(delta, interval float64) float64 { return 1 - math.Exp(-delta/interval) }

// Interest is what consuming coin-days earns at a yearly rate (the
// course's example: 5000 coin-days at 5 % earn 0.68 coins).
func Interest(coinDays, rate float64) float64 { return coinDays * rate / 365 }
