package simnet

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"distlab/simnet/trace"
)

// Env is a node's whole world: everything it may do goes through here.
// Node code must not use goroutines, time.Now, the global random source, or
// map iteration order in anything it sends or records; Env gives it time,
// randomness and timers instead.
type Env struct {
	sim  *Sim
	id   NodeID
	inc  uint32
	rand *rand.Rand
	dead bool // this instance crashed; what it still tries to do is ignored
}

// TimerID identifies a timer for CancelTimer.
type TimerID int64

// OpID identifies a client operation between Invoke and Return.
type OpID int64

// ID is this node's id.
func (e *Env) ID() NodeID { return e.id }

// Name is this node's name.
func (e *Env) Name() string { return e.sim.nodes[e.id].name }

// NameOf returns another node's name.
func (e *Env) NameOf(id NodeID) string { return e.sim.nodes[id].name }

// Group is the group this node was added to ("server", "client"…).
func (e *Env) Group() string { return e.sim.nodes[e.id].group }

// Members lists every node of a group in id order, this node included if it
// belongs.
func (e *Env) Members(group string) []NodeID { return e.sim.Group(group) }

// Peers lists the other nodes of this node's group, in id order.
func (e *Env) Peers() []NodeID {
	var ids []NodeID
	for _, id := range e.sim.Group(e.Group()) {
		if id != e.id {
			ids = append(ids, id)
		}
	}
	return ids
}

// Send puts a copy of msg on the network to node to. Messages must be plain
// data (structs of numbers, strings, slices, maps); the receiver gets its
// own copy, so changing msg after sending cannot affect it.
func (e *Env) Send(to NodeID, msg any) {
	if e.dead {
		return
	}
	e.sim.send(e.id, to, msg)
}

// Broadcast sends msg to every peer (not to this node).
func (e *Env) Broadcast(msg any) {
	if e.dead {
		return
	}
	for i, slot := range e.sim.nodes {
		if NodeID(i) != e.id && slot.group == e.sim.nodes[e.id].group {
			e.sim.send(e.id, NodeID(i), msg)
		}
	}
}

// SetTimer arranges for Timer(tag) to be called after d of virtual time. A
// crash cancels every timer.
func (e *Env) SetTimer(d time.Duration, tag any) TimerID {
	if e.dead {
		return 0
	}
	if d < 0 {
		d = 0
	}
	s := e.sim
	s.nextTmr++
	id := s.nextTmr
	s.nodes[e.id].timers[id] = struct{}{}
	s.recTimerSet(e.id, id, s.timerSym(tag), d)
	s.push(&event{at: s.now + d, kind: evTimer, node: e.id, inc: e.inc, id: id, payload: tag})
	return TimerID(id)
}

// CancelTimer stops a timer that has not fired; cancelling a fired or
// unknown timer does nothing.
func (e *Env) CancelTimer(id TimerID) {
	if e.dead {
		return
	}
	timers := e.sim.nodes[e.id].timers
	if _, ok := timers[int64(id)]; !ok {
		return
	}
	delete(timers, int64(id))
	e.sim.rec(trace.TimerCancel, e.id, trace.None, int64(id), 0, 0, nil)
}

// Now is the virtual time: the simulation's true time, the same for every
// node. Algorithms that model real clocks should use Clock instead.
func (e *Env) Now() time.Duration { return e.sim.now }

// Clock is this node's physical clock: virtual time with the node's offset
// and drift applied.
func (e *Env) Clock() time.Duration {
	sk := e.sim.nodes[e.id].skew
	now := e.sim.now
	return sk.Offset + now + time.Duration(float64(now)*sk.DriftPPM/1e6)
}

// Rand is this node instance's own random source, seeded from the run.
func (e *Env) Rand() *rand.Rand { return e.rand }

// Storage is the node's durable storage: it survives crashes and is handed
// to the next instance at restart.
func (e *Env) Storage() *Storage { return e.sim.nodes[e.id].storage }

// Logf records a line in the trace.
func (e *Env) Logf(format string, args ...any) {
	if e.dead || e.sim.unrecorded.Has(trace.Log) {
		return
	}
	e.sim.record(trace.Event{Kind: trace.Log, Node: e.id, Peer: trace.None, Value: fmt.Sprintf(format, args...)})
}

