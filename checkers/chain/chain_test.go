package chain

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/contract"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet/trace"
)

// builder writes chain traces by hand: a history that must pass and one
// that must fail for every check.
type builder struct {
	t       *testing.T
	events  []trace.Event
	names   []string
	now     time.Duration
	genesis *cc.Block
	bits    uint32
	g       cc.GenesisMark
	nonce   map[string]int64
}

func newBuilder(t *testing.T, protocol string, servers int, roles map[string]string, weights map[string]float64) *builder {
	b := &builder{t: t, nonce: map[string]int64{}}
	for i := range servers {
		b.names = append(b.names, "n"+string(rune('0'+i)))
	}
	if protocol == cc.PoW {
		b.bits = blockhash.TargetToCompact(blockhash.TargetForZeros(1, blockhash.Hex))
	}
	g := &cc.Block{}
	g.Parent = blockhash.Zero
	g.Producer = "genesis"
	g.Bits = b.bits
	g.Seal()
	b.genesis = g
	b.g = cc.GenesisMark{Hash: g.Hash, Protocol: protocol, Balances: map[string]int64{"a": 100, "b": 100}}
	if protocol == cc.DPoS {
		b.g.Delegates, b.g.PerTurn, b.g.SlotMS, b.g.Maintenance, b.g.Candidates = servers, 1, 1000, 1, b.names
	}
	for i, n := range b.names {
		role := cc.Honest
		if r, ok := roles[n]; ok {
			role = r
		}
		w := 1.0
		if v, ok := weights[n]; ok {
			w = v
		}
		b.ev(trace.Event{Kind: trace.Start, Node: trace.NodeID(i)})
		b.mark(i, cc.Participant.Name, cc.ParticipantMark{Protocol: protocol, Role: role, Weight: w})
		b.mark(i, cc.Genesis.Name, b.g)
	}
	return b
}

func (b *builder) ev(e trace.Event) {
	e.Time = b.now
	if e.Peer == 0 && e.Kind != trace.Send && e.Kind != trace.Deliver {
		e.Peer = trace.None
	}
	b.events = append(b.events, e)
}

func (b *builder) mark(node int, name string, payload any) {
	data, err := json.Marshal(payload)
	require.NoError(b.t, err)
	b.ev(trace.Event{Kind: trace.Mark, Node: trace.NodeID(node), Name: name, Data: data})
}

func (b *builder) at(d time.Duration) *builder { b.now = d; return b }

func (b *builder) tx(from, to string, amount int64) cc.Tx {
	b.nonce[from]++
	t := cc.Tx{From: from, To: to, Amount: amount, Nonce: b.nonce[from]}
	t.ID = t.ComputeID()
	return t
}

// block makes and records a block by node on parent.
func (b *builder) block(node int, parent *cc.Block, slot int64, txs ...cc.Tx) *cc.Block {
	x := &cc.Block{Txs: txs}
	x.Height = parent.Height + 1
	x.Parent = parent.Hash
	x.Producer = b.names[node]
	x.Slot = slot
	x.Bits = b.bits
	x.Time = b.now.Milliseconds()
	x.Seal()
	b.mark(node, cc.Produced.Name, cc.BlockMark{Block: *x})
	return x
}

func (b *builder) tip(node int, x *cc.Block) {
	b.mark(node, cc.Tip.Name, cc.TipMark{Hash: x.Hash, Height: x.Height})
}

func (b *builder) tipAll(x *cc.Block) {
	for i := range b.names {
		b.tip(i, x)
	}
}

func (b *builder) lib(node int, x *cc.Block) {
	b.mark(node, cc.Irreversible.Name, cc.LIBMark{Hash: x.Hash, Height: x.Height})
}

func (b *builder) trace() *trace.Trace {
	b.ev(trace.Event{Kind: trace.End, Node: trace.None})
	groups := make([]string, len(b.names))
	for i := range groups {
		groups[i] = contract.ServerGroup
	}
	return trace.New(trace.Header{Nodes: b.names, Groups: groups}, b.events...)
}

func run(t *testing.T, name string, tr *trace.Trace, opts any) check.Result {
	for _, s := range Specs() {
		if s.Name == name {
			if opts == nil && s.Options != nil {
				opts = s.Options()
			}
			return s.Run(context.Background(), tr, opts)
		}
	}
	t.Fatalf("no check %s", name)
	return check.Result{}
}

