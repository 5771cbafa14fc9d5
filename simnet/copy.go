package simnet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// typeInfo caches what the simulator needs to know about a message type.
type typeInfo struct {
	name string
	// deep is true when a plain value copy could share memory (the type
	// holds pointers, slices, maps or interfaces) and a deep copy is needed.
	deep bool
	// problem explains why the type cannot be sent, or is "".
	problem string
	// copy deep-copies a value of the type (deep types only).
	copy copyFn
	// indirect: an interface holds the type's values by pointer (every
	// type but the pointer-shaped ones, which are one word long).
	indirect bool
	// slab is the arena's block of this type's values (copyIn).
	slab int
	// encodes says, once worked out, whether JSON can encode the type
	// (a payload's zero value encodes): "" until then, else "ok" or why not.
	encodes atomic.Pointer[string]
	typ     reflect.Type
}

// jsonProblem is why JSON cannot encode values of the type, or "".
func (ti *typeInfo) jsonProblem() string {
	if p := ti.encodes.Load(); p != nil {
		return *p
	}
	why := ""
	if _, err := json.Marshal(reflect.New(ti.typ).Elem().Interface()); err != nil {
		why = err.Error()
	}
	ti.encodes.Store(&why)
	return why
}

var typeCache sync.Map // reflect.Type → *typeInfo; shared by all sims, read-mostly

func infoOf(v any) *typeInfo {
	t := reflect.TypeOf(v)
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{name: typeName(t), typ: t}
	ti.deep, ti.problem = inspect(t, map[reflect.Type]bool{})
	if ti.deep && ti.problem == "" {
		ti.copy = copierOf(t)
		ti.indirect = t.Size() != unsafe.Sizeof(uintptr(0))
		ti.slab = newSlabID()
	}
	typeCache.Store(t, ti)
	return ti
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() != "" {
		return t.Name()
	}
	return t.String()
}

// inspect reports whether values of t need a deep copy, and whether t is
// unfit to be a message at all (functions, channels, hidden references).
func inspect(t reflect.Type, seen map[reflect.Type]bool) (deep bool, problem string) {
	if seen[t] {
		return true, ""
	}
	switch t.Kind() {
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return false, fmt.Sprintf("a message cannot hold a %s", t.Kind())
	case reflect.Pointer:
		seen[t] = true
		_, p := inspect(t.Elem(), seen)
		return true, p
	case reflect.Slice, reflect.Map:
		seen[t] = true
		if t.Kind() == reflect.Map {
			if _, p := inspect(t.Key(), seen); p != "" {
				return true, p
			}
		}
		_, p := inspect(t.Elem(), seen)
		return true, p
	case reflect.Interface:
		return true, ""
	case reflect.Array:
		return inspect(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			d, p := inspect(f.Type, seen)
			if p != "" {
				return d, fmt.Sprintf("field %s: %s", f.Name, p)
			}
			if d && !f.IsExported() {
				return d, fmt.Sprintf("field %s is unexported and holds a reference (%s); message fields that hold slices, maps or pointers must be exported so they can be copied", f.Name, f.Type)
			}
			deep = deep || d
		}
		return deep, ""
	}
	return false, ""
}

// deepCopy returns a copy of v that shares no memory with it. Values of
// pointer-free types come back as they are: boxing them in an interface
// already copied them, and a type assertion copies again.
func deepCopy(v any) any {
	if v == nil {
		return nil
	}
	return infoOf(v).copyOf(v)
}

// recentTypes is infoOf through a small cache of the last few types asked
// for: a node records and stores a handful of types over and over (marks,
// operations, log entries), and the shared map hashes an interface at
// every look-up.
type recentTypes struct {
	slots [4]recentType
	next  int
}

type recentType struct {
	t  reflect.Type
	ti *typeInfo
}

func (r *recentTypes) of(v any) *typeInfo {
	t := reflect.TypeOf(v)
	for _, c := range r.slots {
		if c.t == t && c.ti != nil {
			return c.ti
		}
	}
	ti := infoOf(v)
	r.slots[r.next%len(r.slots)] = recentType{t, ti}
	r.next++
	return ti
}

// copyOf is deepCopy for a value of this type.
func (ti *typeInfo) copyOf(v any) any { return ti.copyIn(v, nil) }

// copyIn is copyOf with the copy's memory taken from an arena, if not nil.
func (ti *typeInfo) copyIn(v any, a *arena) any {
	if ti.problem != "" {
		panic(fmt.Sprintf("cannot copy %s: %s", ti.name, ti.problem))
	}
	if !ti.deep {
		return v
	}
	src := reflect.ValueOf(v)
	if a != nil && ti.indirect {
		if at := a.take(ti.slab, ti.typ, 1); at != nil {
			ti.copy(reflect.NewAt(ti.typ, at).Elem(), src, a)
			return boxAt(v, at)
		}
	}
	p := reflect.New(src.Type())
	ti.copy(p.Elem(), src, a)
	if ti.indirect {
		return boxAt(v, p.UnsafePointer())
	}
	return p.Elem().Interface() // copies once more
}

// eface is the layout of an interface value with no methods (any).
type eface struct {
	typ, word unsafe.Pointer
}

