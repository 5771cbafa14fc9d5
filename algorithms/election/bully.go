package election

import (
	"time"

	ec "distlab/contract/election"
	"distlab/simnet"
)

// BullyParams are Bully's knobs (scenario "params:").
type BullyParams struct {
	// Heartbeat is how often the leader tells everyone it is alive.
	Heartbeat time.Duration `yaml:"heartbeat" doc:"how often the leader tells everyone it is alive"`
	// Timeout is how long a node waits without a heartbeat before it
	// suspects the leader and starts an election.
	Timeout time.Duration `yaml:"timeout" doc:"how long a node goes without a heartbeat before it suspects the leader and starts an election"`
	// AnswerWait is how long an electing node waits for an Alive from a
	// higher node before it declares itself the winner.
	AnswerWait time.Duration `yaml:"answer_wait" doc:"how long an electing node waits for an Alive from a higher node before it declares itself the winner"`
	// VictoryWait is how long a node that got an Alive waits for the
	// Victory before it starts over.
	VictoryWait time.Duration `yaml:"victory_wait" doc:"how long a node that got an Alive waits for the Victory before it starts over"`
}

// DefaultBully returns Bully's default parameters (latencies of 1–10ms).
func DefaultBully() *BullyParams {
	return &BullyParams{Heartbeat: 100 * time.Millisecond, Timeout: 350 * time.Millisecond,
		AnswerWait: 50 * time.Millisecond, VictoryWait: 200 * time.Millisecond}
}

// Bully's messages, named as in the textbook.
type (
	// Election asks every higher node whether it is alive.
	Election struct{ Term int64 }
	// Alive answers an Election: "I am higher, I take over from here".
	Alive struct{ Term int64 }
	// Victory announces the new leader to everyone.
	Victory struct{ Term int64 }
	// Heartbeat is the leader's periodic "still here".
	Heartbeat struct{ Term int64 }
)

type bullyRole uint8

const (
	bFollower bullyRole = iota // knows a leader (or waits for one)
	bElecting                  // sent Election, waiting for Alive
	bWaiting                   // got Alive, waiting for Victory
	bLeader
)

var bullyRoleNames = [...]string{"follower", "electing", "waiting", "leader"}

type bullyTimer uint8

const (
	tHeartbeat bullyTimer = iota // leader: send heartbeats
	tSuspect                     // follower: the leader has been silent too long
	tAnswer                      // electing: nobody higher answered
	tVictory                     // waiting: the higher node never announced itself
)

func (t bullyTimer) String() string {
	return [...]string{"heartbeat", "suspect", "answer", "victory"}[t]
}

// Bully is one node of the Bully algorithm. Ids are the simulator's node
// ids: every node knows every other node's id (the algorithm's assumption).
type Bully struct {
	env    *simnet.Env
	p      *BullyParams
	peers  []simnet.NodeID
	role   bullyRole
	term   int64 // election counter: +1 per election started, max of what is seen
	leader simnet.NodeID
	heard  time.Duration // when the leader was last heard
	timer  simnet.TimerID
}

// NewBully returns a factory for Bully nodes.
func NewBully(p *BullyParams) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		return &Bully{env: env, p: p, peers: env.Peers(), leader: -1}
	}
}

// Start begins with an election: a fresh or recovered node does not know
// who leads, and a recovered high node takes over this way (the textbook's
// "frequent switchover").
func (b *Bully) Start() {
	b.env.Publish(ec.StateLeader, ec.NoLeader)
	b.startElection()
}

func (b *Bully) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Election:
		b.seeTerm(m.Term)
		b.onElection(from)
	case Alive:
		b.seeTerm(m.Term)
		if b.role == bElecting {
			b.setRole(bWaiting)
			b.reset(b.p.VictoryWait, tVictory)
		}
	case Victory:
		b.seeTerm(m.Term)
		b.onLeaderSeen(from)
	case Heartbeat:
		b.seeTerm(m.Term)
		b.onLeaderSeen(from)
	}
}