// Publish sets one item of the node's visible state (role, term, clock…),
// which the visualizer shows. Only changes are recorded.
func (e *Env) Publish(key string, value any) {
	if e.dead || e.sim.unrecorded.Has(trace.State) {
		return
	}
	s := e.sim
	sym := s.tr.InternName(key)
	item := s.nodes[e.id].item(sym)
	switch x := value.(type) {
	case int:
		e.publishNumber(item, sym, int64(x))
		return
	case int64:
		e.publishNumber(item, sym, x)
		return
	}
	v := sprint(value)
	if item.set && !item.num && item.s == v {
		return
	}
	*item = published{set: true, s: v}
	s.rec(trace.State, e.id, trace.None, 0, sym, s.tr.Intern(v), nil)
}

// Publishing reports whether Publish records anything in this run: not in
// an exploration whose checks read no published state. A node may skip
// working out a costly value to publish when it is false.
func (e *Env) Publishing() bool { return !e.sim.unrecorded.Has(trace.State) }

// publishNumber publishes n under the name symbol sym, if it changed.
func (e *Env) publishNumber(item *published, sym trace.NameSym, n int64) {
	if item.set && item.num && item.n == n {
		return
	}
	*item = published{set: true, num: true, n: n}
	s := e.sim
	if n < 0 || n > math.MaxUint32 || s.cfg.NoTrace {
		s.rec(trace.State, e.id, trace.None, 0, sym, s.tr.Intern(strconv.FormatInt(n, 10)), nil)
		return
	}
	s.tr.RecordNumber(s.now, trace.State, e.id, sym, uint32(n))
	if s.cfg.Stream != nil {
		s.stream()
	}
}

// sprint is fmt.Sprint with the common cases first (nodes publish on
// every change of a term or an index).
func sprint(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Highlight marks this node as the one that matters now (a leader, the
// node in its critical section, the token holder) with a short reason, or
// ends the highlight with "". The visualizer and the exports draw it; it is
// published state under trace.HighlightKey.
func (e *Env) Highlight(reason string) {
	if e.dead || e.sim.highlight(e.sim.nodes[e.id]) == reason {
		return
	}
	e.Publish(trace.HighlightKey, reason)
}

// Mark records a family mark (enter the critical section, become leader,
// commit, mine a block…) with a payload that checkers decode. The payload
// is encoded as JSON at once, so a trace read from a file and a live one
// carry identical marks.
func (e *Env) Mark(name string, data any) {
	if e.dead {
		return
	}
	e.validate(trace.Mark, name, data)
	e.sim.record(trace.Event{Kind: trace.Mark, Node: e.id, Peer: trace.None, Name: name, Data: e.sim.payload(name, data)})
}

// Invoke records that a client started an operation (the input is
// encoded as JSON) and returns its id for Return.
func (e *Env) Invoke(input any) OpID {
	if e.dead {
		return 0
	}
	e.validate(trace.Invoke, "", input)
	s := e.sim
	s.nextOp++
	s.record(trace.Event{Kind: trace.Invoke, Node: e.id, Peer: trace.None, Op: s.nextOp, Data: s.payload("invoke", input)})
	return OpID(s.nextOp)
}

// Return records the output of an operation started with Invoke.
func (e *Env) Return(op OpID, output any) {
	if e.dead {
		return
	}
	e.validate(trace.Return, "", output)
	e.sim.record(trace.Event{Kind: trace.Return, Node: e.id, Peer: trace.None, Op: int64(op), Data: e.sim.payload("return", output)})
}

// validate applies Config.Validate; a payload that breaks its family's
// contract crashes the node that recorded it, naming node and mark.
func (e *Env) validate(kind trace.Kind, name string, payload any) {
	check := e.sim.cfg.Validate
	if check == nil {
		return
	}
	if err := check(kind, name, payload); err != nil {
		what := kind.String()
		if name != "" {
			what = fmt.Sprintf("mark %q", name)
		}
		panic(fmt.Sprintf("strict mode: %s recorded %s that breaks its family's contract: %v", e.Name(), what, err))
	}
}

// payload is what a mark or an operation records: a private copy of the
// value (the node may change its own afterwards), encoded as JSON only
// when the trace is written, shown or read as JSON. A type that could not
// be copied or encoded is refused at once, in the node that recorded it.
func (s *Sim) payload(what string, v any) any {
	if v == nil {
		return nil
	}
	if b, ok := v.([]byte); ok { // a trace takes bytes for JSON: record them as JSON does
		return mustJSON(what, b)
	}
	ti := s.payloads.of(v)
	switch {
	case ti.problem != "":
		panic(fmt.Sprintf("%s: payload cannot be recorded: %s", what, ti.problem))
	case ti.jsonProblem() != "":
		panic(fmt.Sprintf("%s: payload cannot be encoded as JSON: %s", what, ti.jsonProblem()))
	}
	return ti.copyOf(v)
}

func mustJSON(what string, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("%s: payload cannot be encoded as JSON: %v", what, err))
	}
	return b
}
