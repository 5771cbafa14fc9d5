package election

import (
	"fmt"
	"slices"
	"time"

	ec "distlab/contract/election"
	"distlab/simnet"
)

// ZabParams are the knobs of ZAB's fast leader election.
type ZabParams struct {
	// Zxids are the nodes' starting zxids (counters in epoch 0), by node
	// index; missing entries are 0. They show "the freshest data wins".
	Zxids []int64 `yaml:"zxids" doc:"the nodes' starting zxids (counters in epoch 0), by node index; missing entries are 0. They show that the freshest data wins"`
	// Observers names nodes that follow the leader but never vote.
	Observers []string `yaml:"observers" doc:"nodes (by name) that follow the leader but never vote"`
	// FinalizeWait is how long a node that sees a quorum for its vote
	// waits for a better vote before it decides (ZooKeeper's finalizeWait).
	FinalizeWait time.Duration `yaml:"finalize_wait" doc:"how long a node that sees a quorum for its vote waits for a better vote before it decides (ZooKeeper's finalizeWait)"`
	// Heartbeat is how often the leader pings its followers.
	Heartbeat time.Duration `yaml:"heartbeat" doc:"how often the leader pings its followers"`
	// Timeout is how long a follower waits for a ping, and a leader for a
	// quorum of acks, before going back to LOOKING; also how long the
	// discovery phase after an election may take.
	Timeout time.Duration `yaml:"timeout" doc:"how long a follower waits for a ping, and a leader for a quorum of acks, before going back to LOOKING; also the time the discovery phase may take"`
}

// DefaultZab returns the default parameters.
func DefaultZab() *ZabParams {
	return &ZabParams{FinalizeWait: 30 * time.Millisecond, Heartbeat: 100 * time.Millisecond,
		Timeout: 400 * time.Millisecond}
}

// ZabState is a node's state, as ZooKeeper names them.
type ZabState uint8

// The four states.
const (
	Looking ZabState = iota
	Following
	Leading
	Observing
)

func (s ZabState) String() string {
	return [...]string{"looking", "following", "leading", "observing"}[s]
}

// Vote names a proposed leader by its credentials; votes are compared as
// (epoch, zxid, id).
type Vote struct {
	Leader int32
	Epoch  int64 // the proposed leader's current epoch
	Zxid   int64 // the proposed leader's last zxid
}

// Notification is FLE's one message: the sender's state, election round
// and current vote. A node that has left the election answers a LOOKING
// node with its state and the leader it follows.
type Notification struct {
	Round int64
	State ZabState
	Vote  Vote
	// Sent and Seq order one sender's notifications. ZooKeeper sends them
	// over TCP, which keeps them in order; our network may reorder, and an
	// old vote overtaking a new one must not undo it.
	Sent time.Duration
	Seq  int64
}

// The discovery phase after an election (ZAB phase 1), reduced to what
// makes one leader per epoch: the leader proposes a new epoch above every
// epoch its quorum has accepted, and is established once a quorum has
// accepted it.
type (
	// FollowerInfo is a new follower's (or observer's) hello to its leader.
	FollowerInfo struct {
		AcceptedEpoch int64
		Observer      bool
	}
	// NewEpoch proposes the leader's epoch; Zxid is the leader's history
	// the follower synchronises to.
	NewEpoch struct {
		Epoch int64
		Zxid  int64
	}
	// AckEpoch accepts it.
	AckEpoch struct{ Epoch int64 }
	// Ping is the leader's heartbeat; Ack answers it.
	Ping struct{ Epoch int64 }
	Ack  struct{ Epoch int64 }
)

// zabDurable is what a ZAB node keeps across crashes.
type zabDurable struct {
	AcceptedEpoch  int64 // highest epoch accepted from a NewEpoch
	AcceptedLeader int32 // who proposed it (a second leader with the same epoch is refused)
	CurrentEpoch   int64
	Zxid           int64
}

type zabTimer uint8

const (
	zFinalize     zabTimer = iota
	zPing                  // leader: time to ping
	zQuorumCheck           // leader: did a quorum ack since the last check?
	zLeaderSilent          // follower: no ping for too long
	zDiscovery             // the leader never got established
	zRetry                 // looking: re-broadcast the vote (lost notifications)
)

