package raft

import (
	"strconv"
	"time"

	ec "distlab/contract/election"
	"distlab/simnet"
)

// Role is a server's role.
type Role uint8

// The roles. PreCandidate is the pre-vote phase (§9.6 of Ongaro's thesis):
// a server asks whether it could win before it disturbs anyone's term.
const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case PreCandidate:
		return "pre-candidate"
	case Candidate:
		return "candidate"
	}
	return "leader"
}

// Params are Raft's knobs, shared by every server of a run.
type Params struct {
	// The election timeout is drawn uniformly from [min, max) each time it
	// is reset; randomness is what breaks split votes.
	ElectionTimeoutMin time.Duration `yaml:"election_timeout_min" doc:"shortest election timeout; each timeout is drawn uniformly from [min, max), which breaks split votes"`
	ElectionTimeoutMax time.Duration `yaml:"election_timeout_max" doc:"longest election timeout"`
	// Heartbeat is how often a leader sends AppendEntries when idle.
	Heartbeat time.Duration `yaml:"heartbeat" doc:"how often an idle leader sends AppendEntries; must be below election_timeout_min"`
	// PreVote enables the pre-vote phase, so a server that was cut off
	// cannot depose a working leader by inflating its term when it returns.
	PreVote bool `yaml:"prevote" doc:"run the pre-vote phase, so a server that was cut off cannot depose a working leader by inflating its term"`
	// SnapshotThreshold: a server snapshots its state machine when it has
	// more than this many applied entries in its log. 0 never snapshots.
	SnapshotThreshold int `yaml:"snapshot_threshold" doc:"snapshot the state machine when more than this many applied entries are in the log; 0: never"`
	// MaxBatch caps the entries in one AppendEntries.
	MaxBatch int `yaml:"max_batch" doc:"most entries in one AppendEntries"`
}

// DefaultParams are the timings of the paper's evaluation, scaled to the
// simulator's default 1–10 ms links.
func DefaultParams() *Params {
	return &Params{
		ElectionTimeoutMin: 150 * time.Millisecond,
		ElectionTimeoutMax: 300 * time.Millisecond,
		Heartbeat:          50 * time.Millisecond,
		MaxBatch:           64,
	}
}

// Bugs are deliberate faults for the broken variants. A correct server has
// none.
type Bugs struct {
	// StaleReads answers Get from local state on any server, leader or
	// not, without going through the log.
	StaleReads bool
	// DoubleVote grants a vote to every up-to-date candidate of a term,
	// ignoring the vote already cast.
	DoubleVote bool
	// CASAtLeader compares a cas when the leader receives it, against the
	// state it has applied, instead of when the log applies it: a cas
	// that does not match is refused at once, one that matches is logged
	// and applied without comparing again.
	CASAtLeader bool
}

// Server is one Raft server with the key-value state machine on top.
type Server struct {
	env     *simnet.Env
	p       Params
	bugs    Bugs
	id      NodeID
	servers []NodeID // every server, this one included, in id order
	peers   []NodeID // the other servers

	// Persistent state (mirrored in env.Storage(), see persist.go).
	term     int64
	votedFor NodeID
	// log[0] is a sentinel standing for the snapshot: its Index and Term
	// are the last compacted entry's (0, 0 with no snapshot).
	log  []Entry
	snap *Snapshot

	// Volatile state.
	role    Role
	leader  NodeID
	commit  int64
	applied int64
	votes   int
	granted []bool  // by server id: voted for us in this election
	next    []int64 // leader: by server id
	match   []int64 // leader: by server id
	// Leader, by server id: when the peer last answered, and when it was
	// last sent the snapshot. A peer that has gone quiet is only probed
	// with heartbeats, and a snapshot is not resent while one may still be
	// on its way, so a cut-off follower does not cost a message per write.
	replied  []time.Duration
	snapSent []time.Duration

	electionAt    time.Duration // when the election timeout expires
	electionArmed bool          // a timer for electionAt (or earlier) is set
	heardLeader   time.Duration // last time a current leader was heard from
	heartbeatSet  bool

	// The key-value state machine.
	kv       map[string]string
	sessions map[NodeID]Session
	waiting  map[NodeID]pending // client → the request this leader holds

	shown shown // what publish last showed
}

// pending is a client request a leader has put in its log.
type pending struct {
	seq, index, term int64
}

