package simnet

import (
	"fmt"
	"strings"
	"time"
)

// FaultKind says what a Fault does.
type FaultKind string

// The faults the simulator can inject.
const (
	FaultPartition FaultKind = "partition" // split into Groups; unlisted nodes keep every link
	FaultHeal      FaultKind = "heal"      // end every partition, cut and isolation
	FaultCut       FaultKind = "cut"       // cut the one-way link From→To
	FaultIsolate   FaultKind = "isolate"   // cut Node off from everyone (FoundationDB's "clog")
	FaultRejoin    FaultKind = "rejoin"    // end Node's isolation
	FaultCrash     FaultKind = "crash"     // crash Node: volatile state and timers gone
	FaultRestart   FaultKind = "restart"   // restart Node with its durable storage
	FaultPause     FaultKind = "pause"     // stop Node's world for For: state kept, timers and inbox wait
	FaultDrop      FaultKind = "drop"      // lose message Msg, in flight now
	FaultDuplicate FaultKind = "duplicate" // deliver message Msg, in flight now, a second time
)

// FaultKinds lists every FaultKind.
var FaultKinds = []FaultKind{FaultPartition, FaultHeal, FaultCut, FaultIsolate, FaultRejoin, FaultCrash, FaultRestart, FaultPause,
	FaultDrop, FaultDuplicate}

// Fault is one scheduled change to the network or a node. It is plain data:
// a scenario file writes it, a Nemesis generates it, a trace records it.
type Fault struct {
	At     time.Duration
	Kind   FaultKind
	Groups [][]NodeID // partition
	Node   NodeID     // crash, restart, isolate, rejoin, pause
	From   NodeID     // cut
	To     NodeID     // cut
	// For is how long a pause lasts, or how long a crashed node stays
	// down before it restarts (0: until a restart fault).
	For time.Duration
	// Amnesia makes a crash lose the node's durable storage too (a disk
	// replaced, a container rebuilt): it restarts knowing nothing.
	Amnesia bool
	// Highlighted, for crash and isolate, aims the fault at whichever node
	// is highlighted with this reason when it happens ("leader": the
	// current leader), the lowest id if several; Node is then ignored. With
	// no such node the fault does nothing (a log line in the trace says so).
	Highlighted string
	// Msg, for drop and duplicate, is the message's id (the trace's
	// "msg"): ids are given in send order, so a replay names the same
	// message. A message not in flight when the fault comes is left alone
	// (a log line in the trace says so).
	Msg int64
}

// Target is the fault's node as a scenario file writes it: its name, or
// "@reason" for a fault aimed at a highlighted node.
func (f Fault) Target(name func(NodeID) string) string {
	if f.Highlighted != "" {
		return "@" + f.Highlighted
	}
	return name(f.Node)
}

// Describe renders the fault with node names, for summaries and logs.
func (f Fault) Describe(name func(NodeID) string) string {
	switch f.Kind {
	case FaultPartition:
		parts := make([]string, len(f.Groups))
		for i, g := range f.Groups {
			names := make([]string, len(g))
			for j, id := range g {
				names[j] = name(id)
			}
			parts[i] = "{" + strings.Join(names, ",") + "}"
		}
		return fmt.Sprintf("%v partition %s", f.At, strings.Join(parts, " | "))
	case FaultHeal:
		return fmt.Sprintf("%v heal", f.At)
	case FaultCut:
		return fmt.Sprintf("%v cut %s→%s", f.At, name(f.From), name(f.To))
	case FaultPause:
		return fmt.Sprintf("%v pause %s for %v", f.At, f.Target(name), f.For)
	case FaultDrop, FaultDuplicate:
		return fmt.Sprintf("%v %s message #%d", f.At, f.Kind, f.Msg)
	case FaultCrash:
		s := fmt.Sprintf("%v crash %s", f.At, f.Target(name))
		if f.Amnesia {
			s += " with amnesia"
		}
		if f.For > 0 {
			s += fmt.Sprintf(" for %v", f.For)
		}
		return s
	default:
		return fmt.Sprintf("%v %s %s", f.At, f.Kind, f.Target(name))
	}
}
