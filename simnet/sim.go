package simnet

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"slices"
	"time"

	"distlab/simnet/trace"
)

// NodeID is a node's index in the simulation, in the order nodes were added.
type NodeID = trace.NodeID

// Node is an algorithm's node: an event handler. The simulator calls its
// methods one at a time, never concurrently; a node acts only through the
// *Env it was built with.
type Node interface {
	// Start runs once when the node first starts and again, on a new
	// instance, after every restart.
	Start()
	// Receive handles a message from another node.
	Receive(from NodeID, msg any)
	// Timer handles a timer set with Env.SetTimer; tag is what was passed.
	Timer(tag any)
}

// Factory builds a node instance. It is called at the start and again at
// every restart, with an Env whose Storage still holds what the crashed
// instance stored.
type Factory func(env *Env) Node

// ClockSkew makes a node's physical clock wrong: it reads
// Offset + (1 + DriftPPM/1e6) × virtual time.
type ClockSkew struct {
	Offset   time.Duration
	DriftPPM float64
}

// Config sets up a simulation.
type Config struct {
	Seed int64
	// Scenario, Algorithm, Checks and Expect are copied into the trace
	// header.
	Scenario  string
	Algorithm string
	Checks    []trace.HeaderCheck
	Expect    []string
	// Network is the default link; zero means DefaultLink.
	Network *Link
	// Strict re-encodes every message when it is delivered and compares it
	// with its encoding at send, to catch a sender that changes a message
	// after sending it (sharing memory with the receiver).
	Strict bool
	// Validate, when set, checks every mark, invocation and return payload
	// as it is recorded (kind is trace.Mark, trace.Invoke or trace.Return;
	// name is the mark's); an error crashes the node that recorded it. The
	// scenario runner sets it in strict mode from the algorithm's
	// contracts: the simulator itself knows no family.
	Validate func(kind trace.Kind, name string, payload any) error
	// Stream, when set, also receives every event as it is recorded (for
	// writing a trace file while the run goes on).
	Stream func(*trace.Event)
	// NoTrace keeps no events in memory (benchmarks of the bare loop).
	NoTrace bool
	// MaxEvents stops the run, as a misuse the simulator reports, once
	// this many events were processed, or a twentieth as many are waiting
	// (0: DefaultMaxEvents; negative: no limit). A message storm — nodes answering every message, duplicates
	// included, with more messages — grows without bound in virtual time
	// that barely moves, and would otherwise fill the machine's memory.
	MaxEvents int64
}

// DefaultMaxEvents bounds a run: far above any scenario in the repository
// (the largest take tens of thousands of events), far below what fills
// the memory of a laptop (a trace event is about 170 bytes).
const DefaultMaxEvents = 2_000_000

type nodeSlot struct {
	name    string
	group   string
	factory Factory
	node    Node
	env     *Env
	up      bool
	inc     uint32 // incarnation: bumped at every crash
	storage *Storage
	paused  bool
	until   time.Duration // the end of the current pause
	held    []event       // what reached the node while it was paused, in order
	timers  map[int64]struct{}
	state   map[string]string
	skew    ClockSkew
}

// Sim is one simulated run.
type Sim struct {
	cfg     Config
	streams Streams
	netRand *rand.Rand
	now     time.Duration
	seq     uint64
	events  eventHeap
	nodes   []*nodeSlot
	net     network
	tr      trace.Trace
	nextMsg int64
	nextTmr int64
	nextOp  int64
	stopped bool
	errs    []string
	strict  map[int64]strictRecord
	count   int64 // events processed
	scratch trace.Event
	types   map[reflect.Type]*typeInfo
	// chunks hold the events recorded since the trace was last joined.
	chunks   [][]trace.Event
	recorded int
}

type strictRecord struct {
	original any
	encoded  string
}

