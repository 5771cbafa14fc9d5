package chain

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"distlab/contract"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet/trace"
)

// block is a node of the block tree the marks describe.
type block struct {
	b        *cc.Block
	parent   *block // nil for genesis and for a block whose parent nobody produced
	at       time.Duration
	idx      int // the trace index of its block mark
	producer trace.NodeID
	withheld bool
	work     float64 // cumulative, like the algorithms' (expected tries or blocks)
}

func (b *block) height() int64 { return b.b.Height }

// ancestorAt is b's ancestor at height h, nil if out of range or cut off.
func (b *block) ancestorAt(h int64) *block {
	for b != nil && b.height() > h {
		b = b.parent
	}
	if b == nil || b.height() != h {
		return nil
	}
	return b
}

// onChainOf reports whether b lies on the chain ending at tip.
func (b *block) onChainOf(tip *block) bool { return tip.ancestorAt(b.height()) == b }

// fork is the last block two chains share (nil if none: different trees).
func fork(a, b *block) *block {
	for a != nil && b != nil && a.height() > b.height() {
		a = a.parent
	}
	for a != nil && b != nil && b.height() > a.height() {
		b = b.parent
	}
	for a != nil && b != nil && a != b {
		a, b = a.parent, b.parent
	}
	if a != b {
		return nil
	}
	return a
}

// tipEvent is a node's best chain at a moment.
type tipEvent struct {
	at    time.Duration
	idx   int
	tip   *block
	tries int64
	reset bool // the node (re)started: it forgot its chain, nothing was abandoned
}

// history is what the marks of a chain run say.
type history struct {
	tr        *trace.Trace
	genesis   *cc.GenesisMark
	root      *block
	blocks    map[string]*block
	order     []*block // in the order produced
	parts     map[trace.NodeID]cc.ParticipantMark
	servers   []trace.NodeID
	tips      map[trace.NodeID][]tipEvent
	libs      map[trace.NodeID][]tipEvent
	submitted map[string]time.Duration
	txs       map[string]*cc.Tx // every transaction submitted or in a block
	upAtEnd   map[trace.NodeID]bool
	end       time.Duration
	lastFault time.Duration
	problem   string // a malformed mark
}

func (h *history) honest(id trace.NodeID) bool {
	p, ok := h.parts[id]
	return ok && p.Role == cc.Honest
}

// honestServers lists the servers that recorded an honest participant mark.
func (h *history) honestServers() []trace.NodeID {
	var out []trace.NodeID
	for _, id := range h.servers {
		if h.honest(id) {
			out = append(out, id)
		}
	}
	return out
}

func (h *history) name(id trace.NodeID) string { return h.tr.NodeName(id) }

// A run's checks each read the same trace: the last few readings are kept,
// so the marks are decoded once per run, not once per check. A reading is
// found again only for the same trace value with the same length, seed,
// scenario and end (a trace reallocated at the same address with all of
// those equal is the same deterministic run).
var recent struct {
	sync.Mutex
	entries []reading
}

type reading struct {
	tr       *trace.Trace
	n        int
	seed     int64
	scenario string
	end      time.Duration
	h        *history
	err      error
}

const keepReadings = 8

func parse(ctx context.Context, tr *trace.Trace) (*history, error) {
	key := reading{tr: tr, n: tr.Len(), seed: tr.Header.Seed, scenario: tr.Header.Scenario, end: tr.End()}
	recent.Lock()
	for _, r := range recent.entries {
		if r.tr == key.tr && r.n == key.n && r.seed == key.seed && r.scenario == key.scenario && r.end == key.end {
			recent.Unlock()
			return r.h, r.err
		}
	}
	recent.Unlock()
	h, err := read(ctx, tr)
	if ctx.Err() != nil {
		return h, err // a reading cut short is not kept
	}
	key.h, key.err = h, err
	recent.Lock()
	recent.entries = append(recent.entries, key)
	if len(recent.entries) > keepReadings {
		recent.entries = slices.Delete(recent.entries, 0, 1)
	}
	recent.Unlock()
	return h, err
}

