package gossip

import (
	"strings"
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// replica is what every protocol's server shares: the store, the client
// requests, durable storage, the marks, the round timer and random peers.
// Protocols embed it and decide only how entries travel.
type replica struct {
	env     *simnet.Env
	me      simnet.NodeID
	pos     int             // this replica's index in servers
	servers []simnet.NodeID // every replica, this one included (shared, read-only)
	store   Store
	durable bool
	lastTS  int64
	// resolution, when set, truncates timestamps to its multiples.
	resolution time.Duration
	// changed, set by the protocol, hears of every change a write or a
	// peer's message made (not of restores).
	changed func(e gc.Entry, from simnet.NodeID)
}

// storePrefix is where a durable replica keeps each key's entry.
const storePrefix = "kv/"

// tagRound is the timer of a protocol's rounds.
const tagRound = "round"

func newReplica(env *simnet.Env, servers []simnet.NodeID, durable bool) replica {
	r := replica{env: env, me: env.ID(), servers: servers, durable: durable}
	for i, id := range servers {
		if id == r.me {
			r.pos = i
		}
	}
	return r
}

// boot records the replica's protocol and, if it is durable, reads back
// what it stored before a crash.
func (r *replica) boot(cfg gc.ConfigMark) {
	gc.Config.Record(r.env, cfg)
	if !r.durable {
		return
	}
	st := r.env.Storage()
	for _, k := range st.Keys() {
		if !strings.HasPrefix(k, storePrefix) {
			continue
		}
		if e, ok := simnet.Load[gc.Entry](st, k); ok && r.store.Merge(e) {
			r.mark(e, gc.ViaRestore, trace.None)
			if e.Node == int32(r.me) {
				// Its own stamps stay unique across the restart; other
				// replicas' stamps must not push its clock (that would
				// be a Lamport clock, not last-writer-wins).
				r.lastTS = max(r.lastTS, e.TS)
			}
		}
	}
}

// serve answers a client's request and reports whether msg was one.
func (r *replica) serve(from simnet.NodeID, msg any) bool {
	switch m := msg.(type) {
	case WriteReq:
		e := gc.Entry{Key: m.Key, Value: m.Value, TS: r.stamp(), Node: int32(r.me)}
		r.apply(e, gc.ViaWrite, from)
		r.env.Send(from, WriteOK{Op: m.Op, Entry: e})
	case ReadReq:
		r.env.Send(from, ReadOK{Op: m.Op, Entries: r.store.Entries()})
	default:
		return false
	}
	return true
}

// stamp is a new write's timestamp: the physical clock (skew and all, as
// last-writer-wins stores do), made unique on this replica.
func (r *replica) stamp() int64 {
	ts := int64(r.env.Clock())
	if r.resolution > 0 {
		ts -= ts % int64(r.resolution)
	}
	if ts <= r.lastTS {
		ts = r.lastTS + 1
	}
	r.lastTS = ts
	return ts
}

// apply merges e into the store and, if it changed, marks, persists and
// tells the protocol. It reports whether the store changed.
func (r *replica) apply(e gc.Entry, via string, from simnet.NodeID) bool {
	if !r.store.Merge(e) {
		return false
	}
	r.mark(e, via, from)
	if r.durable {
		r.env.Storage().Put(storePrefix+e.Key, e)
	}
	if r.changed != nil {
		r.changed(e, from)
	}
	return true
}

func (r *replica) mark(e gc.Entry, via string, from simnet.NodeID) {
	m := gc.ApplyMark{Key: e.Key, Value: e.Value, TS: e.TS, Node: e.Node, Via: via}
	if from != trace.None {
		m.From = r.env.NameOf(from)
	}
	gc.Apply.Record(r.env, m)
}

// absorb merges what a peer's message carried and returns how many
// entries changed the store.
func (r *replica) absorb(from simnet.NodeID, entries []gc.Entry) int {
	n := 0
	for _, e := range entries {
		if r.apply(e, gc.ViaGossip, from) {
			n++
		}
	}
	return n
}

// every sets the timer for the next multiple of period: rounds are aligned
// on virtual time, so every replica gossips at the same instants and the
// checkers can count rounds (the literature's synchronous rounds).
func (r *replica) every(period time.Duration, tag any) {
	now := r.env.Now()
	r.env.SetTimer(period-now%period, tag)
}

// peers is the number of other replicas.
func (r *replica) peers() int { return len(r.servers) - 1 }

// randomPeer is another replica, uniformly at random.
func (r *replica) randomPeer() simnet.NodeID {
	i := r.env.Rand().IntN(len(r.servers) - 1)
	if i >= r.pos {
		i++
	}
	return r.servers[i]
}
