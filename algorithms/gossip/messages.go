package gossip

import gc "distlab/contract/gossip"

// Client ↔ replica. Op numbers a client's requests so that a late answer
// to an abandoned request is recognised and dropped.

// WriteReq asks a replica to write Value under Key.
type WriteReq struct {
	Op    int64
	Key   string
	Value string
}

// WriteOK answers a WriteReq with the entry as the replica stamped it.
type WriteOK struct {
	Op    int64
	Entry gc.Entry
}

// ReadReq asks a replica for its whole store (Maelstrom's broadcast read).
type ReadReq struct{ Op int64 }

// ReadOK answers a ReadReq with every entry the replica holds.
type ReadOK struct {
	Op      int64
	Entries []gc.Entry
}

// Replica ↔ replica. Every message that carries entries implements
// gc.Carrier and keeps them in a field tagged `json:"entries"`.

// Push is the seed's gossip: all the data the sender holds.
type Push struct {
	Entries []gc.Entry `json:"entries"`
}

// Digest opens an anti-entropy exchange: the sender's keys and versions,
// without values, and which way entries should flow (Push: the opener's
// newer entries to the peer; Pull: the peer's newer entries to the
// opener).
type Digest struct {
	Stamps []KeyStamp
	Push   bool
	Pull   bool
}

// Diff carries the entries the receiver lacks; Want asks for the entries
// of keys the sender lacks or holds older (push: the receiver of a digest
// asks the opener for them).
type Diff struct {
	Entries []gc.Entry `json:"entries"`
	Want    []string   `json:"want,omitempty"`
}

// Rumor carries the entries the sender is still excited about (hot).
type Rumor struct {
	Entries []gc.Entry `json:"entries"`
}

// Feedback tells a rumor's sender which of its entries the receiver
// already knew (rumor mongering with feedback).
type Feedback struct {
	Known []KeyStamp
}

// Flood carries a new entry to a neighbour (flood and tree baselines).
type Flood struct {
	Entries []gc.Entry `json:"entries"`
}

// Carried implements gc.Carrier.
func (m Push) Carried() []gc.Entry { return m.Entries }

// Carried implements gc.Carrier.
func (m Diff) Carried() []gc.Entry { return m.Entries }

// Carried implements gc.Carrier.
func (m Rumor) Carried() []gc.Entry { return m.Entries }

// Carried implements gc.Carrier.
func (m Flood) Carried() []gc.Entry { return m.Entries }
