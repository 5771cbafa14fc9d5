package linearizability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/contract/kv"
	"distlab/simnet/trace"
)

// The formats a history file can be in (`distlab check --format`).
const (
	FormatAuto   = "auto"   // decided from the file's first bytes
	FormatJSON   = "json"   // a distlab history (kv.History)
	FormatTrace  = "trace"  // a distlab trace: its clients' history
	FormatJepsen = "jepsen" // a Jepsen history, one EDN map a line
)

// Formats lists the formats ReadHistoryFormat takes.
var Formats = []string{FormatAuto, FormatJSON, FormatTrace, FormatJepsen}

// opEvents are the trace indexes of an operation's invoke and return
// (-1 when there is none), for pointing the visualizer at it.
type opEvents struct{ call, ret int }

// ReadHistory reads a history file in any format, telling them apart by
// their first bytes.
func ReadHistory(path string) (*kv.History, error) {
	h, _, err := readHistory(path, FormatAuto)
	return h, err
}

// ReadHistoryFormat reads a history file in the given format (one of
// Formats).
func ReadHistoryFormat(path, format string) (*kv.History, error) {
	h, _, err := readHistory(path, format)
	return h, err
}

func readHistory(path, format string) (*kv.History, []opEvents, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if format == "" || format == FormatAuto {
		format = sniff(data)
	}
	var h *kv.History
	var events []opEvents
	switch format {
	case FormatTrace:
		tr, err := trace.Read(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if h, events, err = fromTrace(tr); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		h.Annotations = annotations(tr)
	case FormatJSON:
		if h, err = parseHistory(data); err != nil {
			return nil, nil, fmt.Errorf("%s%w", path, err)
		}
	case FormatJepsen:
		if h, err = parseJepsen(data); err != nil {
			return nil, nil, fmt.Errorf("%s%w", path, err)
		}
	default:
		return nil, nil, fmt.Errorf("unknown history format %q (valid: %s)", format, strings.Join(Formats, ", "))
	}
	if h.Name == "" {
		h.Name = strings.TrimSuffix(baseName(path), ".json")
	}
	return h, events, nil
}

// sniff tells a trace (a JSON line with the trace format's name), a Jepsen
// history (EDN maps, or jepsen.util log lines) and a JSON history apart.
func sniff(data []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimLeft(data, " \t\r\n"), []byte("\n"))
	var hd struct {
		Format string `json:"format"`
	}
	switch {
	case json.Unmarshal(line, &hd) == nil && hd.Format == trace.FormatName:
		return FormatTrace
	case bytes.HasPrefix(line, []byte("{:")), bytes.Contains(line, []byte("jepsen.util")):
		return FormatJepsen
	}
	return FormatJSON
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// WriteHistory writes a history as a history file (indented JSON).
func WriteHistory(path string, h *kv.History) error {
	c := *h
	c.Format, c.Version = kv.FormatName, kv.FormatVersion
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// The raw shapes of a history file: pointers tell a missing field from a
// zero one.
type (
	rawInput struct {
		Op       *string `json:"op"`
		Key      *string `json:"key"`
		Value    string  `json:"value"`
		Expected string  `json:"expected"`
	}
	rawOutput struct {
		Value   *string `json:"value"`
		OK      *bool   `json:"ok"`
		Unknown bool    `json:"unknown"`
	}
	rawOperation struct {
		Client *string    `json:"client"`
		Call   *int64     `json:"call"`
		Return *int64     `json:"return"`
		Input  *rawInput  `json:"input"`
		Output *rawOutput `json:"output"`
	}
)

// parseHistory reads a JSON history strictly: unknown fields, trailing
// data, missing fields and impossible values are errors that name the
// line, the operation and the field. The error starts with ":line: " or
// ": " so the caller can put the file name in front.
func parseHistory(data []byte) (*kv.History, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n")) }
	fail := func(off int64, format string, args ...any) error {
		return fmt.Errorf(":%d: %s", lineAt(off), fmt.Sprintf(format, args...))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf(": not a history (a JSON object with \"format\": %q) or a trace", kv.FormatName)
	}
	h := &kv.History{}
	var seen []string
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(off, "%s", jsonError(err))
		}
		key, _ := tok.(string)
		seen = append(seen, key)
		switch key {
		case "format":
			err = dec.Decode(&h.Format)
		case "version":
			err = dec.Decode(&h.Version)
		case "name":
			err = dec.Decode(&h.Name)
		case "annotations":
			err = dec.Decode(&h.Annotations)
		case "operations":
			err = parseOperations(dec, data, h, lineAt)
		default:
			return nil, fail(off, "unknown field %q (valid: format, version, name, operations, annotations)", key)
		}
		if err != nil {
			var located *locatedError
			if errors.As(err, &located) {
				return nil, err
			}
			return nil, fail(off, "%s: %s", key, jsonError(err))
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(dec.InputOffset(), "%s", jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(dec.InputOffset(), "unexpected data after the history")
	}
	for _, field := range []string{"format", "version", "operations"} {
		if !slices.Contains(seen, field) {
			return nil, fmt.Errorf(": %s: missing (a history starts {\"format\": %q, \"version\": %d, \"operations\": [", field, kv.FormatName, kv.FormatVersion)
		}
	}
	switch {
	case h.Format != kv.FormatName:
		return nil, fmt.Errorf(": format: %q, want %q", h.Format, kv.FormatName)
	case h.Version < 1 || h.Version > kv.FormatVersion:
		return nil, fmt.Errorf(": version: %d is not one this build reads (1 to %d)", h.Version, kv.FormatVersion)
	}
	return h, nil
}

// locatedError already says where it is.
type locatedError struct{ msg string }

func (e *locatedError) Error() string { return e.msg }

func parseOperations(dec *json.Decoder, data []byte, h *kv.History, lineAt func(int64) int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("want a list of operations, got %v", tok)
	}
	h.Operations = []kv.Operation{}
	for i := 0; dec.More(); i++ {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return &locatedError{fmt.Sprintf(":%d: operations[%d]: %s", lineAt(off), i, jsonError(err))}
		}
		op, err := decodeOperation(raw)
		if err != nil {
			return &locatedError{fmt.Sprintf(":%d: operations[%d]%s", lineAt(off), i, err)}
		}
		h.Operations = append(h.Operations, op)
	}
	_, err = dec.Token() // ]
	return err
}

