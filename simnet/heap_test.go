package simnet

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The heap hands events back in (time, sequence) order however pushes and
// pops interleave, and what it has scheduled is what was pushed and not
// yet popped.
func TestEventHeapOrder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var h eventHeap
	pending := map[int64]bool{}
	var seq uint64
	var last event
	for range 20_000 {
		if h.len() == 0 || rng.IntN(3) > 0 {
			seq++
			// never before the last popped: a simulation schedules forward
			e := event{at: last.at + time.Duration(rng.IntN(50)), seq: seq, id: int64(seq), kind: evDeliver}
			h.push(&e)
			pending[e.id] = true
			continue
		}
		var e event
		h.pop(&e)
		require.False(t, e.at < last.at || e.at == last.at && e.seq < last.seq, "seed %d: %v/%d after %v/%d", seed, e.at, e.seq, last.at, last.seq)
		require.True(t, pending[e.id])
		delete(pending, e.id)
		last = e
	}
	n := 0
	for _, e := range h.scheduled() {
		if e.kind == evDeliver {
			assert.True(t, pending[e.id])
			n++
		}
	}
	assert.Equal(t, len(pending), n)
	assert.Equal(t, len(pending), h.len())
}