// New makes an empty simulation; add nodes, schedule faults, then Run.
func New(cfg Config) *Sim {
	s := &Sim{cfg: cfg, streams: NewStreams(cfg.Seed)}
	s.netRand = s.streams.Get("network")
	s.net.def = DefaultLink
	if cfg.Network != nil {
		s.net.def = *cfg.Network
	}
	s.tr.Header = trace.Header{Format: trace.FormatName, Version: trace.FormatVersion,
		Scenario: cfg.Scenario, Algorithm: cfg.Algorithm, Seed: cfg.Seed, Checks: cfg.Checks, Expect: cfg.Expect}
	if cfg.Strict {
		s.strict = map[int64]strictRecord{}
	}
	return s
}

// Streams returns the run's random sub-streams, for workloads and nemeses
// that must draw from the same seed.
func (s *Sim) Streams() Streams { return s.streams }

// AddNode adds a node in the named group ("server", "client"…) and returns
// its id. Nodes start at virtual time zero in the order they were added.
func (s *Sim) AddNode(name, group string, f Factory) NodeID {
	id := NodeID(len(s.nodes))
	slot := &nodeSlot{name: name, group: group, factory: f, storage: newStorage(),
		timers: map[int64]struct{}{}, state: map[string]string{}}
	s.nodes = append(s.nodes, slot)
	s.net.grow(len(s.nodes))
	s.tr.Header.Nodes = append(s.tr.Header.Nodes, name)
	s.tr.Header.Groups = append(s.tr.Header.Groups, group)
	s.push(event{at: s.now, kind: evStart, node: id})
	return id
}

// AddNodes adds count nodes named prefix0, prefix1, … and returns their ids.
func (s *Sim) AddNodes(prefix string, count int, group string, f Factory) []NodeID {
	ids := make([]NodeID, count)
	for i := range ids {
		ids[i] = s.AddNode(fmt.Sprintf("%s%d", prefix, i), group, f)
	}
	return ids
}

// NodeByName finds a node.
func (s *Sim) NodeByName(name string) (NodeID, bool) {
	for i, n := range s.nodes {
		if n.name == name {
			return NodeID(i), true
		}
	}
	return trace.None, false
}

// NodeNames lists every node's name in id order.
func (s *Sim) NodeNames() []string { return slices.Clone(s.tr.Header.Nodes) }

// Name returns a node's name.
func (s *Sim) Name(id NodeID) string { return s.nodes[id].name }

// Group returns the ids of every node in a group, in id order.
func (s *Sim) Group(group string) []NodeID {
	var ids []NodeID
	for i, n := range s.nodes {
		if n.group == group {
			ids = append(ids, NodeID(i))
		}
	}
	return ids
}

// SetLink overrides the behaviour of the one-way link from→to.
func (s *Sim) SetLink(from, to NodeID, l Link) { s.net.links[from][to] = &l }

// SetClock skews a node's physical clock.
func (s *Sim) SetClock(id NodeID, c ClockSkew) { s.nodes[id].skew = c }

// Schedule queues a fault.
func (s *Sim) Schedule(f Fault) {
	s.push(event{at: f.At, kind: evFault, node: trace.None, payload: f})
}

// At runs fn at virtual time t, outside any node (for drivers and tests).
func (s *Sim) At(t time.Duration, fn func()) {
	s.push(event{at: t, kind: evCall, node: trace.None, payload: fn})
}

// SetStream makes every event recorded from now on also go to fn (to write
// a trace file while the run goes on; the header is Trace().Header once the
// nodes are added).
func (s *Sim) SetStream(fn func(*trace.Event)) { s.cfg.Stream = fn }

// Now is the current virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// Stop ends the run after the current event.
func (s *Sim) Stop() { s.stopped = true }

// Errors lists misuses the simulator caught (e.g. a message changed after
// it was sent, in strict mode).
func (s *Sim) Errors() []string { return s.errs }

// Processed is the number of events the loop has handled.
func (s *Sim) Processed() int64 { return s.count }

