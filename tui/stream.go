package tui

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"distlab/simnet/trace"
)

// Stream reads a trace file a batch of lines at a time, as a Source: the
// visualizer opens on the first events while the rest is read behind the
// screen (NewReading), so a 130,000-event trace is usable at once. Each
// batch is read by trace.Read behind the file's header, so the format has
// one reader. Like a simulator, Step collects events aside and Trace
// joins them, so that reading in the background never touches the trace
// the screen is drawing.
type Stream struct {
	r       *bufio.Reader
	header  []byte
	tr      *trace.Trace
	pending []trace.Event
	line    int          // lines read so far, the header included
	read    atomic.Int64 // the screen asks how far while Step reads
	size    int64
	err     error
	done    bool
	grown   bool
}

// streamBatch is how many lines one Step reads.
const streamBatch = 1024

// OpenStream reads and checks the trace's header; size (the file's, or 0)
// is for Progress.
func OpenStream(r io.Reader, size int64) (*Stream, error) {
	s := &Stream{r: bufio.NewReaderSize(r, 1<<20), size: size}
	first, err := s.r.ReadBytes('\n')
	if len(bytes.TrimSpace(first)) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, errors.New("empty trace: no header line")
	}
	s.read.Add(int64(len(first)))
	s.line = 1
	head, err := trace.Read(bytes.NewReader(first))
	if err != nil {
		return nil, err
	}
	s.header = append(bytes.TrimRight(first, "\n"), '\n')
	s.tr = trace.New(head.Header)
	return s, nil
}

// Step reads the next batch of lines; false at the end of the file or at
// the first line it cannot read (Err says which).
func (s *Stream) Step() bool {
	if s.done {
		return false
	}
	buf := bytes.NewBuffer(append([]byte(nil), s.header...))
	n := 0
	for n < streamBatch {
		line, err := s.r.ReadBytes('\n')
		s.read.Add(int64(len(line)))
		if len(line) > 0 {
			buf.Write(line)
			if line[len(line)-1] != '\n' {
				buf.WriteByte('\n')
			}
			n++
		}
		if err != nil {
			s.done = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			break
		}
	}
	data := buf.Bytes()
	part, err := trace.Read(bytes.NewReader(data))
	if err != nil {
		s.badLine(data[len(s.header):])
		s.done = true
		return false
	}
	for _, e := range part.All() {
		s.pending = append(s.pending, e)
	}
	s.line += n
	return !s.done || part.Len() > 0
}

// badLine finds the batch's first line trace.Read refuses, to say which
// line of the file it is and why.
func (s *Stream) badLine(batch []byte) {
	for i, l := range strings.SplitAfter(string(batch), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		part, err := trace.Read(io.MultiReader(bytes.NewReader(s.header), strings.NewReader(l)))
		if err != nil {
			_, why, _ := strings.Cut(err.Error(), ": ")
			s.err = fmt.Errorf("line %d: %s", s.line+i+1, why)
			return
		}
		for _, e := range part.All() {
			s.pending = append(s.pending, e)
		}
	}
}

func (s *Stream) joinsTrace() {}

// Trace is the trace read so far (and joins what the last steps read).
func (s *Stream) Trace() *trace.Trace {
	if read := s.read.Load(); !s.grown && s.tr.Len() > 2*streamBatch && s.size > read {
		// room for the rest at once, at the bytes an event so far (not
		// before the first screen is drawn: it takes a moment)
		s.grown = true
		s.tr.Grow(len(s.pending) + int((s.size-read)*int64(s.tr.Len())/max(read, 1)))
	}
	for _, e := range s.pending {
		s.tr.Append(e)
	}
	s.pending = s.pending[:0]
	return s.tr
}

// Progress is how much of the file was read.
func (s *Stream) Progress() (read, size int64) { return s.read.Load(), s.size }

// Err is why reading stopped before the end of the file, or nil.
func (s *Stream) Err() error { return s.err }

// reading is a Source that is a recorded trace being read, not a run.
type reading interface {
	Progress() (read, size int64)
	Err() error
}

// NewReading replays a trace while it is read: the first batch is read at
// once and fills the screen, the rest is read in the background (Init
// starts it), and the checks run when it is all there.
func NewReading(s Source, opts Options) *Model {
	m := newModel(s.Trace(), opts)
	m.src = s
	m.fill()
	m.fixTop()
	m.syncPanel()
	return m
}
