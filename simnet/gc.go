package simnet

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GCPercent is the garbage collector target (GOGC) that TuneGC sets.
const GCPercent = 400

// GCSlack is the most garbage TuneGC lets a middle-sized heap gather
// before a collection (see TuneGC).
const GCSlack = 48 << 20

// TuneGC sets the garbage collector's policy for simulations, unless the
// environment sets GOGC or GOMEMLIMIT. A simulation allocates fast and
// keeps little, and at the default target (collect when the heap doubles,
// at least every 4 MB) the collector costs three to four times the
// simulation itself (measured: ping-pong 1.3 µs a step at GOGC=100, 0.35
// µs at 400), so it sets GOGC=400. That lets a heap grow to five times
// what it keeps, though: a long run that keeps 25 MB would peak at 125 MB.
// So the garbage is also capped, at max(GCSlack, 2 × live heap), through
// the soft memory limit, moved after every collection: a small heap (the
// lab scenarios, exploration) is collected exactly as at GOGC=400, a
// middle one (a million-event run) stays within live + 48 MB, and a large
// one is collected as at GOGC=200.
//
// Programs call it once at start (the distlab command and the lab tests
// do); a library should leave the choice to its program.
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
	slack := max(uint64(GCSlack), 2*live)
	limit := overhead + live + slack
	if limit > math.MaxInt64 {
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(int64(limit))
}
