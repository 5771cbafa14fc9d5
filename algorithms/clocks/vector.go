package clocks

// Vector is one process's vector clock: entry i counts the events of
// process i that this process has heard of (its own included). Unlike a
// Lamport clock it decides happens-before exactly: a → b if and only if
// V(a) < V(b), and two events are concurrent exactly when neither vector is
// below the other.
type Vector struct {
	Self  int     // this process's index into Clock
	Clock []int64 // one entry per process
}

// NewVector is the clock of process self among n, all entries zero.
func NewVector(n, self int) Vector {
	return Vector{Self: self, Clock: make([]int64, n)}
}

// Tick is the rule for a local event and for a send (which then carries a
// copy of Clock in its message).
func (v *Vector) Tick() {
	// BEGIN SOLUTION vector-tick
	v.Clock[v.Self]++
	// STUB
	// // TODO(lab): count this event in the clock.
	// END SOLUTION
}

// Receive is the rule for receiving a message stamped msg: take in
// everything the sender had heard of, then count the receive itself.
func (v *Vector) Receive(msg []int64) {
	// BEGIN SOLUTION vector-receive
	for i, m := range msg {
		if i < len(v.Clock) && m > v.Clock[i] {
			v.Clock[i] = m
		}
	}
	v.Clock[v.Self]++
	// STUB
	// // TODO(lab): merge msg into the clock entry by entry, then tick.
	// END SOLUTION
}

// Order is how two vector timestamps relate.
type Order int

// The four answers of Compare.
const (
	Concurrent Order = iota // neither is below the other
	Before                  // a < b: a happened before b
	After                   // b < a
	Equal                   // the same timestamp
)

func (o Order) String() string {
	switch o {
	case Before:
		return "before"
	case After:
		return "after"
	case Equal:
		return "equal"
	}
	return "concurrent"
}

// Compare relates two vector timestamps: a < b when every entry of a is at
// most the same entry of b and at least one is smaller. Vectors of
// different lengths compare as if padded with zeros.
func Compare(a, b []int64) Order {
	// BEGIN SOLUTION vector-compare
	less, greater := false, false
	for i := range max(len(a), len(b)) {
		var x, y int64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x < y {
			less = true
		} else if x > y {
			greater = true
		}
	}
	switch {
	case less && greater:
		return Concurrent
	case less:
		return Before
	case greater:
		return After
	}
	return Equal
	// STUB
	// return Equal // TODO(lab): compare the two vectors entry by entry.
	// END SOLUTION
}
