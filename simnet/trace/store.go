package trace

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// How a trace keeps its events. An Event is 168 bytes of mostly empty
// fields; a run records millions. The store keeps each event as a 24-byte
// rec of numbers — strings become symbols of two tables per trace (names
// and values), the
// rarely used fields and payloads live out of line in the event's chunk —
// and rebuilds the Event when it is read. Records hold no pointers, so the
// garbage collector never scans them, and they sit in fixed chunks that
// are never copied as the trace grows (and can be spilled to a file whole).

const (
	chunkBits = 12
	chunkLen  = 1 << chunkBits // events per chunk (96 KB of records)
	chunkMask = chunkLen - 1
)

// rec is one event. Which id field id fills depends on kind (idField);
// what val means depends on form. Nodes and names that do not fit 16 bits
// (more than 32,767 nodes, 65,535 names) go out of line.
type rec struct {
	time int64
	id   uint32
	val  uint32
	name uint16 // a NameSym
	node int16
	peer int16
	kind Kind
	form form
}

// NameSym is a name (message type, timer name, state key, mark name)
// interned in one trace. Names are few, so a record keeps them in 16 bits
// (an event whose name is beyond goes out of line); values (Sym) are a
// table apart.
type NameSym uint32

const maxNode = 1<<15 - 1

func fitsNode(id NodeID) bool { return id >= -1<<15 && id <= maxNode }

// recSize is what one event costs in a chunk.
const recSize = int(unsafe.Sizeof(rec{}))

type form uint8

const (
	plain      form = iota // val is Value's symbol
	withBody               // val indexes the chunk's bodies: a Send's message
	withData               // val indexes the chunk's data: a mark's or operation's payload
	withExtra              // val indexes the chunk's extras: every field but time and kind
	withText               // val indexes the chunk's data: the text of Value (a timer's delay: random timeouts would make each a new symbol)
	withValue              // val indexes the chunk's bodies: a live run's payload (Data), kept as recorded
	withNumber             // val is Value, a number written in decimal when read (state that counts: terms, indexes)
)

// extra holds what a rec cannot: several payloads at once, a partition's
// groups, a stack, ids of another kind than the event's or too large,
// nodes or names beyond 16 bits.
type extra struct {
	node, peer     NodeID
	name           string
	msg, timer, op int64
	value          string
	body           any
	data           any
	groups         [][]NodeID
	stack          string
}

// chunk is chunkLen events (the last one fewer) and their payloads.
type chunk struct {
	// A spilled chunk lives in sp's file at [off, off+size); its fields
	// below are nil (see spill.get). sp comes first: every read asks.
	sp        *spill
	recs      []rec
	bodies    []any
	data      []byte   // the payloads, end to end
	dataEnd   []uint32 // where each payload ends in data
	extras    []extra
	off, size int64
}

func (c *chunk) spilled() bool { return c.sp != nil }

func (c *chunk) addData(d []byte) uint32 {
	c.data = append(c.data, d...)
	c.dataEnd = append(c.dataEnd, uint32(len(c.data)))
	return uint32(len(c.dataEnd) - 1)
}

func (c *chunk) datum(k uint32) json.RawMessage {
	var start uint32
	if k > 0 {
		start = c.dataEnd[k-1]
	}
	end := c.dataEnd[k]
	return json.RawMessage(c.data[start:end:end])
}

type store struct {
	chunks  []*chunk
	cur     *chunk // the last chunk, which events go to until it is full
	n       int
	syms    []string // value symbol → string; symbol 0 is ""
	symOf   map[string]Sym
	names   []string // name symbol → string; symbol 0 is ""
	nameOf  map[string]uint32
	spill   *spill // nil: every chunk stays in memory
	memFrom int    // chunks before this one are spilled
	// follower runs every followEvery events (and so before a full chunk
	// can spill): an incremental reader catching up.
	follower func()
	// kinds counts the events of each kind, marks the marks of each name:
	// what a check asks first (is there anything to judge?) is answered
	// without reading the trace.
	kinds [numKinds]int
	marks map[uint32]int // by name symbol
	// posts lists, for each of the few kinds a run records seldom
	// (indexedKinds), where its events are: a check that reads
	// operations or faults finds them without reading every message.
	posts [numKinds][]uint32
	// shared: a clone shares this store's chunks (release keeps them).
	shared bool
	// recentNames and recentValues answer internName and intern for the
	// strings asked for lately.
	recentNames, recentValues [32]recentName
}

