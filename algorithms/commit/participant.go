package commit

import (
	"slices"
	"time"

	cm "distlab/contract/commit"
	"distlab/simnet"
)

// Participant is a resource manager: it holds items, votes on the
// transactions that touch them, and applies the decisions. The same node
// runs 2PC (executes at its Yes vote) and 3PC (locks at its Yes vote,
// executes at PreCommit); cfg says which, and which timeout rules.
type Participant struct {
	env   *simnet.Env
	cfg   config
	init  []itemInit
	db    *store
	tm    simnet.NodeID
	ids   map[string]simnet.NodeID // every participant by name
	index int                      // this participant's number (n3 → 3)

	waits      map[string]simnet.TimerID // the timeout of each undecided transaction
	heuristics map[string]simnet.TimerID
	rounds     map[string]*round // 3pc-skeen: termination rounds this node leads
	round      int64             // 3pc-skeen: the highest round number seen
}

// Timer tags: the transaction they are about (the trace names them).
type (
	waitTimer      struct{ Txn string }
	heuristicTimer struct{ Txn string }
)

func (t waitTimer) String() string      { return "timeout " + t.Txn }
func (t heuristicTimer) String() string { return "heuristic " + t.Txn }

func newParticipant(env *simnet.Env, cfg config, init []itemInit, tm simnet.NodeID, ids map[string]simnet.NodeID, index int) *Participant {
	return &Participant{env: env, cfg: cfg, init: init, tm: tm, ids: ids, index: index,
		waits: map[string]simnet.TimerID{}, heuristics: map[string]simnet.TimerID{}, rounds: map[string]*round{}}
}

// Start opens the database and recovers every transaction the log shows
// undecided.
func (p *Participant) Start() {
	p.db = openStore(p.env, p.init)
	p.env.Publish(cm.StateRole, "participant")
	p.recover()
	p.db.publish()
}

// recover runs at every start: a transaction voted Yes on and not decided
// is still this participant's promise. Its locks are taken again (they were
// volatile) and the participant finds out the decision.
func (p *Participant) recover() {
	for _, txn := range p.db.undecided() {
		rec := p.db.txns[txn]
		if p.cfg.skeen && !rec.Recovered {
			rec.Recovered = true // 3pc-skeen: it may have missed a decision while down
			p.db.save(txn, rec)
		}
		// BEGIN SOLUTION 2pc-recover
		p.db.lock(txn, rec.Ops)
		p.await(txn, p.cfg.Retry)
		// STUB
		// // TODO(lab commit): take the transaction's locks again, and find out its decision
		// END SOLUTION
	}
}

// Receive dispatches a message.
func (p *Participant) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case cm.CanCommit:
		p.onCanCommit(from, m)
	case PreCommit:
		p.onPreCommit(from, m)
	case DoCommit:
		p.onDecision(from, m.Txn, true)
	case DoAbort:
		p.onDecision(from, m.Txn, false)
	case DecisionReq:
		p.onDecisionReq(from, m.Txn)
	case StateReq:
		p.onStateReq(from, m)
	case StateReply:
		p.onStateReply(from, m)
	case Ack:
		p.onTermAck(from, m)
	}
}

// Timer handles a transaction's timeout.
func (p *Participant) Timer(tag any) {
	switch t := tag.(type) {
	case waitTimer:
		delete(p.waits, t.Txn)
		p.timeout(t.Txn)
	case heuristicTimer:
		delete(p.heuristics, t.Txn)
		if rec := p.db.txns[t.Txn]; rec != nil && !rec.State.decided() {
			p.finish(t.Txn, rec, p.cfg.heuristic, cm.ByHeuristic)
		}
	case roundTimer:
		p.onRoundTimer(t)
	}
}

func (p *Participant) onCanCommit(from simnet.NodeID, m cm.CanCommit) {
	ops := p.db.mine(m.Ops)
	if rec := p.db.txns[m.Txn]; rec != nil {
		p.revote(from, m.Txn, rec) // a CanCommit sent again, or after a restart
		return
	}
	if reason := p.db.refuse(m.Txn, ops); reason != "" {
		p.voteNo(from, m, ops, reason)
		return
	}
	if p.cfg.threePhase {
		// The seed's CanCommit only estimates; here the Yes is binding:
		// the locks are taken and the vote logged, not yet executed.
		rec := &txnRec{State: stPrepared, Ops: ops, Participants: m.Participants}
		p.db.lock(m.Txn, ops)
		p.db.save(m.Txn, rec)
		p.logRecord(m.Txn, "voted", true)
		p.vote(from, m.Txn, true, "")
		p.await(m.Txn, p.cfg.Timeout)
		return
	}
	p.prepare(from, m, ops)
}

