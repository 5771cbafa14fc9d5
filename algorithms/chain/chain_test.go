package chain

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/algo"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
	"distlab/simnet"
	"distlab/simnet/trace"
)

func runSim(t *testing.T, spec algo.Spec, nodes int, params, work any, dur time.Duration, faults ...simnet.Fault) *simnet.Sim {
	t.Helper()
	sim := simnet.New(simnet.Config{Seed: 1})
	require.NoError(t, spec.Build(algo.Build{Sim: sim, Nodes: nodes, Params: params, Workload: work}))
	for _, f := range faults {
		sim.Schedule(f)
	}
	sim.Run(dur)
	for _, e := range sim.Trace().All() {
		if e.Kind == trace.Crash && e.Stack != "" {
			t.Fatalf("%s crashed: %s %s", sim.Name(e.Node), e.Value, e.Stack)
		}
	}
	return sim
}

func spec(name string) algo.Spec {
	for _, s := range Specs() {
		if s.Name == name {
			return s
		}
	}
	panic(name)
}

func serverOf(sim *simnet.Sim, id int) *server { return sim.NodeState(simnet.NodeID(id)).(*server) }

// Every protocol makes a chain every server agrees on.
func TestEveryProtocolAgrees(t *testing.T) {
	real := DefaultPoW()
	real.RealHash, real.K = true, 2
	for _, tc := range []struct {
		name   string
		params any
		nodes  int
	}{{cc.PoW, DefaultPoW(), 5}, {cc.PoW, real, 4}, {cc.PoS, DefaultPoS(), 5}, {cc.DPoS, DefaultDPoS(), 21}} {
		sim := runSim(t, spec(tc.name), tc.nodes, tc.params, DefaultWorkload(), 20*time.Second)
		ref := serverOf(sim, 0)
		assert.Greater(t, ref.tip.height(), int64(10), tc.name)
		for i := 1; i < tc.nodes; i++ {
			s := serverOf(sim, i)
			h := min(ref.tip.height(), s.tip.height()) - 1
			assert.Equal(t, ancestorAt(ref.tip, h).hash(), ancestorAt(s.tip, h).hash(), "%s: %s and n0 agree but for the last block", tc.name, s.me)
		}
		if tc.name == cc.DPoS {
			assert.Greater(t, ref.lib.height(), int64(10), "DPoS finalizes")
		}
	}
}

// A restarted miner has lost its blocks; it asks its peers and catches up.
func TestRestartCatchesUp(t *testing.T) {
	sim := runSim(t, spec(cc.PoW), 4, DefaultPoW(), DefaultWorkload(), 30*time.Second,
		simnet.Fault{At: 5 * time.Second, Kind: simnet.FaultCrash, Node: 2},
		simnet.Fault{At: 15 * time.Second, Kind: simnet.FaultRestart, Node: 2})
	back, ref := serverOf(sim, 2), serverOf(sim, 0)
	assert.GreaterOrEqual(t, back.tip.height(), ref.tip.height()-1)
	assert.Equal(t, ancestorAt(ref.tip, 10).hash(), ancestorAt(back.tip, 10).hash())
}

// The course's numbers: 100 coins held 50 days, 5000 coin-days, earn
// 0.68 coins at 5 % a year.
func TestInterestOfTheCourse(t *testing.T) {
	assert.InDelta(t, 0.6849, interest(100*50, 0.05), 1e-4)
	cfg, err := posConfig(1, DefaultPoS(), &Workload{})
	require.NoError(t, err)
	st := &ledger{stake: map[string]float64{"n0": 100}, ageFrom: map[string]int64{"n0": -50 * 1000}, slashed: map[string]bool{}}
	reward(cfg, st, "n0", 0)
	assert.InDelta(t, 100.6849, st.stake["n0"], 1e-4)
	assert.Equal(t, int64(0), st.ageFrom["n0"], "winning consumed the age")
}

func TestSchedule(t *testing.T) {
	set := names("n", 21)
	a := schedule(set, 7)
	assert.ElementsMatch(t, set, a, "a permutation")
	assert.Equal(t, a, schedule(set, 7), "every node computes the same")
	assert.NotEqual(t, a, schedule(set, 8), "each round its own order")
	assert.Equal(t, names("n", 21), set, "the input is not changed")
}

func TestLocator(t *testing.T) {
	g := &entry{b: &cc.Block{Hash: "g"}}
	e := g
	for h := int64(1); h <= 100; h++ {
		b := &cc.Block{Hash: string(rune('A' + h))}
		b.Height = h
		e = &entry{b: b, parent: e}
	}
	loc := locator(e)
	assert.Equal(t, e.hash(), loc[0])
	assert.Equal(t, "g", loc[len(loc)-1], "genesis last")
	assert.Equal(t, ancestorAt(e, 91).hash(), loc[9], "ten one by one")
	assert.Less(t, len(loc), 20, "then doubling steps")
}