// read reads the chain marks of a trace. The history it returns is shared
// by every check of the run: checks read it and never change it.
func read(ctx context.Context, tr *trace.Trace) (*history, error) {
	h := &history{tr: tr, blocks: map[string]*block{}, parts: map[trace.NodeID]cc.ParticipantMark{},
		tips: map[trace.NodeID][]tipEvent{}, libs: map[trace.NodeID][]tipEvent{},
		submitted: map[string]time.Duration{}, txs: map[string]*cc.Tx{}, upAtEnd: map[trace.NodeID]bool{}}
	h.servers = contract.Servers(tr.Header)
	// The world is asked only who is up at the end and when the last
	// fault was: starts and faults make it; the marks are the chain.
	w := trace.NewWorld(tr.Header)
	h.end = tr.End()
	seen := 0
	var e trace.Event
	for i := range tr.Scan(trace.FaultKinds|trace.KindsOf(trace.Start, trace.Mark), 0, tr.Len()) {
		if seen%4096 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("out of time reading the trace")
		}
		seen++
		tr.Fill(i, &e)
		w.Apply(&e)
		if e.Kind != trace.Mark {
			continue
		}
		var err error
		switch {
		case cc.Genesis.Is(&e):
			var g cc.GenesisMark
			if g, err = cc.Genesis.Decode(&e); err == nil && h.genesis == nil {
				h.genesis = &g
				gb := &cc.Block{Hash: g.Hash}
				h.root = &block{b: gb, idx: i, producer: trace.None}
				h.blocks[g.Hash] = h.root
			}
			if err == nil {
				h.tips[e.Node] = append(h.tips[e.Node], tipEvent{at: e.Time, idx: i, tip: h.root, reset: true})
			}
		case cc.Participant.Is(&e):
			var p cc.ParticipantMark
			if p, err = cc.Participant.Decode(&e); err == nil {
				h.parts[e.Node] = p
			}
		case cc.Produced.Is(&e):
			var m cc.BlockMark
			if m, err = cc.Produced.Decode(&e); err == nil {
				h.addBlock(&m, e.Time, i, e.Node)
			}
		case cc.Tip.Is(&e):
			var m cc.TipMark
			if m, err = cc.Tip.Decode(&e); err == nil {
				b := h.blocks[m.Hash]
				if b == nil {
					err = fmt.Errorf("%s's tip %.12s… is a block nobody produced", tr.NodeName(e.Node), m.Hash)
				} else {
					h.tips[e.Node] = append(h.tips[e.Node], tipEvent{at: e.Time, idx: i, tip: b, tries: m.Tries})
				}
			}
		case cc.Irreversible.Is(&e):
			var m cc.LIBMark
			if m, err = cc.Irreversible.Decode(&e); err == nil {
				b := h.blocks[m.Hash]
				if b == nil {
					err = fmt.Errorf("%s's irreversible block %.12s… is a block nobody produced", tr.NodeName(e.Node), m.Hash)
				} else {
					h.libs[e.Node] = append(h.libs[e.Node], tipEvent{at: e.Time, idx: i, tip: b})
				}
			}
		case cc.Submit.Is(&e):
			var tx cc.Tx
			if tx, err = cc.Submit.Decode(&e); err == nil {
				if _, seen := h.submitted[tx.ID]; !seen {
					h.submitted[tx.ID] = e.Time
				}
				h.txs[tx.ID] = &tx
			}
		}
		if err != nil && h.problem == "" {
			h.problem = fmt.Sprintf("event %d: %v", i, err)
		}
	}
	for _, id := range h.servers {
		h.upAtEnd[id] = w.Up(id)
	}
	h.lastFault = w.LastFault()
	if h.genesis == nil {
		return h, fmt.Errorf("no genesis mark: not a chain run")
	}
	return h, nil
}

func (h *history) addBlock(m *cc.BlockMark, at time.Duration, idx int, node trace.NodeID) {
	if _, dup := h.blocks[m.Block.Hash]; dup {
		return
	}
	b := &block{b: &m.Block, at: at, idx: idx, producer: node, withheld: m.Withheld}
	b.parent = h.blocks[m.Block.Parent]
	if b.parent != nil {
		b.work = b.parent.work + workOf(h.genesis, &m.Block)
	}
	h.blocks[m.Block.Hash] = b
	h.order = append(h.order, b)
	for i := range m.Block.Txs {
		tx := m.Block.Txs[i]
		if _, ok := h.txs[tx.ID]; !ok {
			h.txs[tx.ID] = &tx
		}
	}
}

func workOf(g *cc.GenesisMark, b *cc.Block) float64 {
	if g == nil || g.Protocol != cc.PoW {
		return 1
	}
	t, err := blockhash.CompactToTarget(b.Bits)
	if err != nil || t.Sign() == 0 {
		return 0
	}
	return blockhash.ExpectedTries(t)
}

// tipAt is a node's tip just after trace index idx (genesis before its
// first mark).
func (h *history) tipAt(id trace.NodeID, idx int) *block {
	evs := h.tips[id]
	i, _ := slices.BinarySearchFunc(evs, idx+1, func(t tipEvent, x int) int { return t.idx - x })
	if i == 0 {
		return h.root
	}
	return evs[i-1].tip
}

// finalTip is the heaviest tip among the honest servers up at the end
// (ties: the lowest id): the run's main chain.
func (h *history) finalTip() *block {
	var best *block
	for _, id := range h.honestServers() {
		evs := h.tips[id]
		if len(evs) == 0 || !h.upAtEnd[id] {
			continue
		}
		t := evs[len(evs)-1].tip
		if best == nil || t.work > best.work {
			best = t
		}
	}
	return best
}

// chainOf lists the blocks of the chain ending at tip, genesis excluded,
// oldest first.
func chainOf(tip *block) []*block {
	var out []*block
	for b := tip; b != nil && b.parent != nil; b = b.parent {
		out = append(out, b)
	}
	slices.Reverse(out)
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
