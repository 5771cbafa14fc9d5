package commit

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	cm "distlab/contract/commit"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// Coordinator is the transaction manager "tm": it runs each client's
// transaction over its participants. 2PC: CanCommit → votes → DoCommit or
// DoAbort → HaveCommitted. 3PC puts PreCommit → ACK between the votes and
// DoCommit. Its decisions (and 3PC's pre-commit) are logged before they
// are sent, so a restarted coordinator knows them; a transaction it has no
// record of was never decided commit, so it answers abort (presumed abort).
type Coordinator struct {
	env  *simnet.Env
	cfg  config
	ids  map[string]simnet.NodeID // participants by name
	txns map[string]*ctxn
	open map[string]*ctxn // not decided yet (for the visualizer)
}

type cphase uint8

const (
	phVoting    cphase = iota
	phPreCommit        // 3PC: PreCommit sent, waiting for the ACKs
	phDecided
	phRecovered // 3pc-skeen: restarted after PreCommit; the participants' termination decides
)

// ctxn is the coordinator's view of one transaction.
type ctxn struct {
	txn    string
	ops    []cm.Op
	parts  []string
	client simnet.NodeID
	phase  cphase
	votes  map[string]bool // Yes votes
	reads  map[string]cm.Read
	acks   map[string]bool // PreCommit acknowledged
	done   map[string]bool // HaveCommitted
	commit bool
	// promised: a participant's termination round asked for the state;
	// the coordinator stops driving PreCommit (the round refuses it).
	promised bool
	ended    bool
	deadline simnet.TimerID
	retry    simnet.TimerID
}

// coordRec is the coordinator's log record of a transaction.
type coordRec struct {
	Phase        string // precommit, commit, abort
	Participants []string
	Reads        map[string]cm.Read
	Ended        bool
}

const coordPrefix = "tm/"

// Coordinator timer tags.
type (
	deadlineTimer struct{ Txn string } // the votes (or 3PC's ACKs) are late
	retryTimer    struct{ Txn string }
	sendTimer     struct {
		To  simnet.NodeID
		Msg any
	}
)

func (t deadlineTimer) String() string { return "deadline " + t.Txn }
func (t retryTimer) String() string    { return "retry " + t.Txn }
func (t sendTimer) String() string     { return "send " + reflect.TypeOf(t.Msg).Name() }

// CoordinatorName is the transaction manager's node name.
const CoordinatorName = "tm"

// highlight is how the coordinator shows itself (faults aim at it with
// crash: "@coordinator").
const highlight = "coordinator"

func newCoordinator(env *simnet.Env, cfg config, ids map[string]simnet.NodeID) *Coordinator {
	return &Coordinator{env: env, cfg: cfg, ids: ids, txns: map[string]*ctxn{}, open: map[string]*ctxn{}}
}

// Start reads the log: decisions not yet acknowledged by everyone are sent
// again.
func (c *Coordinator) Start() {
	c.env.Publish(cm.StateRole, "coordinator")
	c.env.Highlight(highlight)
	st := c.env.Storage()
	for _, key := range st.Keys() {
		if !strings.HasPrefix(key, coordPrefix) {
			continue
		}
		rec, _ := simnet.Load[coordRec](st, key)
		t := &ctxn{txn: strings.TrimPrefix(key, coordPrefix), parts: rec.Participants, client: trace.None,
			reads: rec.Reads, done: map[string]bool{}, acks: map[string]bool{}, votes: map[string]bool{}, ended: rec.Ended}
		c.txns[t.txn] = t
		c.open[t.txn] = t
		switch rec.Phase {
		case "commit", "abort":
			// BEGIN SOLUTION 2pc-coordinator-recover
			t.phase, t.commit = phDecided, rec.Phase == "commit"
			if !t.ended {
				c.sendDecision(t)
			}
			// STUB
			// t.phase, t.ended = phDecided, true // TODO(lab commit): what does a restarted coordinator owe its participants?
			// END SOLUTION
		case "precommit":
			if c.cfg.skeen {
				t.phase = phRecovered // the participants' termination protocol decides
				c.broadcast(t, func(string) any { return DecisionReq{Txn: t.txn} })
			} else {
				t.phase = phPreCommit // the seed says nothing: carry on with the phase
				c.broadcast(t, func(string) any { return PreCommit{Txn: t.txn} })
				t.deadline = c.env.SetTimer(c.cfg.VoteTimeout, deadlineTimer{Txn: t.txn})
			}
		}
	}
	c.publish()
}

// Receive dispatches a message.
func (c *Coordinator) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Submit:
		c.onSubmit(from, m)
	case cm.Vote:
		c.onVote(from, m)
	case Ack:
		c.onAck(from, m)
	case HaveCommitted:
		if t := c.txns[m.Txn]; t != nil && t.phase == phDecided {
			t.done[c.env.NameOf(from)] = true
			c.maybeEnd(t)
		}
	case DecisionReq:
		c.onDecisionReq(from, m.Txn)
	case DoCommit:
		c.adopt(m.Txn, true)
	case DoAbort:
		c.adopt(m.Txn, false)
	case StateReq:
		c.onStateReq(from, m)
	}
}

