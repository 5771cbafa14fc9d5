package compare_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/compare"
)

// The busy no-fault runs must show the textbook's figures exactly for
// central and Ricart-Agrawala, and within 1..n for the ring.
func TestMutexMatchesTextbook(t *testing.T) {
	rows, err := compare.MutexRows([]int{3, 5}, 1)
	require.NoError(t, err)
	for _, r := range rows {
		require.Positive(t, r.Entries, "%s n=%d", r.Algorithm, r.Nodes)
		switch r.Algorithm {
		case "central":
			assert.InDelta(t, 3.0, r.PerEntry, 1e-9, r.Load)
		case "ricart-agrawala":
			assert.InDelta(t, float64(2*(r.Nodes-1)), r.PerEntry, 1e-9, r.Load)
		case "token-ring":
			if r.Load == "busy" {
				assert.GreaterOrEqual(t, r.PerEntry, 1.0)
				assert.LessOrEqual(t, r.PerEntry, float64(r.Nodes))
			}
		}
	}
}

func TestMutexPrintsTable(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, compare.Mutex(&buf, []int{3}, 1))
	out := buf.String()
	for _, want := range []string{"central", "ricart-agrawala", "token-ring", "2(n-1) = 4", "1..n = 1..3", "msgs/entry"} {
		assert.True(t, strings.Contains(out, want), "missing %q in\n%s", want, out)
	}
}