func (t zabTimer) String() string {
	return [...]string{"finalize", "ping", "quorum-check", "leader-silent", "discovery", "retry"}[t]
}

// Zab is one node of ZooKeeper's fast leader election.
type Zab struct {
	env      *simnet.Env
	p        *ZabParams
	me       int32
	observer bool
	voters   []simnet.NodeID // every voting server, me included if I vote
	quorum   int
	d        zabDurable

	state ZabState
	round int64 // logical clock: the election round
	vote  Vote
	// recv holds the votes of this round from LOOKING voters; out holds
	// what nodes that already left the election told us.
	recv, out map[int32]Notification

	finalize simnet.TimerID
	timer    simnet.TimerID // the one state timer (silent / discovery / quorum check)
	retry    simnet.TimerID
	ping     simnet.TimerID
	// pending keeps FollowerInfos that arrive while we still finalize our
	// own decision (the followers decided a moment earlier).
	pending map[int32]FollowerInfo

	// Leader: the followers seen, the new epoch, who acked it.
	established bool
	electedBy   []int32
	infos       map[int32]int64
	newEpoch    int64
	acked       map[int32]bool
	observers   map[int32]bool
	heard       map[int32]bool // acks since the last quorum check
	leader      int32
	seq         int64              // notifications sent by this instance
	lastN       map[int32][2]int64 // newest (Sent, Seq) seen per sender
	synced      bool               // follower: took the leader's epoch and history
	ignoreZxid  bool               // the deliberately broken variant
}

// NewZab returns a factory for ZAB nodes.
func NewZab(p *ZabParams) simnet.Factory { return newZab(p, false) }

// NewZabIgnoringZxid returns a factory for a deliberately broken ZAB whose
// votes compare ids only, like Bully: the freshest data no longer wins, and
// zab-freshest-leader must say so.
func NewZabIgnoringZxid(p *ZabParams) simnet.Factory { return newZab(p, true) }

func newZab(p *ZabParams, ignoreZxid bool) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		z := &Zab{env: env, p: p, me: int32(env.ID()), leader: -1, lastN: map[int32][2]int64{}, ignoreZxid: ignoreZxid}
		obs := map[string]bool{}
		for _, o := range p.Observers {
			obs[o] = true
		}
		for _, id := range env.Members(env.Group()) {
			if !obs[env.NameOf(id)] {
				z.voters = append(z.voters, id)
			}
		}
		z.observer = obs[env.Name()]
		z.quorum = len(z.voters)/2 + 1
		return z
	}
}

// Start loads the durable state (a first start takes its zxid from the
// parameters) and starts looking for a leader.
func (z *Zab) Start() {
	st := z.env.Storage()
	if d, ok := simnet.Load[zabDurable](st, "zab"); ok {
		z.d = d
	} else {
		if i := int(z.me); i < len(z.p.Zxids) {
			z.d.Zxid = z.p.Zxids[i]
		}
		z.d.AcceptedLeader = -1
		z.save()
	}
	z.env.Publish("zxid", fmt.Sprintf("%#x", z.d.Zxid))
	z.lookForLeader()
}

func (z *Zab) save() { z.env.Storage().Put("zab", z.d) }

func (z *Zab) self() Vote { return Vote{Leader: z.me, Epoch: z.d.CurrentEpoch, Zxid: z.d.Zxid} }

// Better reports whether vote a beats vote b: higher epoch, then higher
// zxid (fresher data), then higher server id.
func Better(a, b Vote) bool {
	// BEGIN SOLUTION zab-compare
	if a.Epoch != b.Epoch {
		return a.Epoch > b.Epoch
	}
	if a.Zxid != b.Zxid {
		return a.Zxid > b.Zxid
	}
	return a.Leader > b.Leader
	// STUB
	// return a.Leader > b.Leader // TODO(lab): compare (epoch, zxid, id) in that order
	// END SOLUTION
}

func (z *Zab) better(a, b Vote) bool {
	if z.ignoreZxid {
		return a.Leader > b.Leader
	}
	return Better(a, b)
}