// Timer handles deadlines, retries and the spaced sends of a broadcast.
func (c *Coordinator) Timer(tag any) {
	switch tm := tag.(type) {
	case sendTimer:
		c.env.Send(tm.To, tm.Msg)
	case deadlineTimer:
		t := c.txns[tm.Txn]
		if t == nil {
			return
		}
		switch t.phase {
		case phVoting:
			c.decide(t, false, cm.ByVotes) // a vote is missing: abort
		case phPreCommit:
			if !c.cfg.skeen {
				c.decide(t, false, cm.ByVotes) // the seed: an ACK is missing → abort
			}
		}
	case retryTimer:
		c.onRetry(tm.Txn)
	}
}

func (c *Coordinator) onSubmit(from simnet.NodeID, m Submit) {
	if t := c.txns[m.Txn]; t != nil {
		t.client = from
		if t.phase == phDecided {
			c.reply(t)
		}
		return
	}
	t := &ctxn{txn: m.Txn, ops: m.Ops, parts: participantsOf(m.Ops), client: from, phase: phVoting,
		votes: map[string]bool{}, acks: map[string]bool{}, done: map[string]bool{}}
	c.txns[m.Txn] = t
	c.open[m.Txn] = t
	cm.Begin.Record(c.env, cm.BeginMark{Txn: t.txn, Participants: t.parts})
	c.broadcast(t, func(name string) any {
		var ops []cm.Op
		for _, o := range t.ops {
			if o.Node == name {
				ops = append(ops, o)
			}
		}
		return cm.CanCommit{Txn: t.txn, Ops: ops, Participants: t.parts}
	})
	t.deadline = c.env.SetTimer(c.cfg.VoteTimeout, deadlineTimer{Txn: t.txn})
	c.publish()
}

func (c *Coordinator) onVote(from simnet.NodeID, m cm.Vote) {
	t := c.txns[m.Txn]
	if t == nil || t.phase != phVoting {
		return
	}
	if !m.Yes {
		c.decide(t, false, cm.ByVotes)
		return
	}
	t.votes[c.env.NameOf(from)] = true
	if t.reads == nil && len(m.Reads) > 0 {
		t.reads = map[string]cm.Read{}
	}
	maps.Copy(t.reads, m.Reads)
	if len(t.votes) < len(t.parts) {
		return
	}
	if !c.cfg.threePhase {
		c.decide(t, true, cm.ByVotes)
		return
	}
	// 3PC: every vote is Yes; pre-commit, logged first.
	t.phase = phPreCommit
	c.save(t, "precommit")
	c.logRecord(t.txn, "precommit", true)
	c.env.CancelTimer(t.deadline)
	c.broadcast(t, func(string) any { return PreCommit{Txn: t.txn} })
	if !c.cfg.skeen {
		t.deadline = c.env.SetTimer(c.cfg.VoteTimeout, deadlineTimer{Txn: t.txn})
	}
	c.publish()
}

func (c *Coordinator) onAck(from simnet.NodeID, m Ack) {
	t := c.txns[m.Txn]
	if t == nil || t.phase != phPreCommit || m.Ballot != 0 {
		return
	}
	t.acks[c.env.NameOf(from)] = true
	if len(t.acks) == len(t.parts) {
		c.decide(t, true, cm.ByVotes)
	}
}

// decide logs the decision, answers the client and tells the participants.
func (c *Coordinator) decide(t *ctxn, commit bool, by string) {
	// BEGIN SOLUTION 2pc-coordinator-decide
	t.phase, t.commit = phDecided, commit
	c.save(t, verb(commit))
	c.logRecord(t.txn, verb(commit), commit) // presumed abort: only a commit must be on disk first
	cm.Decide.Record(c.env, cm.DecideMark{Txn: t.txn, Commit: commit, By: by})
	c.env.CancelTimer(t.deadline)
	c.reply(t)
	c.sendDecision(t)
	// STUB
	// t.phase, t.commit = phDecided, commit // TODO(lab commit): log, tell the client and the participants
	// END SOLUTION
	c.publish()
}

// adopt takes a decision a participant's termination round reached.
func (c *Coordinator) adopt(txn string, commit bool) {
	t := c.txns[txn]
	if t == nil || t.phase == phDecided {
		return
	}
	c.decide(t, commit, cm.ByTermination)
}

func (c *Coordinator) sendDecision(t *ctxn) {
	c.broadcast(t, func(string) any {
		if t.commit {
			return DoCommit{Txn: t.txn}
		}
		return DoAbort{Txn: t.txn}
	})
}

func (c *Coordinator) reply(t *ctxn) {
	if t.client == trace.None {
		return
	}
	o := Outcome{Txn: t.txn, Committed: t.commit}
	if t.commit {
		o.Reads = t.reads
	}
	c.env.Send(t.client, o)
}

