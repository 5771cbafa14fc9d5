package causality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	cc "distlab/contract/clocks"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// builder writes traces by hand, the way the simulator would.
type builder struct {
	tr  trace.Trace
	msg int64
}

func newBuilder(nodes int) *builder {
	b := &builder{}
	for i := range nodes {
		b.tr.Header.Nodes = append(b.tr.Header.Nodes, fmt.Sprintf("n%d", i))
	}
	return b
}

func (b *builder) add(e trace.Event) int {
	e.Index = b.tr.Len()
	e.Time = time.Duration(e.Index) * time.Millisecond
	b.tr.Append(e)
	return e.Index
}

func (b *builder) mark(node int, data any) int {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return b.add(trace.Event{Kind: trace.Mark, Node: trace.NodeID(node), Peer: trace.None, Name: "clock", Data: raw})
}

type lm struct {
	Kind    string `json:"kind"`
	Lamport int64  `json:"lamport"`
}

type vm struct {
	Kind   string  `json:"kind"`
	Vector []int64 `json:"vector"`
}

func (b *builder) L(node int, kind string, l int64) int { return b.mark(node, lm{kind, l}) }
func (b *builder) V(node int, kind string, v ...int64) int {
	return b.mark(node, vm{kind, v})
}

// send records a Send from→to and returns the message id.
func (b *builder) send(from, to int) int64 {
	b.msg++
	b.add(trace.Event{Kind: trace.Send, Node: trace.NodeID(from), Peer: trace.NodeID(to), Msg: b.msg, Name: "LamportMsg"})
	return b.msg
}

func (b *builder) deliver(msg int64) int {
	for _, e := range b.tr.All() {
		if e.Kind == trace.Send && e.Msg == msg {
			return b.add(trace.Event{Kind: trace.Deliver, Node: e.Peer, Peer: e.Node, Msg: msg, Name: e.Name})
		}
	}
	panic("no such message")
}

func (b *builder) ev(k trace.Kind, node int) int {
	return b.add(trace.Event{Kind: k, Node: trace.NodeID(node), Peer: trace.None})
}

func run(tr *trace.Trace) check.Result { return Check(context.Background(), tr) }

