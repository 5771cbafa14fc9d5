package commit

import (
	"time"

	cm "distlab/contract/commit"
	"distlab/simnet"
)

// Skeen's termination protocol (3pc-skeen). A participant that waited too
// long opens a round: it asks every participant and the coordinator for
// their state (StateReq), and whoever answers promises to refuse PreCommits
// of older rounds. The round's leader is the lowest-numbered participant
// among those that answered and never crashed since they voted (a
// recovered node knows its own state but not what was decided while it was
// down), or any participant that heard from every participant. The leader
// decides from the states it heard:
//
//   - someone aborted → abort; someone committed → commit;
//   - someone pre-committed → PreCommit the uncertain ones, and once they
//     acknowledged, commit;
//   - everyone uncertain → abort (nobody can have committed: a commit needs
//     every participant pre-committed first).
//
// The rule is safe when a node that does not answer has really crashed; a
// partition (or a pause) makes a live node look crashed, and then two sides
// decide apart. No commit protocol avoids both blocking and that.

// ballotBase spaces ballots: round r of participant i has ballot
// r×ballotBase + (ballotBase−1−i), so the lowest id wins a tie of rounds.
const ballotBase = 1024

// round is a termination round this participant leads.
type round struct {
	ballot    int64
	started   time.Duration
	states    map[string]string // participant → state, this one included
	recovered map[string]bool
	tmState   string // the coordinator's, "" if it did not answer
	tmRecov   bool
	// Second phase: the uncertain participants sent PreCommit, and who
	// acknowledged.
	precommitting bool
	need          []string
	acks          map[string]bool
	timer         simnet.TimerID
}

type roundTimer struct {
	Txn    string
	Ballot int64
}

func (t roundTimer) String() string { return "termination " + t.Txn }

// startTermination opens a new round for txn.
func (p *Participant) startTermination(txn string) {
	rec := p.db.txns[txn]
	if rec == nil || rec.State.decided() {
		return
	}
	if r := p.rounds[txn]; r != nil {
		p.env.CancelTimer(r.timer)
	}
	p.round++
	ballot := p.round*ballotBase + int64(ballotBase-1-p.index)
	if ballot > rec.Promised {
		rec.Promised = ballot
		p.db.save(txn, rec)
	}
	r := &round{ballot: ballot, started: p.env.Now(),
		states:    map[string]string{p.env.Name(): rec.State.String()},
		recovered: map[string]bool{p.env.Name(): rec.Recovered}}
	p.rounds[txn] = r
	p.askStates(txn, rec, r)
	r.timer = p.env.SetTimer(p.cfg.Retry, roundTimer{Txn: txn, Ballot: ballot})
}

// askStates sends StateReq to whoever has not answered the round yet.
func (p *Participant) askStates(txn string, rec *txnRec, r *round) {
	for _, id := range p.others(rec) {
		if _, ok := r.states[p.env.NameOf(id)]; !ok {
			p.env.Send(id, StateReq{Txn: txn, Ballot: r.ballot})
		}
	}
	if r.tmState == "" {
		p.env.Send(p.tm, StateReq{Txn: txn, Ballot: r.ballot})
	}
}

// onStateReq answers another node's round, promising to ignore older
// PreCommits.
func (p *Participant) onStateReq(from simnet.NodeID, m StateReq) {
	rec := p.db.txns[m.Txn]
	switch {
	case rec == nil:
		p.onDecisionReq(from, m.Txn) // never voted: aborts on its own and says so
		return
	case rec.State.decided():
		p.onDecisionReq(from, m.Txn)
		return
	}
	p.round = max(p.round, m.Ballot/ballotBase)
	if m.Ballot > rec.Promised {
		rec.Promised = m.Ballot
		p.db.save(m.Txn, rec)
	}
	p.env.Send(from, StateReply{Txn: m.Txn, Ballot: m.Ballot, State: rec.State.String(), Recovered: rec.Recovered})
}

func (p *Participant) onStateReply(from simnet.NodeID, m StateReply) {
	r := p.rounds[m.Txn]
	if r == nil || m.Ballot != r.ballot || r.precommitting {
		return
	}
	if from == p.tm {
		r.tmState, r.tmRecov = m.State, m.Recovered
	} else {
		r.states[p.env.NameOf(from)] = m.State
		r.recovered[p.env.NameOf(from)] = m.Recovered
	}
	rec := p.db.txns[m.Txn]
	if len(r.states) == len(rec.Participants) {
		p.conclude(m.Txn, r) // every participant answered: the coordinator's state adds nothing
	}
}