// NewServer builds a server; it is a simnet.Factory once p and bugs are
// bound.
func NewServer(env *simnet.Env, p Params, bugs Bugs) *Server {
	if p.MaxBatch <= 0 {
		p.MaxBatch = 64
	}
	s := &Server{env: env, p: p, bugs: bugs, id: env.ID(), votedFor: None, leader: None, shown: shown{role: 255, leader: -2, term: -1, commit: -1, ln: -1, snap: -1}}
	s.servers = env.Members(env.Group())
	s.peers = env.Peers()
	size := 0
	for _, id := range s.servers {
		size = max(size, int(id)+1)
	}
	s.granted = make([]bool, size)
	s.next = make([]int64, size)
	s.match = make([]int64, size)
	s.replied = make([]time.Duration, size)
	s.snapSent = make([]time.Duration, size)
	s.kv = map[string]string{}
	s.sessions = map[NodeID]Session{}
	s.waiting = map[NodeID]pending{}
	return s
}

// Start recovers durable state and waits for a leader.
func (s *Server) Start() {
	s.restore()
	s.heardLeader = -time.Hour
	s.publish()
	s.resetElection()
}

// Receive dispatches a message.
func (s *Server) Receive(from NodeID, msg any) {
	switch m := msg.(type) {
	case RequestVote:
		s.handleRequestVote(from, m)
	case RequestVoteReply:
		s.handleVoteReply(from, m)
	case AppendEntries:
		s.handleAppendEntries(from, m)
	case AppendEntriesReply:
		s.handleAppendReply(from, m)
	case InstallSnapshot:
		s.handleInstallSnapshot(from, m)
	case InstallSnapshotReply:
		s.handleSnapshotReply(from, m)
	case ClientRequest:
		s.handleClient(from, m)
	}
}

// Timer handles the election timeout and the leader's heartbeat.
func (s *Server) Timer(tag any) {
	switch tag {
	case "election":
		s.electionArmed = false
		if s.role == Leader {
			return // leaders do not time out; becoming follower re-arms
		}
		if now := s.env.Now(); now < s.electionAt {
			s.armElection(s.electionAt - now) // reset since the timer was set
			return
		}
		s.onElectionTimeout()
	case "heartbeat":
		s.heartbeatSet = false
		if s.role != Leader {
			return
		}
		s.broadcastAppend(true)
		s.armHeartbeat()
	}
}

// ----- timers -----

// resetElection pushes the election deadline a fresh random timeout into
// the future. The timer itself is set lazily: one timer event per
// timeout rather than a cancel and a set on every heartbeat.
func (s *Server) resetElection() {
	d := s.p.ElectionTimeoutMin
	if span := s.p.ElectionTimeoutMax - s.p.ElectionTimeoutMin; span > 0 {
		d += time.Duration(s.env.Rand().Int64N(int64(span)))
	}
	s.electionAt = s.env.Now() + d
	if !s.electionArmed {
		s.armElection(d)
	}
}

func (s *Server) armElection(d time.Duration) {
	s.electionArmed = true
	s.env.SetTimer(d, "election")
}

func (s *Server) armHeartbeat() {
	if !s.heartbeatSet {
		s.heartbeatSet = true
		s.env.SetTimer(s.p.Heartbeat, "heartbeat")
	}
}

// ----- log helpers -----

func (s *Server) base() int64      { return s.log[0].Index }
func (s *Server) lastIndex() int64 { return s.log[len(s.log)-1].Index }
func (s *Server) lastTerm() int64  { return s.log[len(s.log)-1].Term }

// termAt is the term of the entry at index i, or -1 if this server does
// not hold it (compacted or beyond the end).
func (s *Server) termAt(i int64) int64 {
	if i < s.base() || i > s.lastIndex() {
		return -1
	}
	return s.log[i-s.base()].Term
}

func (s *Server) entry(i int64) Entry { return s.log[i-s.base()] }

func (s *Server) majority() int { return len(s.servers)/2 + 1 }

// ----- roles -----

// becomeFollower adopts term (clearing the vote if the term is new) and
// records who leads, if known.
func (s *Server) becomeFollower(term int64, leader NodeID) {
	if s.role == Leader {
		s.markStepdown() // in the term it led
		s.role = Follower
		s.resetElection()
	}
	if term > s.term {
		s.term = term
		s.votedFor = None
		s.persistHard()
	}
	s.role = Follower
	s.leader = leader
	s.publish()
}