// linear: three blocks, everyone follows.
func linear(t *testing.T) (*builder, []*cc.Block) {
	b := newBuilder(t, cc.PoW, 3, nil, nil)
	var chain []*cc.Block
	parent := b.genesis
	for i := range 3 {
		b.at(time.Duration(i+1) * time.Second)
		x := b.block(i%3, parent, 0, b.tx("a", "b", 10))
		b.tipAll(x)
		chain = append(chain, x)
		parent = x
	}
	return b, chain
}

// forked: n0 and n1 follow a two-block branch, then switch to a longer one.
func forked(t *testing.T) *builder {
	b := newBuilder(t, cc.PoW, 3, nil, nil)
	pay := b.tx("a", "b", 60)
	b.at(time.Second)
	a1 := b.block(0, b.genesis, 0, pay)
	b.tipAll(a1)
	b.at(2 * time.Second)
	a2 := b.block(1, a1, 0)
	b.tipAll(a2)
	// n2 mined a competing branch meanwhile, spending a's nonce elsewhere
	conflict := cc.Tx{From: "a", To: "c", Amount: 60, Nonce: pay.Nonce}
	conflict.ID = conflict.ComputeID()
	b.at(3 * time.Second)
	c1 := b.block(2, b.genesis, 0, conflict)
	c2 := b.block(2, c1, 0)
	c3 := b.block(2, c2, 0)
	b.tipAll(c3)
	return b
}

func TestCommonPrefix(t *testing.T) {
	b, _ := linear(t)
	r := run(t, CommonPrefix, b.trace(), &CommonPrefixOptions{K: 1})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	r = run(t, CommonPrefix, forked(t).trace(), &CommonPrefixOptions{K: 1})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "abandoned 2 blocks")
	assert.Equal(t, 3.0, r.Metrics["reorg_depth/2"], "each node abandoned 2")
	r = run(t, CommonPrefix, forked(t).trace(), &CommonPrefixOptions{K: 2})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
}

func TestForkChoice(t *testing.T) {
	r := run(t, ForkChoice, forked(t).trace(), nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	b := newBuilder(t, cc.PoW, 2, nil, nil)
	x := b.block(0, b.genesis, 0)
	y := b.block(1, b.genesis, 0)
	b.tip(0, x)
	b.tip(0, y) // a tie: the first seen should have stayed
	r = run(t, ForkChoice, b.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "not heavier")
}

func TestChainGrowth(t *testing.T) {
	b, _ := linear(t)
	b.at(4 * time.Second)
	r := run(t, ChainGrowth, b.trace(), &GrowthOptions{Window: 2 * time.Second, Min: 1})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	b, _ = linear(t)
	b.at(20 * time.Second)
	r = run(t, ChainGrowth, b.trace(), &GrowthOptions{Window: 5 * time.Second, Min: 1})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	r = run(t, ChainGrowth, b.trace(), &GrowthOptions{Window: time.Minute, Min: 1})
	assert.Equal(t, check.Unknown, r.Verdict, "a run shorter than one window says nothing")
}

func TestChainQuality(t *testing.T) {
	roles := map[string]string{"n2": cc.Selfish}
	weights := map[string]float64{"n0": 0.4, "n1": 0.35, "n2": 0.25}
	mk := func(producers ...int) *trace.Trace {
		b := newBuilder(t, cc.PoW, 3, roles, weights)
		parent := b.genesis
		for _, p := range producers {
			parent = b.block(p, parent, 0)
		}
		b.tip(0, parent)
		return b.trace()
	}
	r := run(t, ChainQuality, mk(0, 1, 2, 0), &QualityOptions{Tolerance: 0.05, Window: 2})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 0.25, r.Metrics["adversary_share"])
	r = run(t, ChainQuality, mk(2, 2, 0, 2), &QualityOptions{Tolerance: 0.05, Window: 2})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Equal(t, 0.75, r.Metrics["adversary_share"])
	r = run(t, ChainQuality, mk(0, 1, 2, 2), &QualityOptions{Tolerance: 0.5, Window: 2, MinHonest: 0.5})
	assert.Equal(t, check.Fail, r.Verdict, "a 2-block window with no honest block: %s", r.Detail)
	// fairness: every producer against its weight
	r = run(t, ChainQuality, mk(0, 0, 0, 0), &QualityOptions{Tolerance: 0.5, Fairness: true})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
}

