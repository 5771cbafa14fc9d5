// Package gossip is the gossip family's contract: what every replica of
// the replicated, versioned key-value store records (the seed's k-push,
// anti-entropy, rumor mongering, the flood and tree baselines), what its
// clients record, and what the gossip checkers read.
//
// A replica holds one Entry per key. A client write is stamped by the
// replica that takes it with a Stamp (that replica's physical clock and
// its id); replicas merge by keeping, per key, the entry with the larger
// stamp (Stamp.After). Every change to a replica's store is an Apply mark.
// A message that carries entries from replica to replica implements
// Carrier and holds them in a field tagged `json:"entries"`, so checkers
// can read what each message carried, live or from a trace file.
//
// The checks built on it (checkers/gossip): convergence (with Maelstrom's
// stable latency), no-lost-write (Jepsen's set-full outcomes),
// gossip-validity, residue and gossip-cost.
package gossip

import (
	"fmt"
	"reflect"

	"distlab/contract"
)

// Stamp is an entry's version: the physical clock of the replica that took
// the write (nanoseconds) and that replica's node id, which breaks ties.
type Stamp struct {
	TS   int64 `json:"ts"`
	Node int32 `json:"node"`
}

// After reports whether s is newer than o: the later timestamp, and on
// equal timestamps the larger node id. The zero Stamp is older than any
// written one.
func (s Stamp) After(o Stamp) bool {
	return s.TS > o.TS || (s.TS == o.TS && s.Node > o.Node)
}

// IsZero reports whether s is the zero stamp (no write).
func (s Stamp) IsZero() bool { return s == Stamp{} }

func (s Stamp) String() string { return fmt.Sprintf("(%d,n%d)", s.TS, s.Node) }

// Entry is one key's value with its version.
type Entry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	TS    int64  `json:"ts"`
	Node  int32  `json:"node"`
}

// Stamp is the entry's version.
func (e Entry) Stamp() Stamp { return Stamp{TS: e.TS, Node: e.Node} }

// Carrier is a message that carries entries from replica to replica (a
// push, a diff, a rumor, a flooded update). Its entries are in a field
// tagged `json:"entries"`, which is how a checker finds them in a trace
// read from a file.
type Carrier interface{ Carried() []Entry }

// How an Apply came about.
const (
	ViaWrite   = "write"   // a client's write, stamped by this replica
	ViaGossip  = "gossip"  // an entry a peer's message carried
	ViaRestore = "restore" // read back from durable storage at a restart
)

// ApplyMark is the payload of Apply: the entry that is now the replica's
// version of its key, how it came, and from whom (the client for a write,
// the peer for gossip, "" for a restore).
type ApplyMark struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	TS    int64  `json:"ts"`
	Node  int32  `json:"node"`
	Via   string `json:"via"`
	From  string `json:"from,omitempty"`
}

// Entry is the entry the mark applied.
func (m ApplyMark) Entry() Entry { return Entry{Key: m.Key, Value: m.Value, TS: m.TS, Node: m.Node} }

// Validate rejects an unknown Via.
func (m ApplyMark) Validate() error {
	switch m.Via {
	case ViaWrite, ViaGossip, ViaRestore:
		return nil
	}
	return fmt.Errorf("via %q is not one of %s, %s, %s", m.Via, ViaWrite, ViaGossip, ViaRestore)
}

// ConfigMark is the payload of Config: how the replica spreads updates.
// Period is its round length (0 for protocols without rounds: flood and
// tree). Rounds are aligned: every replica gossips at the multiples of
// Period of virtual time, so checkers count rounds on that grid.
type ConfigMark struct {
	Protocol string `json:"protocol"`
	Period   int64  `json:"period_ns"`
	Fanout   int    `json:"fanout"`
}

// The marks.
var (
	Config = contract.Mark[ConfigMark]{Name: "gossip-start",
		Doc: "a replica started: its protocol, its round period (0: none) and fan-out"}
	Apply = contract.Mark[ApplyMark]{Name: "store-apply",
		Doc: "the replica's store changed: this entry is now its version of the key"}
)

// Operation kinds.
const (
	OpWrite = "write"
	OpRead  = "read"
)

// Input is a client operation as recorded at Invoke: a write of Value to
// Key, or a read of the whole store, at the named replica.
type Input struct {
	Kind    string `json:"kind"`
	Replica string `json:"replica"`
	Key     string `json:"key,omitempty"`
	Value   string `json:"value,omitempty"`
}

// Validate rejects an unknown kind.
func (in Input) Validate() error {
	if in.Kind != OpWrite && in.Kind != OpRead {
		return fmt.Errorf("kind %q is not %s or %s", in.Kind, OpWrite, OpRead)
	}
	return nil
}

// Output is what an operation returned. OK is false when the client gave
// up waiting (Unknown: a write may or may not have happened). A write
// returns the entry as stamped; a read returns every entry the replica
// held, in the replica's order.
type Output struct {
	OK      bool    `json:"ok"`
	Unknown bool    `json:"unknown,omitempty"`
	Entry   *Entry  `json:"entry,omitempty"`
	Entries []Entry `json:"entries,omitempty"`
}

// Contract is the gossip family's contract.
var Contract = &contract.Contract{
	Name:  "gossip",
	Doc:   "a replicated versioned key-value store spread by gossip: store changes, protocol settings, client writes and reads",
	Marks: []contract.MarkDef{Config.Def(), Apply.Def()},
	Ops:   &contract.Ops{Input: reflect.TypeFor[Input](), Output: reflect.TypeFor[Output](), Doc: "Input at Invoke, Output at Return"},
}
