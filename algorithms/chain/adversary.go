package chain

import (
	cc "distlab/contract/chain"
)

// adversary is what an attacking server does besides what honest servers
// do. Its hooks return false (or do nothing) on an honest server.
//
//   - double-spend: at At it pays the merchant (a transaction to every
//     server) and starts mining in private, from the current tip, a branch
//     whose first block spends the same coins elsewhere. It publishes the
//     branch once the merchant's payment has Z confirmations on the public
//     chain and the branch is strictly heavier (a tie would not move the
//     honest nodes, who keep the block they saw first); it gives up when
//     the public chain leads by GiveUp blocks.
//   - selfish: Eyal and Sirer's strategy: keep found blocks private;
//     when the public chain catches up, publish just enough to stay ahead
//     or to force a tie, and publish everything when the lead is about to
//     shrink to one.
//   - equivocate (PoS): in each of its slots (from At on) sign two blocks,
//     one paying the merchant and one paying the same coins to itself,
//     and show each to half of the network.
//   - forge (PoW): every Every, send a block that breaks one validity
//     rule (no proof of work, a wrong hash, height, root or difficulty,
//     an overspend, a replayed nonce), with real work where it needs any.
type adversary struct {
	private   *entry // the branch mined in private (nil: mining on the tip)
	lastPub   *entry // the public tip at the end of the last event
	attacking bool
	done      bool
	fork      *entry
	pay       cc.Tx // the merchant's payment
	privLen   int   // selfish: Eyal–Sirer's privateBranchLen
	kind      int   // forge: the next rule to break
}

func (a *adversary) start(s *server) {
	a.lastPub = s.tip
	switch s.role {
	case cc.Selfish:
		a.private = s.tip
		s.mineRestart()
	case cc.DoubleSpend:
		s.env.SetTimer(max(s.cfg.adv.At-s.env.Now(), 0), tagAttack)
	case cc.Forge:
		s.env.SetTimer(s.cfg.adv.Every, tagForge)
	}
}

func (a *adversary) timer(s *server, tag string) {
	switch tag {
	case tagAttack:
		a.startDoubleSpend(s)
	case tagForge:
		s.forge(a.kind)
		a.kind++
		s.env.SetTimer(s.cfg.adv.Every, tagForge)
	}
}

// nextNonce is the next nonce of this node's account on its tip's chain.
func (a *adversary) nextNonce(s *server) int64 {
	last, _ := s.tip.state.LastNonce(s.me)
	return last + 1
}

func (a *adversary) startDoubleSpend(s *server) {
	if a.done || a.attacking {
		return
	}
	n := a.nextNonce(s)
	a.pay = cc.Tx{From: s.me, To: s.cfg.adv.Merchant, Amount: s.cfg.adv.Amount, Nonce: n}
	a.pay.ID = a.pay.ComputeID()
	keep := cc.Tx{From: s.me, To: s.me + "-vault", Amount: s.cfg.adv.Amount, Nonce: n}
	keep.ID = keep.ComputeID()
	s.broadcast(Transaction{Tx: a.pay})
	s.addTx(keep) // only this node's pool: the private branch will hold it
	a.attacking, a.fork, a.private = true, s.tip, s.tip
	cc.Attack.Record(s.env, cc.AttackMark{Phase: "start", Tx: a.pay.ID})
	s.mineRestart()
}

// mined decides what happens to a block this node found; true when the
// adversary keeps it.
func (a *adversary) mined(s *server, b *cc.Block, tries int64) bool {
	switch {
	case s.role == cc.DoubleSpend && a.attacking:
		a.private = s.produced(b, tries, true)
		s.mineRestart()
		return true
	case s.role == cc.Selfish:
		delta := a.private.height() - s.tip.height()
		a.private = s.produced(b, tries, true)
		a.privLen++
		if delta == 0 && a.privLen == 2 {
			a.publish(s, a.private.height())
			a.privLen = 0
		}
		s.mineRestart()
		return true
	}
	return false
}

// after runs at the end of every event: the double spender checks its
// race, the selfish miner answers a public chain that moved.
func (a *adversary) after(s *server) {
	switch s.role {
	case cc.DoubleSpend:
		if a.attacking {
			a.race(s)
		}
	case cc.Selfish:
		if s.tip != a.lastPub {
			a.react(s)
		}
	}
	a.lastPub = s.tip
}

