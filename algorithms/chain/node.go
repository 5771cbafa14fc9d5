package chain

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"distlab/contract"
	cc "distlab/contract/chain"
	"distlab/simnet"
)

// server is a miner, validator or delegate: it keeps every valid block it
// has seen in a tree, follows the best chain (tip), gathers transactions
// in a pool and produces blocks when its protocol says so.
type server struct {
	env  *simnet.Env
	cfg  *config
	me   string
	role string

	blocks  map[string]*entry
	genesis *entry
	tip     *entry
	seq     int64
	pool    []cc.Tx
	inPool  map[string]bool
	orphans map[string][]cc.Block // blocks waiting for their parent, by the parent's hash
	nOrphan int
	asked   map[simnet.NodeID]time.Duration // when GetBlocks last went to a peer
	// a GetBlocks or its answer can be lost: while orphans wait, ask again
	retryArmed bool
	retryFrom  simnet.NodeID
	retries    int
	peers      []simnet.NodeID // the other servers

	// PoW mining
	mineTimer simnet.TimerID
	since     time.Duration // when work on the current template began
	tries     int64         // real tries on the current template
	budget    float64       // fractional tries carried to the next tick
	template  *cc.Block     // realhash: the block whose nonce is searched
	target    [32]byte
	rate      float64 // this miner's tries per second

	// PoS and DPoS
	lib      *entry
	libFloor cc.LIBMark            // DPoS: the last irreversible block before a restart (durable)
	seenSlot map[slotKey]*cc.Block // the first block each producer signed for a slot
	evidence []cc.Evidence         // equivocations seen, for the next block (PoS slashing)

	adv adversary
}

type slotKey struct {
	producer string
	slot     int64
}

// Timer tags.
const (
	tagMine    = "mine"    // a virtual miner finds its block
	tagHash    = "hash"    // a real-hash miner runs a batch of tries
	tagSlot    = "slot"    // a PoS or DPoS slot begins
	tagAttack  = "attack"  // the adversary starts its attack
	tagForge   = "forge"   // the forger sends an invalid block
	tagCatchUp = "catchup" // ask again for missing blocks
)

// askAgain is how long a node waits before asking the same peer for
// missing blocks again.
const askAgain = 500 * time.Millisecond

// maxRetries bounds how often a node asks again for blocks it still
// misses before a new block arrives.
const maxRetries = 5

// maxOrphans bounds the blocks kept while their parents are missing.
const maxOrphans = 2000

// maxBatch bounds one Blocks answer.
const maxBatch = 500

func newServer(cfg *config) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		return &server{env: env, cfg: cfg, me: env.Name(), role: cfg.roles[env.Name()]}
	}
}

func (s *server) Start() {
	s.blocks = map[string]*entry{}
	s.inPool = map[string]bool{}
	s.orphans = map[string][]cc.Block{}
	s.asked = map[simnet.NodeID]time.Duration{}
	s.seenSlot = map[slotKey]*cc.Block{}
	for _, id := range s.env.Members(contract.ServerGroup) {
		if id != s.env.ID() {
			s.peers = append(s.peers, id)
		}
	}
	g := s.cfg.genesis
	s.genesis = &entry{b: g, work: 0, state: s.genesisLedger(), round: 0}
	if s.cfg.protocol == cc.DPoS {
		s.genesis.delegates = tally(s.cfg, s.genesis.state)
		s.genesis.schedule = schedule(s.genesis.delegates, 0)
	}
	s.blocks[g.Hash] = s.genesis
	s.tip, s.lib = s.genesis, s.genesis
	if floor, ok := simnet.Load[cc.LIBMark](s.env.Storage(), libKey); ok {
		s.libFloor = floor
	}
	cc.Participant.Record(s.env, cc.ParticipantMark{Protocol: s.cfg.protocol, Role: s.role, Weight: s.cfg.weights[s.me]})
	cc.Genesis.Record(s.env, cc.GenesisMark{Hash: g.Hash, Protocol: s.cfg.protocol, Balances: s.cfg.balances,
		RealHash: s.cfg.realhash, Retarget: s.cfg.retarget, Delegates: s.cfg.k, PerTurn: s.cfg.m, SlotMS: s.cfg.slot.Milliseconds(),
		Maintenance: s.cfg.maintenance, Candidates: s.candidates()})
	s.publish()
	if s.cfg.protocol == cc.DPoS {
		cc.Elected.Record(s.env, cc.ElectedMark{Round: 0, Delegates: slices.Clone(s.genesis.delegates)})
	}
	if s.env.Now() > 0 {
		// A restart: this instance lost its blocks; ask everyone.
		for _, p := range s.peers {
			s.requestBlocks(p)
		}
	}
	switch s.cfg.protocol {
	case cc.PoW:
		s.mineRestart()
	case cc.PoS, cc.DPoS:
		s.nextSlot()
	}
	s.adv.start(s)
}

