package theory

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The figures section 11 of the Bitcoin paper prints.
func TestNakamotoTable(t *testing.T) {
	for _, tc := range []struct {
		q    float64
		z    int
		want float64
	}{
		{0.1, 0, 1}, {0.1, 1, 0.2045873}, {0.1, 2, 0.0509779}, {0.1, 3, 0.0131722}, {0.1, 4, 0.0034552},
		{0.1, 5, 0.0009137}, {0.1, 6, 0.0002428}, {0.1, 7, 0.0000647}, {0.1, 8, 0.0000173}, {0.1, 9, 0.0000046}, {0.1, 10, 0.0000012},
		{0.3, 0, 1}, {0.3, 5, 0.1773523}, {0.3, 10, 0.0416605}, {0.3, 15, 0.0101008}, {0.3, 20, 0.0024804},
		{0.3, 25, 0.0006132}, {0.3, 30, 0.0001522}, {0.3, 35, 0.0000379}, {0.3, 40, 0.0000095}, {0.3, 45, 0.0000024}, {0.3, 50, 0.0000006},
	} {
		assert.InDelta(t, tc.want, Nakamoto(tc.q, tc.z), 5e-8, "q=%v z=%d", tc.q, tc.z)
	}
}

// The exact race against a direct simulation of the two random walks.
func TestRaceAgainstRandomWalks(t *testing.T) {
	seed := uint64(42)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for _, tc := range []struct {
		q       float64
		z       int
		tieWins bool
		giveUp  int
	}{{0.1, 1, false, 0}, {0.3, 2, false, 14}, {0.3, 4, true, 0}, {0.45, 3, false, 10}} {
		wins, n := 0, 200000
		for range n {
			honest, attacker := 0, 0
			for {
				if r.Float64() < tc.q {
					attacker++
				} else {
					honest++
				}
				lead := attacker - honest
				need := 1
				if tc.tieWins {
					need = 0
				}
				if honest >= tc.z && lead >= need {
					wins++
					break
				}
				if (tc.giveUp > 0 && -lead >= tc.giveUp) || -lead > 60 {
					break
				}
			}
		}
		assert.InDelta(t, Race(tc.q, tc.z, tc.tieWins, tc.giveUp), float64(wins)/float64(n), 0.004, "%+v", tc)
	}
}

// With ties winning and a Poisson count the two agree: what remains
// between Race(tieWins) and Nakamoto is Poisson against negative binomial.
func TestRaceAndNakamotoDiffer(t *testing.T) {
	assert.InDelta(t, 0.2, Race(0.1, 1, true, 0), 1e-12, "1 − 0.9·(1−1/9) − 0.09·0")
	assert.Greater(t, Nakamoto(0.1, 1), Race(0.1, 1, true, 0))
	assert.Less(t, Race(0.1, 1, false, 0), Race(0.1, 1, true, 0)/5, "needing a strict lead costs most at small z")
	assert.Equal(t, 1.0, Race(0.6, 6, false, 0))
}

func TestSelfish(t *testing.T) {
	assert.InDelta(t, 1.0/3, SelfishThreshold(0), 1e-12)
	assert.InDelta(t, 0.25, SelfishThreshold(0.5), 1e-12)
	assert.InDelta(t, 0, SelfishThreshold(1), 1e-12)
	assert.InDelta(t, 0.1951, SelfishRevenue(0.25, 0), 1e-4)
	assert.InDelta(t, 0.4837, SelfishRevenue(0.4, 0), 1e-4)
	// at the threshold the revenue equals the share
	a := SelfishThreshold(0.3)
	assert.InDelta(t, a, SelfishRevenue(a, 0.3), 1e-9)
}

func TestStaleAndInterest(t *testing.T) {
	assert.InDelta(t, 0.0952, StaleRate(0.1, 1), 1e-4)
	assert.InDelta(t, 0.68, Interest(100*50, 0.05), 0.005, "the course's 100 coins × 50 days at 5 %")
}
