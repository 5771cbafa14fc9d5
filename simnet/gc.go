package simnet

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GCPercent is the garbage collector target (GOGC) that TuneGC sets as a
// backstop; the heap's real bound is the slack below.
const GCPercent = 1600

// MinGCSlack is the least garbage TuneGC lets the heap gather before a
// collection; past a live heap of half of it, the slack is twice the live
// heap (as GOGC=200 would give).
const MinGCSlack = 48 << 20

// TuneGC sets the garbage collector's policy for simulations, unless the
// environment sets GOGC or GOMEMLIMIT: the heap may grow by
// max(MinGCSlack, 2 × live heap) before a collection. A simulation
// allocates fast and keeps little, and the default (collect when the heap
// doubles, at least every 4 MB) makes the collector cost as much as the
// simulation itself; a fixed allowance makes collections of a small heap
// rare, while a long run's heap stays near what it keeps (a
// million-event run keeps some 20 MB and peaks under 100 MB).
//
// It works through the soft memory limit, moved after every collection
// to live + slack (GOGC stays as a backstop, so the heap is bounded even
// if the limit stopped moving). Programs call it once at start (the
// distlab command and the lab tests do); a library should leave the
// choice to its program.
func TuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	gcOnce.Do(func() {
		debug.SetGCPercent(GCPercent)
		setGCLimit()
		armGCHook()
	})
}

var gcOnce sync.Once

// gcSentinel dies at every collection; its finalizer moves the limit and
// makes the next one.
type gcSentinel struct{ _ *int }

func armGCHook() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		setGCLimit()
		armGCHook()
	})
}

var gcSamples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
}

// setGCLimit sets the soft memory limit to what the runtime holds besides
// heap objects, plus the live heap, plus the slack.
func setGCLimit() {
	metrics.Read(gcSamples)
	live := gcSamples[0].Value.Uint64()
	total, released, objects := gcSamples[1].Value.Uint64(), gcSamples[2].Value.Uint64(), gcSamples[3].Value.Uint64()
	overhead := total - released - min(objects, total-released)
	slack := max(uint64(MinGCSlack), 2*live)
	limit := overhead + live + slack
	if limit > math.MaxInt64 {
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(int64(limit))
}