// boxAt returns an any of like's dynamic type whose value is the one at p,
// without copying it, for a type that interfaces hold by pointer
// (ti.indirect). Value.Interface would copy the fresh copy again: a third
// of a message's copying cost.
func boxAt(like any, p unsafe.Pointer) any {
	var out any
	e := (*eface)(unsafe.Pointer(&out))
	e.typ = (*eface)(unsafe.Pointer(&like)).typ
	e.word = p
	return out
}

// copyFn copies src into dst, a settable value of the same type that is
// either zero or a shallow copy of src, so that they share no memory; the
// lists it makes come from a, if not nil.
type copyFn func(dst, src reflect.Value, a *arena)

var copiers sync.Map // reflect.Type → copyFn (nil: a plain assignment copies it)

// copierOf is t's copier, worked out once per type: which fields hold
// references and how to copy each, so that copying a message walks a
// ready plan instead of asking reflect about its type again.
func copierOf(t reflect.Type) copyFn {
	if c, ok := copiers.Load(t); ok {
		return c.(copyFn)
	}
	return buildCopier(t, map[reflect.Type]*copyFn{})
}

func buildCopier(t reflect.Type, building map[reflect.Type]*copyFn) copyFn {
	if c, ok := copiers.Load(t); ok {
		return c.(copyFn)
	}
	if p, ok := building[t]; ok { // a recursive type: call the copier once it is built
		return func(dst, src reflect.Value, a *arena) { (*p)(dst, src, a) }
	}
	if deep, _ := inspect(t, map[reflect.Type]bool{}); !deep {
		copiers.Store(t, copyFn(nil))
		return nil
	}
	var fn copyFn
	building[t] = &fn
	switch t.Kind() {
	case reflect.Pointer:
		et, elem := t.Elem(), buildCopier(t.Elem(), building)
		fn = func(dst, src reflect.Value, a *arena) {
			if src.IsNil() {
				return
			}
			p := reflect.New(et)
			p.Elem().Set(src.Elem())
			if elem != nil {
				elem(p.Elem(), src.Elem(), a)
			}
			dst.Set(p)
		}
	case reflect.Slice:
		et, elem, slab := t.Elem(), buildCopier(t.Elem(), building), newSlabID()
		fn = func(dst, src reflect.Value, a *arena) {
			if src.IsNil() {
				return
			}
			// The copy grows in dst itself (settable, so addressable):
			// MakeSlice would allocate a header besides the array.
			n := src.Len()
			if n == 0 { // empty, not nil: no memory to share, none to allocate
				dst.Set(src.Slice3(0, 0, 0))
				return
			}
			if at := a.take(slab, et, n); at != nil {
				// dst's header, written in place: data is an
				// unsafe.Pointer, so the store has its write barrier
				h := (*sliceHeader)(unsafe.Pointer(dst.UnsafeAddr()))
				h.data, h.len, h.cap = at, n, n
			} else {
				dst.SetZero()
				dst.Grow(n)
				dst.SetLen(n)
			}
			reflect.Copy(dst, src)
			if elem != nil {
				for i := range n {
					elem(dst.Index(i), src.Index(i), a)
				}
			}
		}
	case reflect.Map:
		kt, vt := t.Key(), t.Elem()
		kc, vc := buildCopier(kt, building), buildCopier(vt, building)
		fn = func(dst, src reflect.Value, a *arena) {
			if src.IsNil() {
				return
			}
			m := reflect.MakeMapWithSize(t, src.Len())
			it := src.MapRange()
			for it.Next() {
				k, v := it.Key(), it.Value()
				if kc != nil {
					k2 := reflect.New(kt).Elem()
					k2.Set(k)
					kc(k2, k, a)
					k = k2
				}
				if vc != nil {
					v2 := reflect.New(vt).Elem()
					v2.Set(v)
					vc(v2, v, a)
					v = v2
				}
				m.SetMapIndex(k, v)
			}
			dst.Set(m)
		}
	case reflect.Interface:
		fn = func(dst, src reflect.Value, a *arena) {
			if src.IsNil() {
				return
			}
			inner := src.Elem()
			c := copierOf(inner.Type())
			if c == nil {
				dst.Set(inner)
				return
			}
			v := reflect.New(inner.Type()).Elem()
			v.Set(inner)
			c(v, inner, a)
			dst.Set(v)
		}
	case reflect.Array:
		elem := buildCopier(t.Elem(), building)
		fn = func(dst, src reflect.Value, a *arena) {
			dst.Set(src)
			for i := range t.Len() {
				elem(dst.Index(i), src.Index(i), a)
			}
		}
	case reflect.Struct:
		type field struct {
			index int
			copy  copyFn
		}
		var deep []field
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if c := buildCopier(f.Type, building); c != nil {
					deep = append(deep, field{i, c})
				}
			}
		}
		fn = func(dst, src reflect.Value, a *arena) {
			dst.Set(src) // the scalars, unexported ones too
			for _, f := range deep {
				f.copy(dst.Field(f.index), src.Field(f.index), a)
			}
		}
	}
	delete(building, t)
	copiers.Store(t, fn)
	return fn
}