// lookForLeader starts a new election round.
func (z *Zab) lookForLeader() {
	z.clearLeader()
	z.state = Looking
	z.leader = -1
	z.round++
	z.recv = map[int32]Notification{}
	z.out = map[int32]Notification{}
	z.pending = map[int32]FollowerInfo{}
	z.publish()
	ec.Election.Record(z.env, ec.TermMark{Term: z.round})
	if z.observer {
		z.vote = Vote{Leader: -1}
	} else {
		z.setVote(z.self())
		z.recv[z.me] = Notification{Round: z.round, State: Looking, Vote: z.vote}
	}
	z.broadcastN(Notification{Round: z.round, State: z.myState(), Vote: z.vote})
	z.armRetry()
}

func (z *Zab) myState() ZabState {
	if z.observer && z.state == Looking {
		return Observing // an observer looking for a leader says so, and is never counted
	}
	return z.state
}

func (z *Zab) setVote(v Vote) {
	z.vote = v
	ec.Vote.Record(z.env, ec.VoteMark{Term: z.round, Leader: v.Leader, Epoch: z.d.CurrentEpoch, Zxid: z.d.Zxid})
}

func (z *Zab) Receive(from simnet.NodeID, msg any) {
	f := int32(from)
	switch m := msg.(type) {
	case Notification:
		if z.fresh(f, m) {
			z.onNotification(f, m)
		}
	case FollowerInfo:
		switch z.state {
		case Looking:
			z.pending[f] = m
		case Leading:
			z.onFollowerInfo(f, m)
		default:
			z.tellNotLeading(f)
		}
	case NewEpoch:
		z.onNewEpoch(f, m)
	case AckEpoch:
		if z.state == Leading && !z.established && m.Epoch == z.newEpoch {
			z.acked[f] = true
			z.tryEstablish()
		}
	case Ping:
		if (z.state == Following || z.state == Observing) && f == z.leader {
			if !z.synced {
				// Our hello or its answer was lost: say hello again.
				z.env.Send(from, FollowerInfo{AcceptedEpoch: z.d.AcceptedEpoch, Observer: z.observer})
				return
			}
			z.env.Send(from, Ack{Epoch: z.d.CurrentEpoch})
			z.resetTimer(z.p.Timeout, zLeaderSilent)
		}
	case Ack:
		if z.state == Leading && m.Epoch == z.d.CurrentEpoch {
			z.heard[f] = true
		}
	}
}

func (z *Zab) onNotification(f int32, n Notification) {
	if (z.state == Following || z.state == Observing) && f == z.leader && n.State != Leading {
		// The node we follow does not lead (it went back to looking, or
		// followed someone else): no use waiting for it to time out.
		z.lookForLeader()
	}
	if z.state != Looking {
		// We know the leader: tell a node still looking (or an observer).
		// The vote names the leader with the ensemble's current epoch, so
		// that members who joined at different times agree.
		if n.State == Looking || n.State == Observing {
			v := Vote{Leader: z.leader, Epoch: z.d.CurrentEpoch}
			z.sendN(f, Notification{Round: z.round, State: z.state, Vote: v})
		}
		return
	}
	if n.State == Observing {
		if !z.observer {
			z.sendN(f, Notification{Round: z.round, State: Looking, Vote: z.vote})
		}
		return
	}
	if z.observer {
		// An observer only learns the outcome from nodes that left the election.
		if n.State == Following || n.State == Leading {
			z.out[f] = n
			z.checkOutOfElection(n)
		}
		return
	}
	switch n.State {
	case Looking:
		switch {
		case n.Round > z.round:
			// We are behind: join the newer round with the better of its
			// vote and our own.
			z.round = n.Round
			z.recv = map[int32]Notification{}
			if z.better(n.Vote, z.self()) {
				z.setVote(n.Vote)
			} else {
				z.setVote(z.self())
			}
			z.recv[z.me] = Notification{Round: z.round, State: Looking, Vote: z.vote}
			z.broadcastN(Notification{Round: z.round, State: Looking, Vote: z.vote})
		case n.Round < z.round:
			// The sender is behind: send it our round so it catches up.
			z.sendN(f, Notification{Round: z.round, State: Looking, Vote: z.vote})
			return
		case z.better(n.Vote, z.vote):
			z.setVote(n.Vote)
			z.recv[z.me] = Notification{Round: z.round, State: Looking, Vote: z.vote}
			z.broadcastN(Notification{Round: z.round, State: Looking, Vote: z.vote})
		}
		z.recv[f] = n
		z.checkQuorum()
	case Following, Leading:
		// The sender already left the election: an ensemble may be running.
		if n.Round == z.round {
			z.recv[f] = n
			z.checkQuorum()
		}
		z.out[f] = n
		z.checkOutOfElection(n)
	}
}

