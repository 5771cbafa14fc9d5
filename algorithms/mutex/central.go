package mutex

import (
	"fmt"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	mc "distlab/contract/mutex"
	"distlab/simnet"
)

// CentralParams configures the central coordinator algorithm.
type CentralParams struct {
	// Coordinator names the coordinating node (default n0).
	Coordinator string `yaml:"coordinator" doc:"the coordinating node"`
	// CoordinatorCompetes lets the coordinator want the critical section
	// too; its own entries cost no messages. Off, as in the textbook's
	// figure, so every entry costs exactly 3 messages.
	CoordinatorCompetes bool `yaml:"coordinator_competes" doc:"let the coordinator want the critical section too (its own entries cost no messages); off, as in the textbook, so every entry costs exactly 3 messages"`
	// Retransmit resends an unanswered Request or Release after this long
	// (0: never — the textbook's reliable links). Needed when links drop.
	Retransmit time.Duration `yaml:"retransmit" doc:"resend an unanswered Request or Release after this long; 0: never, which is right only on reliable links: with loss or partitions a lost message blocks a node for good"`
	// Persist keeps the coordinator's queue and holder in durable storage,
	// so a restarted coordinator carries on instead of forgetting who is
	// inside (and granting a second node).
	Persist bool `yaml:"persist" doc:"keep the coordinator's queue and holder in durable storage, so a restarted coordinator carries on instead of forgetting who is inside"`
}

// queued is a request waiting at the coordinator.
type queued struct {
	Node simnet.NodeID
	Req  int64
}

// coordState is everything the coordinator knows (stored when Persist).
type coordState struct {
	Busy   bool
	Holder queued
	Queue  []queued
	Done   []int64 // per node: the highest request it has released
}

type central struct {
	d       driver
	p       *CentralParams
	coord   simnet.NodeID
	me      simnet.NodeID
	pending int64 // retransmit mode: a Release not yet acknowledged
	retry   bool  // a retry timer is running
	st      *coordState
}

const tagRetry = "retry"

func newCentral(p *CentralParams, w *Workload, coord simnet.NodeID) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		c := &central{p: p, coord: coord, me: env.ID()}
		c.d.init(env, w, c)
		return c
	}
}

func (c *central) Start() {
	env := c.d.env
	if c.me == c.coord {
		env.Publish("role", "coordinator")
		c.st = &coordState{Done: make([]int64, idSpan(env))}
		if c.p.Persist {
			if st, ok := simnet.Load[coordState](env.Storage(), "central/state"); ok {
				c.st = &st
			}
		}
		if !c.p.CoordinatorCompetes {
			return
		}
	}
	c.d.begin()
}

func (c *central) stamp() int64 { return 0 }

func (c *central) acquire() {
	if c.me == c.coord {
		c.arrive(c.me, c.d.req)
		return
	}
	c.d.env.Send(c.coord, Request{Req: c.d.req})
	c.armRetry()
}

func (c *central) release() {
	if c.me == c.coord {
		c.released(c.me, c.d.req)
		return
	}
	c.d.env.Send(c.coord, Release{Req: c.d.req})
	if c.p.Retransmit > 0 {
		c.pending = c.d.req
		c.armRetry()
	}
}

func (c *central) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Request:
		c.arrive(from, m.Req)
	case Release:
		c.released(from, m.Req)
		if c.p.Retransmit > 0 {
			c.d.env.Send(from, ReleaseAck(m))
		}
	case Grant:
		if c.d.phase == waiting && m.Req == c.d.req {
			c.d.enter()
		}
	case ReleaseAck:
		if c.pending == m.Req {
			c.pending = 0
		}
	}
}

func (c *central) Timer(tag any) {
	if tag == tagRetry {
		c.retry = false
		if c.d.phase == waiting {
			c.d.env.Send(c.coord, Request{Req: c.d.req})
		}
		if c.pending != 0 {
			c.d.env.Send(c.coord, Release{Req: c.pending})
		}
		c.armRetry()
		return
	}
	c.d.timer(tag)
}

func (c *central) armRetry() {
	if c.p.Retransmit <= 0 || c.retry || (c.d.phase != waiting && c.pending == 0) {
		return
	}
	c.retry = true
	c.d.env.SetTimer(c.p.Retransmit, tagRetry)
}

// arrive handles a request at the coordinator. Duplicates and resent
// requests are recognised by their id, so none is queued twice.
func (c *central) arrive(from simnet.NodeID, req int64) {
	st := c.st
	if st == nil || req <= st.Done[from] {
		return // not the coordinator, or an old request already served
	}
	if st.Busy && st.Holder.Node == from {
		if st.Holder.Req == req {
			if from != c.me {
				c.d.env.Send(from, Grant{Req: req}) // the grant was lost
			}
			return
		}
		if st.Holder.Req < req {
			// A node asks again only after leaving: its release was lost or
			// is late, or it restarted.
			c.released(from, st.Holder.Req)
		}
	}
	for i, q := range st.Queue {
		if q.Node == from {
			if q.Req >= req {
				return // already waiting
			}
			st.Queue = append(st.Queue[:i], st.Queue[i+1:]...) // a request of a crashed incarnation
			break
		}
	}
	st.Queue = append(st.Queue, queued{Node: from, Req: req})
	env := c.d.env
	mc.Queued.Record(env, mc.NodeMark{Node: env.NameOf(from), Seq: seqOf(req)})
	env.Publish("queue", len(st.Queue))
	c.grantNext()
	c.save()
}

func (c *central) released(from simnet.NodeID, req int64) {
	st := c.st
	if st == nil {
		return
	}
	if req > st.Done[from] {
		st.Done[from] = req
	}
	if st.Busy && st.Holder.Node == from && st.Holder.Req <= req {
		st.Busy = false
		c.d.env.Publish("holder", "-")
		c.grantNext()
	}
	c.save()
}

func (c *central) grantNext() {
	st := c.st
	if st.Busy || len(st.Queue) == 0 {
		return
	}
	next := st.Queue[0]
	st.Queue = st.Queue[1:]
	st.Busy, st.Holder = true, next
	env := c.d.env
	mc.Grant.Record(env, mc.NodeMark{Node: env.NameOf(next.Node), Seq: seqOf(next.Req)})
	env.Publish("queue", len(st.Queue))
	env.Publish("holder", env.NameOf(next.Node))
	if next.Node == c.me {
		c.d.enter()
		return
	}
	env.Send(next.Node, Grant{Req: next.Req})
}

func (c *central) save() {
	if c.p.Persist && c.st != nil {
		c.d.env.Storage().Put("central/state", *c.st)
	}
}

func buildCentral(b algo.Build) error {
	p := b.Params.(*CentralParams)
	w := b.Workload.(*Workload)
	if err := w.Validate(); err != nil {
		return err
	}
	if b.Nodes < 2 && !p.CoordinatorCompetes {
		return fmt.Errorf("central needs at least 2 nodes (a coordinator and a client), or coordinator_competes: true")
	}
	name := p.Coordinator
	if name == "" {
		name = "n0"
	}
	coord := simnet.NodeID(-1)
	for i := 0; i < b.Nodes; i++ {
		if fmt.Sprintf("n%d", i) == name {
			coord = simnet.NodeID(len(b.Sim.NodeNames()) + i)
		}
	}
	if coord < 0 {
		return fmt.Errorf("params.coordinator: unknown node %q (valid: n0 … n%d)", name, b.Nodes-1)
	}
	b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, newCentral(p, w, coord))
	return nil
}
