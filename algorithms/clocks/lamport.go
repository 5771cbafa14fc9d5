package clocks

// Lamport is one process's Lamport clock: a single counter that every event
// advances and every received timestamp pulls forward. It guarantees the
// clock condition — if a happens before b then L(a) < L(b) — but not the
// converse: two concurrent events still get different times, so comparing
// Lamport times cannot tell "ordered" from "concurrent".
type Lamport struct {
	Time int64
}

// Tick is the rule for a local event and for a send: the event gets a time
// greater than every earlier event of this process. A send then carries the
// new Time in its message.
func (c *Lamport) Tick() {
	// BEGIN SOLUTION lamport-tick
	c.Time++
	// STUB
	// // TODO(lab): advance the clock for a local event or a send.
	// END SOLUTION
}

// Receive is the rule for receiving a message stamped msg: the receive
// event must come after both this process's previous event and the send.
func (c *Lamport) Receive(msg int64) {
	// BEGIN SOLUTION lamport-receive
	c.Time = max(c.Time, msg) + 1
	// STUB
	// // TODO(lab): merge the message's timestamp into the clock, then tick.
	// END SOLUTION
}
