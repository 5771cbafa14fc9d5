package trace

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
)

// spill is the file a long trace keeps its older chunks in. A chunk is
// written whole when it leaves memory and read back into a copy when
// someone reads one of its events; the last few copies are cached, so a
// reader going through the trace in order reads each chunk once.
type spill struct {
	mu   sync.Mutex
	dir  string
	f    *os.File // made when the first chunk is written
	size int64
	keep int // full chunks kept in memory
	err  error
	buf  []byte
	// views are the chunks read back lately. Each owns its buffers and
	// reuses them for the next chunk it reads: reading a spilled trace
	// then makes no garbage but what it hands out (bodies and data are
	// copied out of the buffer), so the garbage collector is not kept
	// busy by a pass over a million events.
	views [4]view
	next  int
}

// view is a spilled chunk as read back.
type view struct {
	from     *chunk // what it shows (nil: empty)
	buf      []byte
	recs     []rec
	bodySpan [][2]uint32 // each body's place in buf
	data     []byte      // in buf
	dataEnd  []uint32
	extras   []extra
}

// spillDirs are the folders seen to be folders (a folder removed since
// makes the spill fail when it opens its file: SpillError).
var spillDirs sync.Map

func (st *store) startSpill(dir string, keep int) error {
	if st.spill == nil {
		if dir == "" {
			dir = os.TempDir()
		}
		if _, seen := spillDirs.Load(dir); !seen { // once per folder: an exploration asks at every seed
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("trace spill: %s is not a folder", dir)
			}
			spillDirs.Store(dir, true)
		}
		st.spill = &spill{dir: dir}
	}
	st.spill.keep = max(1, keep/chunkLen)
	st.spillOld()
	return nil
}

// open makes the file when the first chunk leaves memory (most runs
// never get there).
func (sp *spill) open() error {
	f, err := os.CreateTemp(sp.dir, "distlab-trace-*.spill")
	if err != nil {
		return err
	}
	sp.f = f
	// Unnamed from the start where the system allows it (the data lives
	// until the file is closed, which happens when the trace is
	// collected); else removed when the spill is.
	name := f.Name()
	if os.Remove(name) != nil {
		runtime.AddCleanup(sp, func(name string) { os.Remove(name) }, name)
	}
	return nil
}

// spillOld writes full chunks to the file until at most keep of them are
// in memory (the tail, which is being filled, is not counted).
func (st *store) spillOld() {
	sp := st.spill
	full := st.n >> chunkBits
	for sp.err == nil && full-st.memFrom > sp.keep {
		c := st.chunks[st.memFrom]
		if !c.spilled() {
			if err := sp.write(c); err != nil {
				sp.err = err // keep it in memory; the run goes on
				return
			}
		}
		st.memFrom++
	}
}

// The layout of a spilled chunk: its records as fixed 24-byte rows, then
// the bodies as JSON, the data (and texts), and the extras as JSON event
// objects,
// each list counted and each item length-prefixed.
func (sp *spill) write(c *chunk) error {
	b := sp.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.recs)))
	for i := range c.recs {
		b = appendRec(b, &c.recs[i])
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.bodies)))
	for _, body := range c.bodies {
		j := Event{Body: body}.BodyJSON()
		b = binary.LittleEndian.AppendUint32(b, uint32(len(j)))
		b = append(b, j...)
	}
	b = appendBytes(b, c.data)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.dataEnd)))
	for _, end := range c.dataEnd {
		b = binary.LittleEndian.AppendUint32(b, end)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.extras)))
	for i := range c.extras {
		x := &c.extras[i]
		j := AppendEventJSON(nil, &Event{Node: x.node, Peer: x.peer, Name: x.name, Msg: x.msg, Timer: x.timer, Op: x.op, Value: x.value,
			Body: x.body, Data: x.data, Groups: x.groups, Stack: x.stack})
		b = appendBytes(b, j)
	}
	sp.buf = b
	sp.mu.Lock()
	var err error
	if sp.f == nil {
		err = sp.open()
	}
	off := sp.size
	if err == nil {
		_, err = sp.f.WriteAt(b, off)
	}
	if err == nil {
		sp.size += int64(len(b))
	}
	sp.mu.Unlock()
	if err != nil {
		return fmt.Errorf("trace spill: %w", err)
	}
	*c = chunk{sp: sp, off: off, size: int64(len(b))}
	return nil
}

func appendRec(b []byte, r *rec) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, uint64(r.time))
	b = le.AppendUint32(b, r.id)
	b = le.AppendUint32(b, r.val)
	b = le.AppendUint16(b, uint16(r.name))
	b = le.AppendUint16(b, uint16(r.node))
	b = le.AppendUint16(b, uint16(r.peer))
	return append(b, byte(r.kind), byte(r.form))
}

