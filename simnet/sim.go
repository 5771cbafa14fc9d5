package simnet

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
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
	state   []published // by the key's name symbol in the trace
	skew    ClockSkew
}

// published is one item of a node's visible state: a number (num) or a
// string. Nodes publish at every change of a term or an index; a number is
// compared and recorded as it is, without formatting or interning it.
type published struct {
	set, num bool
	n        int64
	s        string
}

func (p published) String() string {
	if p.num {
		return strconv.FormatInt(p.n, 10)
	}
	return p.s
}

// item is the node's item under name symbol sym, made room for.
func (slot *nodeSlot) item(sym trace.NameSym) *published {
	if int(sym) >= len(slot.state) {
		slot.state = append(slot.state, make([]published, int(sym)+1-len(slot.state))...)
	}
	return &slot.state[sym]
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
	tr      *trace.Trace // apart from the Sim, so that a finished run's nodes can be collected while its trace is read
	nextMsg int64
	nextTmr int64
	nextOp  int64
	stopped bool
	errs    []string
	strict  map[int64]strictRecord
	dropped map[int64]bool // messages a fault dropped in flight
	count   int64          // events processed
	scratch trace.Event
	// streamed counts the events recorded when the trace is not kept.
	streamed int
	// What RecordOnly selected, and the kinds of event it leaves out
	// (message types: msgType.unrecorded).
	selection  trace.Selection
	unrecorded trace.KindSet
	// arena holds the message copies of a thin run (RecordOnly), nil
	// otherwise.
	arena    *arena
	running  NodeID // the node whose code runs now, or None
	types    map[reflect.Type]*msgType
	lastType reflect.Type // the last message type sent, and its msgType
	lastMsg  *msgType
	payloads recentTypes // of the payloads recorded (marks, inputs, outputs)
	// The drop reasons as trace symbols.
	symPartition, symLoss, symCrashed trace.Sym
}

// msgType is what a simulation knows about a message type: what every
// simulation knows (typeInfo) and its name as a symbol of this trace.
type msgType struct {
	*typeInfo
	sym trace.NameSym
	// unrecorded are the message kinds in which RecordOnly leaves the
	// type out.
	unrecorded trace.KindSet
}

type strictRecord struct {
	original any
	encoded  string
}

// New makes an empty simulation; add nodes, schedule faults, then Run.
func New(cfg Config) *Sim {
	s := &Sim{cfg: cfg, streams: NewStreams(cfg.Seed), running: trace.None}
	s.netRand = s.streams.Get("network")
	s.net.def = ruleOf(DefaultLink)
	if cfg.Network != nil {
		s.net.def = ruleOf(*cfg.Network)
	}
	s.tr = &trace.Trace{Header: trace.Header{Format: trace.FormatName, Version: trace.FormatVersion,
		Scenario: cfg.Scenario, Algorithm: cfg.Algorithm, Seed: cfg.Seed, Checks: cfg.Checks, Expect: cfg.Expect}}
	if cfg.Strict {
		s.strict = map[int64]strictRecord{}
	}
	s.symPartition, s.symLoss, s.symCrashed = s.tr.Intern("partition"), s.tr.Intern("loss"), s.tr.Intern("receiver crashed")
	if !cfg.NoTrace {
		s.tr.Grow(1 << 12) // a whole chunk: a run's trace outgrows a small one at once
	}
	return s
}

// RecordOnly records only the events sel selects from now on (kept and
// streamed alike), for a run judged by checks that read those and nothing
// else: an exploration's seeds. The nodes run exactly as they would
// otherwise; only the trace is thinner (its indexes count the events
// recorded). The zero Selection records everything again.
func (s *Sim) RecordOnly(sel trace.Selection) {
	s.selection = sel
	s.unrecorded = 0
	s.arena = nil
	if sel.Kinds != 0 {
		s.unrecorded = ^sel.Kinds
		s.arena = &arena{} // a run judged as it goes, kept for its verdict: its copies die with it
	}
	for _, mt := range s.types {
		mt.unrecorded = s.unrecordedOf(mt.name)
	}
}

