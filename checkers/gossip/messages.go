package gossip

import (
	"encoding/json"
	"hash/maphash"

	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// carried returns the entries a message carried, from its Send event:
// through gc.Carrier in a live run, from the body's "entries" field in a
// trace read from a file. ok is false for a message that carries none
// (a digest, a feedback).
func carried(e *trace.Event) (entries []gc.Entry, ok bool) {
	switch b := e.Body.(type) {
	case gc.Carrier:
		return b.Carried(), true
	case json.RawMessage:
		var m struct {
			Entries json.RawMessage `json:"entries"`
		}
		if json.Unmarshal(b, &m) != nil || len(m.Entries) == 0 {
			return nil, false
		}
		if json.Unmarshal(m.Entries, &entries) != nil {
			return nil, false
		}
		return entries, true
	}
	return nil, false
}

// startsHandler reports whether an event begins a node's handler: what
// the node records next, up to the next such event, is its reaction.
func startsHandler(k trace.Kind) bool {
	switch k {
	case trace.Start, trace.Restart, trace.Deliver, trace.TimerFire:
		return true
	}
	return false
}

// handler is the node code running at a point of the trace: which node,
// and, for a delivery, from whom and which message.
type handler struct {
	node    trace.NodeID
	deliver bool
	from    trace.NodeID
	msg     int64
}

func handlerOf(e *trace.Event) handler {
	h := handler{node: e.Node, from: trace.None}
	if e.Kind == trace.Deliver {
		h.deliver, h.from, h.msg = true, e.Peer, e.Msg
	}
	return h
}

var seed = maphash.MakeSeed()

// contentHash identifies what a message carried, to spot a sender that
// sends a peer the very same data again.
func contentHash(entries []gc.Entry) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, e := range entries {
		h.WriteString(e.Key)
		h.WriteByte(0)
		h.WriteString(e.Value)
		h.WriteByte(0)
		var b [12]byte
		for i := range 8 {
			b[i] = byte(e.TS >> (8 * i))
		}
		for i := range 4 {
			b[8+i] = byte(e.Node >> (8 * i))
		}
		h.Write(b[:])
	}
	return h.Sum64()
}