func newStore() *store {
	return &store{syms: []string{""}, symOf: map[string]Sym{"": 0}, names: []string{""}, nameOf: map[string]uint32{"": 0}}
}

// internName is s's name symbol; beyond 16 bits the event goes out of
// line. Names are mostly the same few constants, asked for at every
// message, timer and published change: a small cache keyed by where the
// string's bytes are answers before the map (the cache holds the pointer,
// so those bytes cannot be freed and reused for another string).
func (st *store) internName(s string) uint32 {
	p := unsafe.StringData(s)
	slot := &st.recentNames[(uintptr(unsafe.Pointer(p))>>4^uintptr(len(s)))%uintptr(len(st.recentNames))]
	if slot.p == p && slot.n == len(s) && p != nil {
		return slot.sym
	}
	y := st.lookupName(s)
	*slot = recentName{p, len(s), y}
	return y
}

// recentName is a name asked for lately: its bytes, length and symbol.
type recentName struct {
	p   *byte
	n   int
	sym uint32
}

func (st *store) lookupName(s string) uint32 {
	if y, ok := st.nameOf[s]; ok {
		return y
	}
	y := uint32(len(st.names))
	st.names = append(st.names, s)
	st.nameOf[s] = y
	return y
}

func (st *store) intern(s string) Sym {
	if s == "" {
		return 0
	}
	p := unsafe.StringData(s)
	slot := &st.recentValues[(uintptr(unsafe.Pointer(p))>>4^uintptr(len(s)))%uintptr(len(st.recentValues))]
	if slot.p == p && slot.n == len(s) {
		return Sym(slot.sym)
	}
	y := st.lookupValue(s)
	*slot = recentName{p, len(s), uint32(y)}
	return y
}

func (st *store) lookupValue(s string) Sym {
	if y, ok := st.symOf[s]; ok {
		return y
	}
	y := Sym(len(st.syms))
	st.syms = append(st.syms, s)
	st.symOf[s] = y
	return y
}

// grow reserves room in the first chunk (later chunks are full-sized).
func (st *store) grow(n int) {
	if len(st.chunks) == 0 && n > 0 {
		st.cur = newChunk(min(n, chunkLen))
		st.chunks = append(st.chunks, st.cur)
	}
}

// chunkPool keeps the chunks of released traces (Trace.Release) for the
// next traces: an exploration records thousands of short runs one after
// another, and a fresh chunk is 96 KB of records to allocate and zero.
var chunkPool sync.Pool // *chunk, empty, with room for chunkLen records

// newChunk is an empty chunk with room for size records.
func newChunk(size int) *chunk {
	if size == chunkLen {
		if c, ok := chunkPool.Get().(*chunk); ok {
			return c
		}
	}
	return &chunk{recs: make([]rec, 0, size)}
}

// release puts the store's full-sized chunks in the pool. The store is
// left empty; nothing may read it again.
func (st *store) release() {
	if st.shared {
		*st = *newStore()
		return
	}
	for _, c := range st.chunks {
		if c.spilled() || cap(c.recs) != chunkLen {
			continue
		}
		c.recs = c.recs[:0]
		clear(c.bodies) // let go of the messages and payloads
		c.bodies = c.bodies[:0]
		c.data = nil // strings read from it (text) share its bytes: not reused
		c.dataEnd = c.dataEnd[:0]
		clear(c.extras)
		c.extras = c.extras[:0]
		chunkPool.Put(c)
	}
	*st = *newStore()
}