// checkQuorum arms the finalize timer once a quorum of voters votes like
// us, and disarms it when that stops being so.
func (z *Zab) checkQuorum() {
	if z.state != Looking {
		return
	}
	if z.hasQuorum(z.recv, z.vote) {
		if z.finalize == 0 {
			z.finalize = z.env.SetTimer(z.p.FinalizeWait, zFinalize)
		}
		return
	}
	if z.finalize != 0 {
		z.env.CancelTimer(z.finalize)
		z.finalize = 0
	}
}

// hasQuorum reports whether a quorum of voters in votes agree with v.
func (z *Zab) hasQuorum(votes map[int32]Notification, v Vote) bool {
	// BEGIN SOLUTION zab-quorum
	n := 0
	for _, id := range z.voters {
		if got, ok := votes[int32(id)]; ok && got.Vote.Leader == v.Leader && got.Vote.Epoch == v.Epoch {
			n++
		}
	}
	return n >= z.quorum
	// STUB
	// return false // TODO(lab): count the voters (not observers) whose vote agrees with v
	// END SOLUTION
}

// checkOutOfElection follows an ensemble that is already running: a quorum
// of nodes outside the election name the same leader, and that leader
// says it leads.
func (z *Zab) checkOutOfElection(n Notification) {
	l := n.Vote.Leader
	if l == z.me || !z.hasQuorum(z.out, n.Vote) {
		return
	}
	if ln, ok := z.out[l]; !ok || ln.State != Leading {
		return
	}
	z.round = max(z.round, n.Round)
	if z.observer {
		z.vote = n.Vote
	} else {
		z.setVote(n.Vote)
	}
	z.decide()
}

func (z *Zab) Timer(tag any) {
	switch tag.(zabTimer) {
	case zFinalize:
		z.finalize = 0
		if z.state == Looking && z.hasQuorum(z.recv, z.vote) {
			z.decide()
		}
	case zRetry:
		z.retry = 0
		if z.state == Looking {
			z.broadcastN(Notification{Round: z.round, State: z.myState(), Vote: z.vote})
			z.armRetry()
		}
	case zPing:
		z.ping = 0
		if z.state == Leading {
			z.env.Broadcast(Ping{Epoch: z.d.CurrentEpoch})
			z.ping = z.env.SetTimer(z.p.Heartbeat, zPing)
		}
	case zQuorumCheck:
		if z.state != Leading {
			return
		}
		z.heard[z.me] = true
		n := 0
		for _, id := range z.voters {
			if z.heard[int32(id)] {
				n++
			}
		}
		if n < z.quorum {
			ec.Stepdown.Record(z.env, ec.TermMark{Term: z.d.CurrentEpoch})
			z.lookForLeader()
			return
		}
		clear(z.heard)
		z.timer = z.env.SetTimer(z.p.Timeout, zQuorumCheck)
	case zLeaderSilent, zDiscovery:
		z.timer = 0
		z.lookForLeader()
	}
}