// decodeOperation decodes and checks one operation; its error starts with
// the operation's description, e.g. ` (get(x) by c0): output: missing`.
func decodeOperation(raw []byte) (kv.Operation, error) {
	var r rawOperation
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return kv.Operation{}, fmt.Errorf(": %s", jsonError(err))
	}
	var op kv.Operation
	who := ""
	if r.Client != nil {
		op.Client = *r.Client
		who = " by " + op.Client
	}
	if r.Input != nil {
		if r.Input.Op != nil {
			op.Input.Op = *r.Input.Op
		}
		if r.Input.Key != nil {
			op.Input.Key = *r.Input.Key
		}
		op.Input.Value, op.Input.Expected = r.Input.Value, r.Input.Expected
	}
	where := fmt.Sprintf(" (%s%s)", kv.Describe(op.Input, nil), who)
	if r.Input == nil || r.Input.Op == nil || r.Input.Key == nil || op.Input.Validate() != nil {
		where = fmt.Sprintf(" (%s)", strings.TrimPrefix(who, " "))
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Client == nil || *r.Client == "":
		return op, bad("client: missing")
	case r.Call == nil:
		return op, bad("call: missing")
	case *r.Call < 0:
		return op, bad("call: %d is negative", *r.Call)
	case r.Input == nil:
		return op, bad("input: missing")
	case r.Input.Op == nil:
		return op, bad("input.op: missing (one of %s)", strings.Join(kv.Ops, ", "))
	case r.Input.Key == nil:
		return op, bad("input.key: missing")
	}
	if err := op.Input.Validate(); err != nil {
		return op, bad("input.%s", err)
	}
	op.Call = *r.Call
	if r.Return != nil {
		if *r.Return < op.Call {
			return op, bad("return: %d is before the call at %d", *r.Return, op.Call)
		}
		op.Return = r.Return
	}
	out, err := checkOutput(op.Input, r.Output, r.Return != nil)
	if err != nil {
		return op, bad("%s", err)
	}
	op.Output = out
	return op, nil
}

// checkOutput checks an operation's output against its input: a returned
// operation has one, with what its kind needs, unless it says unknown.
func checkOutput(in kv.Input, r *rawOutput, returned bool) (*kv.Output, error) {
	if r == nil {
		if returned {
			return nil, fmt.Errorf(`output: missing; an operation that returned has an output (or {"unknown": true})`)
		}
		return nil, nil
	}
	out := &kv.Output{OK: r.OK, Unknown: r.Unknown}
	if r.Value != nil {
		out.Value = *r.Value
	}
	if r.Unknown {
		return out, nil
	}
	if !returned {
		return nil, fmt.Errorf(`output without return: an operation that never returned has no output (or {"unknown": true})`)
	}
	switch {
	case in.Op == kv.OpGet && r.Value == nil:
		return nil, fmt.Errorf(`output.value: missing; a get's output says what it read ("" for a missing key)`)
	case in.Op != kv.OpGet && out.Value != "":
		return nil, fmt.Errorf("output.value: only a get's output has a value (got %q)", out.Value)
	case in.Op == kv.OpCAS && r.OK == nil:
		return nil, fmt.Errorf("output.ok: missing; a cas's output says whether it swapped")
	case in.Op != kv.OpCAS && r.OK != nil:
		return nil, fmt.Errorf("output.ok: only a cas's output has one")
	}
	return out, nil
}

