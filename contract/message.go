package contract

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"distlab/simnet/trace"
)

// Message is what a family's checkers may read of the messages some
// algorithms send, so that they can derive facts from the messages (a vote
// granted, a leader's heartbeat) and not only from what an algorithm marks
// about itself. Names are the message types (as the trace names them) that
// carry the fields; T declares the fields read, under the JSON names the
// trace file writes (a Go message type's exported field names, or its json
// tags). Nested structs are read field by field the same way.
//
// The algorithm's message types do not import T: a test on the algorithm's
// side (Conforms) proves that each of its types has every field T reads,
// with a compatible type, so the two cannot drift apart unnoticed.
type Message[T any] struct {
	Names []string
	Doc   string
}

// Is reports whether e is the sending of one of the message's types.
func (m Message[T]) Is(e *trace.Event) bool {
	return e.Kind == trace.Send && slices.Contains(m.Names, e.Name)
}

// Decode reads the fields of T from the event's message body: the value a
// live run sent, or the JSON of a trace read from a file.
func (m Message[T]) Decode(e *trace.Event) (T, error) {
	var v T
	if m.decodeFlat(e, &v, nil) {
		return v, nil
	}
	return m.decodeSlow(e)
}

// DecodeInto is Decode into *dst, reusing the memory of dst's lists where
// they are long enough: a check that reads every AppendEntries keeps one T
// and allocates nothing per message. What *dst held is overwritten (a field
// the message lacks is left zero, an empty list may be empty rather than
// nil); lists held by a previous value of *dst may be written over, so a
// caller keeps none of them.
func (m Message[T]) DecodeInto(e *trace.Event, dst *T) error {
	prev := *dst
	var zero T
	*dst = zero
	if m.decodeFlat(e, dst, &prev) {
		return nil
	}
	v, err := m.decodeSlow(e)
	*dst = v
	return err
}

// decodeFlat reads a live message of a flat shape by its fields' offsets
// (flat.go), reusing prev's lists if prev is not nil; false: the slow way.
func (m Message[T]) decodeFlat(e *trace.Event, dst, prev *T) bool {
	if e.Body == nil || !slices.Contains(m.Names, e.Name) {
		return false
	}
	st, src, ok := flatSource(e.Body)
	if !ok {
		return false
	}
	plan := flatPlanFor(reflect.TypeFor[T](), st)
	if plan == nil {
		return false
	}
	plan.run(unsafe.Pointer(dst), src, unsafe.Pointer(prev))
	return true
}

// decodeSlow is Decode for JSON bodies, shapes without a flat plan and
// errors.
func (m Message[T]) decodeSlow(e *trace.Event) (T, error) {
	var v T
	if !slices.Contains(m.Names, e.Name) {
		return v, fmt.Errorf("event %d carries message %q, not one of %s", e.Index, e.Name, strings.Join(m.Names, ", "))
	}
	switch b := e.Body.(type) {
	case nil:
		return v, fmt.Errorf("event %d: message %s has no body", e.Index, e.Name)
	case json.RawMessage:
		if err := json.Unmarshal(b, &v); err != nil {
			return v, fmt.Errorf("event %d: message %s: %w", e.Index, e.Name, err)
		}
		return v, nil
	default:
		if err := project(reflect.ValueOf(&v).Elem(), reflect.ValueOf(b)); err != nil {
			return v, fmt.Errorf("event %d: message %s: %w", e.Index, e.Name, err)
		}
		return v, nil
	}
}

// Def describes the message for a Contract.
func (m Message[T]) Def() MessageDef {
	return MessageDef{Names: m.Names, Doc: m.Doc, Type: reflect.TypeFor[T]()}
}

// MessageDef is a message's type names, meaning and the fields read.
type MessageDef struct {
	Names []string
	Doc   string
	Type  reflect.Type
}

// Conforms reports how a Go message type (given by a value of it) fails
// to carry the fields def reads: a field missing, or of a kind that does
// not convert. Algorithms call it in their tests for each message type
// that plays a part in their contracts.
func Conforms(def MessageDef, msg any) error {
	src := reflect.TypeOf(msg)
	for src != nil && src.Kind() == reflect.Pointer {
		src = src.Elem()
	}
	if src == nil || src.Kind() != reflect.Struct {
		return fmt.Errorf("%T is not a struct message", msg)
	}
	return conformsType(def.Type, src, "")
}

func conformsType(want, have reflect.Type, path string) error {
	if want.Kind() == reflect.Struct {
		if have.Kind() != reflect.Struct {
			return fmt.Errorf("%s: %s is not a struct", pathOr(path), have)
		}
		for i := range want.NumField() {
			f := want.Field(i)
			if !f.IsExported() {
				continue
			}
			name := jsonName(f)
			hf, ok := fieldByJSON(have, name)
			if !ok {
				return fmt.Errorf("%s has no field %q (the contract reads %s%s)", have, name, path, name)
			}
			if err := conformsType(f.Type, hf.Type, path+name+"."); err != nil {
				return err
			}
		}
		return nil
	}
	if !convertible(want, have) {
		return fmt.Errorf("field %s is %s, the contract reads %s", strings.TrimSuffix(path, "."), have, want)
	}
	return nil
}

func pathOr(p string) string {
	if p == "" {
		return "the message"
	}
	return strings.TrimSuffix(p, ".")
}

