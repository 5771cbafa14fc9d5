package trace

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// spill is the file a long trace keeps its older chunks in. A chunk is
// written whole when it leaves memory and read back into a copy when
// someone reads one of its events; the last few copies are cached, so a
// reader going through the trace in order reads each chunk once.
type spill struct {
	mu    sync.Mutex
	dir   string
	f     *os.File // made when the first chunk is written
	size  int64
	keep  int // full chunks kept in memory
	err   error
	buf   []byte
	cache [4]struct{ from, loaded *chunk }
	next  int
}

func (st *store) startSpill(dir string, keep int) error {
	if st.spill == nil {
		if dir == "" {
			dir = os.TempDir()
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("trace spill: %s is not a folder", dir)
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

// The layout of a spilled chunk: its records as fixed 32-byte rows, then
// the bodies as JSON, the data, and the extras as JSON event objects,
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
		j := AppendEventJSON(nil, &Event{Node: None, Peer: None, Msg: x.msg, Timer: x.timer, Op: x.op, Value: x.value,
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
	b = le.AppendUint32(b, uint32(r.name))
	b = le.AppendUint32(b, r.val)
	b = le.AppendUint32(b, uint32(r.node))
	b = le.AppendUint32(b, uint32(r.peer))
	return append(b, byte(r.kind), byte(r.form), 0, 0)
}

func appendBytes(b, data []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// load reads a spilled chunk back (a cached copy when it was read lately).
// A file that cannot be read back is a broken machine: it panics.
func (sp *spill) load(c *chunk) *chunk {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, e := range sp.cache {
		if e.from == c {
			return e.loaded
		}
	}
	buf := make([]byte, c.size)
	if _, err := sp.f.ReadAt(buf, c.off); err != nil {
		panic(fmt.Sprintf("trace spill: reading back %d bytes at %d: %v", c.size, c.off, err))
	}
	loaded, err := decodeChunk(buf)
	if err != nil {
		panic(fmt.Sprintf("trace spill: chunk at %d: %v", c.off, err))
	}
	sp.cache[sp.next].from, sp.cache[sp.next].loaded = c, loaded
	sp.next = (sp.next + 1) % len(sp.cache)
	return loaded
}

var errShortChunk = errors.New("truncated chunk")

func decodeChunk(buf []byte) (*chunk, error) {
	le := binary.LittleEndian
	u32 := func() (uint32, error) {
		if len(buf) < 4 {
			return 0, errShortChunk
		}
		v := le.Uint32(buf)
		buf = buf[4:]
		return v, nil
	}
	bytes := func() ([]byte, error) {
		n, err := u32()
		if err != nil || uint32(len(buf)) < n {
			return nil, errShortChunk
		}
		out := buf[:n:n]
		buf = buf[n:]
		return out, nil
	}
	c := &chunk{}
	n, err := u32()
	if err != nil || len(buf) < int(n)*recSize {
		return nil, errShortChunk
	}
	c.recs = make([]rec, n)
	for i := range c.recs {
		row := buf[i*recSize:]
		c.recs[i] = rec{time: int64(le.Uint64(row)), id: le.Uint32(row[8:]), name: Sym(le.Uint32(row[12:])),
			val: le.Uint32(row[16:]), node: NodeID(le.Uint32(row[20:])), peer: NodeID(le.Uint32(row[24:])),
			kind: Kind(row[28]), form: form(row[29])}
	}
	buf = buf[int(n)*recSize:]
	if n, err = u32(); err != nil {
		return nil, err
	}
	c.bodies = make([]any, n)
	for i := range c.bodies {
		j, err := bytes()
		if err != nil {
			return nil, err
		}
		if len(j) > 0 {
			c.bodies[i] = json.RawMessage(j)
		}
	}
	if c.data, err = bytes(); err != nil {
		return nil, err
	}
	if n, err = u32(); err != nil {
		return nil, err
	}
	c.dataEnd = make([]uint32, n)
	for i := range c.dataEnd {
		if c.dataEnd[i], err = u32(); err != nil {
			return nil, err
		}
	}
	if n, err = u32(); err != nil {
		return nil, err
	}
	c.extras = make([]extra, n)
	for i := range c.extras {
		j, err := bytes()
		if err != nil {
			return nil, err
		}
		e, err := decodeEvent(j)
		if err != nil {
			return nil, err
		}
		c.extras[i] = extra{msg: e.Msg, timer: e.Timer, op: e.Op, value: e.Value, body: e.Body, data: e.Data, groups: e.Groups, stack: e.Stack}
	}
	return c, nil
}

// decodeEvent reads one event's JSON object (a trace file's line).
func decodeEvent(line []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return Event{}, err
	}
	e := Event{Index: w.Index, Time: time.Duration(w.Time), Kind: w.Kind, Node: None, Peer: None,
		Msg: w.Msg, Timer: w.Timer, Op: w.Op, Name: w.Name, Value: w.Value, Data: w.Data,
		Groups: w.Groups, Stack: w.Stack}
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