// Trace returns the recorded trace, joining what was recorded since the
// last call: call it again to see later events. It is the simulator's own
// copy: read it, do not change it.
func (s *Sim) Trace() *trace.Trace {
	if len(s.chunks) > 0 {
		pending := 0
		for _, c := range s.chunks {
			pending += len(c)
		}
		s.tr.Grow(pending)
		for _, c := range s.chunks {
			for i := range c {
				s.tr.Append(c[i])
			}
		}
		s.chunks = s.chunks[:0]
	}
	return &s.tr
}

// Up reports whether a node is running.
func (s *Sim) Up(id NodeID) bool { return s.nodes[id].up }

// NodeState returns a node's current instance, for tests and drivers that
// need to look inside (never for checkers: they read the trace).
func (s *Sim) NodeState(id NodeID) Node { return s.nodes[id].node }

// VisibleState returns a copy of a node's published state.
func (s *Sim) VisibleState(id NodeID) map[string]string {
	m := make(map[string]string, len(s.nodes[id].state))
	for k, v := range s.nodes[id].state {
		m[k] = v
	}
	return m
}

// Run processes events until virtual time passes until (events at exactly
// until still run), the queue empties, or Stop is called, and records an
// End event at the time reached. It returns that time.
func (s *Sim) Run(until time.Duration) time.Duration {
	for !s.stopped && len(s.events) > 0 && s.events[0].at <= until {
		s.step()
	}
	if !s.stopped && s.now < until {
		s.now = until
	}
	s.record(trace.Event{Kind: trace.End, Node: trace.None, Peer: trace.None})
	return s.now
}

// Step processes one event and reports whether there was one. The
// visualizer's live mode steps the simulator this way.
func (s *Sim) Step() bool {
	if s.stopped || len(s.events) == 0 {
		return false
	}
	s.step()
	return true
}

// NextAt is the virtual time of the next event, or false if none is queued.
func (s *Sim) NextAt() (time.Duration, bool) {
	if len(s.events) == 0 {
		return 0, false
	}
	return s.events[0].at, true
}

// maxEvents is the run's event limit (Config.MaxEvents), 0 for none.
func (s *Sim) maxEvents() int64 {
	switch {
	case s.cfg.MaxEvents == 0:
		return DefaultMaxEvents
	case s.cfg.MaxEvents < 0:
		return 0
	}
	return s.cfg.MaxEvents
}

func (s *Sim) push(e event) {
	s.seq++
	e.seq = s.seq
	s.events.push(e)
}

func (s *Sim) step() {
	if limit := s.maxEvents(); limit > 0 && (s.count >= limit || int64(len(s.events)) >= limit/20) {
		msg := fmt.Sprintf("the run went past %d events (%d more pending) at %v and was stopped: a message storm? (nodes answering messages, duplicates included, with more messages than they got)", s.count, len(s.events), s.now)
		s.errs = append(s.errs, msg)
		s.record(trace.Event{Kind: trace.Error, Node: trace.None, Peer: trace.None, Value: msg})
		s.stopped = true
		return
	}
	e := s.events.pop()
	s.now = e.at
	s.count++
	switch e.kind {
	case evStart:
		s.start(e.node, false)
	case evDeliver:
		s.deliver(&e)
	case evTimer:
		slot := s.nodes[e.node]
		if !slot.up || slot.inc != e.inc {
			return // the node crashed since; its timers died with it
		}
		if _, live := slot.timers[e.id]; !live {
			return // cancelled
		}
		if slot.paused {
			slot.held = append(slot.held, e) // fires, late, at the resume
			return
		}
		delete(slot.timers, e.id)
		s.record(trace.Event{Kind: trace.TimerFire, Node: e.node, Peer: trace.None, Timer: e.id, Name: timerName(e.payload)})
		s.fire(e.node, e.payload)
	case evFault:
		s.apply(e.payload.(Fault))
	case evCall:
		e.payload.(func())()
	case evResume:
		s.resume(e.node, e.inc)
	case evHeld:
		s.deliverHeld(&e)
	}
}

