package simnet

import (
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
// still spent a sixth of its time collecting at GOGC=400. So after every
// collection TuneGC sets the next one's target to the live heap plus
// max(GCSlack, 2 × live heap): a small heap (the lab scenarios,
// exploration) is collected every 48 MB of garbage, a middle one (a
// million-event run) stays within live + 48 MB, and a large one is
// collected as at GOGC=200.
//
// It moves GOGC rather than a soft memory limit: near a limit the runtime
// returns free memory to the system and takes it back at once, and the
// scenario tests spent more time in the kernel than in Go.
//
// Programs call it once at start (the distlab command and the lab tests
// do); a library should leave the choice to its program.
func TuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	gcOnce.Do(func() {
		setGCTarget()
		armGCHook()
	})
}

var gcOnce sync.Once

// gcSentinel dies at every collection; its finalizer moves the target and
// makes the next one.
type gcSentinel struct{ _ *int }

func armGCHook() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		setGCTarget()
		armGCHook()
	})
}

var gcLive = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// gcFloor is the live heap TuneGC assumes at least: the runtime's own
// minimum heap, which GOGC scales too.
const gcFloor = 4 << 20

// setGCTarget sets GOGC so that the next collection comes when the heap
// has grown by max(GCSlack, 2 × live) past what the last one found live.
func setGCTarget() {
	metrics.Read(gcLive)
	live := max(gcLive[0].Value.Uint64(), gcFloor)
	debug.SetGCPercent(int(100 * max(GCSlack, 2*live) / live))
}