func TestHandBuiltTraces(t *testing.T) {
	cases := []struct {
		name    string
		build   func(b *builder) []int // returns the trace indexes a failure must name
		verdict check.Verdict
		detail  string
	}{
		{"lamport message", func(b *builder) []int {
			b.L(0, "local", 1)
			b.L(0, "send", 2)
			m := b.send(0, 1)
			b.L(1, "local", 1)
			b.deliver(m)
			b.L(1, "recv", 3)
			return nil
		}, check.Pass, "1 of the 2 concurrent pairs"},
		{"lamport receive without max", func(b *builder) []int {
			b.L(0, "local", 1)
			b.L(0, "local", 2)
			s := b.L(0, "send", 3)
			m := b.send(0, 1)
			b.deliver(m)
			r := b.L(1, "recv", 1)
			return []int{s, r}
		}, check.Fail, "L(a)=3 is not below L(b)=1; the receive must move the clock past"},
		{"lamport no tick", func(b *builder) []int {
			a := b.L(0, "local", 1)
			b.ev(trace.TimerFire, 0)
			c := b.L(0, "local", 1)
			return []int{a, c}
		}, check.Fail, "in program order"},
		{"lamport restart amnesia", func(b *builder) []int {
			a := b.L(0, "local", 5)
			b.ev(trace.Crash, 0)
			b.ev(trace.Restart, 0)
			c := b.L(0, "local", 1)
			return []int{a, c}
		}, check.Fail, "n0 restarted in between (event 2)"},
		{"lamport duplicate delivery", func(b *builder) []int {
			b.L(0, "send", 1)
			m := b.send(0, 1)
			b.add(trace.Event{Kind: trace.Duplicate, Node: 0, Peer: 1, Msg: m})
			b.deliver(m)
			b.L(1, "recv", 2)
			b.deliver(m)
			b.L(1, "recv", 3)
			return nil
		}, check.Pass, "3 ordered and 0 concurrent pairs"},
		{"lamport state between mark and send", func(b *builder) []int {
			b.L(0, "send", 1)
			b.add(trace.Event{Kind: trace.State, Node: 0, Peer: trace.None, Name: "clock", Value: "1"})
			m := b.send(0, 1)
			b.add(trace.Event{Kind: trace.Drop, Node: 0, Peer: 1, Msg: m, Value: "loss"})
			return nil
		}, check.Pass, "1 clock events"},
		{"vector message", func(b *builder) []int {
			b.V(0, "send", 1, 0)
			m := b.send(0, 1)
			b.V(1, "local", 0, 1)
			b.deliver(m)
			b.V(1, "recv", 1, 2)
			return nil
		}, check.Pass, "vector clocks mark all 1 concurrent pairs"},
		{"vector receive without merge", func(b *builder) []int {
			s := b.V(0, "send", 1, 0)
			m := b.send(0, 1)
			b.deliver(m)
			r := b.V(1, "recv", 0, 1)
			return []int{s, r}
		}, check.Fail, "V(a)=[1 0] is not below V(b)=[0 1]; the receive must merge"},
		{"vector claims an order between concurrent events", func(b *builder) []int {
			a := b.V(0, "local", 1, 0, 0)
			b.V(2, "local", 0, 0, 1)
			c := b.V(1, "local", 1, 1, 0) // n1 never heard from n0
			return []int{a, c}
		}, check.Fail, "are concurrent"},
		{"vector later event below an earlier concurrent one", func(b *builder) []int {
			b.V(0, "local", 1, 0)
			a := b.V(0, "local", 2, 5) // n0 invents knowledge of n1
			c := b.V(1, "local", 0, 1)
			return []int{a, c}
		}, check.Fail, "V(b) < V(a)"},
		{"vector with shorter vectors padded", func(b *builder) []int {
			b.V(0, "send", 1)
			m := b.send(0, 1)
			b.deliver(m)
			b.V(1, "recv", 1, 1)
			return nil
		}, check.Pass, ""},
		{"send mark without send", func(b *builder) []int {
			s := b.L(0, "send", 1)
			l := b.L(0, "local", 2)
			return []int{s, l}
		}, check.Fail, "malformed clock marks: n0's send mark at event 0 is not followed by its Send"},
		{"send mark at the end", func(b *builder) []int {
			return []int{b.L(0, "send", 1)}
		}, check.Fail, "the trace ends"},
		{"deliver without recv mark", func(b *builder) []int {
			b.L(0, "send", 1)
			m := b.send(0, 1)
			d := b.deliver(m)
			f := b.ev(trace.TimerFire, 1)
			return []int{d, f}
		}, check.Fail, "message 1 was delivered to n1 at event 2 but no recv mark follows"},
		{"recv mark without deliver", func(b *builder) []int {
			return []int{b.L(1, "recv", 1)}
		}, check.Fail, "does not follow the Deliver"},
		{"unknown kind", func(b *builder) []int {
			return []int{b.L(1, "tick", 1)}
		}, check.Fail, `kind "tick"`},
		{"mixed clocks", func(b *builder) []int {
			b.L(0, "local", 1)
			return []int{b.V(0, "local", 2)}
		}, check.Fail, "carries vector, earlier marks carried lamport"},
		{"non-clock messages are ignored", func(b *builder) []int {
			m := b.send(0, 1)
			b.deliver(m)
			b.ev(trace.TimerFire, 1)
			b.L(1, "local", 1)
			return nil
		}, check.Pass, ""},
		{"no marks", func(b *builder) []int {
			b.ev(trace.Start, 0)
			return nil
		}, check.Unknown, "nothing to check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(3)
			want := tc.build(b)
			r := run(&b.tr)
			assert.Equal(t, tc.verdict, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
			assert.Equal(t, Name, r.Name)
			if tc.verdict == check.Fail {
				assert.Equal(t, want, r.Events)
				assert.NotEmpty(t, r.Nodes)
			}
		})
	}
}