// unrecordedOf is the message kinds in which the selection leaves out a
// message type.
func (s *Sim) unrecordedOf(name string) trace.KindSet {
	var out trace.KindSet
	for _, k := range []trace.Kind{trace.Send, trace.Deliver, trace.Drop, trace.Duplicate} {
		if !s.selection.Records(k, name) {
			out |= trace.KindsOf(k)
		}
	}
	return out
}

// recMsg records an event about a message, unless the selection leaves
// its type out.
func (s *Sim) recMsg(k trace.Kind, from, to NodeID, id int64, mt *msgType, value trace.Sym, body any) {
	if mt.unrecorded.Has(k) {
		return
	}
	s.rec(k, from, to, id, mt.sym, value, body)
}

// Recording reports whether events of kind k are recorded.
func (s *Sim) Recording(k trace.Kind) bool { return !s.unrecorded.Has(k) }

// Streams returns the run's random sub-streams, for workloads and nemeses
// that must draw from the same seed.
func (s *Sim) Streams() Streams { return s.streams }

// AddNode adds a node in the named group ("server", "client"…) and returns
// its id. Nodes start at virtual time zero in the order they were added.
func (s *Sim) AddNode(name, group string, f Factory) NodeID {
	id := NodeID(len(s.nodes))
	slot := &nodeSlot{name: name, group: group, factory: f, storage: newStorage(),
		timers: map[int64]struct{}{}}
	s.nodes = append(s.nodes, slot)
	s.net.grow(len(s.nodes))
	s.tr.Header.Nodes = append(s.tr.Header.Nodes, name)
	s.tr.Header.Groups = append(s.tr.Header.Groups, group)
	s.push(&event{at: s.now, kind: evStart, node: id})
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
func (s *Sim) SetLink(from, to NodeID, l Link) {
	r := ruleOf(l)
	s.net.setLink(from, to, &r)
}

// SetClock skews a node's physical clock.
func (s *Sim) SetClock(id NodeID, c ClockSkew) { s.nodes[id].skew = c }

// Schedule queues a fault.
func (s *Sim) Schedule(f Fault) {
	s.push(&event{at: f.At, kind: evFault, node: trace.None, payload: f})
}

// At runs fn at virtual time t, outside any node (for drivers and tests).
func (s *Sim) At(t time.Duration, fn func()) {
	s.push(&event{at: t, kind: evCall, node: trace.None, payload: fn})
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

// Trace returns the recorded trace. It is the simulator's own, and it
// grows as the run goes on (a live view): read it, do not change it.
func (s *Sim) Trace() *trace.Trace { return s.tr }

// Spill keeps at most about keep events of the trace in memory; older
// ones go to a temporary file in dir (see trace.Trace.Spill).
func (s *Sim) Spill(dir string, keep int) error { return s.tr.Spill(dir, keep) }

// Up reports whether a node is running.
func (s *Sim) Up(id NodeID) bool { return s.nodes[id].up }

// NodeState returns a node's current instance, for tests and drivers that
// need to look inside (never for checkers: they read the trace).
func (s *Sim) NodeState(id NodeID) Node { return s.nodes[id].node }

// VisibleState returns a copy of a node's published state.
func (s *Sim) VisibleState(id NodeID) map[string]string {
	m := map[string]string{}
	for sym, p := range s.nodes[id].state {
		if p.set {
			m[s.tr.NameStr(trace.NameSym(sym))] = p.String()
		}
	}
	return m
}

// Run processes events until virtual time passes until (events at exactly
// until still run), the queue empties, or Stop is called, and records an
// End event at the time reached. It returns that time.
func (s *Sim) Run(until time.Duration) time.Duration {
	for !s.steps(until) {
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
	if s.stopped || s.events.len() == 0 {
		return false
	}
	s.stepGuarded()
	return true
}

// steps processes events up to until. A panic in node code ends it (and
// it returns false, so that Run calls it again): recovering once around
// many events rather than around each handler call saves a deferred call
// per message, which costs as much as the rest of a delivery.
func (s *Sim) steps(until time.Duration) (done bool) {
	defer s.recoverNode()
	for !s.stopped && s.events.len() > 0 && s.events.next() <= until {
		s.step()
	}
	return true
}

func (s *Sim) stepGuarded() {
	defer s.recoverNode()
	s.step()
}

// NextAt is the virtual time of the next event, or false if none is queued.
func (s *Sim) NextAt() (time.Duration, bool) {
	if s.events.len() == 0 {
		return 0, false
	}
	return s.events.next(), true
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

func (s *Sim) push(e *event) {
	s.seq++
	e.seq = s.seq
	s.events.push(e)
}

func (s *Sim) step() {
	if limit := s.maxEvents(); limit > 0 && (s.count >= limit || int64(s.events.len()) >= limit/20) {
		msg := fmt.Sprintf("the run went past %d events (%d more pending) at %v and was stopped: a message storm? (nodes answering messages, duplicates included, with more messages than they got)", s.count, s.events.len(), s.now)
		s.errs = append(s.errs, msg)
		s.record(trace.Event{Kind: trace.Error, Node: trace.None, Peer: trace.None, Value: msg})
		s.stopped = true
		return
	}
	var e event
	s.events.pop(&e)
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
		s.rec(trace.TimerFire, e.node, trace.None, e.id, s.timerSym(e.payload), 0, nil)
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
	s.push(&event{at: end, kind: evResume, node: id, inc: slot.inc})
}

// resume ends a pause: what waited is handled now, in the order it came.
func (s *Sim) resume(id NodeID, inc uint32) {
	slot := s.nodes[id]
	if !slot.up || slot.inc != inc || !slot.paused || s.now < slot.until {
		return // crashed since, or the pause was extended
	}
	slot.paused = false
	s.rec(trace.Resume, id, trace.None, 0, 0, 0, nil)
	held := slot.held
	slot.held = nil
	for _, e := range held {
		e.at = s.now
		s.push(&e)
	}
}

// deliverHeld hands a message that reached a paused node to it after the
// pause: it was already through the network.
func (s *Sim) deliverHeld(e *event) {
	if s.dropped[e.id] {
		return
	}
	slot := s.nodes[e.node]
	if !slot.up || slot.inc != e.inc {
		s.recMsg(trace.Drop, e.from, e.node, e.id, e.mt, s.symCrashed, nil)
		return
	}
	s.handOver(e)
}

// rec records an event of the common kinds: the simulator's hot path,
// with the event's strings already trace symbols (see trace.Trace.Record).
func (s *Sim) rec(k trace.Kind, node, peer NodeID, id int64, name trace.NameSym, value trace.Sym, body any) {
	if s.unrecorded.Has(k) {
		return
	}
	if s.cfg.NoTrace {
		if s.cfg.Stream != nil {
			s.scratch = s.tr.EventOf(s.now, k, node, peer, id, name, value, body)
			s.scratch.Index = s.streamed
			s.cfg.Stream(&s.scratch)
		}
		s.streamed++
		return
	}
	s.tr.Record(s.now, k, node, peer, id, name, value, body)
	if s.cfg.Stream != nil {
		s.stream()
	}
}

// recTimerSet records a timer being set, its delay kept as a number.
func (s *Sim) recTimerSet(node NodeID, timer int64, name trace.NameSym, d time.Duration) {
	if s.unrecorded.Has(trace.TimerSet) {
		return
	}
	if s.cfg.NoTrace {
		if s.cfg.Stream == nil {
			s.streamed++
			return
		}
		s.record(trace.Event{Kind: trace.TimerSet, Node: node, Peer: trace.None, Timer: timer, Name: s.tr.NameStr(name), Value: d.String()})
		return
	}
	s.tr.RecordTimerSet(s.now, node, timer, name, d)
	if s.cfg.Stream != nil {
		s.stream()
	}
}

// record records any event, stamping its time and index.
func (s *Sim) record(ev trace.Event) {
	if s.unrecorded.Has(ev.Kind) {
		return
	}
	ev.Time = s.now
	if s.cfg.NoTrace {
		if s.cfg.Stream != nil {
			ev.Index = s.streamed
			s.scratch = ev
			s.cfg.Stream(&s.scratch)
		}
		s.streamed++
		return
	}
	s.tr.Append(ev)
	if s.cfg.Stream != nil {
		s.stream()
	}
}

// stream hands the event just recorded to Config.Stream.
func (s *Sim) stream() {
	s.scratch = s.tr.At(s.tr.Len() - 1)
	s.cfg.Stream(&s.scratch)
}

func (s *Sim) start(id NodeID, restart bool) {
	slot := s.nodes[id]
	slot.env = &Env{sim: s, id: id, inc: slot.inc,
		rand: s.streams.Get(fmt.Sprintf("node/%s/%d", slot.name, slot.inc))}
	slot.up = true
	kind := trace.Start
	if restart {
		kind = trace.Restart
	}
	s.rec(kind, id, trace.None, 0, 0, 0, nil)
	s.boot(id, slot)
}

// The functions below run node code, and say whose in s.running while it
// runs: a panic there becomes that node's crash (with its stack) and the
// run goes on. Each is the last thing its caller does, so nothing of the
// simulator's is left undone when a panic unwinds to recoverNode.

func (s *Sim) boot(id NodeID, slot *nodeSlot) {
	s.running = id
	slot.node = slot.factory(slot.env) // building the node is node code too
	slot.node.Start()
	s.running = trace.None
}

func (s *Sim) receive(id, from NodeID, msg any) {
	s.running = id
	s.nodes[id].node.Receive(from, msg)
	s.running = trace.None
}

func (s *Sim) fire(id NodeID, tag any) {
	s.running = id
	s.nodes[id].node.Timer(tag)
	s.running = trace.None
}

// recoverNode, deferred around the event loop, turns a panic in node code
// into that node's crash; a panic anywhere else goes on (it is a bug of
// the simulator or of a driver, not of a node).
func (s *Sim) recoverNode() {
	if s.running == trace.None {
		return
	}
	if r := recover(); r != nil {
		id := s.running
		s.running = trace.None
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
		if e.kind == evHeld && !s.dropped[e.id] { // a message that waited in the paused node's inbox is lost with it
			s.recMsg(trace.Drop, e.from, id, e.id, e.mt, s.symCrashed, nil)
		}
	}
}

// highlight is what the node highlights ("" for nothing).
func (s *Sim) highlight(slot *nodeSlot) string {
	return slot.item(s.tr.InternName(trace.HighlightKey)).String()
}

func (s *Sim) apply(f Fault) {
	if f.Highlighted != "" {
		f.Node = trace.None
		for i, slot := range s.nodes {
			if slot.up && s.highlight(slot) == f.Highlighted {
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
			s.push(&event{at: s.now + f.For, kind: evFault, node: trace.None, payload: Fault{At: s.now + f.For, Kind: FaultRestart, Node: f.Node}})
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
	case FaultDrop, FaultDuplicate:
		s.faultMessage(f)
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

// faultMessage drops or duplicates a message in flight: on its way, or
// waiting in a paused node's inbox. A drop is recorded now (the message's
// fate is decided); a duplicate reaches the receiver right after the
// original.
func (s *Sim) faultMessage(f Fault) {
	var found *event
	var held *nodeSlot // the paused node whose inbox holds it
	scheduled := s.events.scheduled()
	for i := range scheduled {
		if e := &scheduled[i]; (e.kind == evDeliver || e.kind == evHeld) && e.id == f.Msg && !s.dropped[e.id] {
			if found == nil || e.before(found) {
				found = e
			}
		}
	}
	for _, slot := range s.nodes {
		for i := range slot.held {
			if e := &slot.held[i]; found == nil && e.id == f.Msg && !s.dropped[e.id] {
				found, held = e, slot
			}
		}
	}
	if found == nil {
		s.record(trace.Event{Kind: trace.Log, Node: trace.None, Peer: trace.None,
			Value: fmt.Sprintf("fault %s message #%d: it is not in flight; nothing happens", f.Kind, f.Msg)})
		return
	}
	ev := trace.Event{Node: found.from, Peer: found.node, Msg: f.Msg, Name: found.mt.name}
	if f.Kind == FaultDuplicate {
		ev.Kind = trace.Duplicate
		if !found.mt.unrecorded.Has(ev.Kind) {
			s.record(ev)
		}
		cp := *found
		if held != nil {
			held.held = append(held.held, cp)
		} else {
			s.push(&cp)
		}
		return
	}
	ev.Kind, ev.Value = trace.Drop, "fault: dropped in flight"
	if !found.mt.unrecorded.Has(ev.Kind) {
		s.record(ev)
	}
	if s.dropped == nil {
		s.dropped = map[int64]bool{}
	}
	s.dropped[f.Msg] = true
}

// send puts a message on the network: the trace records the send, then the
// network decides loss, duplication and delay.
func (s *Sim) send(from, to NodeID, msg any) {
	if int(to) < 0 || int(to) >= len(s.nodes) {
		panic(fmt.Sprintf("send to unknown node %d (there are %d nodes)", to, len(s.nodes)))
	}
	mt := s.typeOf(msg)
	if mt.problem != "" {
		panic(fmt.Sprintf("cannot send %s: %s", mt.name, mt.problem))
	}
	var sent any = msg
	if mt.deep {
		sent = mt.copyIn(msg, s.arena)
	}
	s.nextMsg++
	id := s.nextMsg
	if s.strict != nil {
		enc, err := json.Marshal(msg)
		if err != nil {
			panic(fmt.Sprintf("strict mode: cannot encode %s: %v", mt.name, err))
		}
		s.strict[id] = strictRecord{original: msg, encoded: string(enc)}
	}
	s.recMsg(trace.Send, from, to, id, mt, 0, sent)
	if s.net.Blocked(from, to) {
		s.recMsg(trace.Drop, from, to, id, mt, s.symPartition, nil)
		return
	}
	link := s.net.link(from, to)
	if link.Drop > 0 && s.netRand.Float64() < link.Drop {
		s.recMsg(trace.Drop, from, to, id, mt, s.symLoss, nil)
		return
	}
	ev := event{at: s.net.deliveryTime(s.now, from, to, link, s.netRand), kind: evDeliver, node: to, from: from,
		inc: s.nodes[to].inc, id: id, payload: sent, mt: mt}
	s.push(&ev)
	if link.Duplicate > 0 && s.netRand.Float64() < link.Duplicate {
		s.recMsg(trace.Duplicate, from, to, id, mt, 0, nil)
		ev.at = s.net.deliveryTime(s.now, from, to, link, s.netRand)
		s.push(&ev)
	}
}

func (s *Sim) deliver(e *event) {
	if s.dropped[e.id] {
		return // a fault dropped it in flight (the trace says so already)
	}
	slot := s.nodes[e.node]
	switch {
	case !slot.up || slot.inc != e.inc:
		s.recMsg(trace.Drop, e.from, e.node, e.id, e.mt, s.symCrashed, nil)
		return
	case s.net.Blocked(e.from, e.node):
		s.recMsg(trace.Drop, e.from, e.node, e.id, e.mt, s.symPartition, nil)
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
	if s.strict != nil {
		s.checkStrict(e)
	}
	s.recMsg(trace.Deliver, e.node, e.from, e.id, e.mt, 0, nil)
	msg := e.payload
	if e.mt.deep {
		msg = e.mt.copyIn(msg, s.arena) // the trace keeps its own copy, safe from the receiver
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

// typeOf is infoOf with a per-simulation cache that also holds the type's
// trace symbol; the type sent last is checked first (a node that sends
// one type in a row skips the map).
func (s *Sim) typeOf(v any) *msgType {
	t := reflect.TypeOf(v)
	if t == s.lastType && s.lastMsg != nil {
		return s.lastMsg
	}
	mt, ok := s.types[t]
	if !ok {
		if s.types == nil {
			s.types = map[reflect.Type]*msgType{}
		}
		ti := infoOf(v)
		mt = &msgType{typeInfo: ti, sym: s.tr.InternName(ti.name), unrecorded: s.unrecordedOf(ti.name)}
		s.types[t] = mt
	}
	s.lastType, s.lastMsg = t, mt
	return mt
}

// timerSym is a timer tag's name as a trace symbol.
func (s *Sim) timerSym(tag any) trace.NameSym {
	if name, ok := tag.(string); ok {
		return s.tr.InternName(name)
	}
	return s.tr.InternName(timerName(tag))
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