// candidates are the servers a DPoS vote may elect.
func (s *server) candidates() []string {
	if s.cfg.protocol != cc.DPoS {
		return nil
	}
	return s.cfg.servers
}

func (s *server) genesisLedger() *ledger {
	l := newLedger(s.cfg.balances)
	if s.cfg.protocol == cc.PoS {
		l.stake, l.ageFrom, l.slashed = map[string]float64{}, map[string]int64{}, map[string]bool{}
		day := s.cfg.pos.Day.Milliseconds()
		for _, v := range s.cfg.servers {
			l.stake[v] = s.cfg.weights[v]
			l.ageFrom[v] = -int64(s.cfg.pos.AgeDays[v] * float64(day))
		}
	}
	return l
}

func (s *server) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Transaction:
		s.addTx(m.Tx)
	case NewBlock:
		s.onBlock(from, m.Block)
	case Blocks:
		delete(s.asked, from)
		for _, b := range m.Blocks {
			s.onBlock(from, b)
		}
	case GetBlocks:
		s.serveBlocks(from, m.Locator)
	case GetMissed:
		s.env.Send(from, Missed{Delegates: s.missed()})
	case Equivocation:
		s.addEvidence(m.Evidence)
	}
	s.adv.after(s)
}

func (s *server) Timer(tag any) {
	switch tag {
	case tagMine:
		s.mineVirtual()
	case tagHash:
		s.mineReal()
	case tagSlot:
		s.onSlot()
	case tagCatchUp:
		s.retryArmed = false
		if s.nOrphan > 0 && s.retries < maxRetries {
			s.retries++
			delete(s.asked, s.retryFrom)
			s.requestBlocks(s.retryFrom)
		}
	case tagAttack, tagForge:
		s.adv.timer(s, tag.(string))
	}
	s.adv.after(s)
}

// addTx puts a transaction in the pool unless it is there already.
func (s *server) addTx(tx cc.Tx) {
	if s.inPool[tx.ID] || tx.ComputeID() != tx.ID {
		return
	}
	s.inPool[tx.ID] = true
	s.pool = append(s.pool, tx)
}

// pickTxs fills a new block on top of state from the pool, in arrival
// order as far as each account's nonces allow (they must follow each
// other: one that arrived early waits for its predecessor), dropping
// what the chain will never take (a nonce already used).
func (s *server) pickTxs(state *ledger) []cc.Tx {
	kept := s.pool[:0]
	for _, tx := range s.pool {
		if !s.inPool[tx.ID] {
			continue // left the pool (it is in the chain)
		}
		if last, _ := state.LastNonce(tx.From); tx.Nonce <= last {
			delete(s.inPool, tx.ID)
			continue
		}
		kept = append(kept, tx)
	}
	clear(s.pool[len(kept):])
	s.pool = kept
	scratch := state.clone()
	var out []cc.Tx
	taken := make([]bool, len(kept))
	for progress := true; progress && len(out) < s.cfg.maxTxs; {
		progress = false
		for i := range kept {
			if taken[i] || len(out) >= s.cfg.maxTxs {
				continue
			}
			if last, _ := scratch.LastNonce(kept[i].From); kept[i].Nonce != last+1 {
				continue
			}
			if scratch.apply(&kept[i]) == nil {
				out = append(out, kept[i])
				taken[i], progress = true, true
			}
		}
	}
	return out
}

// newBlock is a block template on base: height, parent, time, producer,
// transactions and root; the caller sets slot or bits and seals it.
func (s *server) newBlock(base *entry) *cc.Block {
	b := &cc.Block{}
	b.Height = base.height() + 1
	b.Parent = base.hash()
	b.Time = s.env.Clock().Milliseconds()
	b.Producer = s.me
	b.Txs = s.pickTxs(base.state)
	return b
}

// add validates a block whose parent is known and stores it.
func (s *server) add(b *cc.Block, parent *entry) (*entry, error) {
	state, err := s.validate(b, parent)
	if err != nil {
		return nil, err
	}
	s.seq++
	e := &entry{b: b, parent: parent, work: parent.work + blockWork(s.cfg.protocol, b), state: state, seen: s.seq}
	if s.cfg.protocol == cc.DPoS {
		e.round = roundOf(s.cfg, b.Slot)
		e.delegates, e.schedule = s.roundSet(parent, e.round)
	}
	s.blocks[b.Hash] = e
	s.noticeEquivocation(b)
	return e, nil
}