func (s *Server) becomeLeader() {
	s.role = Leader
	s.leader = s.id
	for _, id := range s.servers {
		s.next[id] = s.lastIndex() + 1
		s.match[id] = 0
		s.replied[id] = s.env.Now()
		s.snapSent[id] = -time.Hour
	}
	s.markLeader()
	// A no-op of the new term lets entries of earlier terms commit (§5.4.2:
	// they may only commit indirectly, under an entry of the current term).
	s.appendLocal(Command{Client: None})
	s.publish()
	s.broadcastAppend(true)
	s.armHeartbeat()
	s.advanceCommit()
}

func (s *Server) onElectionTimeout() {
	if s.p.PreVote {
		s.role = PreCandidate
		s.startVote(s.term+1, true)
	} else {
		s.campaign()
	}
}

// campaign starts a real election in a new term.
func (s *Server) campaign() {
	s.term++
	s.votedFor = s.id
	s.persistHard()
	s.role = Candidate
	s.leader = None
	s.markElection()
	s.markVote(s.id)
	s.startVote(s.term, false)
}

func (s *Server) startVote(term int64, pre bool) {
	clear(s.granted)
	s.granted[s.id] = true
	s.votes = 1
	s.publish()
	s.resetElection()
	if s.votes >= s.majority() {
		s.wonVote(pre)
		return
	}
	for _, p := range s.peers {
		s.env.Send(p, RequestVote{Term: term, LastLogIndex: s.lastIndex(), LastLogTerm: s.lastTerm(), PreVote: pre})
	}
}

func (s *Server) wonVote(pre bool) {
	if pre {
		s.campaign()
	} else {
		s.becomeLeader()
	}
}

// upToDate is the election restriction (§5.4.1): vote only for a candidate
// whose log is at least as up-to-date as ours.
func (s *Server) upToDate(lastIndex, lastTerm int64) bool {
	// BEGIN SOLUTION election
	return lastTerm > s.lastTerm() || (lastTerm == s.lastTerm() && lastIndex >= s.lastIndex())
	// STUB
	// return false // TODO(lab): compare last terms, then last indexes (§5.4.1)
	// END SOLUTION
}

func (s *Server) handleRequestVote(from NodeID, m RequestVote) {
	if m.PreVote {
		// Grant a pre-vote if the candidate could win: its term would be
		// newer, its log is up to date, and we have not heard from a live
		// leader within the minimum election timeout.
		recent := s.role == Leader || s.leader != None && s.env.Now()-s.heardLeader < s.p.ElectionTimeoutMin
		ok := m.Term > s.term && s.upToDate(m.LastLogIndex, m.LastLogTerm) && !recent
		term := s.term
		if ok {
			term = m.Term
		}
		s.env.Send(from, RequestVoteReply{Term: term, Granted: ok, PreVote: true})
		return
	}
	// BEGIN SOLUTION election
	if m.Term > s.term {
		s.becomeFollower(m.Term, None)
	}
	ok := m.Term == s.term && s.upToDate(m.LastLogIndex, m.LastLogTerm) &&
		(s.votedFor == None || s.votedFor == from)
	if ok {
		if s.votedFor != from {
			s.markVote(from)
		}
		s.votedFor = from
		s.persistHard()
		s.resetElection() // granting a vote defers our own candidacy
	}
	// STUB
	// ok := false // TODO(lab): adopt a newer term; vote once per term, for an up-to-date log; mark and persist the vote
	// END SOLUTION
	if s.bugs.DoubleVote && !ok && m.Term == s.term && s.upToDate(m.LastLogIndex, m.LastLogTerm) {
		// The broken variant: a second vote in the same term.
		ok = true
		s.markVote(from)
		s.votedFor = from
		s.persistHard()
	}
	s.env.Send(from, RequestVoteReply{Term: s.term, Granted: ok})
}

func (s *Server) handleVoteReply(from NodeID, m RequestVoteReply) {
	if m.Term > s.term && !(m.PreVote && m.Granted) {
		s.becomeFollower(m.Term, None)
		return
	}
	want, term := Candidate, s.term
	if m.PreVote {
		want, term = PreCandidate, s.term+1
	}
	if s.role != want || m.Term != term || !m.Granted || s.granted[from] {
		return
	}
	s.granted[from] = true
	s.votes++
	if s.votes >= s.majority() {
		s.wonVote(m.PreVote)
	}
}

