package clocks

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/algo"
	cc "distlab/contract/clocks"
	"distlab/simnet"
	"distlab/simnet/trace"
)

func TestLamportRules(t *testing.T) {
	var c Lamport
	c.Tick()
	c.Tick()
	assert.Equal(t, int64(2), c.Time)
	c.Receive(10)
	assert.Equal(t, int64(11), c.Time, "a receive jumps past the message")
	c.Receive(3)
	assert.Equal(t, int64(12), c.Time, "an old timestamp still ticks")
}

func TestVectorRules(t *testing.T) {
	v := NewVector(3, 1)
	v.Tick()
	assert.Equal(t, []int64{0, 1, 0}, v.Clock)
	v.Receive([]int64{4, 0, 2})
	assert.Equal(t, []int64{4, 2, 2}, v.Clock)
	v.Receive([]int64{1, 9, 1})
	assert.Equal(t, []int64{4, 10, 2}, v.Clock, "own entry: max then tick")
}

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b []int64
		want Order
	}{
		{[]int64{1, 0}, []int64{1, 1}, Before},
		{[]int64{2, 1}, []int64{1, 1}, After},
		{[]int64{1, 0}, []int64{0, 1}, Concurrent},
		{[]int64{3, 2}, []int64{3, 2}, Equal},
		{[]int64{1}, []int64{1, 1}, Before},
		{nil, nil, Equal},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Compare(tc.a, tc.b), "%v vs %v", tc.a, tc.b)
		assert.NotEmpty(t, tc.want.String())
	}
}

func TestWorkloadValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(w *Workload)
		err  string
	}{
		{"defaults", func(*Workload) {}, ""},
		{"negative events", func(w *Workload) { w.Events = -1 }, "workload.events"},
		{"zero interval", func(w *Workload) { w.Interval = 0 }, "workload.interval"},
		{"probability", func(w *Workload) { w.LocalProb = 1.5 }, "workload.local_prob"},
		{"dist", func(w *Workload) { w.Dist = "poisson" }, `workload.dist "poisson"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := DefaultWorkload()
			tc.edit(w)
			_, err := New("lamport", w, nil)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.err)
			}
		})
	}
	_, err := New("hybrid", nil, nil)
	assert.ErrorContains(t, err, "unknown clocks algorithm")
}

func TestSpecs(t *testing.T) {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name)
		assert.Equal(t, "clocks", s.Family)
		assert.Equal(t, []string{"causality"}, s.Checks)
		assert.IsType(t, &Workload{}, s.Workload())
		assert.IsType(t, &Params{}, s.Params())
	}
	assert.Equal(t, []string{"lamport", "vector", "lamport-nomerge", "vector-nomerge", "physical"}, names)
}

// simulate runs one variant through its Spec, as a scenario would.
func simulate(t *testing.T, name string, seed int64, nodes int, w *Workload, p *Params, faults ...simnet.Fault) *simnet.Sim {
	t.Helper()
	var spec algo.Spec
	for _, s := range Specs() {
		if s.Name == name {
			spec = s
		}
	}
	sim := simnet.New(simnet.Config{Seed: seed, Strict: true,
		Network: &simnet.Link{Latency: simnet.Latency{Dist: "uniform", Min: time.Millisecond, Max: 40 * time.Millisecond}, Duplicate: 0.1, Drop: 0.1}})
	require.NoError(t, spec.Build(algo.Build{Sim: sim, Nodes: nodes, Workload: w, Params: p}))
	for _, f := range faults {
		sim.Schedule(f)
	}
	sim.Run(5 * time.Second)
	require.Empty(t, sim.Errors(), "strict mode: messages must not alias the clock")
	return sim
}

type mark struct {
	Kind    string  `json:"kind"`
	Lamport *int64  `json:"lamport"`
	Vector  []int64 `json:"vector"`
}

// TestMarksSitNextToTheirMessages checks the recording contract the
// checker relies on: a send mark is the node's last record before its Send,
// a recv mark its first record after a Deliver.
func TestMarksSitNextToTheirMessages(t *testing.T) {
	for _, name := range []string{"lamport", "vector", "lamport-nomerge", "vector-nomerge", "physical"} {
		t.Run(name, func(t *testing.T) {
			sim := simulate(t, name, 4, 4, nil, nil)
			tr := sim.Trace()
			ev := make([]trace.Event, 0, tr.Len())
			for _, e := range tr.All() {
				ev = append(ev, e)
			}
			var sends, recvs, delivers int
			for i, e := range ev {
				if e.Kind == trace.Deliver {
					delivers++
					require.Less(t, i+1, len(ev))
					next := ev[i+1]
					require.Equal(t, trace.Mark, next.Kind, "event %d: a Deliver is followed by the recv mark", i)
					var m mark
					require.NoError(t, next.DecodeData(&m))
					assert.Equal(t, cc.KindRecv, m.Kind)
					assert.Equal(t, e.Node, next.Node)
				}
				if e.Kind != trace.Mark || e.Name != cc.Clock.Name {
					continue
				}
				var m mark
				require.NoError(t, e.DecodeData(&m))
				assert.Equal(t, name == "lamport" || name == "lamport-nomerge" || name == "physical", m.Lamport != nil)
				assert.Equal(t, name == "vector" || name == "vector-nomerge", m.Vector != nil)
				switch m.Kind {
				case cc.KindSend:
					sends++
					require.Equal(t, trace.Send, ev[i+1].Kind, "event %d: a send mark is followed by its Send", i)
					assert.Equal(t, e.Node, ev[i+1].Node)
				case cc.KindRecv:
					recvs++
				}
			}
			assert.Positive(t, sends)
			assert.Equal(t, delivers, recvs)
			for id := range 4 {
				assert.NotEmpty(t, sim.VisibleState(simnet.NodeID(id))["clock"])
			}
		})
	}
}

func TestSameSeedSameTrace(t *testing.T) {
	enc := func(sim *simnet.Sim) []byte {
		var b bytes.Buffer
		require.NoError(t, trace.Write(&b, sim.Trace()))
		return b.Bytes()
	}
	a := enc(simulate(t, "vector", 9, 5, nil, nil))
	b := enc(simulate(t, "vector", 9, 5, nil, nil))
	c := enc(simulate(t, "vector", 10, 5, nil, nil))
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
}

// lastClock returns a node's last Lamport mark, or -1.
func lastClocks(tr *trace.Trace, node simnet.NodeID) []int64 {
	var out []int64
	for _, e := range tr.All() {
		if e.Kind == trace.Mark && e.Node == node {
			var m cc.ClockMark
			if err := e.DecodeData(&m); err == nil {
				var l int64 // 0 for a vector mark
				if m.Lamport != nil {
					l = *m.Lamport
				}
				out = append(out, l)
			}
		}
	}
	return out
}

func TestRestartKeepsTheClockOnlyWhenPersisted(t *testing.T) {
	faults := []simnet.Fault{
		{At: 300 * time.Millisecond, Kind: simnet.FaultCrash, Node: 1},
		{At: 400 * time.Millisecond, Kind: simnet.FaultRestart, Node: 1},
	}
	w := &Workload{Events: 30, Interval: 20 * time.Millisecond, Dist: "constant", LocalProb: 1}
	for _, persist := range []bool{true, false} {
		sim := simulate(t, "lamport", 1, 2, w, &Params{Persist: persist}, faults...)
		got := lastClocks(sim.Trace(), 1)
		require.NotEmpty(t, got)
		increasing := true
		for i := 1; i < len(got); i++ {
			increasing = increasing && got[i] > got[i-1]
		}
		assert.Equal(t, persist, increasing, "persist=%v: %v", persist, got)
		if persist {
			assert.Len(t, got, 30, "the action count survives the restart too")
		}
	}
}

func TestEventsBoundAndLoneNode(t *testing.T) {
	w := &Workload{Events: 7, Interval: 10 * time.Millisecond, Dist: "uniform", LocalProb: 0}
	sim := simulate(t, "vector", 1, 1, w, nil)
	got := lastClocks(sim.Trace(), 0) // decodes kinds too; lamport field absent
	assert.Len(t, got, 7, "a node alone only has local events, exactly Events of them")
	assert.Equal(t, "[7]", sim.VisibleState(0)["clock"])
}

func TestVectorSurvivesRestart(t *testing.T) {
	faults := []simnet.Fault{
		{At: 300 * time.Millisecond, Kind: simnet.FaultCrash, Node: 1},
		{At: 400 * time.Millisecond, Kind: simnet.FaultRestart, Node: 1},
	}
	w := &Workload{Events: 30, Interval: 20 * time.Millisecond, Dist: "constant", LocalProb: 0.5}
	sim := simulate(t, "vector", 3, 3, w, nil, faults...)
	var prev []int64
	restarts := 0
	for _, e := range sim.Trace().All() {
		if e.Node != 1 {
			continue
		}
		if e.Kind == trace.Restart {
			restarts++
		}
		if e.Kind != trace.Mark {
			continue
		}
		var m cc.ClockMark
		require.NoError(t, e.DecodeData(&m))
		if prev != nil {
			assert.Equal(t, Before, Compare(prev, m.Vector), "%v then %v", prev, m.Vector)
		}
		prev = m.Vector
	}
	assert.Equal(t, 1, restarts)
	assert.Equal(t, "[", sim.VisibleState(1)["clock"][:1])
}
