package clocks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	cc "distlab/contract/clocks"
	"distlab/simnet"
)

// Workload is what every node does; scenario files set it under "workload:".
type Workload struct {
	// Events is how many actions (local events and sends) each node takes;
	// 0 means it keeps acting until the run ends. Receives come on top.
	Events int `yaml:"events" shrink:"halve" doc:"actions (local events and sends) each node takes; 0: it keeps acting until the run ends. Receives come on top"`
	// Interval is the mean time between two actions of one node.
	Interval time.Duration `yaml:"interval" doc:"mean time between two actions of one node"`
	// Dist draws each gap: exponential (mean Interval, the default), uniform
	// (Interval/2 … 3·Interval/2) or constant.
	Dist string `yaml:"dist" doc:"how each gap is drawn: exponential (mean interval), uniform (interval/2 to 3·interval/2) or constant"`
	// LocalProb is the probability that an action is a local event rather
	// than a send to a random peer. High values leave many events
	// concurrent.
	LocalProb float64 `yaml:"local_prob" doc:"probability that an action is a local event rather than a send to a random peer; high values leave many events concurrent"`
}

// DefaultWorkload is 20 actions per node, one every 50ms on average, a
// third of them local.
func DefaultWorkload() *Workload {
	return &Workload{Events: 20, Interval: 50 * time.Millisecond, Dist: "exponential", LocalProb: 0.3}
}

// Validate names the first unusable field.
func (w *Workload) Validate() error {
	switch {
	case w.Events < 0:
		return fmt.Errorf("workload.events must not be negative (got %d)", w.Events)
	case w.Interval <= 0:
		return fmt.Errorf("workload.interval must be positive (got %v)", w.Interval)
	case w.LocalProb < 0 || w.LocalProb > 1:
		return fmt.Errorf("workload.local_prob must be between 0 and 1 (got %v)", w.LocalProb)
	}
	switch w.Dist {
	case "", "exponential", "uniform", "constant":
		return nil
	}
	return fmt.Errorf("workload.dist %q is not one of exponential, uniform, constant", w.Dist)
}

// Params are the algorithm's knobs, under "params:".
type Params struct {
	// Persist keeps the clock in durable storage so that a restarted node
	// continues from where it crashed. Turn it off to watch a restart
	// break the clock condition.
	Persist bool `yaml:"persist" doc:"keep the clock in durable storage, so a restarted node continues where it crashed; false shows a restart breaking the clock condition"`
}

// DefaultParams persists the clock.
func DefaultParams() *Params { return &Params{Persist: true} }

// LamportMsg is a message stamped with the sender's Lamport time.
type LamportMsg struct{ Time int64 }

// VectorMsg is a message stamped with a copy of the sender's vector clock.
type VectorMsg struct{ Clock []int64 }

// variant picks the clock and whether its receive rule is the broken one.
type variant struct {
	vector   bool
	nomerge  bool // receive ticks without merging the message's timestamp
	physical bool // timestamps are readings of the node's own physical clock
}

// saved is what a node keeps in durable storage. The vector is kept in its
// printed form ("[3 0 1]"), which the node builds anyway to publish it: a
// string is stored without the reflective deep copy a slice would need.
type saved struct {
	Lamport int64
	Vector  string
	Done    int
}

const storageKey = "clock"

// node runs the workload with one clock.
type node struct {
	env   *simnet.Env
	w     *Workload
	p     *Params
	v     variant
	peers []simnet.NodeID
	lam   Lamport
	vec   Vector
	done  int    // actions taken, across restarts when persisted
	text  []byte // scratch for printing the vector
	shown string // the vector as last printed
}

func (n *node) Start() {
	n.peers = n.env.Peers()
	if n.v.vector {
		servers := n.env.Members(contract.ServerGroup)
		n.vec = NewVector(len(servers), slices.Index(servers, n.env.ID()))
	}
	if n.p.Persist {
		if s, ok := simnet.Load[saved](n.env.Storage(), storageKey); ok {
			n.lam.Time, n.done = s.Lamport, s.Done
			if n.v.vector {
				parseVector(s.Vector, n.vec.Clock)
			}
		}
	}
	n.publish()
	n.next()
}

func (n *node) Timer(any) {
	if n.w.Events > 0 && n.done >= n.w.Events {
		return
	}
	n.done++
	r := n.env.Rand()
	if len(n.peers) == 0 || r.Float64() < n.w.LocalProb {
		n.tick()
		n.mark(cc.KindLocal)
	} else {
		to := n.peers[r.IntN(len(n.peers))]
		n.tick()
		// The send mark must be the node's last record before the Send:
		// the checker pairs the two by adjacency.
		n.mark(cc.KindSend)
		if n.v.vector {
			n.env.Send(to, VectorMsg{Clock: slices.Clone(n.vec.Clock)})
		} else {
			n.env.Send(to, LamportMsg{Time: n.lam.Time})
		}
	}
	n.publish()
	n.save()
	n.next()
}