// convertible reports whether a value of type have can be read as want:
// the same kind family (any integer for an integer, a bool, a string).
func convertible(want, have reflect.Type) bool {
	switch {
	case isInt(want):
		return isInt(have)
	case want.Kind() == reflect.Bool:
		return have.Kind() == reflect.Bool
	case want.Kind() == reflect.String:
		return have.Kind() == reflect.String
	case want.Kind() == reflect.Float64 || want.Kind() == reflect.Float32:
		return isInt(have) || have.Kind() == reflect.Float64 || have.Kind() == reflect.Float32
	case want.Kind() == reflect.Slice:
		return have.Kind() == reflect.Slice && (want.Elem().Kind() == reflect.Struct && have.Elem().Kind() == reflect.Struct && conformsType(want.Elem(), have.Elem(), "") == nil || convertible(want.Elem(), have.Elem()))
	}
	return want == have
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// jsonName is a field's name in JSON: its json tag's name, or its Go name.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}

type fieldKey struct {
	t    reflect.Type
	name string
}

// fieldIndex caches, per message type, where each JSON name lives: live
// runs decode the same few types over and over.
var fieldIndex sync.Map // fieldKey → []int (nil: absent)

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	k := fieldKey{t, name}
	if idx, ok := fieldIndex.Load(k); ok {
		if idx == nil {
			return reflect.StructField{}, false
		}
		return t.FieldByIndex(idx.([]int)), true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() && jsonName(f) == name {
			fieldIndex.Store(k, f.Index)
			return f, true
		}
	}
	fieldIndex.Store(k, nil)
	return reflect.StructField{}, false
}

// readFields pairs each exported field of dt with the field of st under
// the same JSON name. A field st lacks is left out: as with json, it keeps
// its zero value.
func readFields(dt, st reflect.Type) [][2]reflect.StructField {
	var out [][2]reflect.StructField
	for i := range dt.NumField() {
		f := dt.Field(i)
		if !f.IsExported() {
			continue
		}
		if sf, ok := fieldByJSON(st, jsonName(f)); ok {
			out = append(out, [2]reflect.StructField{f, sf})
		}
	}
	return out
}

// project copies into dst (a T) the fields of src (a live message value)
// with the same JSON names, converting integer kinds: what json would do
// with a round trip, without encoding the whole message (an AppendEntries
// carries its entries). The copy is planned once per pair of types.
func project(dst, src reflect.Value) error {
	for src.Kind() == reflect.Pointer || src.Kind() == reflect.Interface {
		if src.IsNil() {
			return nil
		}
		src = src.Elem()
	}
	return planFor(dst.Type(), src.Type())(dst, src)
}

// copier copies one value into another of a planned pair of types.
type copier func(dst, src reflect.Value) error

var plans sync.Map // [2]reflect.Type{dst, src} → copier

func planFor(dt, st reflect.Type) copier {
	k := [2]reflect.Type{dt, st}
	if c, ok := plans.Load(k); ok {
		return c.(copier)
	}
	c := compile(dt, st)
	plans.Store(k, c)
	return c
}

func failing(format string, args ...any) copier {
	err := fmt.Errorf(format, args...)
	return func(reflect.Value, reflect.Value) error { return err }
}

// compile plans the copy of a st value into a dt value.
func compile(dt, st reflect.Type) copier {
	if st.Kind() == reflect.Pointer || st.Kind() == reflect.Interface {
		return func(dst, src reflect.Value) error { return project(dst, src) }
	}
	switch dt.Kind() {
	case reflect.Struct:
		if st.Kind() != reflect.Struct {
			return failing("%s is not a struct", st)
		}
		type step struct {
			dst int
			src []int
			sub copier
		}
		var steps []step
		for _, fs := range readFields(dt, st) {
			f, sf := fs[0], fs[1]
			steps = append(steps, step{f.Index[0], sf.Index, planFor(f.Type, sf.Type)})
		}
		return func(dst, src reflect.Value) error {
			for _, s := range steps {
				var from reflect.Value
				if len(s.src) == 1 {
					from = src.Field(s.src[0])
				} else {
					from = src.FieldByIndex(s.src)
				}
				if err := s.sub(dst.Field(s.dst), from); err != nil {
					return fmt.Errorf("%s: %w", dt.Field(s.dst).Name, err)
				}
			}
			return nil
		}
	case reflect.Slice:
		if st.Kind() != reflect.Slice {
			return failing("%s is not a list", st)
		}
		elem := planFor(dt.Elem(), st.Elem())
		return func(dst, src reflect.Value) error {
			n := src.Len()
			out := reflect.MakeSlice(dt, n, n)
			for i := range n {
				if err := elem(out.Index(i), src.Index(i)); err != nil {
					return err
				}
			}
			dst.Set(out)
			return nil
		}
	}
	switch {
	case isInt(dt) && isInt(st):
		signedSrc := st.Kind() >= reflect.Int && st.Kind() <= reflect.Int64
		signedDst := dt.Kind() >= reflect.Int && dt.Kind() <= reflect.Int64
		return func(dst, src reflect.Value) error {
			switch {
			case signedSrc && signedDst:
				dst.SetInt(src.Int())
			case signedSrc:
				dst.SetUint(uint64(src.Int()))
			case signedDst:
				dst.SetInt(int64(src.Uint()))
			default:
				dst.SetUint(src.Uint())
			}
			return nil
		}
	case st.ConvertibleTo(dt) && dt.Kind() == st.Kind():
		return func(dst, src reflect.Value) error {
			dst.Set(src.Convert(dt))
			return nil
		}
	case (dt.Kind() == reflect.Float64 || dt.Kind() == reflect.Float32) && (isInt(st) || st.Kind() == reflect.Float64 || st.Kind() == reflect.Float32):
		return func(dst, src reflect.Value) error {
			switch {
			case src.CanFloat():
				dst.SetFloat(src.Float())
			case src.CanInt():
				dst.SetFloat(float64(src.Int()))
			default:
				dst.SetFloat(float64(src.Uint()))
			}
			return nil
		}
	}
	return failing("%s cannot be read as %s", st, dt)
}