// onDecisionReq answers a participant that asks.
func (c *Coordinator) onDecisionReq(from simnet.NodeID, txn string) {
	t := c.txns[txn]
	switch {
	case t == nil:
		// No record: it was never decided commit (a commit is logged
		// before it is sent). Presumed abort.
		t = &ctxn{txn: txn, client: trace.None, done: map[string]bool{}, ended: true}
		c.txns[txn] = t
		t.phase = phDecided
		c.save(t, "abort")
		cm.Decide.Record(c.env, cm.DecideMark{Txn: txn, Commit: false, By: cm.ByRecovery})
		c.env.Send(from, DoAbort{Txn: txn})
	case t.phase == phDecided && t.commit:
		c.env.Send(from, DoCommit{Txn: txn})
	case t.phase == phDecided:
		c.env.Send(from, DoAbort{Txn: txn})
	default:
		c.env.Send(from, Uncertain{Txn: txn})
	}
}

// onStateReq answers a participant's termination round (3pc-skeen) and
// stops driving PreCommit: the round refuses it from now on.
func (c *Coordinator) onStateReq(from simnet.NodeID, m StateReq) {
	t := c.txns[m.Txn]
	state, recovered := stNone.String(), false
	if t != nil {
		t.promised = true
		switch t.phase {
		case phVoting:
			state = stPrepared.String()
		case phPreCommit:
			state = stPreCommitted.String()
		case phRecovered:
			state, recovered = stPreCommitted.String(), true
		case phDecided:
			state = stAborted.String()
			if t.commit {
				state = stCommitted.String()
			}
		}
	}
	c.env.Send(from, StateReply{Txn: m.Txn, Ballot: m.Ballot, State: state, Recovered: recovered})
}

// onRetry sends again what was not answered.
func (c *Coordinator) onRetry(txn string) {
	t := c.txns[txn]
	if t == nil || t.ended {
		return
	}
	for _, name := range t.parts {
		id := c.ids[name]
		switch t.phase {
		case phVoting:
			if !t.votes[name] {
				var ops []cm.Op
				for _, o := range t.ops {
					if o.Node == name {
						ops = append(ops, o)
					}
				}
				c.env.Send(id, cm.CanCommit{Txn: t.txn, Ops: ops, Participants: t.parts})
			}
		case phPreCommit:
			if !t.acks[name] && !t.promised {
				c.env.Send(id, PreCommit{Txn: t.txn})
			}
		case phDecided:
			if !t.done[name] {
				if t.commit {
					c.env.Send(id, DoCommit{Txn: t.txn})
				} else {
					c.env.Send(id, DoAbort{Txn: t.txn})
				}
			}
		case phRecovered:
			c.env.Send(id, DecisionReq{Txn: t.txn})
		}
	}
	t.retry = c.env.SetTimer(c.cfg.Retry, retryTimer{Txn: txn})
}

// maybeEnd forgets a transaction every participant acknowledged.
func (c *Coordinator) maybeEnd(t *ctxn) {
	for _, name := range t.parts {
		if !t.done[name] {
			return
		}
	}
	t.ended = true
	c.env.CancelTimer(t.retry)
	c.save(t, verb(t.commit))
	c.logRecord(t.txn, "end", false)
	c.publish()
}

// broadcast sends one message to every participant of t, at once or one
// per send_gap, and (re)starts t's retry timer for after the last one.
func (c *Coordinator) broadcast(t *ctxn, msg func(name string) any) {
	for i, name := range t.parts {
		id := c.ids[name]
		if c.cfg.SendGap <= 0 {
			c.env.Send(id, msg(name))
			continue
		}
		c.env.SetTimer(c.cfg.SendGap*time.Duration(i+1), sendTimer{To: id, Msg: msg(name)})
	}
	c.env.CancelTimer(t.retry)
	t.retry = c.env.SetTimer(c.cfg.SendGap*time.Duration(len(t.parts))+c.cfg.Retry, retryTimer{Txn: t.txn})
}

func (c *Coordinator) save(t *ctxn, phase string) {
	c.env.Storage().Put(coordPrefix+t.txn, coordRec{Phase: phase, Participants: t.parts, Reads: t.reads, Ended: t.ended})
}

func (c *Coordinator) logRecord(txn, record string, forced bool) {
	cm.Log.Record(c.env, cm.LogMark{Txn: txn, Record: record, Forced: forced})
}

// publish shows the transactions in progress.
func (c *Coordinator) publish() {
	var open []string
	for id, t := range c.open {
		if t.phase != phDecided {
			open = append(open, id)
		} else {
			delete(c.open, id)
		}
	}
	if len(open) == 0 {
		c.env.Publish(cm.StateTxns, "-")
		return
	}
	slices.Sort(open)
	c.env.Publish(cm.StateTxns, strings.Join(open, " "))
}