func (n *node) Receive(_ simnet.NodeID, msg any) {
	// Nothing may be recorded before the recv mark: the checker expects it
	// right after the Deliver.
	switch m := msg.(type) {
	case LamportMsg:
		if n.v.vector {
			return
		}
		if n.v.physical {
			n.readClock() // the message's timestamp is ignored: that is the point
		} else if n.v.nomerge {
			n.lam.Tick()
		} else {
			n.lam.Receive(m.Time)
		}
	case VectorMsg:
		if !n.v.vector {
			return
		}
		if n.v.nomerge {
			n.vec.Tick()
		} else {
			n.vec.Receive(m.Clock)
		}
	default:
		return
	}
	n.mark(cc.KindRecv)
	n.publish()
	n.save()
}

func (n *node) tick() {
	if n.v.physical {
		n.readClock()
		return
	}
	if n.v.vector {
		n.vec.Tick()
	} else {
		n.lam.Tick()
	}
}

func (n *node) mark(kind string) {
	if n.v.vector {
		cc.Clock.Record(n.env, cc.ClockMark{Kind: kind, Vector: n.vec.Clock})
	} else {
		t := n.lam.Time
		cc.Clock.Record(n.env, cc.ClockMark{Kind: kind, Lamport: &t})
	}
}

func (n *node) publish() {
	if !n.v.vector {
		n.env.Publish("clock", n.lam.Time)
		return
	}
	b := append(n.text[:0], '[')
	for i, x := range n.vec.Clock {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, x, 10)
	}
	n.text = append(b, ']')
	n.shown = string(n.text)
	n.env.Publish("clock", n.shown)
}

// readClock stamps an event with the node's physical clock in
// nanoseconds, kept strictly increasing on the node (a monotonic clock), so
// only the skew between nodes can break the clock condition.
func (n *node) readClock() {
	n.lam.Time = max(int64(n.env.Clock()), n.lam.Time+1)
}

// save runs after publish, so n.shown is the current vector.
func (n *node) save() {
	if !n.p.Persist {
		return
	}
	n.env.Storage().Put(storageKey, saved{Lamport: n.lam.Time, Vector: n.shown, Done: n.done})
}

// parseVector reads the printed form back into clock.
func parseVector(s string, clock []int64) {
	for i, f := range strings.Fields(strings.Trim(s, "[]")) {
		if i < len(clock) {
			clock[i], _ = strconv.ParseInt(f, 10, 64)
		}
	}
}

// next schedules the node's next action, if it has one left.
func (n *node) next() {
	if n.w.Events > 0 && n.done >= n.w.Events {
		return
	}
	n.env.SetTimer(n.gap(), "act")
}

func (n *node) gap() time.Duration {
	iv := n.w.Interval
	switch n.w.Dist {
	case "constant":
		return iv
	case "uniform":
		return iv/2 + time.Duration(n.env.Rand().Int64N(int64(iv)+1))
	}
	return time.Duration(n.env.Rand().ExpFloat64() * float64(iv))
}

// New returns the factory of one variant, for Go tests and labs that build
// a simulation by hand. Nil workload or params mean the defaults.
func New(name string, w *Workload, p *Params) (simnet.Factory, error) {
	v, ok := variants[name]
	if !ok {
		return nil, fmt.Errorf("unknown clocks algorithm %q", name)
	}
	if w == nil {
		w = DefaultWorkload()
	}
	if p == nil {
		p = DefaultParams()
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return func(env *simnet.Env) simnet.Node { return &node{env: env, w: w, p: p, v: v} }, nil
}

var variants = map[string]variant{
	"lamport":         {},
	"vector":          {vector: true},
	"lamport-nomerge": {nomerge: true},
	"vector-nomerge":  {vector: true, nomerge: true},
	"physical":        {physical: true},
}

// Specs registers the family.
func Specs() []algo.Spec {
	return []algo.Spec{
		spec("lamport", "Lamport clocks: a→b ⇒ L(a)<L(b), but concurrency is invisible"),
		spec("vector", "vector clocks: a→b ⇔ V(a)<V(b), concurrency detected exactly"),
		spec("lamport-nomerge", "BROKEN on purpose: Lamport clock that ticks on receive without taking the max"),
		spec("vector-nomerge", "BROKEN on purpose: vector clock that ticks on receive without merging"),
		spec("physical", "physical timestamps from each node's own clock: causality holds only while clock skew stays below message delay"),
	}
}

func spec(name, summary string) algo.Spec {
	return algo.Spec{
		Name: name, Family: "clocks", Contracts: []*contract.Contract{cc.Contract}, Summary: summary,
		Checks:   []string{"causality"},
		Params:   func() any { return DefaultParams() },
		Workload: func() any { return DefaultWorkload() },
		Build: func(b algo.Build) error {
			w, _ := b.Workload.(*Workload)
			p, _ := b.Params.(*Params)
			f, err := New(name, w, p)
			if err != nil {
				return err
			}
			b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, f)
			return nil
		},
	}
}