func TestLedgerValidity(t *testing.T) {
	b, _ := linear(t)
	r := run(t, LedgerValidity, b.trace(), nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 3.0, r.Metrics["blocks_checked"])

	for _, tc := range []struct {
		name string
		bad  func(b *builder) *cc.Block
		want string
	}{
		{"overspend", func(b *builder) *cc.Block { return b.block(0, b.genesis, 0, b.tx("a", "b", 101)) }, "holds 100"},
		{"replay", func(b *builder) *cc.Block {
			tx := b.tx("a", "b", 1)
			return b.block(0, b.block(1, b.genesis, 0, tx), 0, tx)
		}, "reuses a's nonce"},
		{"bad hash", func(b *builder) *cc.Block {
			x := b.block(0, b.genesis, 0)
			x.Hash = blockhash.Zero
			b.mark(0, cc.Produced.Name, cc.BlockMark{Block: *x})
			return x
		}, "not the header's SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t, cc.PoW, 2, nil, nil)
			x := tc.bad(b)
			b.tip(1, x)
			r := run(t, LedgerValidity, b.trace(), nil)
			assert.Equal(t, check.Fail, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.want)
		})
	}
	// with real hashing, a block without proof of work
	b = newBuilder(t, cc.PoW, 2, nil, nil)
	b.g.RealHash = true
	b.events = b.events[:0]
	b = newBuilderWith(t, b.g)
	x := &cc.Block{}
	x.Height, x.Parent, x.Producer, x.Bits = 1, b.genesis.Hash, "n0", blockhash.TargetToCompact(blockhash.TargetForZeros(8, blockhash.Hex))
	x.Seal()
	b.mark(0, cc.Produced.Name, cc.BlockMark{Block: *x})
	b.tip(1, x)
	r = run(t, LedgerValidity, b.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "no proof of work")
}

// newBuilderWith starts a two-server trace with a given genesis mark.
func newBuilderWith(t *testing.T, g cc.GenesisMark) *builder {
	b := newBuilder(t, g.Protocol, 2, nil, nil)
	b.events = nil
	b.g = g
	for i := range b.names {
		b.ev(trace.Event{Kind: trace.Start, Node: trace.NodeID(i)})
		b.mark(i, cc.Participant.Name, cc.ParticipantMark{Protocol: g.Protocol, Role: cc.Honest, Weight: 1})
		b.mark(i, cc.Genesis.Name, g)
	}
	return b
}

func TestConfirmationSafety(t *testing.T) {
	b, _ := linear(t)
	r := run(t, ConfirmationSafety, b.trace(), &ConfirmationOptions{Z: 2})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	r = run(t, ConfirmationSafety, forked(t).trace(), &ConfirmationOptions{Z: 2})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Equal(t, 1.0, r.Metrics["double_spent"], "a's payment to b was replaced by one to c")
	assert.Contains(t, r.Detail, "spending the same coins")
	r = run(t, ConfirmationSafety, forked(t).trace(), &ConfirmationOptions{Z: 4})
	assert.Equal(t, check.Unknown, r.Verdict, "nothing ever had 4 confirmations: "+r.Detail)
	r = run(t, ConfirmationSafety, forked(t).trace(), &ConfirmationOptions{Z: 2, MaxReverted: 1})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
}

