// Package toy builds small, deterministic traces for the visualizer's and
// the exporters' tests, benchmarks and demo (it lives with the
// demonstration algorithms: the visualizer itself never runs nodes). Its nodes are a made-up
// "leader broadcasts, followers acknowledge" protocol: just enough to put
// every kind of thing the diagram draws into a trace (messages, losses,
// duplicates, timers, a partition, a crash and restart, visible state and
// family marks). It is not an algorithm of the lab.
package toy

import (
	"time"

	"distlab/contract"
	democ "distlab/contract/demo"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// Beacon is what the leader broadcasts every tick.
type Beacon struct {
	Term int
	Seq  int
}

// Echo answers a Beacon.
type Echo struct {
	Seq int
}

// node: n0 leads; every tick it broadcasts a Beacon and counts Acks; a Beacon
// acknowledged by a majority is "committed". Followers remember the last
// sequence number they saw.
type node struct {
	env   *simnet.Env
	seq   int
	term  int
	acks  map[int]int
	total int
	tick  time.Duration
}

func (n *node) Start() {
	n.acks = map[int]int{}
	n.term, _ = simnet.Load[int](n.env.Storage(), "term")
	n.term++
	n.env.Storage().Put("term", n.term)
	n.env.Publish("term", n.term)
	if n.env.ID() == 0 {
		n.env.Publish("role", "leader")
		n.env.Highlight("leader")
		democ.Leading.Record(n.env, democ.TermMark{Term: n.term})
	} else {
		n.env.Publish("role", "follower")
	}
	n.env.SetTimer(n.tick, "tick")
}

func (n *node) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Beacon:
		n.seq = m.Seq
		n.env.Publish("seen", m.Seq)
		n.env.Send(from, Echo{Seq: m.Seq})
	case Echo:
		n.acks[m.Seq]++
		if n.acks[m.Seq] == n.total/2 { // with the leader itself: a majority
			democ.Committed.Record(n.env, democ.SeqMark{Seq: m.Seq})
			n.env.Publish("commit", m.Seq)
		}
	}
}

func (n *node) Timer(tag any) {
	if n.env.ID() == 0 {
		n.seq++
		n.env.Publish("seq", n.seq)
		n.env.Broadcast(Beacon{Term: n.term, Seq: n.seq})
	}
	n.env.SetTimer(n.tick, tag)
}

// Config shapes a toy run.
type Config struct {
	Seed  int64
	Nodes int           // default 4
	Until time.Duration // default 100ms
	Tick  time.Duration // default 10ms
	// Faults adds the standard fault script: a partition at 30% of Until
	// ({n0,n1} against the rest), a crash of the last node at 45%, heal at
	// 60%, restart at 70%.
	Faults bool
	Drop   float64
	Dup    float64
}

// New builds (but does not run) a toy simulation, for live mode.
func New(c Config) *simnet.Sim {
	if c.Nodes == 0 {
		c.Nodes = 4
	}
	if c.Until == 0 {
		c.Until = 100 * time.Millisecond
	}
	if c.Tick == 0 {
		c.Tick = 10 * time.Millisecond
	}
	link := simnet.Link{Latency: simnet.Latency{Dist: "uniform", Min: time.Millisecond, Max: 6 * time.Millisecond},
		Drop: c.Drop, Duplicate: c.Dup}
	sim := simnet.New(simnet.Config{Seed: c.Seed, Scenario: "toy", Algorithm: "toy-broadcast", Network: &link})
	ids := sim.AddNodes("n", c.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
		return &node{env: env, total: c.Nodes, tick: c.Tick}
	})
	if c.Faults && c.Nodes >= 3 {
		pct := func(p int) time.Duration { return c.Until * time.Duration(p) / 100 }
		sim.Schedule(simnet.Fault{At: pct(30), Kind: simnet.FaultPartition,
			Groups: [][]simnet.NodeID{ids[:2], ids[2:]}})
		last := ids[len(ids)-1]
		sim.Schedule(simnet.Fault{At: pct(45), Kind: simnet.FaultCrash, Node: last})
		sim.Schedule(simnet.Fault{At: pct(60), Kind: simnet.FaultHeal})
		sim.Schedule(simnet.Fault{At: pct(70), Kind: simnet.FaultRestart, Node: last})
	}
	return sim
}

// Trace runs a toy simulation to c.Until and returns its trace.
func Trace(c Config) *trace.Trace {
	sim := New(c)
	until := c.Until
	if until == 0 {
		until = 100 * time.Millisecond
	}
	sim.Run(until)
	return sim.Trace()
}

// Small is the trace the golden tests look at: 4 nodes, 100ms, every fault.
func Small() *trace.Trace {
	return Trace(Config{Seed: 3, Faults: true, Drop: 0.05, Dup: 0.05})
}

// Big returns a trace of at least n events (5 nodes, faults, loss).
func Big(n int) *trace.Trace {
	sim := New(Config{Seed: 1, Nodes: 5, Faults: true, Drop: 0.02, Dup: 0.02, Until: time.Hour})
	for sim.Trace().Len() < n && sim.Step() {
	}
	return sim.Trace()
}
