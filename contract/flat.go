package contract

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A flat plan reads a message's fields by their offsets instead of
// through reflect, for the shapes contracts read most (a Raft run decodes
// every AppendEntries twice): a struct of integers, booleans and strings,
// and lists of such structs. Only the source is read through pointers; the
// destination is a T the caller owns, written with typed stores (strings
// and lists hold pointers, and the collector must see those writes).

// flatStep copies one field.
type flatStep struct {
	dst, src uintptr // offsets
	op       flatOp
	list     *flatList // flatListOp only
	sub      *flatPlan // flatStructOp only
}

type flatOp uint8

const (
	flatWord flatOp = iota // an integer of 8 bytes to one of 8 bytes: copied as is
	flatInt
	flatBool
	flatString
	flatListOp
	flatStructOp
)

// intKind reads an integer of a given size and signedness.
type intKind struct {
	size   uintptr
	signed bool
}

// flatPlan is the steps for one pair of struct types; each int step also
// names the sizes of both ends.
type flatPlan struct {
	words   [][2]uintptr // the flatWord steps' destination and source offsets, copied first
	steps   []flatStep   // the others
	dstInt  []intKind    // per step: the destination's integer kind (int steps)
	srcInt  []intKind
	dstSize uintptr
	srcSize uintptr
	// whole: every field of the destination is written by a step, and
	// none is a list, so a destination already holding a value can be
	// written over in place (DecodeInto reuses a list's elements).
	whole bool
}

// flatList is a list field: its element plans and types.
type flatList struct {
	elem    *flatPlan
	dstType reflect.Type // the destination's slice type
}

// flatPlans holds the plans made so far, keyed by the descriptors of the
// destination and source types. Checks look a plan up for every message
// they read, from every exploring worker at once, and a new pair of types
// is rare after the first messages: readers load the map without a lock,
// a writer replaces it with a copy. In front of it, recentPlans remembers
// the last plan found for each of a few slots a pair hashes to: a check
// reads the same few types all run long, and comparing two pointers costs
// a fraction of a map lookup.
var (
	flatPlans     atomic.Pointer[map[[2]unsafe.Pointer]*flatPlan] // nil plan: not flat
	flatPlansLock sync.Mutex
	recentPlans   [64]atomic.Pointer[recentPlan]
)

// recentPlan is a pair of type descriptors and its plan (nil: not flat).
type recentPlan struct {
	key  [2]unsafe.Pointer
	plan *flatPlan
}

func recentSlot(k [2]unsafe.Pointer) *atomic.Pointer[recentPlan] {
	h := (uintptr(k[0]) ^ uintptr(k[1])*31) >> 4 // descriptors are 16-byte aligned at least
	return &recentPlans[h%uintptr(len(recentPlans))]
}

// typeWord is the descriptor a reflect.Type stands for: one per type, for
// as long as the program runs.
func typeWord(t reflect.Type) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1]
}

// flatPlanFor returns the plan for reading a st struct into a dt struct,
// or nil when some field is not of a flat shape.
func flatPlanFor(dt, st reflect.Type) *flatPlan {
	k := [2]unsafe.Pointer{typeWord(dt), typeWord(st)}
	slot := recentSlot(k)
	if r := slot.Load(); r != nil && r.key == k {
		return r.plan
	}
	if m := flatPlans.Load(); m != nil {
		if p, ok := (*m)[k]; ok {
			slot.Store(&recentPlan{k, p})
			return p
		}
	}
	p := compileFlat(dt, st)
	flatPlansLock.Lock()
	defer flatPlansLock.Unlock()
	next := map[[2]unsafe.Pointer]*flatPlan{k: p}
	if m := flatPlans.Load(); m != nil {
		for k2, p2 := range *m {
			next[k2] = p2
		}
	}
	flatPlans.Store(&next)
	return p
}

func compileFlat(dt, st reflect.Type) *flatPlan {
	if dt.Kind() != reflect.Struct || st.Kind() != reflect.Struct {
		return nil
	}
	p := &flatPlan{dstSize: dt.Size(), srcSize: st.Size()}
	fields := readFields(dt, st)
	p.whole = len(fields) == dt.NumField()
	for _, fs := range fields {
		f, sf := fs[0], fs[1]
		if len(sf.Index) != 1 {
			return nil // promoted through an embedded struct: leave it to reflect
		}
		step := flatStep{dst: f.Offset, src: sf.Offset}
		var dk, sk intKind
		switch {
		case isInt(f.Type) && isInt(sf.Type):
			step.op = flatInt
			dk, sk = intKindOf(f.Type), intKindOf(sf.Type)
			if dk.size == 8 && sk.size == 8 {
				step.op = flatWord // the bits readInt and writeInt would give
			}
		case f.Type.Kind() == reflect.Bool && sf.Type.Kind() == reflect.Bool:
			step.op = flatBool
		case f.Type.Kind() == reflect.String && sf.Type.Kind() == reflect.String:
			step.op = flatString
		case f.Type.Kind() == reflect.Struct && sf.Type.Kind() == reflect.Struct:
			if step.sub = compileFlat(f.Type, sf.Type); step.sub == nil {
				return nil
			}
			step.op = flatStructOp
			p.whole = p.whole && step.sub.whole
		case f.Type.Kind() == reflect.Slice && sf.Type.Kind() == reflect.Slice:
			elem := compileFlat(f.Type.Elem(), sf.Type.Elem())
			if elem == nil {
				return nil
			}
			step.op = flatListOp
			step.list = &flatList{elem: elem, dstType: f.Type}
			p.whole = false
		default:
			return nil
		}
		if step.op == flatWord {
			p.words = append(p.words, [2]uintptr{step.dst, step.src})
			continue
		}
		p.steps = append(p.steps, step)
		p.dstInt = append(p.dstInt, dk)
		p.srcInt = append(p.srcInt, sk)
	}
	return p
}