// followEvery is how often a follower reads what was recorded: often
// enough that the messages it reads are still in the processor's cache
// (every chunk, 4,096 events, left most of them to be fetched from
// memory), seldom enough that it reads in whole batches. It divides
// chunkLen.
const followEvery = 512

// room is the chunk the next event goes to, after the follower, if any,
// has read the events so far when their number is a multiple of
// followEvery.
func (st *store) room() *chunk {
	if st.n&(followEvery-1) == 0 && st.follower != nil && st.n > 0 {
		st.follower()
	}
	return st.tail()
}

// tail is the chunk the next event goes to.
func (st *store) tail() *chunk {
	if c := st.cur; c != nil && len(c.recs) < chunkLen {
		return c
	}
	if st.spill != nil {
		st.spillOld()
	}
	size := chunkLen
	if len(st.chunks) == 0 {
		size = 64 // a small trace stays small; the first chunk grows
	}
	st.cur = newChunk(size)
	st.chunks = append(st.chunks, st.cur)
	return st.cur
}

// record appends r, with body when it is a Send's message.
func (st *store) record(r rec, body any) {
	c := st.cur
	if c == nil || len(c.recs) == chunkLen || st.n&(followEvery-1) == 0 {
		c = st.room()
	}
	if body != nil {
		r.form, r.val = withBody, uint32(len(c.bodies))
		c.addBody(body)
	}
	c.recs = append(c.recs, r)
	st.n++
	st.count(r.kind, uint32(r.name), st.n-1)
}

// count adds event i to the counts and the index.
func (st *store) count(k Kind, name uint32, i int) {
	if k < numKinds {
		st.kinds[k]++
		if indexedKinds.Has(k) {
			st.posts[k] = append(st.posts[k], uint32(i))
		}
	}
	if k == Mark {
		if st.marks == nil {
			st.marks = map[uint32]int{}
		}
		st.marks[name]++
	}
}

// addBody keeps a message. Room for half a chunk's events is made at
// once: a message is sent and then delivered or dropped, so a chunk seldom
// holds more, and growing a slice of pointers is costly while the
// collector runs.
func (c *chunk) addBody(body any) {
	if c.bodies == nil {
		c.bodies = make([]any, 0, chunkLen/2)
	}
	c.bodies = append(c.bodies, body)
}

func (st *store) append(e *Event) {
	switch raw := e.Data.(type) {
	case []byte: // bytes are JSON, as json.RawMessage
		e.Data = json.RawMessage(raw)
		if len(raw) == 0 {
			e.Data = nil
		}
	case json.RawMessage:
		if len(raw) == 0 {
			e.Data = nil // an empty payload is none
		}
	}
	r := rec{time: int64(e.Time), kind: e.Kind}
	name := st.internName(e.Name)
	id, fits := compactID(e)
	payloads := 0
	for _, set := range []bool{e.Value != "", e.Body != nil, e.Data != nil} {
		if set {
			payloads++
		}
	}
	fits = fits && payloads <= 1 && e.Groups == nil && e.Stack == "" && name <= 0xffff && fitsNode(e.Node) && fitsNode(e.Peer)
	c := st.room()
	if !fits {
		r.form, r.val = withExtra, uint32(len(c.extras))
		c.extras = append(c.extras, extra{node: e.Node, peer: e.Peer, name: e.Name, msg: e.Msg, timer: e.Timer, op: e.Op,
			value: e.Value, body: e.Body, data: e.Data, groups: e.Groups, stack: e.Stack})
	} else {
		r.name, r.node, r.peer, r.id = uint16(name), int16(e.Node), int16(e.Peer), id
		switch {
		case e.Body != nil:
			r.form, r.val = withBody, uint32(len(c.bodies))
			c.addBody(e.Body)
		case e.Data != nil:
			if raw, ok := e.Data.(json.RawMessage); ok {
				r.form, r.val = withData, c.addData(raw)
			} else {
				r.form, r.val = withValue, uint32(len(c.bodies))
				c.addBody(e.Data)
			}
		case e.Kind == TimerSet:
			r.form, r.val = withText, c.addText(e.Value)
		default:
			r.val = uint32(st.intern(e.Value))
		}
	}
	c.recs = append(c.recs, r)
	st.n++
	st.count(r.kind, name, st.n-1)
}

