package mutex

import (
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	mc "distlab/contract/mutex"
	"distlab/simnet"
)

// RingParams configures the token ring.
type RingParams struct {
	// AckTimeout makes every token pass acknowledged: a pass not acked
	// within this long is sent again (0: no acks — the textbook's reliable
	// links, one message per pass). Needed when links drop.
	AckTimeout time.Duration `yaml:"ack_timeout" doc:"acknowledge every token pass and resend one not acked within this long; 0: no acks (the textbook's reliable links, one message per pass). Needed when links drop"`
	// SkipAfter takes the successor for crashed after this many unacked
	// tries and passes the token to the next node on the ring instead, as
	// the textbook describes (0: never skip). Needs AckTimeout. A live but
	// slow or cut-off successor is then skipped too, and two nodes may
	// hold a token: an unreliable failure detector costs safety.
	SkipAfter int `yaml:"skip_after" doc:"take the successor for crashed after this many unacked tries and pass the token to the next node instead; 0: never skip. Needs ack_timeout. A slow or cut-off successor is skipped too, and two tokens may then exist"`
	// Regenerate makes a new token when a node has seen none for this long
	// (0: never). Node k of n waits Regenerate×(1+k/n), so the first node
	// makes it and the token reaches the others before they give up. Before
	// that, a node that has waited once says Hello to everyone (they may be
	// skipping it) and waits one more period. A new
	// token has a higher generation; an older one meeting it is absorbed.
	// Set it above the longest round trip of the token, or a slow token
	// gets a twin. Needs AckTimeout and SkipAfter to get past the dead
	// holder.
	Regenerate time.Duration `yaml:"regenerate" doc:"make a new token when a node has seen none for this long (node k of n waits regenerate×(1+k/n)); 0: never. Set it above the token's longest round trip; needs ack_timeout and skip_after"`
}

// ring is a token-ring node. Ring order is node id order, wrapping around.
type ring struct {
	d     driver
	p     *RingParams
	me    simnet.NodeID
	order []simnet.NodeID // every ring member in ring order
	pos   int             // this node's place in order
	dead  []bool          // by node id: taken for crashed, skipped

	has      bool          // holding the token
	seen     tokenID       // newest token received: older copies are ignored
	lastSeen time.Duration // when the token last came by (Regenerate)
	knocked  bool          // said Hello since the token last came by

	// an unacknowledged pass (AckTimeout > 0)
	sentTo   simnet.NodeID
	sentTok  tokenID
	tries    int
	ackTimer simnet.TimerID
}

// tokenID orders tokens: a later generation wins, then a higher Seq.
type tokenID struct{ Gen, Seq int64 }

func (a tokenID) after(b tokenID) bool {
	if a.Gen != b.Gen {
		return a.Gen > b.Gen
	}
	return a.Seq > b.Seq
}

const (
	tagAck   = "ack"
	tagRegen = "regenerate"
)

func newRing(p *RingParams, w *Workload) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		r := &ring{p: p, me: env.ID(), sentTo: -1}
		r.d.init(env, w, r)
		return r
	}
}

func (r *ring) Start() {
	defer r.showHolder()
	env := r.d.env
	r.order = env.Members(contract.ServerGroup)
	for i, id := range r.order {
		if id == r.me {
			r.pos = i
		}
	}
	r.dead = make([]bool, idSpan(env))
	if r.p.AckTimeout > 0 {
		// A resent copy of a token we passed on before crashing must not
		// count as a new token.
		r.seen, _ = simnet.Load[tokenID](env.Storage(), "ring/seen")
	}
	if r.p.Regenerate > 0 {
		r.lastSeen = env.Now()
		env.SetTimer(r.patience(), tagRegen)
	}
	r.d.begin()
	switch {
	case r.d.restarted():
		// Back from a crash: the token (if we had it) is gone with the old
		// instance. Tell the others so they stop skipping us.
		if r.p.AckTimeout > 0 {
			env.Broadcast(Hello{})
		}
	case r.pos == 0:
		r.take(tokenID{}) // the first node on the ring makes the one token
	}
}

func (r *ring) stamp() int64 { return 0 }

func (r *ring) acquire() {
	if r.has {
		r.d.enter() // we were keeping the token (alone on the ring)
	}
}

func (r *ring) release() { r.pass() }

// take handles the arrival of the token.
func (r *ring) take(tok tokenID) {
	r.lastSeen, r.knocked = r.d.env.Now(), false
	// BEGIN SOLUTION ring-token
	r.has = true
	r.seen = tok
	r.d.env.Publish("token", true)
	r.persist()
	if r.d.phase == waiting {
		r.d.enter() // keep the token while inside; release passes it on
		return
	}
	r.pass()
	// STUB
	// r.has = true
	// r.seen = tok
	// r.persist()
	// panic("TODO(lab): enter if this node is waiting, otherwise pass the token on")
	// END SOLUTION
}

// persist stores the newest token seen (only resent tokens can be stale).
func (r *ring) persist() {
	if r.p.AckTimeout > 0 {
		r.d.env.Storage().Put("ring/seen", r.seen)
	}
}

