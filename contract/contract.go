package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"distlab/simnet/trace"
)

// The node groups every family uses: servers run the algorithm, clients
// drive a workload and record the history of their operations.
const (
	ServerGroup = "server"
	ClientGroup = "client"
)

// Servers lists a trace's servers in id order. Nodes with no group (a
// hand-written trace) count as servers.
func Servers(h trace.Header) []trace.NodeID {
	var out []trace.NodeID
	for i := range h.Nodes {
		if g := h.GroupOf(trace.NodeID(i)); g == ServerGroup || g == "" {
			out = append(out, trace.NodeID(i))
		}
	}
	return out
}

// IsClient reports whether a node is in the client group.
func IsClient(h trace.Header, id trace.NodeID) bool { return h.GroupOf(id) == ClientGroup }

// Recorder is what records a mark: a node's *simnet.Env.
type Recorder interface {
	Mark(name string, payload any)
}

// Mark is one mark of a contract: its name and, as a type parameter, its
// payload. Algorithms record it and checkers decode it through the same
// value, so name and payload cannot drift apart.
type Mark[T any] struct {
	Name string
	Doc  string
}

// Record records the mark with its payload.
func (m Mark[T]) Record(r Recorder, payload T) { r.Mark(m.Name, payload) }

// Is reports whether e is this mark.
func (m Mark[T]) Is(e *trace.Event) bool { return e.Kind == trace.Mark && e.Name == m.Name }

// Decode reads the payload of an event that is this mark.
func (m Mark[T]) Decode(e *trace.Event) (T, error) {
	var v T
	if !m.Is(e) {
		return v, fmt.Errorf("event %d is %s %q, not mark %q", e.Index, e.Kind, e.Name, m.Name)
	}
	if p, ok := e.Data.(T); ok { // a live run's payload, as recorded
		return p, nil
	}
	return m.decodeJSON(e)
}

// decodeJSON is Decode for a payload read from a file (apart, so that a
// live payload's T does not move to the heap as json's target).
func (m Mark[T]) decodeJSON(e *trace.Event) (T, error) {
	var v T
	if err := json.Unmarshal(e.DataJSON(), &v); err != nil {
		return v, fmt.Errorf("event %d: %s mark of %s: %w", e.Index, m.Name, "payload", err)
	}
	return v, nil
}

// Def describes the mark for a Contract.
func (m Mark[T]) Def() MarkDef {
	return MarkDef{Name: m.Name, Doc: m.Doc, Type: reflect.TypeFor[T]()}
}

// MarkDef is a mark's name, meaning and payload type.
type MarkDef struct {
	Name string
	Doc  string
	Type reflect.Type
}

// StateKey is a published state key that checkers read (not just the
// visualizer).
type StateKey struct {
	Key string
	Doc string
}

// Ops are the payloads of client operations: what Env.Invoke and
// Env.Return record.
type Ops struct {
	Input  reflect.Type
	Output reflect.Type
	Doc    string
}

// Contract is what one family's algorithms promise to write into a trace
// and what its checkers read: mark names with payload types, published
// state keys, client operations, and the fields of the messages the
// checkers read. It lives in a leaf package that both sides import.
type Contract struct {
	Name     string
	Doc      string
	Marks    []MarkDef
	State    []StateKey
	Ops      *Ops
	Messages []MessageDef
}

// MarkNames lists the contract's mark names.
func (c *Contract) MarkNames() []string {
	names := make([]string, len(c.Marks))
	for i, m := range c.Marks {
		names[i] = m.Name
	}
	return names
}

// Evidence counts the trace's events that belong to this contract: its
// marks, the sending of the messages it reads and, when it has client
// operations, invocations. Zero means the trace holds nothing a checker of
// this family could judge.
func (c *Contract) Evidence(tr *trace.Trace) int {
	n := 0
	for _, m := range c.Marks {
		n += tr.Marks(m.Name) // counted as the trace was recorded: no pass over it
	}
	if c.Ops != nil {
		n += tr.Count(trace.Invoke)
	}
	if len(c.Messages) > 0 {
		n += c.sends(tr, false)
	}
	return n
}

