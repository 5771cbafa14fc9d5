package trace

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// NodeID names a node by its index in Header.Nodes. None marks an event that
// has no node (a partition, say) or no peer.
type NodeID int32

// None is the NodeID of "no node".
const None NodeID = -1

// Kind says what an event is.
type Kind uint8

// The kinds of event a run records.
const (
	Start       Kind = iota // a node's first start
	Send                    // Node sent message Msg to Peer
	Deliver                 // message Msg from Peer reached Node
	Drop                    // message Msg from Node to Peer was lost; Value says why
	Duplicate               // the network will deliver message Msg a second time
	TimerSet                // Node set timer Timer named Name to fire after Value
	TimerFire               // timer Timer of Node fired
	TimerCancel             // Node cancelled timer Timer
	Crash                   // Node crashed; Value says why, Stack holds a panic's stack
	Restart                 // Node restarted with its durable storage
	Partition               // the network split into Groups
	Heal                    // every partition, cut and isolation ended
	Cut                     // the one-way link Node→Peer was cut
	Isolate                 // Node was cut off from everyone (a "clog")
	Rejoin                  // Node's isolation ended
	State                   // Node published visible state Name = Value
	Invoke                  // client Node invoked operation Op with input Data
	Return                  // operation Op of client Node returned output Data
	Mark                    // a family mark Name on Node with payload Data
	Log                     // Node logged Value
	Error                   // the simulator caught a misuse (e.g. a message changed after send)
	End                     // the run stopped here (its duration), so checkers know how long waits lasted
	Pause                   // Node stopped the world for Value (a GC pause, a stalled VM): it keeps its state, its timers and inbox wait
	Resume                  // Node's pause ended; what waited is handled now
	numKinds
)

var kindNames = [numKinds]string{
	Start: "start", Send: "send", Deliver: "deliver", Drop: "drop", Duplicate: "duplicate",
	TimerSet: "timer-set", TimerFire: "timer-fire", TimerCancel: "timer-cancel",
	Crash: "crash", Restart: "restart", Partition: "partition", Heal: "heal", Cut: "cut",
	Isolate: "isolate", Rejoin: "rejoin", State: "state", Invoke: "invoke", Return: "return",
	Mark: "mark", Log: "log", Error: "error", End: "end", Pause: "pause", Resume: "resume",
}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown event kind %q", s)
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	*k = v
	return err
}

// KindSet is a set of kinds.
type KindSet uint32

// KindsOf is the set of the given kinds.
func KindsOf(kinds ...Kind) KindSet {
	var s KindSet
	for _, k := range kinds {
		s |= 1 << k
	}
	return s
}

// Has reports whether k is in the set.
func (s KindSet) Has(k Kind) bool { return k < 32 && s&(1<<k) != 0 }

// IsNetwork reports whether the event changes the network rather than a node.
func (k Kind) IsNetwork() bool {
	switch k {
	case Partition, Heal, Cut, Isolate, Rejoin:
		return true
	}
	return false
}

// Event is one thing that happened in a run. Which fields are set depends on
// Kind; the comments on the Kind constants say which.
type Event struct {
	Index int           // position in the trace, from 0
	Time  time.Duration // virtual time
	Kind  Kind
	Node  NodeID // the acting node: sender, receiver, crashed node…
	Peer  NodeID // the other end of a message or link, or None
	Msg   int64  // message id: links Send, Deliver, Drop and Duplicate
	Timer int64  // timer id
	Op    int64  // client operation id: links Invoke and Return
	Name  string // message type, timer name, state key or mark name
	Value string // state value, drop reason, crash reason, log line, timer delay
	// Body is a message's content. In a live run it is the value that was
	// sent (a private copy); in a trace read from a file it is json.RawMessage.
	Body any
	// Data is the payload of a Mark, Invoke or Return: in a live run the
	// value recorded (a private copy, encoded only when it is written or
	// shown), in a trace read from a file json.RawMessage. DataJSON and
	// DecodeData read it whatever its origin. A trace takes Data given as
	// []byte to be JSON, and gives it back as json.RawMessage.
	Data   any
	Groups [][]NodeID // the components of a Partition
	Stack  string     // the stack of a panic that crashed Node
}

// BodyJSON returns the message body as JSON, whatever its origin.
func (e Event) BodyJSON() json.RawMessage {
	return toJSON(e.Body)
}

// DataJSON returns the payload as JSON, whatever its origin.
func (e Event) DataJSON() json.RawMessage { return toJSON(e.Data) }

func toJSON(v any) json.RawMessage {
	switch b := v.(type) {
	case nil:
		return nil
	case json.RawMessage:
		return b
	case []byte:
		return b
	default:
		out, err := json.Marshal(b)
		if err != nil {
			return json.RawMessage(fmt.Sprintf("%q", fmt.Sprintf("%+v", b)))
		}
		return out
	}
}

// DecodeData decodes the event's Data into v, a pointer. A live run's
// payload of v's own type is copied without encoding it.
func (e Event) DecodeData(v any) error {
	if e.Data == nil {
		return fmt.Errorf("event %d (%s %s) has no data", e.Index, e.Kind, e.Name)
	}
	if raw, ok := e.Data.(json.RawMessage); ok {
		return json.Unmarshal(raw, v)
	}
	dst := reflect.ValueOf(v)
	if dst.Kind() == reflect.Pointer && !dst.IsNil() && dst.Elem().Type() == reflect.TypeOf(e.Data) {
		dst.Elem().Set(reflect.ValueOf(e.Data))
		return nil
	}
	return json.Unmarshal(e.DataJSON(), v)
}

// Header describes the run a trace came from.
type Header struct {
	Format    string   `json:"format"`  // always FormatName
	Version   int      `json:"version"` // FormatVersion
	Scenario  string   `json:"scenario,omitempty"`
	Algorithm string   `json:"algorithm,omitempty"`
	Seed      int64    `json:"seed"`
	Nodes     []string `json:"nodes"`
	// Groups names each node's role ("server", "client"…), parallel to Nodes.
	Groups []string `json:"groups,omitempty"`
	// Checks are the checks the run's scenario asked for, with their
	// options, and Expect the checks it expected to fail: with them a
	// trace is judged later exactly as the run judged it.
	Checks []HeaderCheck `json:"checks,omitempty"`
	Expect []string      `json:"expect,omitempty"`
}

// HeaderCheck is one check a run asked for: its name and its options as
// JSON (absent for defaults).
type HeaderCheck struct {
	Name    string          `json:"name"`
	Options json.RawMessage `json:"options,omitempty"`
}

// FormatName and FormatVersion identify the trace file format.
const (
	FormatName    = "distlab-trace"
	FormatVersion = 1
)

// NodeName returns the node's name, or "-" for None.
func (t *Trace) NodeName(id NodeID) string { return t.Header.NodeName(id) }

// NodeName returns the node's name, or "-" for None.
func (h *Header) NodeName(id NodeID) string {
	if id < 0 || int(id) >= len(h.Nodes) {
		if id == None {
			return "-"
		}
		return fmt.Sprintf("node%d", id)
	}
	return h.Nodes[id]
}

// NodeByName finds a node's id.
func (t *Trace) NodeByName(name string) (NodeID, bool) {
	for i, n := range t.Header.Nodes {
		if n == name {
			return NodeID(i), true
		}
	}
	return None, false
}

// End is the virtual time of the last event, or zero for an empty trace.
func (t *Trace) End() time.Duration {
	if t.n == 0 {
		return 0
	}
	return t.At(t.n - 1).Time
}
