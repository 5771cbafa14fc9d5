package gossip

import (
	"fmt"
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// The anti-entropy modes (Demers et al. 1987).
const (
	ModePush     = "push"
	ModePull     = "pull"
	ModePushPull = "push-pull"
)

// AntiEntropyModes lists the valid modes.
var AntiEntropyModes = []string{ModePush, ModePull, ModePushPull}

// AntiEntropyParams are anti-entropy's knobs.
type AntiEntropyParams struct {
	// Mode is push (my newer entries go to the peer), pull (the peer's
	// newer entries come to me) or push-pull (both).
	Mode    string        `yaml:"mode" doc:"push (my newer entries go to the peer), pull (the peer's newer entries come to me) or push-pull (both)"`
	Period  time.Duration `yaml:"period" doc:"how often a replica starts an exchange with one random peer"`
	Durable bool          `yaml:"durable" doc:"keep the store in durable storage, so it survives a crash (not a crash with amnesia)"`
}

// DefaultAntiEntropyParams is push-pull every 100ms.
func DefaultAntiEntropyParams() *AntiEntropyParams {
	return &AntiEntropyParams{Mode: ModePushPull, Period: 100 * time.Millisecond, Durable: true}
}

func (p AntiEntropyParams) directions() (push, pull bool, err error) {
	switch p.Mode {
	case ModePush:
		return true, false, nil
	case ModePull:
		return false, true, nil
	case ModePushPull:
		return true, true, nil
	}
	return false, false, fmt.Errorf("unknown anti-entropy mode %q (valid: push, pull, push-pull)", p.Mode)
}

// antiEntropy is Demers' anti-entropy with a digest: every round a replica
// sends one random peer its digest (keys and versions, no values); the
// peer answers with the entries the digest lacks (pull) and/or the keys it
// wants (push), and only those entries travel.
type antiEntropy struct {
	replica
	p          AntiEntropyParams
	push, pull bool
}

func newAntiEntropy(env *simnet.Env, servers []simnet.NodeID, p AntiEntropyParams) *antiEntropy {
	a := &antiEntropy{replica: newReplica(env, servers, p.Durable), p: p}
	a.push, a.pull, _ = p.directions()
	return a
}

func (a *antiEntropy) Start() {
	a.boot(gc.ConfigMark{Protocol: "anti-entropy/" + a.p.Mode, Period: int64(a.p.Period), Fanout: 1})
	a.every(a.p.Period, tagRound)
}

func (a *antiEntropy) Receive(from simnet.NodeID, msg any) {
	if !a.serve(from, msg) {
		a.exchange(from, msg)
	}
}

func (a *antiEntropy) Timer(tag any) {
	if tag != tagRound {
		return
	}
	// Pushing an empty store has nothing to offer; pulling into one does.
	if a.pull || a.store.Len() > 0 {
		a.open(a.randomPeer(), a.push, a.pull)
	}
	a.every(a.p.Period, tagRound)
}

// open starts an exchange with peer: my digest, and which way entries
// should flow.
func (r *replica) open(peer simnet.NodeID, push, pull bool) {
	r.env.Send(peer, Digest{Stamps: r.store.Digest(), Push: push, Pull: pull})
}

// exchange handles anti-entropy's messages and reports whether msg was one.
func (r *replica) exchange(from simnet.NodeID, msg any) bool {
	switch m := msg.(type) {
	case Digest:
		r.answer(from, m)
	case Diff:
		r.absorb(from, m.Entries)
		if len(m.Want) > 0 {
			if entries := r.store.Pick(m.Want); len(entries) > 0 {
				r.env.Send(from, Diff{Entries: entries})
			}
		}
	default:
		return false
	}
	return true
}

// answer is the peer's side of an exchange: compare the digest with the
// store, then send what the opener lacks (pull) and ask for what it has
// newer (push) in one Diff, or nothing when there is nothing to say.
func (r *replica) answer(from simnet.NodeID, d Digest) {
	// BEGIN SOLUTION anti-entropy
	send, want := r.store.Diff(d.Stamps)
	if !d.Pull {
		send = nil
	}
	if !d.Push {
		want = nil
	}
	if len(send) > 0 || len(want) > 0 {
		r.env.Send(from, Diff{Entries: send, Want: want})
	}
	// STUB
	// panic("TODO(lab gossip): answer a digest with a Diff: the entries the opener lacks (pull), the keys it has newer (push)")
	// END SOLUTION
}