func TestContextCancelledIsUnknown(t *testing.T) {
	tr := simulate(t, 1, tnodeOpts{vector: true, merge: true}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Check(ctx, tr)
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Contains(t, r.Detail, "context canceled")
}

func TestOnlyTheContractsMarkIsAClockEvent(t *testing.T) {
	specs := Specs()
	require.Len(t, specs, 1)
	s := specs[0]
	assert.Equal(t, "causality", s.Name)
	assert.Equal(t, cc.Contract, s.Contract)
	b := newBuilder(1)
	b.add(trace.Event{Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "tick", Data: json.RawMessage(`{"kind":"local","lamport":1}`)})
	r := s.Run(context.Background(), &b.tr, nil)
	assert.Equal(t, check.Unknown, r.Verdict, "marks of another name are not clock events")
	assert.Contains(t, r.Detail, `no "clock" marks`)
	b.add(trace.Event{Kind: trace.Mark, Node: 0, Peer: trace.None, Name: cc.Clock.Name, Data: json.RawMessage(`{"kind":"local","lamport":1}`)})
	assert.Equal(t, check.Pass, s.Run(context.Background(), &b.tr, nil).Verdict)
}

// tnode is the test's own small clock node, so these tests do not depend
// on the algorithms package: on each timer it does a local event or sends
// to a random peer; merge=false is the classic bug.
type tnodeOpts struct {
	vector, merge bool
}

type tnode struct {
	env *simnet.Env
	o   tnodeOpts
	l   int64
	v   []int64
}

type tmsg struct {
	L int64
	V []int64
}

func (n *tnode) Start() {
	if s, ok := simnet.Load[tmsg](n.env.Storage(), "c"); ok {
		n.l, n.v = s.L, s.V
	} else {
		n.v = make([]int64, len(n.env.Members("server")))
	}
	n.env.SetTimer(time.Duration(n.env.Rand().IntN(20)+1)*time.Millisecond, "act")
}

func (n *tnode) tick() { n.l++; n.v[n.env.ID()]++ }

func (n *tnode) mark(kind string) {
	if n.o.vector {
		n.env.Mark("clock", vm{kind, n.v})
	} else {
		n.env.Mark("clock", lm{kind, n.l})
	}
	n.env.Storage().Put("c", tmsg{n.l, n.v})
}

func (n *tnode) Timer(any) {
	n.tick()
	if n.env.Rand().IntN(3) == 0 {
		n.mark("local")
	} else {
		peers := n.env.Peers()
		n.mark("send")
		n.env.Send(peers[n.env.Rand().IntN(len(peers))], tmsg{n.l, slices.Clone(n.v)})
	}
	n.env.SetTimer(time.Duration(n.env.Rand().IntN(20)+1)*time.Millisecond, "act")
}

func (n *tnode) Receive(_ simnet.NodeID, msg any) {
	m := msg.(tmsg)
	if n.o.merge {
		n.l = max(n.l, m.L)
		for i := range n.v {
			n.v[i] = max(n.v[i], m.V[i])
		}
	}
	n.tick()
	n.mark("recv")
}

var lossy = &simnet.Link{Latency: simnet.Latency{Dist: "exponential", Min: time.Millisecond, Mean: 15 * time.Millisecond}, Drop: 0.1, Duplicate: 0.1}

func simulate(t testing.TB, seed int64, o tnodeOpts, faults func(s *simnet.Sim)) *trace.Trace {
	sim := simnet.New(simnet.Config{Seed: seed, Network: lossy})
	sim.AddNodes("n", 4, "server", func(env *simnet.Env) simnet.Node { return &tnode{env: env, o: o} })
	if faults != nil {
		faults(sim)
	}
	sim.Run(time.Second)
	return sim.Trace()
}

func nemesis(seed int64) func(*simnet.Sim) {
	return func(s *simnet.Sim) {
		n := simnet.Nemesis{Start: 100 * time.Millisecond, End: 800 * time.Millisecond, Interval: 60 * time.Millisecond,
			Partition: 1, Isolate: 1, Cut: 1, Crash: 1, Heal: 1, Swizzle: 1, MaxDown: 2}
		for _, f := range n.Generate(simnet.NewStreams(seed).Get("faults"), s.Group("server")) {
			s.Schedule(f)
		}
	}
}

func TestSimulatedRuns(t *testing.T) {
	cases := []struct {
		name    string
		o       tnodeOpts
		faults  bool
		verdict check.Verdict
	}{
		{"lamport", tnodeOpts{merge: true}, false, check.Pass},
		{"lamport under faults", tnodeOpts{merge: true}, true, check.Pass},
		{"vector", tnodeOpts{vector: true, merge: true}, false, check.Pass},
		{"vector under faults", tnodeOpts{vector: true, merge: true}, true, check.Pass},
		{"lamport without merge", tnodeOpts{}, false, check.Fail},
		{"vector without merge", tnodeOpts{vector: true}, true, check.Fail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := int64(1); seed <= 20; seed++ {
				var f func(*simnet.Sim)
				if tc.faults {
					f = nemesis(seed)
				}
				tr := simulate(t, seed, tc.o, f)
				r := run(tr)
				require.Equal(t, tc.verdict, r.Verdict, "seed %d: %s", seed, r.Detail)
				if tc.verdict == check.Pass {
					assert.Greater(t, r.Metrics["concurrent_pairs"], 0.0, "seed %d", seed)
					if tc.o.vector {
						assert.Equal(t, r.Metrics["concurrent_pairs"], r.Metrics["vector_detected_concurrent"], "seed %d", seed)
					} else {
						assert.Greater(t, r.Metrics["lamport_ordered_concurrent"], 0.0, "seed %d", seed)
					}
				} else {
					require.Len(t, r.Events, 2, "seed %d", seed)
					assert.Contains(t, r.Detail, "through message", "seed %d: the bug is in the receive rule", seed)
				}
			}
		})
	}
}

