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

type eventHeap []event

func (h *eventHeap) push(e *event) {
	*h = append(*h, *e)
	s := *h
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
	s := *h
	*top = s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = event{} // let the payload be collected
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
	*h = s
}