func (a *adversary) race(s *server) {
	conf := confirmations(s.tip, a.fork, a.pay.ID)
	public := s.tip.height() - a.fork.height()
	private := a.private.height() - a.fork.height()
	switch {
	case conf >= s.cfg.adv.Z && a.private.work > s.tip.work:
		a.publish(s, a.private.height())
		cc.Attack.Record(s.env, cc.AttackMark{Phase: "release", Private: private, Public: public, Tx: a.pay.ID})
		a.attacking, a.done, a.private = false, true, nil
		s.mineRestart()
	case s.tip.height()-a.private.height() >= int64(s.cfg.adv.GiveUp):
		cc.Attack.Record(s.env, cc.AttackMark{Phase: "give-up", Private: private, Public: public, Tx: a.pay.ID})
		a.attacking, a.done, a.private = false, true, nil
		s.mineRestart()
	}
}

// confirmations counts the blocks from the one holding tx to tip, that
// block included (0 when tx is not on tip's chain after from).
func confirmations(tip, from *entry, tx string) int {
	for e := tip; e != nil && e.height() > from.height(); e = e.parent {
		for i := range e.b.Txs {
			if e.b.Txs[i].ID == tx {
				return int(tip.height()-e.height()) + 1
			}
		}
	}
	return 0
}

// react is Eyal and Sirer's answer to the public chain growing.
func (a *adversary) react(s *server) {
	lead := a.private.height() - s.tip.height()
	switch {
	case lead < 0 || (lead == 0 && !a.private.withheld):
		// they are ahead (or took the tie): mine on their chain
		a.private, a.privLen = s.tip, 0
		s.mineRestart()
	case lead == 0:
		a.publish(s, a.private.height()) // a tie: race them
	case lead == 1:
		a.publish(s, a.private.height()) // one ahead: take it now
		a.privLen = 0
	default:
		a.publish(s, s.tip.height()) // keep the lead, match their height
	}
}

// publish sends the withheld blocks of the private branch up to height h
// and follows them.
func (a *adversary) publish(s *server, h int64) {
	var out []cc.Block
	var last *entry
	for _, e := range path(forkPoint(a.private, s.tip), a.private) {
		if e.height() > h {
			break
		}
		if e.withheld {
			e.withheld = false
			out = append(out, *e.b)
			last = e
		}
	}
	if len(out) == 0 {
		return
	}
	s.broadcast(Blocks{Blocks: out})
	s.adopt(last)
	a.lastPub = s.tip
}

// slot lets an equivocator sign two blocks for its slot; true when it did.
func (a *adversary) slot(s *server, slot int64) bool {
	if s.role != cc.Equivocate || s.env.Now() < s.cfg.adv.At {
		return false
	}
	n := a.nextNonce(s)
	pay := cc.Tx{From: s.me, To: s.cfg.adv.Merchant, Amount: s.cfg.adv.Amount, Nonce: n}
	pay.ID = pay.ComputeID()
	keep := cc.Tx{From: s.me, To: s.me + "-vault", Amount: s.cfg.adv.Amount, Nonce: n}
	keep.ID = keep.ComputeID()
	base := s.tip
	if base.state.Balance(s.me) < s.cfg.adv.Amount {
		return false // nothing left to spend twice
	}
	blockA := s.slotBlock(base, slot, []cc.Tx{pay})
	blockB := s.slotBlock(base, slot, []cc.Tx{keep})
	ea, err := s.add(blockA, base)
	if err != nil {
		return false
	}
	if _, err := s.add(blockB, base); err != nil {
		return false
	}
	cc.Produced.Record(s.env, cc.BlockMark{Block: *blockA})
	cc.Produced.Record(s.env, cc.BlockMark{Block: *blockB})
	cc.Attack.Record(s.env, cc.AttackMark{Phase: "equivocate", Tx: pay.ID})
	half := len(s.peers) / 2
	for i, p := range s.peers {
		if i < half {
			s.env.Send(p, NewBlock{Block: *blockA})
		} else {
			s.env.Send(p, NewBlock{Block: *blockB})
		}
	}
	s.env.Highlight("leader")
	s.adopt(ea)
	return true
}