// prepare is 2PC's Yes: execute the operations without committing, log
// enough to finish either way, then promise.
func (p *Participant) prepare(from simnet.NodeID, m cm.CanCommit, ops []cm.Op) {
	// BEGIN SOLUTION 2pc-prepare
	rec := &txnRec{State: stPrepared, Ops: ops, Participants: m.Participants}
	p.db.lock(m.Txn, ops)
	p.db.execute(rec)
	p.db.save(m.Txn, rec) // durable before the vote leaves
	p.logRecord(m.Txn, "prepared", true)
	p.vote(from, m.Txn, true, "")
	p.await(m.Txn, p.cfg.Timeout)
	// STUB
	// p.voteNo(from, m, ops, "TODO(lab commit): prepare and vote Yes")
	// END SOLUTION
	if rec := p.db.txns[m.Txn]; p.cfg.heuristicAfter > 0 && rec != nil && rec.State == stPrepared {
		p.heuristics[m.Txn] = p.env.SetTimer(p.cfg.heuristicAfter, heuristicTimer{Txn: m.Txn})
	}
}

// vote records and sends a vote; a Yes carries what the transaction reads.
func (p *Participant) vote(to simnet.NodeID, txn string, yes bool, reason string) {
	cm.Voted.Record(p.env, cm.VoteMark{Txn: txn, Yes: yes})
	v := cm.Vote{Txn: txn, Yes: yes, Reason: reason}
	if yes {
		v.Reads = p.db.reads(p.db.txns[txn].Ops)
	}
	p.env.Send(to, v)
	p.db.publish()
}

// voteNo refuses: a participant that has not promised may abort on its own.
func (p *Participant) voteNo(to simnet.NodeID, m cm.CanCommit, ops []cm.Op, reason string) {
	rec := &txnRec{State: stAborted, Ops: ops, Participants: m.Participants}
	p.db.save(m.Txn, rec)
	p.logRecord(m.Txn, "abort", false)
	cm.Voted.Record(p.env, cm.VoteMark{Txn: m.Txn, Yes: false})
	cm.Decide.Record(p.env, cm.DecideMark{Txn: m.Txn, Commit: false, By: cm.ByUnilateral})
	p.env.Send(to, cm.Vote{Txn: m.Txn, Yes: false, Reason: reason})
}

// revote answers a CanCommit again as the record says.
func (p *Participant) revote(to simnet.NodeID, txn string, rec *txnRec) {
	v := cm.Vote{Txn: txn, Yes: rec.State != stAborted}
	if v.Yes {
		v.Reads = p.db.reads(rec.Ops)
	}
	p.env.Send(to, v)
}

// onDecision applies a decision from the coordinator or from a node that
// knows it.
func (p *Participant) onDecision(from simnet.NodeID, txn string, commit bool) {
	rec := p.db.txns[txn]
	by := cm.ByCoordinator
	if from != p.tm {
		by = cm.ByPeer
	}
	switch {
	case rec == nil:
		// Never voted (the CanCommit was lost): nothing locked or executed.
		rec = &txnRec{}
		p.finish(txn, rec, commit, by)
	case rec.State.decided():
		if (rec.State == stCommitted) != commit {
			p.env.Logf("heuristic damage: told to %s %s, which this participant already %s", verb(commit), txn, rec.State)
		}
	default:
		p.finish(txn, rec, commit, by)
	}
	if from == p.tm {
		p.env.Send(from, HaveCommitted{Txn: txn})
	}
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}

// finish decides: commit makes the writes permanent (new versions), abort
// rolls them back from the undo log; either way the locks go and the
// decision is logged.
func (p *Participant) finish(txn string, rec *txnRec, commit bool, by string) {
	// BEGIN SOLUTION 2pc-decide
	var versions map[string]int64
	if commit {
		p.db.execute(rec) // a 3PC participant told to commit before PreCommit reached it
		versions = p.db.commit(rec)
		rec.State = stCommitted
	} else {
		p.db.undo(rec)
		rec.State = stAborted
	}
	p.db.unlock(txn, rec.Ops)
	p.db.save(txn, rec)
	p.logRecord(txn, verb(commit), commit)
	cm.Decide.Record(p.env, cm.DecideMark{Txn: txn, Commit: commit, By: by, Versions: versions})
	// STUB
	// // TODO(lab commit): commit or roll back, release the locks, log the decision, record the decide mark
	// _ = commit
	// END SOLUTION
	p.stopWaiting(txn)
	p.db.publish()
}