func (c *chunk) addText(s string) uint32 {
	c.data = append(c.data, s...)
	c.dataEnd = append(c.dataEnd, uint32(len(c.data)))
	return uint32(len(c.dataEnd) - 1)
}

// text is a Value kept in the data, as a string that shares its bytes
// (data only grows: bytes once written never change).
func (c *chunk) text(k uint32) string {
	b := c.datum(k)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// recordDelay appends a TimerSet whose delay is d.
func (st *store) recordDelay(r rec, d time.Duration) {
	c := st.cur
	if c == nil || len(c.recs) == chunkLen || st.n&(followEvery-1) == 0 {
		c = st.room()
	}
	c.data = append(c.data, d.String()...) // formatted on the stack: String is inlined
	c.dataEnd = append(c.dataEnd, uint32(len(c.data)))
	r.form, r.val = withText, uint32(len(c.dataEnd)-1)
	c.recs = append(c.recs, r)
	st.n++
	st.count(r.kind, uint32(r.name), st.n-1)
}

// recordNumber appends r, whose Value is the number n.
func (st *store) recordNumber(r rec, n uint32) {
	if c := st.cur; c == nil || len(c.recs) == chunkLen || st.n&(followEvery-1) == 0 {
		st.room()
	}
	r.form, r.val = withNumber, n
	st.cur.recs = append(st.cur.recs, r)
	st.n++
	st.count(r.kind, uint32(r.name), st.n-1)
}

// compactID is the event's one id if it fits a rec: the id of its kind's
// field, every other id field zero.
func compactID(e *Event) (uint32, bool) {
	var id int64
	switch idField(e.Kind) {
	case msgID:
		id = e.Msg
		if e.Timer != 0 || e.Op != 0 {
			return 0, false
		}
	case timerID:
		id = e.Timer
		if e.Msg != 0 || e.Op != 0 {
			return 0, false
		}
	case opID:
		id = e.Op
		if e.Msg != 0 || e.Timer != 0 {
			return 0, false
		}
	default:
		if e.Msg != 0 || e.Timer != 0 || e.Op != 0 {
			return 0, false
		}
	}
	if id < 0 || id > maxID {
		return 0, false
	}
	return uint32(id), true
}

// get fills e with event i, read back from the spill file if it went
// there. Every field is set (e may hold another event). It sets field by
// field, in one function: assigning a whole Event literal through a
// pointer builds it aside and copies it with write barriers, and the
// calls of a layered version cost as much as the work; reading is what
// checkers do most.
func (st *store) get(e *Event, i int) {
	c := st.chunks[i>>chunkBits]
	if c.sp != nil {
		c.sp.get(st, e, c, i)
		return
	}
	r := &c.recs[i&chunkMask]
	e.Index, e.Time, e.Kind, e.Node, e.Peer = i, time.Duration(r.time), r.kind, NodeID(r.node), NodeID(r.peer)
	e.Name = st.names[r.name]
	e.Msg, e.Timer, e.Op = 0, 0, 0
	switch idFields[r.kind] {
	case msgID:
		e.Msg = int64(r.id)
	case timerID:
		e.Timer = int64(r.id)
	case opID:
		e.Op = int64(r.id)
	}
	if r.form == plain {
		e.Value = st.syms[r.val]
		if e.Body != nil || e.Data != nil || e.Groups != nil || e.Stack != "" {
			e.Body, e.Data, e.Groups, e.Stack = nil, nil, nil, ""
		}
		return
	}
	e.Value, e.Body, e.Data, e.Groups, e.Stack = "", nil, nil, nil, ""
	switch r.form {
	case withBody:
		e.Body = c.bodies[r.val]
	case withData:
		e.Data = c.datum(r.val)
	case withValue:
		e.Data = c.bodies[r.val]
	case withText:
		e.Value = c.text(r.val)
	case withNumber:
		e.Value = strconv.FormatUint(uint64(r.val), 10)
	case withExtra:
		c.extras[r.val].fill(e)
	}
}

// idFields is idField for every kind a byte holds.
var idFields = func() (t [256]uint8) {
	for k := range t {
		t[k] = uint8(idField(Kind(k)))
	}
	return t
}()

// recAt is event i's record.
func (st *store) recAt(i int) rec {
	c := st.chunks[i>>chunkBits]
	if c.spilled() {
		return c.sp.recAt(c, i)
	}
	return c.recs[i&chunkMask]
}

// fill sets what an extra holds.
func (x *extra) fill(e *Event) {
	e.Node, e.Peer, e.Name = x.node, x.peer, x.name
	e.Msg, e.Timer, e.Op, e.Value, e.Body, e.Data, e.Groups, e.Stack = x.msg, x.timer, x.op, x.value, x.body, x.data, x.groups, x.stack
}

// fillHead sets what a record holds by itself (as get does), and reports
// whether that is the whole event (a plain one).
func (st *store) fillHead(e *Event, r *rec, i int) bool {
	e.Index, e.Time, e.Kind, e.Node, e.Peer = i, time.Duration(r.time), r.kind, NodeID(r.node), NodeID(r.peer)
	e.Name = st.names[r.name]
	e.Msg, e.Timer, e.Op = 0, 0, 0
	switch idField(r.kind) {
	case msgID:
		e.Msg = int64(r.id)
	case timerID:
		e.Timer = int64(r.id)
	case opID:
		e.Op = int64(r.id)
	}
	if r.form == plain {
		e.Value = st.syms[r.val]
		if e.Body != nil || e.Data != nil || e.Groups != nil || e.Stack != "" {
			e.Body, e.Data, e.Groups, e.Stack = nil, nil, nil, ""
		}
		return true
	}
	e.Value, e.Body, e.Data, e.Groups, e.Stack = "", nil, nil, nil, ""
	return false
}

// clone copies the first n events' storage for a trace that appends to a
// prefix: full chunks are shared (nobody writes to them again), the
// events of the partial one are copied, the symbol table too.
func (st *store) clone(n int) *store {
	full := n >> chunkBits
	cp := &store{n: full << chunkBits, syms: slices.Clip(st.syms), symOf: maps.Clone(st.symOf),
		names: slices.Clip(st.names), nameOf: maps.Clone(st.nameOf), spill: st.spill,
		memFrom: min(st.memFrom, full), chunks: slices.Clone(st.chunks[:full]), shared: true}
	st.shared = true
	var e Event
	for i := range cp.n {
		if r := st.recAt(i); r.kind == Mark {
			st.get(&e, i)
			cp.count(r.kind, cp.nameOf[e.Name], i)
		} else {
			cp.count(r.kind, 0, i)
		}
	}
	for i := cp.n; i < n; i++ {
		st.get(&e, i)
		cp.append(&e)
	}
	return cp
}

// memoryBytes adds up what the events hold in memory.
func (st *store) memoryBytes() int {
	b := cap(st.chunks) * 8
	for _, c := range st.chunks {
		b += int(unsafe.Sizeof(chunk{}))
		b += cap(c.recs)*recSize + cap(c.bodies)*16 + cap(c.data) + cap(c.dataEnd)*4
		b += cap(c.extras) * int(unsafe.Sizeof(extra{}))
	}
	for _, p := range st.posts {
		b += cap(p) * 4
	}
	for _, s := range st.syms {
		b += len(s) + 16 + 32 // the string, its slot, its map entry
	}
	for _, s := range st.names {
		b += len(s) + 16 + 32
	}
	return b
}
