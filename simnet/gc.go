package simnet

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GCSlack is the least garbage TuneGC lets a heap gather before a
// collection (see TuneGC).
const GCSlack = 48 << 20

// TuneGC sets the garbage collector's policy for simulations, unless the
// environment sets GOGC or GOMEMLIMIT. A simulation allocates fast and
// keeps little. At the default target (collect when the heap doubles, at
// least every 4 MB) the collector costs three to four times the
// simulation itself (measured: ping-pong 1.3 µs a step at GOGC=100, 0.35
// µs at 400); and an exploration, whose runs each keep a few megabytes,
// still spent a sixth of its time collecting at GOGC=400. So TuneGC turns
// the percentage target off and lets the garbage grow to
// max(GCSlack, 2 × live heap) through the soft memory limit, moved after
// every collection: a small heap (the lab scenarios, exploration) is
// collected every 48 MB of garbage, a middle one (a million-event run)
// stays within live + 48 MB, and a large one is collected as at GOGC=200.
//
// Programs call it once at start (the distlab command and the lab tests
// do); a library should leave the choice to its program.
func TuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	gcOnce.Do(func() {
		setGCLimit()
		debug.SetGCPercent(-1) // after the limit: never a moment with neither
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
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
}

// setGCLimit sets the soft memory limit to what the runtime holds besides
// the heap (stacks, its own structures), plus the live heap, plus the
// slack. Free heap memory not yet returned to the system is not counted
// as held: after a big run it would raise the limit by what that run
// used, and the next run would gather that much garbage.
func setGCLimit() {
	metrics.Read(gcSamples)
	u := func(i int) uint64 { return gcSamples[i].Value.Uint64() }
	live, total := u(0), u(1)
	heap := u(2) + u(3) + u(4) + u(5) // released, objects, free, unused
	overhead := total - min(heap, total)
	slack := max(uint64(GCSlack), 2*live)
	limit := overhead + live + slack
	if limit > math.MaxInt64 {
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(int64(limit))
}