func appendBytes(b, data []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// get fills e with event i of spilled chunk c.
func (sp *spill) get(st *store, e *Event, c *chunk, i int) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	v := sp.view(c)
	r := &v.recs[i&chunkMask]
	if st.fillHead(e, r, i) {
		return
	}
	switch r.form {
	case withBody:
		span := v.bodySpan[r.val]
		if span[1] > span[0] {
			e.Body = json.RawMessage(slices.Clone(v.buf[span[0]:span[1]]))
		}
	case withValue:
		span := v.bodySpan[r.val]
		if span[1] > span[0] {
			e.Data = json.RawMessage(slices.Clone(v.buf[span[0]:span[1]]))
		}
	case withData:
		var start uint32
		if r.val > 0 {
			start = v.dataEnd[r.val-1]
		}
		e.Data = json.RawMessage(slices.Clone(v.data[start:v.dataEnd[r.val]]))
	case withNumber:
		e.Value = strconv.FormatUint(uint64(r.val), 10)
	case withText:
		var start uint32
		if r.val > 0 {
			start = v.dataEnd[r.val-1]
		}
		e.Value = string(v.data[start:v.dataEnd[r.val]]) // a copy: the view's buffer is reused
	case withExtra:
		v.extras[r.val].fill(e) // decoded into fresh memory: safe to hand out
	}
}

func (sp *spill) recAt(c *chunk, i int) rec {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.view(c).recs[i&chunkMask]
}

// view returns c as read back, reading it into the oldest view if none
// shows it. A file that cannot be read back is a broken machine: it
// panics.
func (sp *spill) view(c *chunk) *view {
	for k := range sp.views {
		if sp.views[k].from == c {
			return &sp.views[k]
		}
	}
	v := &sp.views[sp.next]
	sp.next = (sp.next + 1) % len(sp.views)
	v.from = nil
	v.buf = slices.Grow(v.buf[:0], int(c.size))[:c.size]
	if _, err := sp.f.ReadAt(v.buf, c.off); err != nil {
		panic(fmt.Sprintf("trace spill: reading back %d bytes at %d: %v", c.size, c.off, err))
	}
	if err := v.decode(); err != nil {
		panic(fmt.Sprintf("trace spill: chunk at %d: %v", c.off, err))
	}
	v.from = c
	return v
}

var errShortChunk = errors.New("truncated chunk")

// decode reads the chunk in v.buf, reusing v's slices.
func (v *view) decode() error {
	le := binary.LittleEndian
	at := 0
	u32 := func() (uint32, error) {
		if len(v.buf)-at < 4 {
			return 0, errShortChunk
		}
		x := le.Uint32(v.buf[at:])
		at += 4
		return x, nil
	}
	span := func() (uint32, uint32, error) {
		n, err := u32()
		if err != nil || uint32(len(v.buf)-at) < n {
			return 0, 0, errShortChunk
		}
		start := uint32(at)
		at += int(n)
		return start, start + n, nil
	}
	n, err := u32()
	if err != nil || len(v.buf)-at < int(n)*recSize {
		return errShortChunk
	}
	v.recs = slices.Grow(v.recs[:0], int(n))[:n]
	for i := range v.recs {
		row := v.buf[at+i*recSize:]
		v.recs[i] = rec{time: int64(le.Uint64(row)), id: le.Uint32(row[8:]), val: le.Uint32(row[12:]),
			name: le.Uint16(row[16:]), node: int16(le.Uint16(row[18:])), peer: int16(le.Uint16(row[20:])),
			kind: Kind(row[22]), form: form(row[23])}
	}
	at += int(n) * recSize
	if n, err = u32(); err != nil {
		return err
	}
	v.bodySpan = v.bodySpan[:0]
	for range n {
		start, end, err := span()
		if err != nil {
			return err
		}
		v.bodySpan = append(v.bodySpan, [2]uint32{start, end})
	}
	start, end, err := span()
	if err != nil {
		return err
	}
	v.data = v.buf[start:end]
	if n, err = u32(); err != nil {
		return err
	}
	v.dataEnd = v.dataEnd[:0]
	for range n {
		x, err := u32()
		if err != nil {
			return err
		}
		v.dataEnd = append(v.dataEnd, x)
	}
	if n, err = u32(); err != nil {
		return err
	}
	clear(v.extras)
	v.extras = v.extras[:0]
	for range n {
		start, end, err := span()
		if err != nil {
			return err
		}
		e, err := decodeEvent(v.buf[start:end])
		if err != nil {
			return err
		}
		v.extras = append(v.extras, extra{node: e.Node, peer: e.Peer, name: e.Name, msg: e.Msg, timer: e.Timer, op: e.Op,
			value: e.Value, body: e.Body, data: e.Data, groups: e.Groups, stack: e.Stack})
	}
	return nil
}

// decodeEvent reads one event's JSON object (a trace file's line).
func decodeEvent(line []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return Event{}, err
	}
	e := Event{Index: w.Index, Time: time.Duration(w.Time), Kind: w.Kind, Node: None, Peer: None,
		Msg: w.Msg, Timer: w.Timer, Op: w.Op, Name: w.Name, Value: w.Value,
		Groups: w.Groups, Stack: w.Stack}
	if len(w.Data) > 0 {
		e.Data = w.Data
	}
	if w.Node != nil {
		e.Node = *w.Node
	}
	if w.Peer != nil {
		e.Peer = *w.Peer
	}
	if len(w.Body) > 0 {
		e.Body = w.Body
	}
	return e, nil
}