// A delegate that crashes is voted out at the next elections when the
// voters vote; with low turnout it keeps its seat.
func TestDelegateVotedOut(t *testing.T) {
	for _, tc := range []struct {
		turnout float64
		out     bool
	}{{1, true}, {0.05, false}} {
		p := DefaultDPoS()
		p.Turnout = tc.turnout
		sim := runSim(t, spec(cc.DPoS), 23, p, &Workload{Clients: 4, Every: time.Second}, 60*time.Second,
			simnet.Fault{At: 10 * time.Second, Kind: simnet.FaultCrash, Node: 5})
		final := serverOf(sim, 0).tip.delegates
		assert.Equal(t, !tc.out, slices.Contains(final, "n5"), "turnout %v: %v", tc.turnout, final)
		assert.Len(t, final, 21)
	}
}

func TestBuildErrors(t *testing.T) {
	w := DefaultWorkload()
	for _, tc := range []struct {
		name  string
		build func() error
		field string
	}{
		{"shares over 1", func() error {
			p := DefaultPoW()
			p.Shares = map[string]float64{"n0": 0.7, "n1": 0.6}
			_, err := powConfig(3, p, w)
			return err
		}, "params.shares"},
		{"share of a stranger", func() error {
			p := DefaultPoW()
			p.Shares = map[string]float64{"n9": 0.1}
			_, err := powConfig(3, p, w)
			return err
		}, "params.shares.n9"},
		{"k too big for real hashing", func() error {
			p := DefaultPoW()
			p.RealHash, p.K = true, 9
			_, err := powConfig(3, p, w)
			return err
		}, "params.k"},
		{"k zero", func() error {
			p := DefaultPoW()
			p.K = 0
			_, err := powConfig(3, p, w)
			return err
		}, "params.k"},
		{"adversary on a stranger", func() error {
			p := DefaultPoW()
			p.Adversary = &Adversary{Node: "n7", Role: cc.Selfish}
			_, err := powConfig(3, p, w)
			return err
		}, "params.adversary.node"},
		{"PoW role in PoS", func() error {
			p := DefaultPoS()
			p.Adversary = &Adversary{Node: "n1", Role: cc.Selfish}
			_, err := posConfig(3, p, w)
			return err
		}, "params.adversary.role"},
		{"more delegates than servers", func() error {
			_, err := dposConfig(7, DefaultDPoS(), w)
			return err
		}, "nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.build()
			var fe *algo.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field, err.Error())
		})
	}
}

// A block with each field tampered is refused.
func TestValidateRefusesTampering(t *testing.T) {
	p := DefaultPoW()
	p.RealHash, p.K = true, 2
	sim := runSim(t, spec(cc.PoW), 3, p, DefaultWorkload(), 5*time.Second)
	s := serverOf(sim, 0)
	parent := s.tip.parent
	good := *s.tip.b
	_, err := s.validate(&good, parent)
	require.NoError(t, err)
	tamper := []func(b *cc.Block){
		func(b *cc.Block) { b.Nonce++; b.Hash = b.Header.Hash() },              // proof of work gone (almost surely)
		func(b *cc.Block) { b.Hash = blockhash.Zero },                          // hash not the header's
		func(b *cc.Block) { b.Height++; b.Hash = b.Header.Hash() },             // height skipped
		func(b *cc.Block) { b.Txs = append(b.Txs, cc.Tx{ID: "x", From: "a"}) }, // body not the root's
		func(b *cc.Block) { b.Bits--; b.Hash = b.Header.Hash() },               // difficulty changed
	}
	for i, f := range tamper {
		b := good
		b.Txs = slices.Clone(good.Txs)
		f(&b)
		_, err := s.validate(&b, parent)
		assert.Error(t, err, "tampering %d", i)
	}
	after := parent.state.clone()
	for i := range good.Txs {
		require.NoError(t, after.apply(&good.Txs[i]))
	}
	next, _ := after.LastNonce("c0")
	over := cc.Tx{From: "c0", To: "c1", Amount: 1 << 40, Nonce: next + 1}
	over.ID = over.ComputeID()
	b := good
	b.Txs = append(slices.Clone(good.Txs), over)
	b.Root = b.BodyRoot()
	tb, _ := targetBytes(b.Bits)
	solve(&b.Header, tb, 1<<30)
	b.Hash = b.Header.Hash()
	_, err = s.validate(&b, parent)
	assert.ErrorContains(t, err, "spends")
}
