package compare_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/compare"
)

func TestFamiliesComeFromTheSpecs(t *testing.T) {
	assert.Subset(t, compare.Families(), []string{"election", "mutex"})
}

// With no faults the busy runs show the textbook's figures exactly for
// central and Ricart-Agrawala, and within 1..n for the ring.
func TestMutexMatchesTheTextbook(t *testing.T) {
	tab, err := compare.Measure("mutex", compare.Options{Sizes: []int{3, 5}})
	require.NoError(t, err)
	require.Len(t, tab.Sections, 2)
	for _, sec := range tab.Sections {
		require.Len(t, sec.Rows, 6, sec.Situation)
		for _, r := range sec.Rows {
			require.Positive(t, r.Values["entries"], "%s n=%d", r.Algorithm, r.Nodes)
			per := r.Values["msgs/entry"]
			switch r.Algorithm {
			case "central":
				assert.InDelta(t, 3.0, per, 1e-9, sec.Situation)
			case "ricart-agrawala":
				assert.InDelta(t, float64(2*(r.Nodes-1)), per, 1e-9, sec.Situation)
			case "token-ring":
				if sec.Situation == "busy load" {
					assert.GreaterOrEqual(t, per, 1.0)
					assert.LessOrEqual(t, per, float64(r.Nodes))
				} else {
					assert.Greater(t, per, float64(r.Nodes), "idle passes make a light ring expensive")
				}
			}
			assert.NotEmpty(t, r.Textbook)
		}
	}
}

func TestElectionAgreesWithTheTextbook(t *testing.T) {
	tab, err := compare.Measure("election", compare.Options{Sizes: []int{5}})
	require.NoError(t, err)
	require.Len(t, tab.Sections, 2)
	for _, sec := range tab.Sections {
		require.Len(t, sec.Rows, 3)
		for _, r := range sec.Rows {
			require.Equal(t, 5, r.Runs, "%s %s: every run reached a leader known to all", sec.Situation, r.Algorithm)
			parts := r.Parts["by type"]
			switch r.Algorithm {
			case "zab":
				assert.GreaterOrEqual(t, parts["Notification"], 20.0, "at least one round of broadcast votes (%s)", sec.Situation)
			case "bully":
				assert.LessOrEqual(t, r.Values["election msgs"], 25.0, "within Bully's O(n²) worst case")
				assert.GreaterOrEqual(t, parts["Victory"], 3.0, "the winner announces itself to the others")
			case "raft":
				assert.GreaterOrEqual(t, parts["RequestVote"], 4.0, "a candidate asks everyone else")
				assert.Greater(t, r.Values["time ms"], 100.0, "Raft waits for its randomized timeout")
			}
		}
	}
}

func TestPrintAndBadInput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, compare.Print(&buf, "mutex", compare.Options{Sizes: []int{3}}))
	for _, want := range []string{"busy load", "light load", "msgs/entry: 2(n−1) = 4", "Reading it:"} {
		assert.Contains(t, buf.String(), want)
	}
	assert.ErrorContains(t, compare.Print(&buf, "mutex", compare.Options{Sizes: []int{1}}), "at least 2 nodes")
	assert.ErrorContains(t, compare.Print(&buf, "nope", compare.Options{}), `no comparison for family "nope" (valid: `)
}
