package simnet

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// arena hands out the memory of message copies from blocks of a few
// kilobytes, one block per type of value at a time, instead of one
// allocation per message and per list in it. A thin run (RecordOnly)
// copies every message twice, at its sending and at its delivery, and
// keeps none past its end: the allocator's work per object (finding room,
// sweeping small spans) was a fifth of an exploration. A block lives as
// long as any copy carved from it, so only runs that end soon use an
// arena. A nil arena allocates as usual.
type arena struct {
	slabs []slab // by slab id: one per type of value copied (newSlabID)
}

// slab is the block being carved for one type of value.
type slab struct {
	next unsafe.Pointer // the first free value
	left int            // how many values are free
}

// slabBytes is a block's size: big enough that allocating it is rare,
// small enough that a copy a node keeps does not hold much else alive.
const slabBytes = 8 << 10

var slabIDs atomic.Int64

// newSlabID numbers a place that copies values of one type (a message
// type, a list's elements).
func newSlabID() int { return int(slabIDs.Add(1) - 1) }

// take returns room for n zeroed values of type t, or nil: from no arena,
// for values of no size, or for more than a quarter of a block (those get
// their own allocation).
func (a *arena) take(id int, t reflect.Type, n int) unsafe.Pointer {
	if a == nil {
		return nil
	}
	size := t.Size()
	if size == 0 || uintptr(n)*size > slabBytes/4 {
		return nil
	}
	if id >= len(a.slabs) {
		a.slabs = append(a.slabs, make([]slab, id+1-len(a.slabs))...)
	}
	s := &a.slabs[id]
	if s.left < n {
		count := int(slabBytes / size)
		// a typed block: the collector knows where its pointers are
		s.next, s.left = reflect.MakeSlice(reflect.SliceOf(t), count, count).UnsafePointer(), count
	}
	p := s.next
	if s.left -= n; s.left > 0 {
		s.next = unsafe.Add(p, uintptr(n)*size)
	} else {
		s.next = nil // never a pointer past the block's end
	}
	return p
}

// sliceHeader is a slice's layout. Its data field is an unsafe.Pointer,
// so that storing to it has the collector's write barrier.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}