// pass sends the token to the next live node on the ring.
func (r *ring) pass() {
	next := r.successor()
	if next == r.me {
		return // alone: keep the token until we want it
	}
	r.has = false
	r.d.env.Publish("token", false)
	r.sendToken(next, tokenID{Gen: r.seen.Gen, Seq: r.seen.Seq + 1})
}

// successor is the first node after us on the ring not taken for crashed.
func (r *ring) successor() simnet.NodeID {
	// BEGIN SOLUTION ring-successor
	for i := 1; i < len(r.order); i++ {
		next := r.order[(r.pos+i)%len(r.order)]
		if !r.dead[next] {
			return next
		}
	}
	return r.me
	// STUB
	// return r.order[(r.pos+1)%len(r.order)] // TODO(lab): skip nodes taken for crashed
	// END SOLUTION
}

func (r *ring) sendToken(to simnet.NodeID, tok tokenID) {
	r.d.env.Send(to, Token(tok))
	if r.p.AckTimeout > 0 {
		if r.sentTo >= 0 {
			r.d.env.CancelTimer(r.ackTimer) // the previous pass's ack was lost; the token came back anyway
		}
		if tok != r.sentTok || to != r.sentTo {
			r.tries = 0 // a new pass: the tries of an earlier one (acked late) do not count against it
		}
		r.sentTo, r.sentTok = to, tok
		r.ackTimer = r.d.env.SetTimer(r.p.AckTimeout, tagAck)
	}
}

// showHolder highlights the token holder (a node inside the critical
// section is highlighted as that).
func (r *ring) showHolder() {
	switch {
	case r.d.phase == inside:
		r.d.env.Highlight(inCS)
	case r.has:
		r.d.env.Highlight("token holder")
	default:
		r.d.env.Highlight("")
	}
}

func (r *ring) Receive(from simnet.NodeID, msg any) {
	defer r.showHolder()
	if r.dead[from] {
		r.dead[from] = false // it talks, so it is back
	}
	switch m := msg.(type) {
	case Token:
		if r.p.AckTimeout > 0 {
			r.d.env.Send(from, TokenAck(m))
		}
		tok := tokenID(m)
		if !tok.after(r.seen) {
			return // a duplicate or a resent copy of a token we already had
		}
		if r.has {
			// Two tokens met (one was regenerated while the other was
			// slow): keep holding ours under the newer name; the other dies.
			r.seen = tok
			r.persist()
			return
		}
		r.take(tok)
	case TokenAck:
		if r.sentTo == from && r.sentTok == tokenID(m) {
			r.sentTo, r.tries = -1, 0
			r.d.env.CancelTimer(r.ackTimer)
		}
	case Hello:
		// handled above: the sender is no longer skipped
	}
}

func (r *ring) Timer(tag any) {
	defer r.showHolder()
	switch tag {
	case tagRegen:
		r.watch()
		return
	case tagAck:
	default:
		r.d.timer(tag)
		return
	}
	if r.sentTo < 0 {
		return
	}
	to, tok := r.sentTo, r.sentTok
	r.tries++
	if r.p.SkipAfter > 0 && r.tries >= r.p.SkipAfter {
		r.dead[to] = true
		r.d.env.Logf("%s does not answer: skipping it", r.d.env.NameOf(to))
		r.tries = 0
		if to = r.successor(); to == r.me {
			// everyone else is gone: the token is ours again
			r.sentTo = -1
			r.take(tok)
			return
		}
	}
	r.sendToken(to, tok)
}

// patience is how long this node waits without a token before making one:
// staggered by ring position, so that one node does it first.
func (r *ring) patience() time.Duration {
	return r.p.Regenerate + r.p.Regenerate*time.Duration(r.pos)/time.Duration(len(r.order))
}

// watch is the regeneration watchdog: one timer per period, not one per pass.
func (r *ring) watch() {
	env := r.d.env
	quiet := env.Now() - r.lastSeen
	if r.has || r.sentTo >= 0 || quiet < r.patience() {
		if r.has || r.sentTo >= 0 {
			r.lastSeen = env.Now() // we hold it or are handing it over
		}
		env.SetTimer(r.patience()-(env.Now()-r.lastSeen), tagRegen)
		return
	}
	if !r.knocked {
		// Perhaps the others skip us, taking us for crashed: say we are
		// here and give the token one more period before making a new one.
		r.knocked, r.lastSeen = true, env.Now()
		env.Broadcast(Hello{})
		env.SetTimer(r.patience(), tagRegen)
		return
	}
	// A new generation, unique to this node: (round, ring position).
	gen := (r.seen.Gen/1024+1)*1024 + int64(r.pos)
	env.Logf("no token for %v: making a new one (generation %d)", quiet, gen)
	mc.TokenRegenerated.Record(env, mc.GenMark{Gen: gen})
	env.SetTimer(r.patience(), tagRegen)
	r.take(tokenID{Gen: gen})
}

func buildRing(b algo.Build) error {
	p := b.Params.(*RingParams)
	w := b.Workload.(*Workload)
	if err := w.Validate(); err != nil {
		return err
	}
	b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, newRing(p, w))
	return nil
}
