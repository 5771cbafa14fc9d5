package trace

import (
	"fmt"
	"iter"
	"strconv"
	"time"
)

// Trace is a whole run: its header and its events in order.
//
// Events are read through Len, At, Fill, All and Scan, never as a slice:
// how a trace keeps its events is this package's business. It keeps them
// compactly (store.go: 24 bytes an event, strings interned, payloads out
// of line, the rare kinds indexed: scan.go) and, when asked to (Spill),
// in a temporary file beyond a number of events, so a long run fits in
// little memory.
//
// A Trace is written by one goroutine; any number may read it while
// nobody appends.
type Trace struct {
	Header Header
	st     *store
	n      int // events visible; st may hold more when this is a Prefix
}

// New makes a trace from a header and events; each event's Index is set
// to its position.
func New(h Header, events ...Event) *Trace {
	t := &Trace{Header: h}
	t.Grow(len(events))
	for _, e := range events {
		t.Append(e)
	}
	return t
}

// Len is the number of events.
func (t *Trace) Len() int { return t.n }

// At returns event i (0 <= i < Len). The value is a copy: changing it
// does not change the trace (its Data, Groups and Body still share memory
// with the trace's; do not write through them).
func (t *Trace) At(i int) (e Event) {
	if uint(i) >= uint(t.n) {
		panic(fmt.Sprintf("trace: event %d out of range [0, %d)", i, t.n))
	}
	t.st.get(&e, i)
	return
}

// Fill sets e to event i (0 <= i < Len), every field: At for readers
// that go through many events and reuse one Event.
func (t *Trace) Fill(i int, e *Event) {
	if uint(i) >= uint(t.n) {
		panic(fmt.Sprintf("trace: event %d out of range [0, %d)", i, t.n))
	}
	t.st.get(e, i)
}

// KindAt is event i's kind, read without the rest of the event (for
// readers that skip what they do not look at).
func (t *Trace) KindAt(i int) Kind {
	if uint(i) >= uint(t.n) {
		panic(fmt.Sprintf("trace: event %d out of range [0, %d)", i, t.n))
	}
	return t.st.recAt(i).kind
}

// All yields every event with its index, in order.
func (t *Trace) All() iter.Seq2[int, Event] {
	return func(yield func(int, Event) bool) {
		var e Event
		for i := 0; i < t.n; i++ {
			t.st.get(&e, i)
			if !yield(i, e) {
				return
			}
		}
	}
}

// Collect copies every event into a new slice (for tests and tools that
// compare whole runs).
func (t *Trace) Collect() []Event {
	out := make([]Event, 0, t.n)
	for _, e := range t.All() {
		out = append(out, e)
	}
	return out
}

// Append adds an event at the end, stamping its Index.
func (t *Trace) Append(e Event) {
	st := t.own()
	st.append(&e)
	t.n = st.n
}

// Grow makes room for n more events.
func (t *Trace) Grow(n int) { t.own().grow(n) }

// Prefix is a trace holding the header and the first n events (sharing
// their storage): the run as it stood after event n-1. Appending to it
// copies what it shares first.
func (t *Trace) Prefix(n int) *Trace {
	n = max(0, min(n, t.n))
	return &Trace{Header: t.Header, st: t.st, n: n}
}

// Release gives the trace's memory back for later traces to reuse (an
// exploration's passing runs, thrown away as soon as they are judged) and
// leaves the trace empty. Only the trace's last reader calls it: events
// read from it before stay valid, but a Prefix of it, or a copy of the
// Trace value, must not be read after.
func (t *Trace) Release() {
	if t.st != nil {
		t.st.release()
	}
	t.st, t.n = nil, 0
}

// Sym is a string interned in one trace (message types, timer names,
// state keys and values, drop reasons…): the trace keeps each such string
// once and its events refer to it by number.
type Sym uint32

// Intern returns s's symbol in this trace's values, adding it if it is
// new.
func (t *Trace) Intern(s string) Sym { return t.own().intern(s) }

// InternName returns name's symbol in this trace's names (message types,
// timer names, state keys, mark names), adding it if it is new.
func (t *Trace) InternName(name string) NameSym { return NameSym(t.own().internName(name)) }

// Record is Append for the simulator's hot path: the event's strings come
// interned, and it sets only the fields most events use. id is the
// message id for message events (Send, Deliver, Drop, Duplicate, Error),
// the timer id for timer events and the operation id for Invoke and
// Return (ignored for other kinds); value is Value's symbol; body is a Send's message (nil for
// other events). Events with other fields go through Append.
func (t *Trace) Record(at time.Duration, k Kind, node, peer NodeID, id int64, name NameSym, value Sym, body any) {
	st := t.st
	if st != nil && t.n == st.n && uint64(id) <= maxID && (body == nil || value == 0) && fitsNode(node) && fitsNode(peer) && name <= 0xffff {
		r := rec{time: int64(at), id: uint32(id), name: uint16(name), val: uint32(value), node: int16(node), peer: int16(peer), kind: k}
		if c := st.cur; c != nil && len(c.recs) < chunkLen && st.n&(followEvery-1) != 0 && k != Mark && k < numKinds && !indexedKinds.Has(k) {
			if body != nil {
				r.form, r.val = withBody, uint32(len(c.bodies))
				c.addBody(body)
			}
			c.recs = append(c.recs, r)
			st.n++
			st.kinds[k]++
			t.n++
			return
		}
		st.record(r, body)
		t.n = st.n
		return
	}
	t.Append(t.EventOf(at, k, node, peer, id, name, value, body))
}

