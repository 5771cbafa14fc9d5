package trace

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"unicode/utf8"
)

// Writer streams a trace as JSON Lines: the header, then one event a line.
// It encodes by hand (no reflection) because it sits on the simulator's hot
// path when a run streams its trace.
type Writer struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewWriter writes the header at once; call Event for each event and Flush at
// the end.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format, h.Version = FormatName, FormatVersion
	tw := &Writer{w: bufio.NewWriterSize(w, 64<<10)}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	tw.w.Write(line)
	tw.err = tw.w.WriteByte('\n')
	return tw, tw.err
}

// Event appends one event.
func (tw *Writer) Event(e *Event) {
	if tw.err != nil {
		return
	}
	tw.buf = AppendEventJSON(tw.buf[:0], e)
	tw.buf = append(tw.buf, '\n')
	_, tw.err = tw.w.Write(tw.buf)
}

// Flush writes what is buffered and returns the first error seen.
func (tw *Writer) Flush() error {
	if tw.err != nil {
		return tw.err
	}
	return tw.w.Flush()
}

// Write writes a whole trace as JSON Lines.
func Write(w io.Writer, t *Trace) error {
	tw, err := NewWriter(w, t.Header)
	if err != nil {
		return err
	}
	for _, e := range t.All() {
		tw.Event(&e)
	}
	return tw.Flush()
}

// WriteFile writes a whole trace to a file.
func WriteFile(path string, t *Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, t); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// AppendEventJSON appends the event's JSON object (no newline) to b.
func AppendEventJSON(b []byte, e *Event) []byte {
	b = append(b, `{"i":`...)
	b = strconv.AppendInt(b, int64(e.Index), 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, int64(e.Time), 10)
	b = append(b, `,"kind":"`...)
	b = append(b, e.Kind.String()...)
	b = append(b, '"')
	if e.Node != None {
		b = append(b, `,"node":`...)
		b = strconv.AppendInt(b, int64(e.Node), 10)
	}
	if e.Peer != None {
		b = append(b, `,"peer":`...)
		b = strconv.AppendInt(b, int64(e.Peer), 10)
	}
	if e.Msg != 0 {
		b = append(b, `,"msg":`...)
		b = strconv.AppendInt(b, e.Msg, 10)
	}
	if e.Timer != 0 {
		b = append(b, `,"timer":`...)
		b = strconv.AppendInt(b, e.Timer, 10)
	}
	if e.Op != 0 {
		b = append(b, `,"op":`...)
		b = strconv.AppendInt(b, e.Op, 10)
	}
	if e.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, e.Name)
	}
	if e.Value != "" {
		b = append(b, `,"value":`...)
		b = appendString(b, e.Value)
	}
	if e.Body != nil {
		b = append(b, `,"body":`...)
		b = append(b, e.BodyJSON()...)
	}
	if data := e.DataJSON(); len(data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	}
	if e.Groups != nil {
		b = append(b, `,"groups":[`...)
		for i, g := range e.Groups {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for j, n := range g {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, int64(n), 10)
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if e.Stack != "" {
		b = append(b, `,"stack":`...)
		b = appendString(b, e.Stack)
	}
	return append(b, '}')
}

// appendString quotes s as JSON, taking the fast path for plain ASCII.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// wireEvent is the decoding shape: pointers tell absent fields from zeros.
type wireEvent struct {
	Index  int             `json:"i"`
	Time   int64           `json:"t"`
	Kind   Kind            `json:"kind"`
	Node   *NodeID         `json:"node"`
	Peer   *NodeID         `json:"peer"`
	Msg    int64           `json:"msg"`
	Timer  int64           `json:"timer"`
	Op     int64           `json:"op"`
	Name   string          `json:"name"`
	Value  string          `json:"value"`
	Body   json.RawMessage `json:"body"`
	Data   json.RawMessage `json:"data"`
	Groups [][]NodeID      `json:"groups"`
	Stack  string          `json:"stack"`
}

// Read loads a trace written by Writer. Errors name the line.
func Read(r io.Reader) (*Trace, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	t := &Trace{}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("empty trace: no header line")
	}
	if err := json.Unmarshal(sc.Bytes(), &t.Header); err != nil {
		return nil, fmt.Errorf("line 1: header: %w", err)
	}
	if t.Header.Format != FormatName {
		return nil, fmt.Errorf("line 1: not a distlab trace (format %q, want %q)", t.Header.Format, FormatName)
	}
	if t.Header.Version != FormatVersion {
		return nil, fmt.Errorf("line 1: trace format version %d, this build reads %d", t.Header.Version, FormatVersion)
	}
	line := 1
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		e, err := decodeEvent(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		t.Append(e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return t, nil
}

// ReadFile loads a trace from a file.
func ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