// pause stops a running node's world: it keeps its state, but nothing it
// would handle (messages, timers) reaches it until the pause ends. A pause
// during a pause extends it.
func (s *Sim) pause(id NodeID, d time.Duration) {
	slot := s.nodes[id]
	if !slot.up || d <= 0 {
		return
	}
	end := s.now + d
	if slot.paused && end <= slot.until {
		return
	}
	slot.paused, slot.until = true, end
	s.record(trace.Event{Kind: trace.Pause, Node: id, Peer: trace.None, Value: d.String()})
	s.push(event{at: end, kind: evResume, node: id, inc: slot.inc})
}

// resume ends a pause: what waited is handled now, in the order it came.
func (s *Sim) resume(id NodeID, inc uint32) {
	slot := s.nodes[id]
	if !slot.up || slot.inc != inc || !slot.paused || s.now < slot.until {
		return // crashed since, or the pause was extended
	}
	slot.paused = false
	s.record(trace.Event{Kind: trace.Resume, Node: id, Peer: trace.None})
	held := slot.held
	slot.held = nil
	for _, e := range held {
		e.at = s.now
		s.push(e)
	}
}

// deliverHeld hands a message that reached a paused node to it after the
// pause: it was already through the network.
func (s *Sim) deliverHeld(e *event) {
	slot := s.nodes[e.node]
	if !slot.up || slot.inc != e.inc {
		s.record(trace.Event{Kind: trace.Drop, Node: e.from, Peer: e.node, Msg: e.id, Name: e.ti.name, Value: "receiver crashed"})
		return
	}
	s.handOver(e)
}

// record appends an event to the trace, stamping time and index. Events go
// into fixed-size chunks that are never copied while the run goes on:
// growing one big slice copies a long trace again and again, and while the
// garbage collector runs every copied pointer costs a write barrier. Trace
// joins the chunks when someone asks for the trace.
func (s *Sim) record(ev trace.Event) {
	ev.Time = s.now
	if s.cfg.NoTrace {
		ev.Index = int(s.count)
		if s.cfg.Stream != nil {
			s.scratch = ev
			s.cfg.Stream(&s.scratch)
		}
		return
	}
	ev.Index = s.recorded
	s.recorded++
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1]) == cap(s.chunks[n-1]) {
		s.chunks = append(s.chunks, make([]trace.Event, 0, chunkSize))
		n++
	}
	last := append(s.chunks[n-1], ev)
	s.chunks[n-1] = last
	if s.cfg.Stream != nil {
		s.cfg.Stream(&last[len(last)-1])
	}
}

// chunkSize is how many events a trace chunk holds (about 700 KB).
const chunkSize = 4096

func (s *Sim) start(id NodeID, restart bool) {
	slot := s.nodes[id]
	slot.env = &Env{sim: s, id: id, inc: slot.inc,
		rand: s.streams.Get(fmt.Sprintf("node/%s/%d", slot.name, slot.inc))}
	slot.up = true
	kind := trace.Start
	if restart {
		kind = trace.Restart
	}
	s.record(trace.Event{Kind: kind, Node: id, Peer: trace.None})
	s.boot(id, slot)
}

// The functions below run node code. Each defers recoverNode so that a
// panic becomes that node's crash (with its stack) and the run goes on.

func (s *Sim) boot(id NodeID, slot *nodeSlot) {
	defer s.recoverNode(id)
	slot.node = slot.factory(slot.env) // building the node is node code too
	slot.node.Start()
}

func (s *Sim) receive(id, from NodeID, msg any) {
	defer s.recoverNode(id)
	s.nodes[id].node.Receive(from, msg)
}

func (s *Sim) fire(id NodeID, tag any) {
	defer s.recoverNode(id)
	s.nodes[id].node.Timer(tag)
}

func (s *Sim) recoverNode(id NodeID) {
	if r := recover(); r != nil {
		s.crash(id, fmt.Sprintf("panic: %v", r), string(debug.Stack()))
	}
}