// dpos builds a 3-delegate chain; slots 1, 2, 3… in the order n0, n1, n2
// of whatever schedule — the checks only need one producer per turn.
func TestFinality(t *testing.T) {
	b := newBuilder(t, cc.DPoS, 3, nil, nil)
	var chain []*cc.Block
	parent := b.genesis
	for s := int64(1); s <= 6; s++ {
		b.at(time.Duration(s) * time.Second)
		parent = b.block(int((s-1)%3), parent, s)
		b.tipAll(parent)
		chain = append(chain, parent)
	}
	// K = 3 needs 3 producers after a block: block 1 (n0) has n1, n2, n0 after it
	b.lib(0, chain[0])
	b.at(20 * time.Second)
	good := b.trace()
	assert.Equal(t, check.Pass, run(t, FinalitySafety, good, nil).Verdict)
	assert.Equal(t, check.Pass, run(t, ScheduleValidity, good, nil).Verdict, run(t, ScheduleValidity, good, nil).Detail)
	r := run(t, FinalityLiveness, good, &LivenessOptions{Bound: 5 * time.Second})
	assert.Equal(t, check.Fail, r.Verdict, "the LIB stopped at 6s: %s", r.Detail)

	// too early: block 5 has only n2 after it
	b2 := newBuilder(t, cc.DPoS, 3, nil, nil)
	p := b2.genesis
	var c2 []*cc.Block
	for s := int64(1); s <= 6; s++ {
		b2.at(time.Duration(s) * time.Second)
		p = b2.block(int((s-1)%3), p, s)
		b2.tipAll(p)
		c2 = append(c2, p)
		if s >= 4 {
			for n := range 3 {
				b2.lib(n, c2[s-4])
			}
		}
	}
	r = run(t, FinalityLiveness, b2.trace(), &LivenessOptions{Bound: 5 * time.Second})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	b2.lib(1, c2[4])
	r = run(t, FinalitySafety, b2.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "only 1 distinct delegates")

	// conflicting: two branches each with 3 producers after their block
	b3 := newBuilder(t, cc.DPoS, 3, nil, nil)
	x1 := b3.block(0, b3.genesis, 1)
	y1 := b3.block(1, b3.genesis, 2)
	xs, ys := []*cc.Block{x1}, []*cc.Block{y1}
	for s := int64(3); s <= 8; s++ {
		xs = append(xs, b3.block(int(s%3), xs[len(xs)-1], s))
		ys = append(ys, b3.block(int((s+1)%3), ys[len(ys)-1], s+10))
	}
	b3.tip(0, xs[len(xs)-1])
	b3.lib(0, x1)
	b3.tip(2, ys[len(ys)-1])
	b3.lib(2, y1)
	r = run(t, FinalitySafety, b3.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "conflicting irreversible blocks")

	// a delegate with two turns in one round
	b4 := newBuilder(t, cc.DPoS, 3, nil, nil)
	b4.at(3 * time.Second)
	z1 := b4.block(0, b4.genesis, 1)
	z2 := b4.block(1, z1, 2)
	z3 := b4.block(0, z2, 3)
	b4.tipAll(z3)
	r = run(t, ScheduleValidity, b4.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	assert.Contains(t, r.Detail, "turns 0 and 2")
}

func TestAccountability(t *testing.T) {
	mk := func(slash bool) *trace.Trace {
		b := newBuilder(t, cc.PoS, 3, map[string]string{"n2": cc.Equivocate}, nil)
		a := b.block(2, b.genesis, 1, b.tx("a", "b", 1))
		c := b.block(2, b.genesis, 1, b.tx("a", "c", 1))
		b.tipAll(a)
		x := &cc.Block{}
		x.Height, x.Parent, x.Producer, x.Slot = 2, a.Hash, "n0", 2
		if slash {
			x.Evidence = []cc.Evidence{{A: a.Header, B: c.Header}}
		}
		x.Seal()
		b.mark(0, cc.Produced.Name, cc.BlockMark{Block: *x})
		b.tipAll(x)
		return b.trace()
	}
	r := run(t, Accountability, mk(false), nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	r = run(t, Accountability, mk(true), nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	b, _ := linear(t)
	assert.Equal(t, check.Unknown, run(t, Accountability, b.trace(), nil).Verdict, "nobody equivocated")
}

func TestChainCost(t *testing.T) {
	b, _ := linear(t)
	r := run(t, ChainCost, b.trace(), nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 3.0, r.Metrics["blocks"])
	assert.Equal(t, 1000.0, r.Metrics["mean_interval_ms"])
	r = run(t, ChainCost, b.trace(), &CostOptions{Z: 1, TriesTolerance: 0.5})
	assert.Equal(t, check.Fail, r.Verdict, "no tries were counted at all: %s", r.Detail)
	r = run(t, ChainCost, b.trace(), &CostOptions{Z: 1, Interval: time.Second, IntervalTolerance: 0.1})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	r = run(t, ChainCost, b.trace(), &CostOptions{Z: 1, Interval: 5 * time.Second, IntervalTolerance: 0.1})
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
}

func TestMalformedMarkFails(t *testing.T) {
	b, _ := linear(t)
	b.mark(0, cc.Tip.Name, cc.TipMark{Hash: "nope", Height: 9})
	r := run(t, CommonPrefix, b.trace(), nil)
	assert.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "a block nobody produced")
}
