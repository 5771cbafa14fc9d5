package linearizability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"distlab/contract"
	ec "distlab/contract/election"
	"distlab/simnet/trace"
)

// FormatName and FormatVersion identify a history file.
const (
	FormatName    = "distlab-history"
	FormatVersion = 1
)

// The operations of the key-value model.
const (
	OpGet    = "get"
	OpPut    = "put"
	OpAppend = "append"
)

// Input is an operation's request.
type Input struct {
	Op    string `json:"op"`
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// Output is an operation's result. Unknown means the outcome is not known.
type Output struct {
	Value   string `json:"value"`
	Unknown bool   `json:"unknown,omitempty"`
}

// Operation is one client operation of a history.
type Operation struct {
	Client string `json:"client"`
	Call   int64  `json:"call"`
	// Return is nil for an operation that never returned.
	Return *int64  `json:"return,omitempty"`
	Input  Input   `json:"input"`
	Output *Output `json:"output,omitempty"`
	// CallEvent and ReturnEvent are trace indexes (-1 when unknown), for
	// pointing the visualizer at the operation; a history file has none.
	CallEvent   int `json:"-"`
	ReturnEvent int `json:"-"`
}

// Annotation is something that happened during the history (a partition,
// a crash, a leader's term), shown alongside it in the visualization.
type Annotation struct {
	Tag         string `json:"tag"`
	Start       int64  `json:"start"`
	End         int64  `json:"end,omitempty"`
	Description string `json:"description"`
	Details     string `json:"details,omitempty"`
	Color       string `json:"color,omitempty"`
}

// History is a set of operations with their annotations.
type History struct {
	Format      string       `json:"format"`
	Version     int          `json:"version"`
	Name        string       `json:"name,omitempty"`
	Operations  []Operation  `json:"operations"`
	Annotations []Annotation `json:"annotations,omitempty"`
}

// End is the latest time in the history: the return given to operations
// that never returned.
func (h *History) End() int64 {
	var end int64
	for _, op := range h.Operations {
		end = max(end, op.Call)
		if op.Return != nil {
			end = max(end, *op.Return)
		}
	}
	for _, a := range h.Annotations {
		end = max(end, a.Start, a.End)
	}
	return end
}

// Validate reports a malformed history.
func (h *History) Validate() error {
	if h.Format != "" && h.Format != FormatName {
		return fmt.Errorf("history format %q, want %q", h.Format, FormatName)
	}
	if h.Version > FormatVersion {
		return fmt.Errorf("history version %d is newer than this build reads (%d)", h.Version, FormatVersion)
	}
	for i, op := range h.Operations {
		switch op.Input.Op {
		case OpGet, OpPut, OpAppend:
		default:
			return fmt.Errorf("operations[%d].input.op: %q is not get, put or append", i, op.Input.Op)
		}
		if op.Return != nil && *op.Return < op.Call {
			return fmt.Errorf("operations[%d]: return %d before call %d", i, *op.Return, op.Call)
		}
		if op.Client == "" {
			return fmt.Errorf("operations[%d]: client is missing", i)
		}
	}
	return nil
}

// WriteFile writes the history as a history file (indented JSON).
func (h *History) WriteFile(path string) error {
	c := *h
	c.Format, c.Version = FormatName, FormatVersion
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadHistory reads a history file. A distlab trace (JSON Lines) is also
// accepted: its history and annotations are extracted.
func ReadHistory(path string) (*History, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if isTrace(data) {
		tr, err := trace.Read(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return FromTrace(tr)
	}
	var h History
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%s: not a history (%s) or a trace: %w", path, FormatName, err)
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range h.Operations {
		h.Operations[i].CallEvent, h.Operations[i].ReturnEvent = -1, -1
	}
	if h.Name == "" {
		h.Name = strings.TrimSuffix(baseName(path), ".json")
	}
	return &h, nil
}

func isTrace(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	var hd struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(line, &hd) == nil && hd.Format == trace.FormatName
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// FromTrace extracts the history of a run: every Invoke with its Return,
// and annotations for partitions, isolations, cuts, crashes, restarts and
// leader marks.
func FromTrace(tr *trace.Trace) (*History, error) {
	h := &History{Format: FormatName, Version: FormatVersion, Name: tr.Header.Scenario}
	open := map[int64]int{} // op id → index in h.Operations
	for i := range tr.Len() {
		e := tr.At(i)
		switch e.Kind {
		case trace.Invoke:
			var in Input
			if err := e.DecodeData(&in); err != nil {
				return nil, fmt.Errorf("event %d (invoke): %w", e.Index, err)
			}
			open[e.Op] = len(h.Operations)
			h.Operations = append(h.Operations, Operation{Client: tr.NodeName(e.Node), Call: int64(e.Time),
				Input: in, CallEvent: e.Index, ReturnEvent: -1})
		case trace.Return:
			k, ok := open[e.Op]
			if !ok {
				return nil, fmt.Errorf("event %d: return of operation %d that was never invoked", e.Index, e.Op)
			}
			delete(open, e.Op)
			var out Output
			if len(e.Data) > 0 {
				if err := e.DecodeData(&out); err != nil {
					return nil, fmt.Errorf("event %d (return): %w", e.Index, err)
				}
			}
			at := int64(e.Time)
			h.Operations[k].Return, h.Operations[k].Output, h.Operations[k].ReturnEvent = &at, &out, e.Index
		}
	}
	h.Annotations = annotations(tr)
	return h, nil
}

// annotations turns the trace's faults and leader marks into spans.
func annotations(tr *trace.Trace) []Annotation {
	var out []Annotation
	end := int64(tr.End())
	type span struct {
		start int64
		desc  string
	}
	var network *span           // the current partition, until heal
	down := map[string]*span{}  // crashed node → since
	alone := map[string]*span{} // isolated node → since
	lead := map[string]*span{}  // leader → since
	closeSpan := func(m map[string]*span, tag string, at int64, color string) {
		if s := m[tag]; s != nil {
			out = append(out, Annotation{Tag: tag, Start: s.start, End: at, Description: s.desc, Color: color})
			delete(m, tag)
		}
	}
	const faultColor, leaderColor = "#f4b6b6", "#b6e3b6"
	for i := range tr.Len() {
		e := tr.At(i)
		at := int64(e.Time)
		name := tr.NodeName(e.Node)
		switch e.Kind {
		case trace.Partition:
			if network != nil {
				out = append(out, Annotation{Tag: "network", Start: network.start, End: at, Description: network.desc, Color: faultColor})
			}
			network = &span{at, "partition " + tr.DescribeGroups(e.Groups)}
		case trace.Heal:
			if network != nil {
				out = append(out, Annotation{Tag: "network", Start: network.start, End: at, Description: network.desc, Color: faultColor})
				network = nil
			}
			for _, n := range sortedKeys(alone) {
				closeSpan(alone, n, at, faultColor)
			}
		case trace.Cut:
			out = append(out, Annotation{Tag: "network", Start: at, Description: "cut " + name + "→" + tr.NodeName(e.Peer), Color: faultColor})
		case trace.Isolate:
			if alone[name] == nil {
				alone[name] = &span{at, "isolated"}
			}
		case trace.Rejoin:
			closeSpan(alone, name, at, faultColor)
		case trace.Crash:
			if contract.IsClient(tr.Header, e.Node) {
				continue
			}
			closeSpan(lead, name, at, leaderColor)
			down[name] = &span{at, "down: " + e.Value}
		case trace.Restart:
			closeSpan(down, name, at, faultColor)
		case trace.Mark:
			switch {
			case ec.Leader.Is(&e):
				m, _ := ec.Leader.Decode(&e)
				closeSpan(lead, name, at, leaderColor)
				lead[name] = &span{at, fmt.Sprintf("leader, term %d", m.Term)}
			case ec.Stepdown.Is(&e):
				closeSpan(lead, name, at, leaderColor)
			}
		}
	}
	if network != nil {
		out = append(out, Annotation{Tag: "network", Start: network.start, End: end, Description: network.desc, Color: faultColor})
	}
	for _, m := range []map[string]*span{alone, down} {
		for _, n := range sortedKeys(m) {
			closeSpan(m, n, end, faultColor)
		}
	}
	for _, n := range sortedKeys(lead) {
		closeSpan(lead, n, end, leaderColor)
	}
	slices.SortStableFunc(out, func(a, b Annotation) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return strings.Compare(a.Tag, b.Tag)
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