func (s *Sim) crash(id NodeID, reason, stack string) {
	slot := s.nodes[id]
	if !slot.up {
		return
	}
	slot.up = false
	slot.inc++
	slot.node = nil
	slot.env.dead = true
	clear(slot.timers)
	clear(slot.state)
	held := slot.held
	slot.paused, slot.held = false, nil
	s.record(trace.Event{Kind: trace.Crash, Node: id, Peer: trace.None, Value: reason, Stack: stack})
	for _, e := range held {
		if e.kind == evHeld { // a message that waited in the paused node's inbox is lost with it
			s.record(trace.Event{Kind: trace.Drop, Node: e.from, Peer: id, Msg: e.id, Name: e.ti.name, Value: "receiver crashed"})
		}
	}
}

func (s *Sim) apply(f Fault) {
	if f.Highlighted != "" {
		f.Node = trace.None
		for i, slot := range s.nodes {
			if slot.up && slot.state[trace.HighlightKey] == f.Highlighted {
				f.Node = NodeID(i)
				break
			}
		}
		if f.Node == trace.None {
			s.record(trace.Event{Kind: trace.Log, Node: trace.None, Peer: trace.None,
				Value: fmt.Sprintf("fault %s @%s: no live node is highlighted %q; nothing happens", f.Kind, f.Highlighted, f.Highlighted)})
			return
		}
	}
	ev := trace.Event{Node: trace.None, Peer: trace.None}
	switch f.Kind {
	case FaultPartition:
		s.net.Partition(f.Groups)
		ev.Kind, ev.Groups = trace.Partition, f.Groups
	case FaultHeal:
		s.net.Heal()
		ev.Kind = trace.Heal
	case FaultCut:
		s.net.Cut(f.From, f.To)
		ev.Kind, ev.Node, ev.Peer = trace.Cut, f.From, f.To
	case FaultIsolate:
		s.net.Isolate(f.Node)
		ev.Kind, ev.Node = trace.Isolate, f.Node
	case FaultRejoin:
		s.net.Rejoin(f.Node)
		ev.Kind, ev.Node = trace.Rejoin, f.Node
	case FaultCrash:
		if f.For > 0 && s.nodes[f.Node].up {
			// A crash with a downtime restarts the node it took down
			// (resolved now, for an aimed crash) after that long.
			s.push(event{at: s.now + f.For, kind: evFault, node: trace.None, payload: Fault{At: s.now + f.For, Kind: FaultRestart, Node: f.Node}})
		}
		if f.Amnesia {
			if s.nodes[f.Node].up {
				s.nodes[f.Node].storage = newStorage()
			}
			s.crash(f.Node, "fault: crash with amnesia (durable storage lost)", "")
			return
		}
		s.crash(f.Node, "fault: crash", "")
		return
	case FaultPause:
		s.pause(f.Node, f.For)
		return
	case FaultRestart:
		if s.nodes[f.Node].up {
			return // restarting a running node is a no-op
		}
		s.start(f.Node, true)
		return
	default:
		s.errs = append(s.errs, fmt.Sprintf("unknown fault kind %q", f.Kind))
		return
	}
	s.record(ev)
}

