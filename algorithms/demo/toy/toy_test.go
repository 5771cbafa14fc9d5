package toy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/simnet/trace"
)

func TestSmallHasEveryDrawnKind(t *testing.T) {
	tr := Small()
	seen := map[trace.Kind]int{}
	for _, e := range tr.All() {
		seen[e.Kind]++
	}
	for _, k := range []trace.Kind{trace.Send, trace.Deliver, trace.Drop, trace.Duplicate, trace.TimerFire,
		trace.Crash, trace.Restart, trace.Partition, trace.Heal, trace.State, trace.Mark} {
		assert.NotZero(t, seen[k], "kind %s missing", k)
	}
	t.Logf("%d events: %v", tr.Len(), seen)
}