// decide ends the election for this node: lead, follow or observe the
// winner of z.vote.
func (z *Zab) decide() {
	if z.finalize != 0 {
		z.env.CancelTimer(z.finalize)
		z.finalize = 0
	}
	if z.retry != 0 {
		z.env.CancelTimer(z.retry)
		z.retry = 0
	}
	z.leader = z.vote.Leader
	z.synced = false
	if z.leader == z.me {
		z.state = Leading
		z.established = false
		z.electedBy = z.electedBy[:0]
		for _, id := range z.voters {
			if got, ok := z.recv[int32(id)]; ok && got.Vote.Leader == z.me {
				z.electedBy = append(z.electedBy, int32(id))
			}
		}
		z.infos = map[int32]int64{z.me: z.d.AcceptedEpoch}
		z.acked = map[int32]bool{}
		z.observers = map[int32]bool{}
		z.heard = map[int32]bool{}
		z.newEpoch = 0
		z.publish()
		z.resetTimer(z.p.Timeout, zDiscovery)
		for _, id := range sortedKeys(z.pending) {
			z.onFollowerInfo(id, z.pending[id])
		}
		return
	}
	if z.observer {
		z.state = Observing
	} else {
		z.state = Following
	}
	z.publish()
	for _, id := range sortedKeys(z.pending) {
		z.tellNotLeading(id)
	}
	z.env.Send(simnet.NodeID(z.leader), FollowerInfo{AcceptedEpoch: z.d.AcceptedEpoch, Observer: z.observer})
	// The leader may still be gathering its quorum: allow for discovery.
	z.resetTimer(2*z.p.Timeout, zLeaderSilent)
}

func (z *Zab) stamp(n Notification) Notification {
	z.seq++
	n.Sent, n.Seq = z.env.Now(), z.seq
	return n
}

func (z *Zab) broadcastN(n Notification) { z.env.Broadcast(z.stamp(n)) }

func (z *Zab) sendN(to int32, n Notification) { z.env.Send(simnet.NodeID(to), z.stamp(n)) }

// fresh reports whether n is newer than the last notification from f.
func (z *Zab) fresh(f int32, n Notification) bool {
	last, ok := z.lastN[f]
	if ok && (int64(n.Sent) < last[0] || (int64(n.Sent) == last[0] && n.Seq <= last[1])) {
		return false
	}
	z.lastN[f] = [2]int64{int64(n.Sent), n.Seq}
	return true
}

// tellNotLeading answers a would-be follower that we do not lead.
func (z *Zab) tellNotLeading(f int32) {
	z.sendN(f, Notification{Round: z.round, State: z.state, Vote: Vote{Leader: z.leader, Epoch: z.d.CurrentEpoch}})
}

// onFollowerInfo: the leader learns a follower's accepted epoch; once a
// quorum has reported, it proposes an epoch above all of them.
func (z *Zab) onFollowerInfo(f int32, m FollowerInfo) {
	if m.Observer {
		z.observers[f] = true
		if z.established {
			z.env.Send(simnet.NodeID(f), NewEpoch{Epoch: z.d.CurrentEpoch, Zxid: z.d.Zxid})
		}
		return
	}
	if z.newEpoch != 0 {
		if m.AcceptedEpoch > z.newEpoch {
			// The latecomer promised a later epoch (to a proposer that never
			// got its quorum): it must refuse ours, forever. Only a new
			// election, whose discovery hears its accepted epoch, can take
			// it back in, so this leader steps down.
			if z.established {
				ec.Stepdown.Record(z.env, ec.TermMark{Term: z.d.CurrentEpoch})
			}
			z.lookForLeader()
			return
		}
		// Already proposed (or established): a latecomer joins that epoch.
		z.env.Send(simnet.NodeID(f), NewEpoch{Epoch: z.newEpoch, Zxid: z.syncZxid()})
		return
	}
	z.infos[f] = m.AcceptedEpoch
	if len(z.infos) < z.quorum {
		return
	}
	e := int64(0)
	for _, a := range z.infos {
		e = max(e, a)
	}
	z.newEpoch = e + 1
	z.d.AcceptedEpoch, z.d.AcceptedLeader = z.newEpoch, z.me
	z.save()
	z.acked[z.me] = true
	for _, id := range sortedKeys(z.infos) {
		if id != z.me {
			z.env.Send(simnet.NodeID(id), NewEpoch{Epoch: z.newEpoch, Zxid: z.syncZxid()})
		}
	}
}

// syncZxid is the zxid followers synchronise to: the first zxid of the new
// epoch, as ZooKeeper's NEWLEADER proposal.
func (z *Zab) syncZxid() int64 { return z.newEpoch << 32 }