// brute is the O(E²) definition: reachability over the direct edges.
type brute struct {
	nodes []trace.NodeID
	lam   []int64
	vec   [][]int64
	hb    [][]bool // hb[a][b]: a → b
}

func bruteForce(tr *trace.Trace) brute {
	var b brute
	var preds [][]int
	last := map[trace.NodeID]int{}
	sendOf := map[int64]int{}
	pendingSend := map[trace.NodeID]int{}
	pendingRecv := map[trace.NodeID]int64{}
	for _, e := range tr.All() {
		switch {
		case e.Kind == trace.Send:
			if k, ok := pendingSend[e.Node]; ok {
				sendOf[e.Msg] = k
				delete(pendingSend, e.Node)
			}
		case e.Kind == trace.Deliver:
			if _, ok := sendOf[e.Msg]; ok {
				pendingRecv[e.Node] = e.Msg
			}
		case e.Kind == trace.Mark && e.Name == "clock":
			var p payload
			if err := e.DecodeData(&p); err != nil {
				panic(err)
			}
			k := len(b.nodes)
			var ps []int
			if j, ok := last[e.Node]; ok {
				ps = append(ps, j)
			}
			if p.Kind == "recv" {
				ps = append(ps, sendOf[pendingRecv[e.Node]])
				delete(pendingRecv, e.Node)
			}
			if p.Kind == "send" {
				pendingSend[e.Node] = k
			}
			last[e.Node] = k
			b.nodes = append(b.nodes, e.Node)
			if p.Lamport != nil {
				b.lam = append(b.lam, *p.Lamport)
			}
			b.vec = append(b.vec, p.Vector)
			preds = append(preds, ps)
		}
	}
	n := len(b.nodes)
	b.hb = make([][]bool, n)
	for k := range n {
		b.hb[k] = make([]bool, n)
	}
	for k := range n {
		for _, j := range preds[k] {
			b.hb[j][k] = true
			for i := range n {
				if b.hb[i][j] {
					b.hb[i][k] = true
				}
			}
		}
	}
	return b
}

