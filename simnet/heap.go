package simnet

import "time"

type eventKind uint8

const (
	evStart eventKind = iota
	evDeliver
	evTimer
	evFault
	evCall
	evResume // a pause ends
	evHeld   // a message that reached a paused node, handled at its resume
)

// event is one scheduled thing. It is stored by value in a hand-written
// heap: container/heap boxes every element in an interface and allocates.
type event struct {
	at      time.Duration
	seq     uint64
	payload any      // message, timer tag, Fault or func()
	id      int64    // message or timer id
	mt      *msgType // a message's type
	node    NodeID
	from    NodeID // sender of a message
	inc     uint32 // the node's incarnation when scheduled; stale after a crash
	kind    eventKind
}

func (a *event) before(b *event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// eventHeap orders the scheduled events. The heap proper holds small
// keys (time, sequence number, slot) with no pointers in them, so sifting
// moves 24 bytes at a time and needs no write barriers; each event waits
// in a slot until it is popped, and a popped event's slot is reused.
type eventHeap struct {
	keys  []heapKey
	slots []event // some free (zero): see free
	free  []int32
}

type heapKey struct {
	at   time.Duration
	seq  uint64
	slot int32
}

func (a *heapKey) before(b *heapKey) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// len is the number of events scheduled.
func (h *eventHeap) len() int { return len(h.keys) }

// next is the time of the first event (there must be one).
func (h *eventHeap) next() time.Duration { return h.keys[0].at }

func (h *eventHeap) push(e *event) {
	var slot int32
	if n := len(h.free); n > 0 {
		slot, h.free = h.free[n-1], h.free[:n-1]
		h.slots[slot] = *e
	} else {
		slot = int32(len(h.slots))
		h.slots = append(h.slots, *e)
	}
	h.keys = append(h.keys, heapKey{e.at, e.seq, slot})
	s := h.keys
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].before(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// pop moves the first event to top.
func (h *eventHeap) pop(top *event) {
	s := h.keys
	slot := s[0].slot
	*top = h.slots[slot]
	h.slots[slot] = event{} // let the payload be collected
	h.free = append(h.free, slot)
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		m := l
		if r := l + 1; r < len(s) && s[r].before(&s[l]) {
			m = r
		}
		if !s[m].before(&s[i]) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	h.keys = s
}

// scheduled is every event scheduled, in no order (and free slots, zero
// events: of kind evStart with no node, which callers skip).
func (h *eventHeap) scheduled() []event { return h.slots }
