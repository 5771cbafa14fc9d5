package compare

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestElectionTable(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Election(&buf, []int{3, 5}, 1))
	out := buf.String()
	t.Log("\n" + out)
	for _, want := range []string{"clean start", "leader crash", "bully", "raft", "zab", "n(n−1) = 20 per round"} {
		assert.Contains(t, out, want)
	}
}

func TestElectionRowsAgreeWithTheTextbook(t *testing.T) {
	rows, err := ElectionRows([]int{5}, 1)
	require.NoError(t, err)
	require.Len(t, rows, 6)
	for _, r := range rows {
		require.Empty(t, r.Missing, "%s %s", r.Situation, r.Algorithm)
		assert.Equal(t, electionRuns, r.Runs, "%s %s", r.Situation, r.Algorithm)
		switch r.Algorithm {
		case "zab":
			// At least one full round of broadcast votes.
			assert.GreaterOrEqual(t, r.ByType["Notification"], 20.0, r.Situation)
		case "bully":
			assert.LessOrEqual(t, r.Election, 2.0*25, "Bully stays within its O(n²) worst case")
			assert.GreaterOrEqual(t, r.ByType["Victory"], 3.0, "the winner announces itself to the others")
		case "raft":
			assert.GreaterOrEqual(t, r.ByType["RequestVote"], 4.0, "a candidate asks everyone else")
		}
	}
}

func TestElectionRejectsTinyClusters(t *testing.T) {
	var buf bytes.Buffer
	assert.Error(t, Election(&buf, []int{1}, 1))
}