// send puts a message on the network: the trace records the send, then the
// network decides loss, duplication and delay.
func (s *Sim) send(from, to NodeID, msg any) {
	if int(to) < 0 || int(to) >= len(s.nodes) {
		panic(fmt.Sprintf("send to unknown node %d (there are %d nodes)", to, len(s.nodes)))
	}
	ti := s.typeOf(msg)
	if ti.problem != "" {
		panic(fmt.Sprintf("cannot send %s: %s", ti.name, ti.problem))
	}
	var sent any = msg
	if ti.deep {
		sent = deepCopy(msg)
	}
	s.nextMsg++
	id := s.nextMsg
	if s.strict != nil {
		enc, err := json.Marshal(msg)
		if err != nil {
			panic(fmt.Sprintf("strict mode: cannot encode %s: %v", ti.name, err))
		}
		s.strict[id] = strictRecord{original: msg, encoded: string(enc)}
	}
	s.record(trace.Event{Kind: trace.Send, Node: from, Peer: to, Msg: id, Name: ti.name, Body: sent})
	if s.net.Blocked(from, to) {
		s.record(trace.Event{Kind: trace.Drop, Node: from, Peer: to, Msg: id, Name: ti.name, Value: "partition"})
		return
	}
	link := s.net.link(from, to)
	if link.Drop > 0 && s.netRand.Float64() < link.Drop {
		s.record(trace.Event{Kind: trace.Drop, Node: from, Peer: to, Msg: id, Name: ti.name, Value: "loss"})
		return
	}
	inc := s.nodes[to].inc
	s.push(event{at: s.net.deliveryTime(s.now, from, to, link, s.netRand), kind: evDeliver, node: to, from: from, inc: inc, id: id, payload: sent, ti: ti})
	if link.Duplicate > 0 && s.netRand.Float64() < link.Duplicate {
		s.record(trace.Event{Kind: trace.Duplicate, Node: from, Peer: to, Msg: id, Name: ti.name})
		s.push(event{at: s.net.deliveryTime(s.now, from, to, link, s.netRand), kind: evDeliver, node: to, from: from, inc: inc, id: id, payload: sent, ti: ti})
	}
}

func (s *Sim) deliver(e *event) {
	slot := s.nodes[e.node]
	name := e.ti.name
	switch {
	case !slot.up || slot.inc != e.inc:
		s.record(trace.Event{Kind: trace.Drop, Node: e.from, Peer: e.node, Msg: e.id, Name: name, Value: "receiver crashed"})
		return
	case s.net.Blocked(e.from, e.node):
		s.record(trace.Event{Kind: trace.Drop, Node: e.from, Peer: e.node, Msg: e.id, Name: name, Value: "partition"})
		return
	}
	if slot.paused {
		e.kind = evHeld
		slot.held = append(slot.held, *e)
		return
	}
	s.handOver(e)
}

// handOver records a delivery and runs the receiver's handler.
func (s *Sim) handOver(e *event) {
	name := e.ti.name
	if s.strict != nil {
		s.checkStrict(e)
	}
	s.record(trace.Event{Kind: trace.Deliver, Node: e.node, Peer: e.from, Msg: e.id, Name: name})
	msg := e.payload
	if e.ti.deep {
		msg = deepCopy(msg) // the trace keeps its own copy, safe from the receiver
	}
	s.receive(e.node, e.from, msg)
}

func (s *Sim) checkStrict(e *event) {
	rec, ok := s.strict[e.id]
	if !ok {
		return
	}
	now, _ := json.Marshal(rec.original)
	if string(now) != rec.encoded {
		msg := fmt.Sprintf("%s changed message %d (%s) after sending it: sent %s, now %s — the sender kept a reference (a slice, map or pointer) and wrote through it; send a copy",
			s.nodes[e.from].name, e.id, infoOf(rec.original).name, rec.encoded, now)
		s.errs = append(s.errs, msg)
		s.record(trace.Event{Kind: trace.Error, Node: e.from, Peer: e.node, Msg: e.id, Value: msg})
	}
	delete(s.strict, e.id) // a duplicate delivered later is not checked twice
}

// typeOf is infoOf with a per-simulation cache: a plain map is cheaper
// than the shared sync.Map on the send path.
func (s *Sim) typeOf(v any) *typeInfo {
	t := reflect.TypeOf(v)
	if ti, ok := s.types[t]; ok {
		return ti
	}
	if s.types == nil {
		s.types = map[reflect.Type]*typeInfo{}
	}
	ti := infoOf(v)
	s.types[t] = ti
	return ti
}

// timerName is how a timer tag appears in the trace.
func timerName(tag any) string {
	switch t := tag.(type) {
	case string:
		return t
	case fmt.Stringer:
		return t.String()
	case nil:
		return "timer"
	}
	return infoOf(tag).name
}