// onNewEpoch: a follower accepts the epoch unless it already accepted it
// or a later one from somebody else — the rule that keeps one leader per
// epoch.
func (z *Zab) onNewEpoch(f int32, m NewEpoch) {
	if (z.state != Following && z.state != Observing) || f != z.leader {
		return
	}
	if z.state == Observing {
		z.adoptEpoch(m.Epoch)
		z.syncTo(m.Zxid)
		z.synced = true
		z.resetTimer(z.p.Timeout, zLeaderSilent)
		return
	}
	ack := m.Epoch > z.d.AcceptedEpoch || (m.Epoch == z.d.AcceptedEpoch && z.d.AcceptedLeader == f)
	switch {
	case m.Epoch < z.d.AcceptedEpoch:
		z.lookForLeader() // a stale leader: we promised a later epoch
		return
	case ack:
		z.d.AcceptedEpoch, z.d.AcceptedLeader = m.Epoch, f
	}
	// An epoch equal to one we accepted from another leader: we may follow
	// (and sync), but must not ack — our ack already counted for the other
	// proposer, and counting it twice could give one epoch two leaders.
	// ZooKeeper's learners do the same.
	z.d.CurrentEpoch = m.Epoch
	z.save()
	z.syncTo(m.Zxid)
	z.synced = true
	z.publish()
	if ack {
		z.env.Send(simnet.NodeID(f), AckEpoch{Epoch: m.Epoch})
	}
	z.resetTimer(z.p.Timeout, zLeaderSilent)
}

// syncTo takes the leader's history (here: its zxid).
func (z *Zab) syncTo(zxid int64) {
	if z.d.Zxid != zxid {
		z.d.Zxid = zxid
		z.save()
		z.env.Publish("zxid", fmt.Sprintf("%#x", zxid))
	}
}

func (z *Zab) adoptEpoch(e int64) {
	if e > z.d.CurrentEpoch {
		z.d.CurrentEpoch = e
		z.save()
		z.publish()
	}
}

func (z *Zab) tryEstablish() {
	if len(z.acked) < z.quorum {
		return
	}
	z.established = true
	z.d.CurrentEpoch = z.newEpoch
	ec.Leader.Record(z.env, ec.LeaderMark{Term: z.newEpoch, Epoch: z.vote.Epoch, Zxid: z.vote.Zxid, Quorum: slices.Clone(z.electedBy), Round: z.round})
	z.syncTo(z.syncZxid())
	z.save()
	z.publish()
	for _, id := range sortedKeys(z.observers) {
		z.env.Send(simnet.NodeID(id), NewEpoch{Epoch: z.d.CurrentEpoch, Zxid: z.d.Zxid})
	}
	z.env.Broadcast(Ping{Epoch: z.d.CurrentEpoch})
	z.ping = z.env.SetTimer(z.p.Heartbeat, zPing)
	z.resetTimer(z.p.Timeout, zQuorumCheck)
}

func (z *Zab) clearLeader() {
	for _, t := range []*simnet.TimerID{&z.timer, &z.finalize, &z.retry, &z.ping} {
		if *t != 0 {
			z.env.CancelTimer(*t)
			*t = 0
		}
	}
	z.established = false
}

func (z *Zab) armRetry() {
	if z.retry == 0 {
		z.retry = z.env.SetTimer(z.p.Timeout/2, zRetry)
	}
}

func (z *Zab) resetTimer(d time.Duration, t zabTimer) {
	if z.timer != 0 {
		z.env.CancelTimer(z.timer)
	}
	z.timer = z.env.SetTimer(d, t)
}

func (z *Zab) publish() {
	role := z.state.String()
	if z.observer && z.state == Looking {
		role = "observing?" // an observer between leaders
	}
	z.env.Publish(ec.StateRole, role)
	if z.state == Leading {
		z.env.Highlight("leader")
	} else {
		z.env.Highlight("")
	}
	z.env.Publish(ec.StateTerm, z.d.CurrentEpoch)
	switch {
	case z.state == Leading && z.established, z.state == Following || z.state == Observing:
		z.env.Publish(ec.StateLeader, z.env.NameOf(simnet.NodeID(z.leader)))
	default:
		z.env.Publish(ec.StateLeader, ec.NoLeader)
	}
}

func sortedKeys[V any](m map[int32]V) []int32 {
	keys := make([]int32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