// onDecisionReq answers a peer that asks what was decided.
func (p *Participant) onDecisionReq(from simnet.NodeID, txn string) {
	rec := p.db.txns[txn]
	switch {
	case rec == nil:
		// It never voted, so it may still abort on its own: nobody can
		// have committed without its Yes.
		rec = &txnRec{}
		p.finish(txn, rec, false, cm.ByUnilateral)
		p.env.Send(from, DoAbort{Txn: txn})
	case rec.State == stCommitted:
		p.env.Send(from, DoCommit{Txn: txn})
	case rec.State == stAborted:
		p.env.Send(from, DoAbort{Txn: txn})
	default:
		p.env.Send(from, Uncertain{Txn: txn})
	}
}

// onPreCommit is 3PC's second phase: execute, log undo and redo, ACK.
func (p *Participant) onPreCommit(from simnet.NodeID, m PreCommit) {
	rec := p.db.txns[m.Txn]
	if rec == nil || !p.cfg.threePhase {
		return
	}
	if p.cfg.skeen && m.Ballot < rec.Promised {
		return // it answered a newer termination round
	}
	switch rec.State {
	case stPrepared:
		p.precommit(m.Txn, rec)
		p.env.Send(from, Ack{Txn: m.Txn, Ballot: m.Ballot})
		p.await(m.Txn, p.cfg.Timeout)
	case stPreCommitted:
		p.env.Send(from, Ack{Txn: m.Txn, Ballot: m.Ballot})
	case stCommitted:
		p.env.Send(from, DoCommit{Txn: m.Txn})
	case stAborted:
		p.env.Send(from, DoAbort{Txn: m.Txn})
	}
}

func (p *Participant) precommit(txn string, rec *txnRec) {
	p.db.execute(rec)
	rec.State = stPreCommitted
	p.db.save(txn, rec)
	p.logRecord(txn, "precommit", true)
	cm.PreCommitted.Record(p.env, cm.TxnMark{Txn: txn})
	p.db.publish()
}

// timeout: nothing came for a while about a transaction this participant
// voted Yes on.
func (p *Participant) timeout(txn string) {
	rec := p.db.txns[txn]
	if rec == nil || rec.State.decided() {
		return
	}
	switch {
	case !p.cfg.threePhase:
		p.ask(txn, rec) // 2PC: blocked; all it can do is ask
		p.await(txn, p.cfg.Timeout)
	case p.cfg.skeen:
		p.startTermination(txn)
	case rec.State == stPrepared:
		p.finish(txn, rec, false, cm.ByTimeout) // the seed: no PreCommit in time → abort
	default:
		p.finish(txn, rec, true, cm.ByTimeout) // the seed: pre-committed, no DoCommit in time → commit
	}
}

// ask sends a DecisionReq to the coordinator, and to the other
// participants when ask_peers is on.
func (p *Participant) ask(txn string, rec *txnRec) {
	p.env.Send(p.tm, DecisionReq{Txn: txn})
	if !p.cfg.askPeers {
		return
	}
	for _, name := range rec.Participants {
		if id, ok := p.ids[name]; ok && id != p.env.ID() {
			p.env.Send(id, DecisionReq{Txn: txn})
		}
	}
}

func (p *Participant) await(txn string, after time.Duration) {
	if old, ok := p.waits[txn]; ok {
		p.env.CancelTimer(old)
	}
	p.waits[txn] = p.env.SetTimer(after, waitTimer{Txn: txn})
}

func (p *Participant) stopWaiting(txn string) {
	if t, ok := p.waits[txn]; ok {
		p.env.CancelTimer(t)
		delete(p.waits, txn)
	}
	if t, ok := p.heuristics[txn]; ok {
		p.env.CancelTimer(t)
		delete(p.heuristics, txn)
	}
	if r := p.rounds[txn]; r != nil {
		p.env.CancelTimer(r.timer)
		delete(p.rounds, txn)
	}
}

func (p *Participant) logRecord(txn, record string, forced bool) {
	cm.Log.Record(p.env, cm.LogMark{Txn: txn, Record: record, Forced: forced})
}

// others lists the transaction's other participants' ids, in order.
func (p *Participant) others(rec *txnRec) []simnet.NodeID {
	var out []simnet.NodeID
	for _, name := range rec.Participants {
		if id, ok := p.ids[name]; ok && id != p.env.ID() {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