// jsonError words encoding/json's errors for a person: the field and what
// was wrong with it.
func jsonError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := te.Type.Kind().String()
		switch want {
		case "int64", "int", "float64":
			want = "a number"
		case "ptr":
			want = te.Type.Elem().Kind().String()
			if want == "int64" {
				want = "a number"
			}
		case "struct":
			want = "an object"
		case "slice":
			want = "a list"
		}
		if te.Field != "" {
			return fmt.Sprintf("%s: expected %s, got %s", te.Field, want, te.Value)
		}
		return fmt.Sprintf("expected %s, got %s", want, te.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the file ends too early"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// FromTrace extracts the history of a run: every Invoke with its Return,
// and annotations for partitions, isolations, cuts, crashes, restarts and
// leader marks.
func FromTrace(tr *trace.Trace) (*kv.History, error) {
	h, _, err := fromTrace(tr)
	if err != nil {
		return nil, err
	}
	h.Annotations = annotations(tr)
	return h, nil
}

// historyBuilder reads a run's history event by event: the clients'
// invokes and returns.
type historyBuilder struct {
	header trace.Header
	h      *kv.History
	events []opEvents
	open   map[int64]int // op id → index in h.Operations
}

func newHistoryBuilder(header trace.Header) *historyBuilder {
	return &historyBuilder{header: header, open: map[int64]int{},
		h: &kv.History{Format: kv.FormatName, Version: kv.FormatVersion, Name: header.Scenario, Operations: []kv.Operation{}}}
}

// add reads an Invoke or a Return.
func (b *historyBuilder) add(e *trace.Event) error {
	switch e.Kind {
	case trace.Invoke:
		input, ok := e.Data.(kv.Input) // a live run's, as recorded
		if !ok {
			var in rawInput
			if err := json.Unmarshal(e.DataJSON(), &in); err != nil {
				return fmt.Errorf("event %d (invoke): %s", e.Index, jsonError(err))
			}
			if in.Op == nil || in.Key == nil {
				return fmt.Errorf("event %d (invoke): input.op and input.key are required, got %s", e.Index, e.DataJSON())
			}
			input = kv.Input{Op: *in.Op, Key: *in.Key, Value: in.Value, Expected: in.Expected}
		}
		op := kv.Operation{Client: b.header.NodeName(e.Node), Call: int64(e.Time), Input: input}
		if err := op.Input.Validate(); err != nil {
			return fmt.Errorf("event %d (invoke): input.%w", e.Index, err)
		}
		b.open[e.Op] = len(b.h.Operations)
		b.h.Operations = append(b.h.Operations, op)
		b.events = append(b.events, opEvents{e.Index, -1})
	case trace.Return:
		k, ok := b.open[e.Op]
		if !ok {
			return fmt.Errorf("event %d: return of operation %d that was never invoked", e.Index, e.Op)
		}
		delete(b.open, e.Op)
		op := &b.h.Operations[k]
		var raw *rawOutput
		if o, ok := e.Data.(kv.Output); ok { // a live run's, as recorded
			raw = &rawOutput{Value: &o.Value, OK: o.OK, Unknown: o.Unknown}
		} else if data := e.DataJSON(); len(data) > 0 && string(data) != "null" {
			raw = &rawOutput{}
			if err := json.Unmarshal(data, raw); err != nil {
				return fmt.Errorf("event %d (return of %s): %s", e.Index, kv.Describe(op.Input, nil), jsonError(err))
			}
		}
		out, err := checkOutput(op.Input, raw, true)
		if err != nil {
			return fmt.Errorf("event %d (return of %s by %s): %w", e.Index, kv.Describe(op.Input, nil), op.Client, err)
		}
		at := int64(e.Time)
		op.Return, op.Output, b.events[k].ret = &at, out, e.Index
	}
	return nil
}

func fromTrace(tr *trace.Trace) (*kv.History, []opEvents, error) {
	b := newHistoryBuilder(tr.Header)
	var e trace.Event
	for i := range tr.Scan(historyKinds, 0, tr.Len()) {
		tr.Fill(i, &e)
		if err := b.add(&e); err != nil {
			return nil, nil, err
		}
	}
	return b.h, b.events, nil
}

// historyKinds are the events a history is made of.
var historyKinds = trace.KindsOf(trace.Invoke, trace.Return)

// span is an annotation being drawn: since when, and what.
type span struct {
	start int64
	desc  string
}

// annotator turns a run's faults and leader marks into spans, event by
// event.
type annotator struct {
	tr      *trace.Trace     // for node names (a header-only trace will do)
	end     int64            // the time of the last event read
	network *span            // the current partition, until heal
	down    map[string]*span // crashed node → since
	alone   map[string]*span // isolated node → since
	lead    map[string]*span // leader → since
	out     []kv.Annotation
}

const faultColor, leaderColor = "#f4b6b6", "#b6e3b6"

// annotationKinds are the events annotations are drawn from.
var annotationKinds = trace.FaultKinds | trace.KindsOf(trace.Mark)

func newAnnotator(h trace.Header) *annotator {
	return &annotator{tr: &trace.Trace{Header: h}, down: map[string]*span{}, alone: map[string]*span{}, lead: map[string]*span{}}
}

func (a *annotator) closeSpan(m map[string]*span, tag string, at int64, color string) {
	if s := m[tag]; s != nil {
		a.out = append(a.out, kv.Annotation{Tag: tag, Start: s.start, End: at, Description: s.desc, Color: color})
		delete(m, tag)
	}
}

// add reads a fault or a mark.
func (a *annotator) add(e *trace.Event) {
	at := int64(e.Time)
	a.end = max(a.end, at)
	name := a.tr.NodeName(e.Node)
	switch e.Kind {
	case trace.Partition:
		if a.network != nil {
			a.out = append(a.out, kv.Annotation{Tag: "network", Start: a.network.start, End: at, Description: a.network.desc, Color: faultColor})
		}
		a.network = &span{at, "partition " + a.tr.DescribeGroups(e.Groups)}
	case trace.Heal:
		if a.network != nil {
			a.out = append(a.out, kv.Annotation{Tag: "network", Start: a.network.start, End: at, Description: a.network.desc, Color: faultColor})
			a.network = nil
		}
		for _, n := range sortedKeys(a.alone) {
			a.closeSpan(a.alone, n, at, faultColor)
		}
	case trace.Cut:
		a.out = append(a.out, kv.Annotation{Tag: "network", Start: at, Description: "cut " + name + "→" + a.tr.NodeName(e.Peer), Color: faultColor})
	case trace.Isolate:
		if a.alone[name] == nil {
			a.alone[name] = &span{at, "isolated"}
		}
	case trace.Rejoin:
		a.closeSpan(a.alone, name, at, faultColor)
	case trace.Crash:
		if contract.IsClient(a.tr.Header, e.Node) {
			return
		}
		a.closeSpan(a.lead, name, at, leaderColor)
		a.down[name] = &span{at, "down: " + e.Value}
	case trace.Restart:
		a.closeSpan(a.down, name, at, faultColor)
	case trace.Mark:
		switch {
		case ec.Leader.Is(e):
			m, _ := ec.Leader.Decode(e)
			a.closeSpan(a.lead, name, at, leaderColor)
			a.lead[name] = &span{at, fmt.Sprintf("leader, term %d", m.Term)}
		case ec.Stepdown.Is(e):
			a.closeSpan(a.lead, name, at, leaderColor)
		}
	}
}

// done closes the spans still open at end.
func (a *annotator) done(end int64) []kv.Annotation {
	a.end = max(a.end, end)
	if a.network != nil {
		a.out = append(a.out, kv.Annotation{Tag: "network", Start: a.network.start, End: a.end, Description: a.network.desc, Color: faultColor})
	}
	for _, m := range []map[string]*span{a.alone, a.down} {
		for _, n := range sortedKeys(m) {
			a.closeSpan(m, n, a.end, faultColor)
		}
	}
	for _, n := range sortedKeys(a.lead) {
		a.closeSpan(a.lead, n, a.end, leaderColor)
	}
	slices.SortStableFunc(a.out, func(x, y kv.Annotation) int {
		if x.Start != y.Start {
			return int(x.Start - y.Start)
		}
		return strings.Compare(x.Tag, y.Tag)
	})
	return a.out
}

// annotations turns the trace's faults and leader marks into spans.
func annotations(tr *trace.Trace) []kv.Annotation {
	a := newAnnotator(tr.Header)
	var e trace.Event
	for i := range tr.Scan(annotationKinds, 0, tr.Len()) {
		tr.Fill(i, &e)
		a.add(&e)
	}
	return a.done(int64(tr.End()))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