func intKindOf(t reflect.Type) intKind {
	k := t.Kind()
	return intKind{size: t.Size(), signed: k >= reflect.Int && k <= reflect.Int64}
}

func readInt(p unsafe.Pointer, k intKind) int64 {
	switch k.size {
	case 1:
		if k.signed {
			return int64(*(*int8)(p))
		}
		return int64(*(*uint8)(p))
	case 2:
		if k.signed {
			return int64(*(*int16)(p))
		}
		return int64(*(*uint16)(p))
	case 4:
		if k.signed {
			return int64(*(*int32)(p))
		}
		return int64(*(*uint32)(p))
	}
	return *(*int64)(p) // as json would, a uint64 beyond int64 wraps
}

func writeInt(p unsafe.Pointer, k intKind, v int64) {
	switch k.size {
	case 1:
		*(*int8)(p) = int8(v)
	case 2:
		*(*int16)(p) = int16(v)
	case 4:
		*(*int32)(p) = int32(v)
	default:
		*(*int64)(p) = v
	}
}

// run copies the struct at src into the struct at dst, a zero value.
// prev, if not nil, is a value of dst's type the caller gives up: its
// lists' memory is reused where it is large enough.
// Neither dst nor prev escapes (go build -gcflags=-m says so), so that a
// caller's T can live on its stack.
func (p *flatPlan) run(dst, src, prev unsafe.Pointer) {
	for _, w := range p.words {
		*(*uint64)(unsafe.Add(dst, w[0])) = *(*uint64)(unsafe.Add(src, w[1]))
	}
	for i := range p.steps {
		s := &p.steps[i]
		d, from := unsafe.Add(dst, s.dst), unsafe.Add(src, s.src)
		var was unsafe.Pointer
		if prev != nil {
			was = unsafe.Add(prev, s.dst)
		}
		switch s.op {
		case flatInt:
			writeInt(d, p.dstInt[i], readInt(from, p.srcInt[i]))
		case flatBool:
			*(*bool)(d) = *(*bool)(from)
		case flatString:
			*(*string)(d) = *(*string)(from)
		case flatListOp:
			s.list.run(d, from, was)
		case flatStructOp:
			s.sub.run(d, from, was)
		}
	}
}

// sliceHeader is a slice's layout, for reading a list the plan does not
// know the Go type of.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func (l *flatList) run(dst, src, prev unsafe.Pointer) {
	in := (*sliceHeader)(src)
	if in.len == 0 {
		if prev != nil { // an empty list that keeps its memory for the next message
			old := (*sliceHeader)(prev)
			*(*sliceHeader)(dst) = sliceHeader{data: old.data, cap: old.cap}
		}
		return
	}
	var base unsafe.Pointer
	var capacity int
	if old := (*sliceHeader)(prev); prev != nil && l.elem.whole && old.cap >= in.len {
		base, capacity = old.data, old.cap // every field of each element is written below
	} else {
		capacity = in.len
		if prev != nil && l.elem.whole { // to be reused: room to grow, as append would make
			capacity = max(in.len, 2*(*sliceHeader)(prev).cap)
		}
		base = reflect.MakeSlice(l.dstType, capacity, capacity).UnsafePointer()
	}
	for i := range in.len {
		l.elem.run(unsafe.Add(base, uintptr(i)*l.elem.dstSize), unsafe.Add(in.data, uintptr(i)*l.elem.srcSize), nil)
	}
	// The header's data field is an unsafe.Pointer: storing it is a
	// pointer write the collector sees.
	*(*sliceHeader)(dst) = sliceHeader{data: base, len: in.len, cap: capacity}
}

// eface is the layout of an interface value with no methods (any).
type eface struct {
	typ, word unsafe.Pointer
}

// flatSource is where the struct value an interface holds lives, if the
// interface holds it by pointer (every struct but a pointer-shaped one),
// or the struct a pointer in it points to.
func flatSource(v any) (reflect.Type, unsafe.Pointer, bool) {
	t := reflect.TypeOf(v)
	word := (*eface)(unsafe.Pointer(&v)).word
	switch {
	case t == nil:
		return nil, nil, false
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		return t.Elem(), word, word != nil
	case t.Kind() == reflect.Struct && !pointerShaped(t):
		return t, word, true
	}
	return nil, nil, false
}

// pointerShaped reports whether an interface holds t's values in its word
// itself (a struct of one pointer-like field) rather than pointing to them.
func pointerShaped(t reflect.Type) bool {
	if t.Size() != unsafe.Sizeof(uintptr(0)) {
		return false
	}
	for t.Kind() == reflect.Struct || t.Kind() == reflect.Array {
		if t.Kind() == reflect.Struct {
			if t.NumField() != 1 {
				return false
			}
			t = t.Field(0).Type
		} else {
			if t.Len() != 1 {
				return false
			}
			t = t.Elem()
		}
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	}
	return false
}
