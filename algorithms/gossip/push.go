package gossip

import (
	"slices"
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// PushParams are the knobs of the seed's gossip.
type PushParams struct {
	// K is how many peers a replica sends its data to each round (1 … n−1).
	K int `yaml:"k" doc:"how many peers a replica sends its data to each round (1 … n−1)"`
	// Period is the round length.
	Period time.Duration `yaml:"period" doc:"the round length"`
	// Memory is the seed's optimisation: a replica remembers which peers
	// it already sent its current data to and picks among the others,
	// until it has sent to everyone (then it waits for new data).
	Memory bool `yaml:"memory" doc:"the seed's optimisation: a replica remembers which peers it already sent its current data to and picks among the others, until it has sent to everyone (then it waits for new data)"`
	// Durable keeps the store in durable storage (it survives a crash,
	// not a crash with amnesia).
	Durable bool `yaml:"durable" doc:"keeps the store in durable storage (it survives a crash, not a crash with amnesia)"`
	// Resolution coarsens the timestamps (1s: whole seconds, as some
	// stores kept them), so that writes at different replicas tie.
	Resolution time.Duration `yaml:"resolution" doc:"coarsens the timestamps (1s: whole seconds, as some stores kept them), so that writes at different replicas tie"`
}

// DefaultPushParams is the seed's gossip with one peer a round.
func DefaultPushParams() *PushParams {
	return &PushParams{K: 1, Period: 100 * time.Millisecond, Durable: true}
}

// pusher is the seed's gossip: every round, pick k peers at random and
// send them all the data held; receivers merge, newest version wins.
type pusher struct {
	replica
	p PushParams
	// sent[id]: peer id was sent the current data (memory only); unsent
	// counts the peers not yet sent it.
	sent   []bool
	unsent int
	chosen []simnet.NodeID // scratch for choose
}

// ProtocolPush names the seed's gossip in its config mark.
const ProtocolPush = "push"

func newPusher(env *simnet.Env, servers []simnet.NodeID, p PushParams, arrival bool) *pusher {
	g := &pusher{replica: newReplica(env, servers, p.Durable), p: p}
	g.store.arrival = arrival
	g.resolution = p.Resolution
	g.changed = func(gc.Entry, simnet.NodeID) { g.forget() }
	if p.Memory {
		g.sent = make([]bool, int(slices.Max(servers))+1)
	}
	g.forget()
	return g
}

func (g *pusher) Start() {
	g.boot(gc.ConfigMark{Protocol: ProtocolPush, Period: int64(g.p.Period), Fanout: g.p.K})
	g.every(g.p.Period, tagRound)
}

func (g *pusher) Receive(from simnet.NodeID, msg any) {
	if g.serve(from, msg) {
		return
	}
	if m, ok := msg.(Push); ok {
		g.absorb(from, m.Entries)
	}
}

func (g *pusher) Timer(tag any) {
	if tag != tagRound {
		return
	}
	g.round()
	g.every(g.p.Period, tagRound)
}

// round sends the whole store to k peers. An empty store has nothing to
// say, so it stays quiet.
func (g *pusher) round() {
	if g.store.Len() == 0 {
		return
	}
	msg := Push{Entries: g.store.Entries()}
	for _, peer := range g.choose() {
		g.env.Send(peer, msg)
	}
}

// forget starts a new memory: the data changed, so no peer has it yet.
func (g *pusher) forget() {
	if g.sent != nil {
		clear(g.sent)
	}
	g.unsent = g.peers()
}

// choose picks this round's peers: k distinct peers at random, without
// memory from all the others; with memory only from those not yet sent
// the current data, remembering the ones picked.
func (g *pusher) choose() []simnet.NodeID {
	g.chosen = g.chosen[:0]
	// BEGIN SOLUTION k-push
	want := min(g.p.K, g.unsent)
	for len(g.chosen) < want {
		peer := g.randomPeer()
		if slices.Contains(g.chosen, peer) || (g.p.Memory && g.sent[peer]) {
			continue
		}
		g.chosen = append(g.chosen, peer)
	}
	if g.p.Memory {
		for _, peer := range g.chosen {
			g.sent[peer] = true
		}
		g.unsent -= len(g.chosen)
	}
	return g.chosen
	// STUB
	// panic("TODO(lab gossip): pick k distinct random peers (with memory: among those not yet sent the current data)")
	// END SOLUTION
}