// HasEvidence reports whether Evidence is more than zero, stopping at the
// first piece.
func (c *Contract) HasEvidence(tr *trace.Trace) bool {
	for _, m := range c.Marks {
		if tr.Marks(m.Name) > 0 {
			return true
		}
	}
	if c.Ops != nil && tr.Count(trace.Invoke) > 0 {
		return true
	}
	return len(c.Messages) > 0 && c.sends(tr, true) > 0
}

// sends counts the sending of the messages the contract reads (only the
// first, if first), reading no event of another kind.
func (c *Contract) sends(tr *trace.Trace, first bool) int {
	n := 0
	var e trace.Event
	for i := range tr.Scan(trace.KindsOf(trace.Send), 0, tr.Len()) {
		tr.Fill(i, &e)
		if c.Counts(&e) {
			n++
			if first {
				break
			}
		}
	}
	return n
}

// Counts reports whether one event is evidence of this contract (for a
// check that judges a run as it is recorded, see checkers.Session).
func (c *Contract) Counts(e *trace.Event) bool {
	switch e.Kind {
	case trace.Mark:
		return slices.ContainsFunc(c.Marks, func(m MarkDef) bool { return m.Name == e.Name })
	case trace.Send:
		return slices.ContainsFunc(c.Messages, func(m MessageDef) bool { return slices.Contains(m.Names, e.Name) })
	case trace.Invoke:
		return c.Ops != nil
	}
	return false
}

// Sought says in words what Evidence looks for.
func (c *Contract) Sought() string {
	var parts []string
	if len(c.Marks) > 0 {
		parts = append(parts, "marks "+strings.Join(c.MarkNames(), ", "))
	}
	if len(c.Messages) > 0 {
		var names []string
		for _, m := range c.Messages {
			names = append(names, m.Names...)
		}
		parts = append(parts, "messages "+strings.Join(names, ", "))
	}
	if c.Ops != nil {
		parts = append(parts, "client operations")
	}
	return fmt.Sprintf("the %s contract's %s", c.Name, strings.Join(parts, " or "))
}

// Validator checks payloads against contracts as they are recorded (for
// simnet.Config.Validate in strict mode): a mark must be one of theirs,
// with every required field, no unknown field and the right types;
// invocations and returns must match the operations' payload types.
func Validator(cs ...*Contract) func(kind trace.Kind, name string, payload any) error {
	return func(kind trace.Kind, name string, payload any) error {
		switch kind {
		case trace.Mark:
			var valid []string
			for _, c := range cs {
				for _, m := range c.Marks {
					if m.Name == name {
						return conforms(m.Type, payload)
					}
					valid = append(valid, m.Name)
				}
			}
			if len(valid) == 0 {
				return fmt.Errorf("no contract of this algorithm defines marks")
			}
			return fmt.Errorf("unknown mark (valid: %s)", strings.Join(valid, ", "))
		case trace.Invoke, trace.Return:
			for _, c := range cs {
				if c.Ops == nil {
					continue
				}
				t := c.Ops.Input
				if kind == trace.Return {
					t = c.Ops.Output
				}
				return conforms(t, payload)
			}
			return fmt.Errorf("no contract of this algorithm defines client operations")
		}
		return nil
	}
}

// Validate is a check a payload type may add beyond its fields' types.
type Validate interface{ Validate() error }

// conforms reports how payload, once encoded as JSON, fails to be a t.
func conforms(t reflect.Type, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("payload cannot be encoded: %w", err)
	}
	if t.Kind() == reflect.Struct {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return fmt.Errorf("payload %s is not a JSON object", raw)
		}
		names, required := jsonFields(t)
		for key := range fields {
			if !slices.Contains(names, key) {
				return fmt.Errorf("unknown field %q in %s (valid: %s)", key, raw, strings.Join(names, ", "))
			}
		}
		for _, key := range required {
			if _, ok := fields[key]; !ok {
				return fmt.Errorf("missing field %q in %s", key, raw)
			}
		}
	}
	v := reflect.New(t)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return fmt.Errorf("payload %s: %w", raw, err)
	}
	if val, ok := v.Interface().(Validate); ok {
		if err := val.Validate(); err != nil {
			return fmt.Errorf("payload %s: %w", raw, err)
		}
	}
	return nil
}

// jsonFields lists a struct's JSON field names, and those without
// omitempty (which a well-formed payload always carries).
func jsonFields(t reflect.Type) (names, required []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	return names, required
}