// TestAgreesWithBruteForce compares the O(E·N²) checker with the pairwise
// definition on simulated traces, including traces whose vectors are
// corrupted at random.
func TestAgreesWithBruteForce(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		for _, vector := range []bool{false, true} {
			tr := simulate(t, seed, tnodeOpts{vector: vector, merge: true}, nemesis(seed))
			b := bruteForce(tr)
			var ordered, conc, lamOrdered int64
			for i := range b.nodes {
				for j := i + 1; j < len(b.nodes); j++ {
					switch {
					case b.hb[i][j]:
						ordered++
					default:
						conc++
						if !vector && b.lam[i] != b.lam[j] {
							lamOrdered++
						}
					}
				}
			}
			r := run(tr)
			require.Equal(t, check.Pass, r.Verdict, "seed %d: %s", seed, r.Detail)
			assert.Equal(t, float64(ordered), r.Metrics["ordered_pairs"], "seed %d", seed)
			assert.Equal(t, float64(conc), r.Metrics["concurrent_pairs"], "seed %d", seed)
			if !vector {
				assert.Equal(t, float64(lamOrdered), r.Metrics["lamport_ordered_concurrent"], "seed %d", seed)
				continue
			}
			// Corrupt one entry of one mark and compare verdicts.
			corrupt := corrupted(tr, seed)
			cb := bruteForce(corrupt)
			wantFail := -1 // the later event of the first offending pair
			for j := range cb.nodes {
				for i := range j {
					if cb.hb[i][j] != less(cb.vec[i], cb.vec[j]) || (!cb.hb[i][j] && less(cb.vec[j], cb.vec[i])) {
						wantFail = j
						break
					}
				}
				if wantFail >= 0 {
					break
				}
			}
			cr := run(corrupt)
			t.Logf("seed %d: corrupted trace: want fail at %d, got %s", seed, wantFail, cr.Verdict)
			if wantFail < 0 {
				assert.Equal(t, check.Pass, cr.Verdict, "seed %d: %s", seed, cr.Detail)
				continue
			}
			require.Equal(t, check.Fail, cr.Verdict, "seed %d", seed)
			assert.Equal(t, markIndex(corrupt, wantFail), cr.Events[1], "seed %d: %s", seed, cr.Detail)
		}
	}
}

// corrupted returns a copy of tr with one vector entry of one clock mark
// changed.
func corrupted(tr *trace.Trace, seed int64) *trace.Trace {
	events := make([]trace.Event, 0, tr.Len())
	for _, e := range tr.All() {
		events = append(events, e)
	}
	r := simnet.NewStreams(seed).Get("corrupt")
	var marks []int
	for i, e := range tr.All() {
		if e.Kind == trace.Mark && e.Name == "clock" {
			marks = append(marks, i)
		}
	}
	i := marks[r.IntN(len(marks))]
	var p vm
	if err := events[i].DecodeData(&p); err != nil {
		panic(err)
	}
	k := r.IntN(len(p.Vector))
	p.Vector[k] += int64(r.IntN(5)) - 2
	events[i].Data, _ = json.Marshal(p)
	return trace.New(tr.Header, events...)
}

func markIndex(tr *trace.Trace, k int) int {
	for i, e := range tr.All() {
		if e.Kind == trace.Mark && e.Name == "clock" {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1
}

// BenchmarkCheck measures the checker on a vector-clock trace of a long
// run of 8 nodes.
func BenchmarkCheck(b *testing.B) {
	for _, vector := range []bool{false, true} {
		sim := simnet.New(simnet.Config{Seed: 1, Network: lossy})
		sim.AddNodes("n", 8, "server", func(env *simnet.Env) simnet.Node {
			return &tnode{env: env, o: tnodeOpts{vector: vector, merge: true}}
		})
		sim.Run(10 * time.Second)
		tr := sim.Trace()
		name := "lamport"
		if vector {
			name = "vector"
		}
		r := run(tr)
		require.Equal(b, check.Pass, r.Verdict, r.Detail)
		b.Run(fmt.Sprintf("%s/%.0f-clock-events", name, r.Metrics["clock_events"]), func(b *testing.B) {
			for b.Loop() {
				run(tr)
			}
		})
	}
}

// TestTraceFromFile checks that a trace read back from JSON Lines gives the
// same result as the live one.
func TestTraceFromFile(t *testing.T) {
	for _, vector := range []bool{false, true} {
		live := simulate(t, 5, tnodeOpts{vector: vector, merge: true}, nemesis(5))
		var buf bytes.Buffer
		require.NoError(t, trace.Write(&buf, live))
		back, err := trace.Read(&buf)
		require.NoError(t, err)
		assert.Equal(t, run(live), run(back))
	}
}