// RecordTimerSet is Record for a TimerSet, whose Value is its delay: the
// delay is kept as a number (random timeouts would make each one a new
// string) and written as Duration.String writes it.
func (t *Trace) RecordTimerSet(at time.Duration, node NodeID, timer int64, name NameSym, delay time.Duration) {
	st := t.st
	if st == nil || t.n != st.n || uint64(timer) > maxID || !fitsNode(node) || name > 0xffff {
		t.Append(Event{Time: at, Kind: TimerSet, Node: node, Peer: None, Timer: timer, Name: t.NameStr(name), Value: delay.String()})
		return
	}
	st.recordDelay(rec{time: int64(at), id: uint32(timer), name: uint16(name), node: int16(node), peer: int16(None), kind: TimerSet}, delay)
	t.n = st.n
}

// RecordNumber appends an event whose Value is the decimal number n
// (state that counts, like a term or an index, published at every change:
// kept in the record itself, not interned as a new string each time).
func (t *Trace) RecordNumber(at time.Duration, k Kind, node NodeID, name NameSym, n uint32) {
	st := t.st
	if st == nil || t.n != st.n || !fitsNode(node) || name > 0xffff || idField(k) != noID {
		t.Append(Event{Time: at, Kind: k, Node: node, Peer: None, Name: t.NameStr(name), Value: strconv.FormatUint(uint64(n), 10)})
		return
	}
	st.recordNumber(rec{time: int64(at), name: uint16(name), node: int16(node), peer: int16(None), kind: k}, n)
	t.n = st.n
}

// EventOf is the event Record would store, without storing it (for a
// recorder that streams events it does not keep). Its Index is zero.
func (t *Trace) EventOf(at time.Duration, k Kind, node, peer NodeID, id int64, name NameSym, value Sym, body any) Event {
	return Event{Time: at, Kind: k, Node: node, Peer: peer, Msg: pick(k, msgID, id), Timer: pick(k, timerID, id),
		Op: pick(k, opID, id), Name: t.NameStr(name), Value: t.Str(value), Body: body}
}

// Count is the number of events of kind k.
func (t *Trace) Count(k Kind) int {
	if t.st == nil {
		return 0
	}
	if t.n == t.st.n && k < numKinds {
		return t.st.kinds[k]
	}
	n := 0
	for _, e := range t.All() {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// Marks is the number of marks named name.
func (t *Trace) Marks(name string) int {
	if t.st == nil {
		return 0
	}
	if t.n == t.st.n {
		y, ok := t.st.nameOf[name]
		if !ok {
			return 0
		}
		return t.st.marks[y]
	}
	n := 0
	for _, e := range t.All() {
		if e.Kind == Mark && e.Name == name {
			n++
		}
	}
	return n
}

// Str is the string of a value symbol of this trace.
func (t *Trace) Str(s Sym) string {
	if s == 0 || t.st == nil {
		return ""
	}
	return t.st.syms[s]
}

// NameStr is the string of a name symbol of this trace.
func (t *Trace) NameStr(s NameSym) string {
	if s == 0 || t.st == nil {
		return ""
	}
	return t.st.names[s]
}

// Spill keeps at most about keep events of the trace in memory from now
// on: older events go, in compact binary chunks, to an unnamed temporary
// file in dir ("" for the system's), and are read back when asked for
// (message bodies read back as JSON, as from a trace file). A run of
// millions of events then needs a few megabytes. The file goes away with
// the trace.
func (t *Trace) Spill(dir string, keep int) error { return t.own().startSpill(dir, keep) }

// Follow makes fn run every few hundred events as the trace is recorded,
// and before events can leave memory for the spill file: a reader that
// follows the trace as it grows (an incremental check) reads them while
// they are cheap to read — in memory, and mostly still in the processor's
// cache (reading a run's messages after the run, or even a chunk of 4,096
// events later, waits on memory for most of them). fn may read the trace;
// it must not append to it.
func (t *Trace) Follow(fn func()) { t.own().follower = fn }

// SpillError is the error that stopped spilling, if any (the trace then
// keeps its events in memory).
func (t *Trace) SpillError() error {
	if t.st == nil || t.st.spill == nil {
		return nil
	}
	return t.st.spill.err
}

// SpilledBytes is the size of the spill file.
func (t *Trace) SpilledBytes() int64 {
	if t.st == nil || t.st.spill == nil {
		return 0
	}
	return t.st.spill.size
}

// MemoryBytes estimates the memory the trace's events hold, payloads
// included except message bodies (which are the messages themselves).
func (t *Trace) MemoryBytes() int {
	if t.st == nil {
		return 0
	}
	return t.st.memoryBytes()
}

// own returns the store this trace may append to, making it first if the
// trace has none, or copying what it shares if it is a prefix.
func (t *Trace) own() *store {
	switch {
	case t.st == nil:
		t.st = newStore()
	case t.n != t.st.n:
		t.st = t.st.clone(t.n)
	}
	return t.st
}

// Which id field a kind uses.
const (
	noID = iota
	msgID
	timerID
	opID
)

// maxID is the largest id a compact event holds; larger ones go out of
// line.
const maxID = 1<<32 - 1

func idField(k Kind) int {
	switch k {
	case Send, Deliver, Drop, Duplicate, Error:
		return msgID
	case TimerSet, TimerFire, TimerCancel:
		return timerID
	case Invoke, Return:
		return opID
	}
	return noID
}

func pick(k Kind, field int, id int64) int64 {
	if idField(k) == field {
		return id
	}
	return 0
}