// ----- replication -----

// broadcastAppend sends every peer what it lacks. Between heartbeats
// (heartbeat false: a new client command) it skips peers that have not
// answered for two heartbeat intervals.
func (s *Server) broadcastAppend(heartbeat bool) {
	now := s.env.Now()
	for _, p := range s.peers {
		if heartbeat || now-s.replied[p] <= 2*s.p.Heartbeat {
			s.sendAppend(p)
		}
	}
}

// sendAppend sends peer the entries from its nextIndex on, or the snapshot
// if those entries are compacted away.
func (s *Server) sendAppend(to NodeID) {
	next := s.next[to]
	if next <= s.base() {
		if now := s.env.Now(); now-s.snapSent[to] >= s.p.ElectionTimeoutMin {
			s.snapSent[to] = now
			s.env.Send(to, InstallSnapshot{Term: s.term, Snap: *s.snap})
		}
		return
	}
	prev := next - 1
	from := prev - s.base() + 1
	end := min(len(s.log), int(from)+s.p.MaxBatch)
	m := AppendEntries{Term: s.term, PrevLogIndex: prev, PrevLogTerm: s.termAt(prev), LeaderCommit: s.commit}
	if int(from) < end {
		m.Entries = s.log[from:end] // the simulator copies it at send
	}
	s.env.Send(to, m)
}

// appendLocal adds a command of the current term to the leader's log.
func (s *Server) appendLocal(c Command) int64 {
	e := Entry{Term: s.term, Index: s.lastIndex() + 1, Cmd: c}
	s.log = append(s.log, e)
	s.persistEntries(s.log[len(s.log)-1:])
	s.match[s.id] = e.Index
	s.publish()
	return e.Index
}

// acceptLeader is the start every leader RPC shares: a message from a stale
// term is answered with ours (staleReply) and dropped; otherwise we follow
// its sender in its term and our election timer starts again. (Generic so
// that the reply becomes an interface value, a heap allocation, only when
// it is sent.)
func acceptLeader[Reply any](s *Server, from NodeID, term int64, staleReply Reply) bool {
	if term < s.term {
		s.env.Send(from, staleReply)
		return false
	}
	if s.role != Follower || term > s.term || s.leader != from {
		s.becomeFollower(term, from)
	}
	s.heardLeader = s.env.Now()
	s.resetElection()
	return true
}

func (s *Server) handleAppendEntries(from NodeID, m AppendEntries) {
	if !acceptLeader(s, from, m.Term, AppendEntriesReply{Term: s.term}) {
		return
	}

	// BEGIN SOLUTION replication
	prev, prevTerm, entries := m.PrevLogIndex, m.PrevLogTerm, m.Entries
	last := prev + int64(len(entries)) // what the leader's message covers
	if prev < s.base() {
		// The prefix up to our snapshot is committed, so it matches: skip it.
		skip := min(int64(len(entries)), s.base()-prev)
		entries = entries[skip:]
		prev, prevTerm = s.base(), s.log[0].Term
		if last < s.base() {
			s.env.Send(from, AppendEntriesReply{Term: s.term, Success: true, Match: last})
			return
		}
	}
	if prev > s.lastIndex() {
		s.env.Send(from, AppendEntriesReply{Term: s.term, ConflictIndex: s.lastIndex() + 1})
		return
	}
	if t := s.termAt(prev); t != prevTerm {
		i := prev
		for i-1 > s.base() && s.termAt(i-1) == t {
			i--
		}
		s.env.Send(from, AppendEntriesReply{Term: s.term, ConflictTerm: t, ConflictIndex: i})
		return
	}
	// Append what is new; cut our log only at a real conflict, so a late,
	// reordered AppendEntries cannot erase entries that a newer one added.
	for k, e := range entries {
		if e.Index <= s.lastIndex() {
			if s.termAt(e.Index) == e.Term {
				continue
			}
			s.log = s.log[:e.Index-s.base()]
		}
		s.log = append(s.log, entries[k:]...)
		s.persistEntries(entries[k:])
		s.publish()
		break
	}
	if m.LeaderCommit > s.commit {
		s.commit = max(s.commit, min(m.LeaderCommit, last))
		s.applyCommitted()
	}
	s.env.Send(from, AppendEntriesReply{Term: s.term, Success: true, Match: last})
	// STUB
	// s.env.Send(from, AppendEntriesReply{Term: s.term}) // TODO(lab): consistency check, append, commit (§5.3)
	// END SOLUTION
}