// produced stores a block this node made, records it and, unless it is
// withheld, sends it to every peer and follows it.
func (s *server) produced(b *cc.Block, tries int64, withheld bool) *entry {
	parent := s.blocks[b.Parent]
	e, err := s.add(b, parent)
	if err != nil {
		// A bug, not an attack: our own blocks are built valid.
		panic(fmt.Sprintf("%s produced an invalid block: %v", s.me, err))
	}
	e.withheld = withheld
	cc.Produced.Record(s.env, cc.BlockMark{Block: *b, Tries: tries, Withheld: withheld})
	if !withheld {
		s.broadcast(NewBlock{Block: *b})
		s.env.Highlight("leader")
		s.adopt(e)
	}
	return e
}

func (s *server) broadcast(msg any) {
	for _, p := range s.peers {
		s.env.Send(p, msg)
	}
}

// adopt makes e the tip if the fork-choice rule prefers it.
func (s *server) adopt(e *entry) {
	if !e.withheld && s.prefer(e, s.tip) {
		s.switchTo(e)
	}
}

// switchTo moves the tip to e: transactions of the blocks left behind go
// back to the pool, those of the new blocks leave it.
func (s *server) switchTo(e *entry) {
	old := s.tip
	fork := forkPoint(old, e)
	added := map[string]bool{}
	for _, x := range path(fork, e) {
		for _, tx := range x.b.Txs {
			added[tx.ID] = true
			delete(s.inPool, tx.ID)
		}
	}
	for _, x := range path(fork, old) {
		for _, tx := range x.b.Txs {
			if !added[tx.ID] {
				s.addTx(tx)
			}
		}
	}
	s.tip = e
	s.retries = 0
	cc.Tip.Record(s.env, cc.TipMark{Hash: e.hash(), Height: e.height(), Tries: s.spentTries()})
	if e.b.Producer != s.me {
		s.env.Highlight("")
	}
	s.publish()
	switch s.cfg.protocol {
	case cc.PoW:
		s.mineRestart()
	case cc.DPoS:
		s.updateLIB()
		if !slices.Equal(old.delegates, e.delegates) {
			cc.Elected.Record(s.env, cc.ElectedMark{Round: e.round, Delegates: slices.Clone(e.delegates)})
		}
	}
}

func (s *server) publish() {
	s.env.Publish(cc.StateHeight, s.tip.height())
	s.env.Publish(cc.StateTip, s.tip.hash()[:8])
}

// requestBlocks asks a peer for the blocks after what this node has,
// unless it asked that peer very recently.
func (s *server) requestBlocks(from simnet.NodeID) {
	if at, ok := s.asked[from]; ok && s.env.Now()-at < askAgain {
		return
	}
	s.asked[from] = s.env.Now()
	s.env.Send(from, GetBlocks{Locator: locator(s.tip)})
	s.retryFrom = from
	if !s.retryArmed {
		s.retryArmed = true
		s.env.SetTimer(2*askAgain, tagCatchUp)
	}
}

// noticeEquivocation keeps the first block each producer signed for each
// slot; a second, different one is evidence (PoS slashing).
func (s *server) noticeEquivocation(b *cc.Block) {
	if b.Slot == 0 {
		return
	}
	k := slotKey{b.Producer, b.Slot}
	first, seen := s.seenSlot[k]
	if !seen {
		s.seenSlot[k] = b
		return
	}
	if first.Hash != b.Hash && s.cfg.protocol == cc.PoS && s.cfg.pos.Slashing {
		ev := cc.Evidence{A: first.Header, B: b.Header}
		if s.addEvidence(ev) {
			s.env.Logf("evidence: %s signed two blocks for slot %d", b.Producer, b.Slot)
			s.broadcast(Equivocation{Evidence: ev})
		}
	}
}

// addEvidence keeps valid evidence against a producer not yet accused;
// true when it is new.
func (s *server) addEvidence(ev cc.Evidence) bool {
	if !s.cfg.pos.Slashing || ev.Valid() != nil {
		return false
	}
	if slices.ContainsFunc(s.evidence, func(x cc.Evidence) bool { return x.A.Producer == ev.A.Producer }) {
		return false
	}
	s.evidence = append(s.evidence, ev)
	return true
}

// targetBytes is the proof-of-work target of a compact bits value.
func targetBytes(bits uint32) ([32]byte, *big.Int) {
	t := targetOf(bits)
	if t == nil {
		return [32]byte{}, nil
	}
	var b [32]byte
	t.FillBytes(b[:])
	return b, t
}
