package compare

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/algorithms/algo"
)

func TestMeanAndError(t *testing.T) {
	mean, se := meanAndError([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	assert.InDelta(t, 5.0, mean, 1e-12)
	// sample standard deviation √(32/7), over √8
	assert.InDelta(t, math.Sqrt(32.0/7)/math.Sqrt(8), se, 1e-12)
	mean, se = meanAndError([]float64{3})
	assert.Equal(t, 3.0, mean)
	assert.Equal(t, 0.0, se, "one run has no spread to speak of")
}

func TestRowNameCarriesTheVariant(t *testing.T) {
	spec := algo.Spec{Name: "gossip"}
	assert.Equal(t, "gossip", rowName(spec, algo.Claim{}))
	assert.Equal(t, "gossip k=2", rowName(spec, algo.Claim{Variant: "k=2"}))
}