func (s *Server) handleAppendReply(from NodeID, m AppendEntriesReply) {
	if m.Term > s.term {
		s.becomeFollower(m.Term, None)
		return
	}
	if s.role != Leader || m.Term != s.term {
		return
	}
	s.replied[from] = s.env.Now()
	if m.Success {
		if m.Match > s.match[from] {
			s.match[from] = m.Match
			s.next[from] = max(s.next[from], m.Match+1)
			s.advanceCommit()
			if s.match[from] < s.lastIndex() {
				s.sendAppend(from) // keep a lagging follower streaming
			}
		}
		return
	}
	// BEGIN SOLUTION replication
	// Fast back-up: skip the follower's whole conflicting term.
	next := m.ConflictIndex
	if m.ConflictTerm > 0 {
		for i := s.lastIndex(); i > s.base(); i-- {
			if t := s.termAt(i); t == m.ConflictTerm {
				next = i + 1
				break
			} else if t < m.ConflictTerm {
				break
			}
		}
	}
	s.next[from] = max(min(next, s.lastIndex()+1), s.match[from]+1)
	// STUB
	// // TODO(lab): move s.next[from] back past the conflicting term
	// END SOLUTION
	s.sendAppend(from)
}

// advanceCommit commits the highest index a majority holds, if it is of the
// current term (§5.4.2: counting replicas never commits an older term's
// entry directly).
func (s *Server) advanceCommit() {
	// BEGIN SOLUTION replication
	for n := s.lastIndex(); n > s.commit; n-- {
		if s.termAt(n) != s.term {
			break // older terms below: they commit with this one
		}
		count := 0
		for _, id := range s.servers {
			if s.match[id] >= n {
				count++
			}
		}
		if count >= s.majority() {
			s.commit = n
			s.applyCommitted()
			return
		}
	}
	// STUB
	// // TODO(lab): commit the highest index of the current term that a majority holds
	// END SOLUTION
}

// ----- visible state and marks -----

func (s *Server) publish() {
	if !s.env.Publishing() { // an exploration that reads no state
		return
	}
	// Publish formats its value: call it only for what changed.
	v, old := shown{s.role, s.leader, s.term, s.commit, s.lastIndex(), s.snapIndex(), s.lastTerm(), s.base()}, s.shown
	if v == old {
		return
	}
	s.shown = v
	if v.ln != old.ln || v.lastTerm != old.lastTerm || v.base != old.base {
		// the log as term runs, for the visualizer's log strip (the same
		// last index and term mean the same log: Raft's log matching);
		// an empty log at the start says nothing
		if runs := s.termRuns(); runs != "" || old.ln > 0 {
			s.env.Publish("terms", runs)
		}
	}
	if v.role != old.role {
		s.env.Publish(ec.StateRole, v.role)
		if v.role == Leader {
			s.env.Highlight("leader")
		} else {
			s.env.Highlight("")
		}
	}
	if v.term != old.term {
		s.env.Publish(ec.StateTerm, v.term)
	}
	if v.commit != old.commit {
		s.env.Publish("commit", v.commit)
	}
	if v.ln != old.ln {
		s.env.Publish("log", v.ln)
	}
	if v.snap != old.snap {
		s.env.Publish("snapshot", v.snap)
	}
	if v.leader != old.leader {
		if v.leader == None {
			s.env.Publish(ec.StateLeader, ec.NoLeader)
		} else {
			s.env.Publish(ec.StateLeader, s.env.NameOf(v.leader))
		}
	}
}

type shown struct {
	role             Role
	leader           NodeID
	term, commit, ln int64
	snap             int64
	lastTerm, base   int64
}

// termRuns writes the log as runs of terms, "0x5 1x3 2x2": five entries in
// the snapshot (term 0 here), then three of term 1 and two of term 2.
func (s *Server) termRuns() string {
	var b []byte
	run := func(term, n int64) {
		if n == 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, term, 10)
		b = append(b, 'x')
		b = strconv.AppendInt(b, n, 10)
	}
	run(0, s.base())
	var term, n int64
	for _, e := range s.log[1:] {
		if e.Term != term {
			run(term, n)
			term, n = e.Term, 0
		}
		n++
	}
	run(term, n)
	return string(b)
}
