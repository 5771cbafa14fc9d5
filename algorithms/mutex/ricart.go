package mutex

import (
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	"distlab/simnet"
)

// RAParams configures Ricart-Agrawala.
type RAParams struct {
	// Retransmit resends the request to peers that have not replied after
	// this long (0: never — the textbook's reliable links). Needed when
	// links drop; a peer that deferred its reply keeps deferring.
	Retransmit time.Duration `yaml:"retransmit" doc:"resend the request to peers that have not replied after this long; 0: never, which is right only on reliable links: with loss, partitions or crashes a lost Request or Reply starves a node. Set it (e.g. 200ms) whenever the network can drop a message"`
}

// ricart is a Ricart-Agrawala node: ask every peer, enter when all agreed.
type ricart struct {
	d      driver
	p      *RAParams
	me     simnet.NodeID
	peers  []simnet.NodeID
	broken bool // reply even while inside: the bug the checker must catch

	clock    int64   // Lamport clock
	stored   int64   // the clock last written to durable storage
	reqTS    int64   // timestamp of our current request
	replied  []bool  // by node id: agreed to our current request
	missing  int     // peers that have not agreed yet
	deferred []int64 // by node id: request id we owe a reply, or 0
	retry    bool
}

func newRicart(p *RAParams, w *Workload, broken bool) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		n := &ricart{p: p, me: env.ID(), broken: broken}
		n.d.init(env, w, n)
		return n
	}
}

func (n *ricart) Start() {
	env := n.d.env
	n.peers = env.Peers()
	span := idSpan(env)
	n.replied = make([]bool, span)
	n.deferred = make([]int64, span)
	// A restarted node must not ask with a timestamp below one it has
	// already agreed to: its earlier agreement still stands at the asker,
	// who would then agree back, and both would enter.
	n.clock, _ = simnet.Load[int64](env.Storage(), "ra/clock")
	n.stored = n.clock
	n.d.begin()
}

func (n *ricart) stamp() int64 {
	n.clock++
	n.reqTS = n.clock
	n.d.env.Publish("clock", n.clock)
	return n.reqTS
}

func (n *ricart) acquire() {
	clear(n.replied)
	n.missing = len(n.peers)
	if n.missing == 0 {
		n.d.enter()
		return
	}
	for _, p := range n.peers {
		n.d.env.Send(p, Request{Req: n.d.req, TS: n.reqTS})
	}
	n.armRetry()
}

func (n *ricart) release() {
	for _, p := range n.peers {
		if r := n.deferred[p]; r != 0 {
			n.deferred[p] = 0
			n.reply(p, r)
		}
	}
}

// reply agrees to a request, first storing the clock durably (see Start).
func (n *ricart) reply(to simnet.NodeID, req int64) {
	if n.clock > n.stored {
		n.stored = n.clock
		n.d.env.Storage().Put("ra/clock", n.clock)
	}
	n.d.env.Send(to, Reply{Req: req})
}

// earlier reports whether request (ts, id) comes before (ts2, id2): the
// smaller timestamp wins, the smaller node id breaks a tie.
func earlier(ts int64, id simnet.NodeID, ts2 int64, id2 simnet.NodeID) bool {
	if ts != ts2 {
		return ts < ts2
	}
	return id < id2
}

// mustDefer decides whether a request from peer j with timestamp ts must
// wait: while we are inside, or while our own pending request is earlier.
func (n *ricart) mustDefer(ts int64, j simnet.NodeID) bool {
	if n.broken && n.d.phase == inside {
		return false // the planted bug
	}
	// BEGIN SOLUTION ra-defer
	if n.d.phase == inside {
		return true
	}
	return n.d.phase == waiting && earlier(n.reqTS, n.me, ts, j)
	// STUB
	// return false // TODO(lab): defer while inside, or while our own request is earlier
	// END SOLUTION
}

func (n *ricart) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Request:
		n.clock = max(n.clock, m.TS) + 1
		n.d.env.Publish("clock", n.clock)
		if n.mustDefer(m.TS, from) {
			if m.Req > n.deferred[from] {
				n.deferred[from] = m.Req
			}
			return
		}
		n.reply(from, m.Req)
	case Reply:
		// A reply counts only for the request it answers: a late or
		// duplicated reply to an older request must not let us in.
		if n.d.phase == waiting && m.Req == n.d.req && !n.replied[from] {
			n.replied[from] = true
			n.missing--
			if n.missing == 0 {
				n.d.enter()
			}
		}
	}
}

func (n *ricart) Timer(tag any) {
	if tag == tagRetry {
		n.retry = false
		if n.d.phase != waiting {
			return
		}
		for _, p := range n.peers {
			if !n.replied[p] {
				n.d.env.Send(p, Request{Req: n.d.req, TS: n.reqTS})
			}
		}
		n.armRetry()
		return
	}
	n.d.timer(tag)
}

func (n *ricart) armRetry() {
	if n.p.Retransmit <= 0 || n.retry || n.d.phase != waiting {
		return
	}
	n.retry = true
	n.d.env.SetTimer(n.p.Retransmit, tagRetry)
}

// idSpan is one more than the largest server id, for slices indexed by id.
func idSpan(env *simnet.Env) int {
	m := env.Members(contract.ServerGroup)
	if len(m) == 0 {
		return int(env.ID()) + 1
	}
	return int(max(m[len(m)-1], env.ID())) + 1
}

func buildRicart(broken bool) func(b algo.Build) error {
	return func(b algo.Build) error {
		p := b.Params.(*RAParams)
		w := b.Workload.(*Workload)
		if err := w.Validate(); err != nil {
			return err
		}
		b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, newRicart(p, w, broken))
		return nil
	}
}