// onRoundTimer asks again those who have not answered, until the round's
// time is up; then the round concludes (or, in its second phase, gives up).
func (p *Participant) onRoundTimer(t roundTimer) {
	r := p.rounds[t.Txn]
	rec := p.db.txns[t.Txn]
	if r == nil || r.ballot != t.Ballot || rec == nil || rec.State.decided() {
		return
	}
	if p.env.Now()-r.started < p.cfg.Timeout {
		if r.precommitting {
			for _, name := range r.need {
				if !r.acks[name] {
					p.env.Send(p.ids[name], PreCommit{Txn: t.Txn, Ballot: r.ballot})
				}
			}
		} else {
			p.askStates(t.Txn, rec, r)
		}
		r.timer = p.env.SetTimer(p.cfg.Retry, t)
		return
	}
	if r.precommitting {
		// Someone did not acknowledge: no commit on this round. A later
		// round (the pre-committed now outnumber) finishes the job.
		delete(p.rounds, t.Txn)
		p.await(t.Txn, p.cfg.Timeout)
		return
	}
	p.conclude(t.Txn, r)
}

// conclude decides from the states the round heard, if this participant
// may lead; otherwise it waits for the leader (and opens a new round if
// nothing comes).
func (p *Participant) conclude(txn string, r *round) {
	rec := p.db.txns[txn]
	me := p.env.Name()
	for name, s := range r.states {
		if name != me && (s == stCommitted.String() || s == stAborted.String()) {
			p.terminate(txn, s == stCommitted.String(), cm.ByPeer)
			return
		}
	}
	if r.tmState == stCommitted.String() || r.tmState == stAborted.String() {
		p.terminate(txn, r.tmState == stCommitted.String(), cm.ByPeer)
		return
	}
	full := len(r.states) == len(rec.Participants)
	// BEGIN SOLUTION 3pc-terminate
	leader := !rec.Recovered
	for name := range r.states {
		if !r.recovered[name] && compareNames(name, me) < 0 {
			leader = false // a lower operational participant answered: it leads
		}
	}
	if !leader && !full {
		delete(p.rounds, txn)
		p.await(txn, p.cfg.Timeout)
		return
	}
	// Whose states count: everyone's with full knowledge, else only the
	// operational ones' (a recovered node's pre-commit may predate an abort
	// that was decided while it was down).
	counts := func(name string) bool { return full || !r.recovered[name] }
	pre := r.tmState == stPreCommitted.String() && !r.tmRecov
	var uncertain []string
	for _, name := range rec.Participants {
		s, ok := r.states[name]
		if !ok || !counts(name) {
			continue
		}
		switch s {
		case stPreCommitted.String():
			pre = true
		case stPrepared.String():
			if name != me {
				uncertain = append(uncertain, name)
			}
		}
	}
	if !pre {
		p.terminate(txn, false, cm.ByTermination)
		return
	}
	if rec.State == stPrepared {
		p.precommit(txn, rec)
	}
	if len(uncertain) == 0 {
		p.terminate(txn, true, cm.ByTermination)
		return
	}
	r.precommitting, r.need, r.acks, r.started = true, uncertain, map[string]bool{}, p.env.Now()
	for _, name := range uncertain {
		p.env.Send(p.ids[name], PreCommit{Txn: txn, Ballot: r.ballot})
	}
	p.env.CancelTimer(r.timer)
	r.timer = p.env.SetTimer(p.cfg.Retry, roundTimer{Txn: txn, Ballot: r.ballot})
	// STUB
	// _ = full
	// p.terminate(txn, false, cm.ByTermination) // TODO(lab commit): Skeen's rule
	// END SOLUTION
}

// onTermAck counts the acknowledgements of the round's PreCommits.
func (p *Participant) onTermAck(from simnet.NodeID, m Ack) {
	r := p.rounds[m.Txn]
	if r == nil || !r.precommitting || m.Ballot != r.ballot {
		return
	}
	r.acks[p.env.NameOf(from)] = true
	for _, name := range r.need {
		if !r.acks[name] {
			return
		}
	}
	p.terminate(m.Txn, true, cm.ByTermination)
}

// terminate decides and tells every other participant and the coordinator.
func (p *Participant) terminate(txn string, commit bool, by string) {
	rec := p.db.txns[txn]
	if rec == nil || rec.State.decided() {
		return
	}
	p.finish(txn, rec, commit, by)
	var msg any = DoAbort{Txn: txn}
	if commit {
		msg = DoCommit{Txn: txn}
	}
	for _, id := range p.others(rec) {
		p.env.Send(id, msg)
	}
	p.env.Send(p.tm, msg)
}