func (b *Bully) Timer(tag any) {
	switch tag.(bullyTimer) {
	case tHeartbeat:
		if b.role == bLeader {
			b.env.Broadcast(Heartbeat{Term: b.term})
			b.timer = b.env.SetTimer(b.p.Heartbeat, tHeartbeat)
		}
	case tSuspect, tVictory:
		b.startElection()
	case tAnswer:
		if b.role == bElecting {
			b.becomeLeader()
		}
	}
}

// onElection answers a lower node's Election.
func (b *Bully) onElection(from simnet.NodeID) {
	if from > b.env.ID() {
		return // only lower nodes ask us
	}
	// BEGIN SOLUTION bully-election
	b.env.Send(from, Alive{Term: b.term})
	switch {
	case b.role == bLeader:
		b.env.Send(from, Victory{Term: b.term}) // already leading: just remind it
	case b.role == bFollower && !b.leaderFresh():
		b.startElection() // a lower node thinks the leader is gone: check for ourselves
	}
	// A follower that heard its leader a moment ago stays put: the lower
	// node will hear the leader's next heartbeat before it gives up
	// waiting for a Victory.
	// STUB
	// _ = from // TODO(lab): answer Alive, then make sure an election runs
	// END SOLUTION
}

// onLeaderSeen handles a Victory or Heartbeat from node from.
func (b *Bully) onLeaderSeen(from simnet.NodeID) {
	me := b.env.ID()
	// BEGIN SOLUTION bully-leader
	if from < me {
		// A lower node claims to lead while we are alive: bully it.
		if b.role == bLeader {
			b.env.Send(from, Victory{Term: b.term})
		} else if b.role == bFollower {
			b.startElection()
		}
		return
	}
	// STUB
	// _ = me // TODO(lab): a lower node claiming leadership must be overruled
	// END SOLUTION
	if b.role == bLeader {
		ec.Stepdown.Record(b.env, ec.TermMark{Term: b.term})
	}
	b.follow(from)
}

// leaderFresh reports whether the leader was heard within a heartbeat.
func (b *Bully) leaderFresh() bool {
	return b.leader >= 0 && b.env.Now()-b.heard <= b.p.Heartbeat
}

func (b *Bully) follow(l simnet.NodeID) {
	b.leader = l
	b.heard = b.env.Now()
	b.setRole(bFollower)
	b.env.Publish(ec.StateLeader, b.env.NameOf(l))
	b.reset(b.p.Timeout, tSuspect)
}

func (b *Bully) startElection() {
	if b.role == bLeader {
		return
	}
	b.term++
	b.env.Publish(ec.StateTerm, b.term)
	ec.Election.Record(b.env, ec.TermMark{Term: b.term})
	b.leader = -1
	b.env.Publish(ec.StateLeader, ec.NoLeader)
	b.setRole(bElecting)
	higher := false
	for _, p := range b.peers {
		if p > b.env.ID() {
			b.env.Send(p, Election{Term: b.term})
			higher = true
		}
	}
	if !higher {
		b.becomeLeader() // the highest id needs nobody's leave
		return
	}
	b.reset(b.p.AnswerWait, tAnswer)
}

func (b *Bully) becomeLeader() {
	b.leader = b.env.ID()
	b.setRole(bLeader)
	ec.Leader.Record(b.env, ec.LeaderMark{Term: b.term})
	b.env.Publish(ec.StateLeader, b.env.Name())
	b.env.Broadcast(Victory{Term: b.term})
	b.reset(b.p.Heartbeat, tHeartbeat)
}

func (b *Bully) seeTerm(t int64) {
	if t > b.term {
		b.term = t
		b.env.Publish(ec.StateTerm, t)
	}
}

func (b *Bully) setRole(r bullyRole) {
	b.role = r
	b.env.Publish(ec.StateRole, bullyRoleNames[r])
	if r == bLeader {
		b.env.Highlight("leader")
	} else {
		b.env.Highlight("")
	}
}

// reset replaces the node's one pending timer.
func (b *Bully) reset(d time.Duration, t bullyTimer) {
	if b.timer != 0 {
		b.env.CancelTimer(b.timer)
	}
	b.timer = b.env.SetTimer(d, t)
}
