package simnet

import (
	"fmt"
	"reflect"
	"sync"
)

// typeInfo caches what the simulator needs to know about a message type.
type typeInfo struct {
	name string
	// deep is true when a plain value copy could share memory (the type
	// holds pointers, slices, maps or interfaces) and a deep copy is needed.
	deep bool
	// problem explains why the type cannot be sent, or is "".
	problem string
}

var typeCache sync.Map // reflect.Type → *typeInfo; shared by all sims, read-mostly

func infoOf(v any) *typeInfo {
	t := reflect.TypeOf(v)
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{name: typeName(t)}
	ti.deep, ti.problem = inspect(t, map[reflect.Type]bool{})
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
	ti := infoOf(v)
	if ti.problem != "" {
		panic(fmt.Sprintf("cannot copy %s: %s", ti.name, ti.problem))
	}
	if !ti.deep {
		return v
	}
	src := reflect.ValueOf(v)
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface()
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if elemDeep(src.Type().Elem()) {
			for i := 0; i < src.Len(); i++ {
				copyValue(s.Index(i), src.Index(i))
			}
		} else {
			reflect.Copy(s, src)
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			copyValue(k, it.Key())
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, it.Value())
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		inner := src.Elem()
		c := reflect.New(inner.Type()).Elem()
		copyValue(c, inner)
		dst.Set(c)
	case reflect.Struct:
		dst.Set(src) // copies unexported scalars too
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).IsExported() && elemDeep(src.Field(i).Type()) {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Array:
		dst.Set(src)
		if elemDeep(src.Type().Elem()) {
			for i := 0; i < src.Len(); i++ {
				copyValue(dst.Index(i), src.Index(i))
			}
		}
	default:
		dst.Set(src)
	}
}

var deepCache sync.Map // reflect.Type → bool

func elemDeep(t reflect.Type) bool {
	if d, ok := deepCache.Load(t); ok {
		return d.(bool)
	}
	d, _ := inspect(t, map[reflect.Type]bool{})
	deepCache.Store(t, d)
	return d
}
