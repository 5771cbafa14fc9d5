package gossip

import (
	"fmt"
	"slices"
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// Rumor mongering's choices (Demers et al. 1987).
const (
	// Feedback: the receiver says which entries it already knew, and only
	// such an unnecessary contact makes the sender lose interest. Blind:
	// the sender loses interest after each round of sending, whatever the
	// receiver knew.
	RumorFeedback = "feedback"
	RumorBlind    = "blind"
	// Counter: lose interest after K such occasions. Coin: lose interest
	// with probability 1/K at each.
	StopCounter = "counter"
	StopCoin    = "coin"
)

// RumorParams are rumor mongering's knobs.
type RumorParams struct {
	Mode   string        `yaml:"mode" doc:"feedback (lose interest only when the peer already knew) or blind (whatever the peer said)"`
	Stop   string        `yaml:"stop" doc:"counter (stop after k losses of interest) or coin (stop with probability 1/k each time)"`
	K      int           `yaml:"k" doc:"the counter's limit, or the coin's 1/k"`
	Fanout int           `yaml:"fanout" doc:"peers told per round"`
	Period time.Duration `yaml:"period" doc:"the round length"`
	// Backup, when positive, runs push-pull anti-entropy with one random
	// peer at this period, to catch what the rumors missed.
	Backup  time.Duration `yaml:"backup" doc:"when positive, run push-pull anti-entropy with one random peer at this period, to catch what the rumors missed"`
	Durable bool          `yaml:"durable" doc:"keep the store in durable storage, so it survives a crash (not a crash with amnesia)"`
}

// DefaultRumorParams is feedback with a counter, k = 2, one peer a round,
// no backup.
func DefaultRumorParams() *RumorParams {
	return &RumorParams{Mode: RumorFeedback, Stop: StopCounter, K: 2, Fanout: 1, Period: 100 * time.Millisecond, Durable: true}
}

func (p RumorParams) validate(peers int) error {
	switch {
	case p.Mode != RumorFeedback && p.Mode != RumorBlind:
		return fieldErr("mode", "unknown rumor mode %q (valid: feedback, blind)", p.Mode)
	case p.Stop != StopCounter && p.Stop != StopCoin:
		return fieldErr("stop", "unknown way to lose interest %q (valid: counter, coin)", p.Stop)
	case p.K < 1:
		return fieldErr("k", "k = %d: a replica loses interest after k occasions (counter) or with probability 1/k (coin); valid: k ≥ 1", p.K)
	case p.Fanout < 1 || p.Fanout > peers:
		return fieldErr("fanout", "fanout = %d: a replica has %d peers (valid: 1..%d)", p.Fanout, peers, peers)
	case p.Period <= 0:
		return checkPeriod(p.Period)
	case p.Backup < 0:
		return fieldErr("backup", "backup must be a positive period, or 0 for none (got %v)", p.Backup)
	}
	return nil
}

// hotRumor is an update the replica is still spreading.
type hotRumor struct {
	key   string
	stamp gc.Stamp
	count int // occasions so far (counter)
}

// rumorer is rumor mongering: a replica that learns something new becomes
// "hot" for it and tells fanout random peers each round, until it loses
// interest; optionally backed by anti-entropy.
type rumorer struct {
	replica
	p      RumorParams
	hot    []hotRumor
	chosen []simnet.NodeID
}

// The backup exchange's timer.
const tagBackup = "backup"

func newRumorer(env *simnet.Env, servers []simnet.NodeID, p RumorParams) *rumorer {
	g := &rumorer{replica: newReplica(env, servers, p.Durable), p: p}
	g.changed = func(e gc.Entry, _ simnet.NodeID) { g.heat(e) }
	return g
}

func (g *rumorer) Start() {
	proto := fmt.Sprintf("rumor/%s/%s", g.p.Mode, g.p.Stop)
	g.boot(gc.ConfigMark{Protocol: proto, Period: int64(g.p.Period), Fanout: g.p.Fanout})
	g.every(g.p.Period, tagRound)
	if g.p.Backup > 0 {
		g.every(g.p.Backup, tagBackup)
	}
}

func (g *rumorer) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Rumor:
		g.hear(from, m)
	case Feedback:
		for _, k := range m.Known {
			if i := g.find(k.Key); i >= 0 && !g.hot[i].stamp.After(gc.Stamp{TS: k.TS, Node: k.Node}) {
				g.unnecessary(i)
			}
		}
	default:
		if !g.serve(from, msg) {
			g.exchange(from, msg)
		}
	}
}

func (g *rumorer) Timer(tag any) {
	switch tag {
	case tagRound:
		g.round()
		g.every(g.p.Period, tagRound)
	case tagBackup:
		g.open(g.randomPeer(), true, true)
		g.every(g.p.Backup, tagBackup)
	}
}

// heat makes the replica hot for a new entry (again, if it was).
func (g *rumorer) heat(e gc.Entry) {
	if i := g.find(e.Key); i >= 0 {
		g.hot[i] = hotRumor{key: e.Key, stamp: e.Stamp()}
	} else {
		g.hot = append(g.hot, hotRumor{key: e.Key, stamp: e.Stamp()})
	}
	g.env.Highlight("hot")
}

func (g *rumorer) find(key string) int {
	return slices.IndexFunc(g.hot, func(h hotRumor) bool { return h.key == key })
}

// round tells fanout random peers every hot entry.
func (g *rumorer) round() {
	if len(g.hot) == 0 {
		return
	}
	entries := make([]gc.Entry, 0, len(g.hot))
	for _, h := range g.hot {
		if e, ok := g.store.Get(h.key); ok {
			entries = append(entries, e)
		}
	}
	g.chosen = g.chosen[:0]
	for len(g.chosen) < g.p.Fanout {
		if peer := g.randomPeer(); !slices.Contains(g.chosen, peer) {
			g.chosen = append(g.chosen, peer)
		}
	}
	for _, peer := range g.chosen {
		g.env.Send(peer, Rumor{Entries: entries})
	}
	if g.p.Mode == RumorBlind {
		for i := len(g.hot) - 1; i >= 0; i-- {
			g.unnecessary(i)
		}
	}
}

// hear takes a rumor in and, with feedback, tells the sender which of its
// entries were no news.
func (g *rumorer) hear(from simnet.NodeID, m Rumor) {
	var known []KeyStamp // a fresh slice: it is sent, never written again
	for _, e := range m.Entries {
		if !g.apply(e, gc.ViaGossip, from) {
			known = append(known, KeyStamp{Key: e.Key, TS: e.TS, Node: e.Node})
		}
	}
	if g.p.Mode == RumorFeedback && len(known) > 0 {
		g.env.Send(from, Feedback{Known: known})
	}
}

// unnecessary is one occasion to lose interest in hot rumor i: a peer
// that already knew it (feedback), or one more round told (blind). With a
// counter the replica gives up after k occasions; with a coin, with
// probability 1/k at each.
func (g *rumorer) unnecessary(i int) {
	// BEGIN SOLUTION rumor
	lose := false
	switch g.p.Stop {
	case StopCounter:
		g.hot[i].count++
		lose = g.hot[i].count >= g.p.K
	case StopCoin:
		lose = g.env.Rand().IntN(g.p.K) == 0
	}
	if lose {
		g.hot = slices.Delete(g.hot, i, i+1)
		if len(g.hot) == 0 {
			g.env.Highlight("")
		}
	}
	// STUB
	// panic("TODO(lab gossip): count the occasion (counter) or toss the coin; drop the rumor when interest is lost (and end the highlight when none is left)")
	// END SOLUTION
}
