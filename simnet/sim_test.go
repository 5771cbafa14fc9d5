package simnet_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet"
	"distlab/simnet/trace"
)

type ping struct{ N int }

type payload struct {
	Items []int
	Meta  map[string]int
}

// pinger bounces a counter between nodes 0 and 1 and sets a timer on start.
type pinger struct {
	env  *simnet.Env
	got  []int
	tick int
}

func (p *pinger) Start() {
	p.env.SetTimer(5*time.Millisecond, "tick")
	if p.env.ID() == 0 {
		p.env.Send(1, ping{N: 1})
	}
}

func (p *pinger) Receive(from simnet.NodeID, msg any) {
	m := msg.(ping)
	p.got = append(p.got, m.N)
	p.env.Publish("last", m.N)
	if m.N < 20 {
		p.env.Send(from, ping{N: m.N + 1})
	}
}

func (p *pinger) Timer(tag any) {
	p.tick++
	if p.tick < 3 {
		p.env.SetTimer(time.Duration(p.env.Rand().IntN(10)+1)*time.Millisecond, tag)
	}
}

func newPingers(seed int64, link *simnet.Link) *simnet.Sim {
	sim := simnet.New(simnet.Config{Seed: seed, Network: link})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &pinger{env: env} })
	return sim
}

func traceBytes(t *testing.T, tr *trace.Trace) []byte {
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, tr))
	return buf.Bytes()
}

func TestPingPongDeliversInOrder(t *testing.T) {
	sim := newPingers(1, nil)
	sim.Run(time.Second)
	got := sim.NodeState(1).(*pinger).got
	assert.Equal(t, []int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}, got)
	assert.Equal(t, "20", sim.VisibleState(0)["last"])
}

func TestSameSeedSameTrace(t *testing.T) {
	lossy := &simnet.Link{Latency: simnet.Latency{Dist: "exponential", Mean: 3 * time.Millisecond}, Drop: 0.1, Duplicate: 0.1}
	a := traceBytes(t, newPingers(7, lossy).Trace())
	simA := newPingers(7, lossy)
	simA.Run(time.Second)
	simB := newPingers(7, lossy)
	simB.Run(time.Second)
	simC := newPingers(8, lossy)
	simC.Run(time.Second)
	assert.NotEmpty(t, a)
	assert.Equal(t, traceBytes(t, simA.Trace()), traceBytes(t, simB.Trace()), "same seed must give identical traces")
	assert.NotEqual(t, traceBytes(t, simA.Trace()), traceBytes(t, simC.Trace()), "a different seed should give a different trace")
}

func TestTraceRoundTrip(t *testing.T) {
	sim := newPingers(3, nil)
	sim.Run(time.Second)
	data := traceBytes(t, sim.Trace())
	back, err := trace.Read(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, data, traceBytes(t, back), "a trace read back must write out identically")
	assert.Equal(t, []string{"n0", "n1"}, back.Header.Nodes)
}

// keeper sends a payload and then changes its own copy.
type keeper struct {
	env  *simnet.Env
	sent payload
	got  payload
}

func (k *keeper) Start() {
	if k.env.ID() == 0 {
		k.sent = payload{Items: []int{1, 2, 3}, Meta: map[string]int{"a": 1}}
		k.env.Send(1, k.sent)
		k.sent.Items[0] = 99 // aliasing bug: must not reach the receiver
		k.sent.Meta["a"] = 99
	}
}
func (k *keeper) Receive(_ simnet.NodeID, msg any) { k.got = msg.(payload) }
func (k *keeper) Timer(any)                        {}

func TestMessageCopiedAtSend(t *testing.T) {
	for _, strict := range []bool{false, true} {
		sim := simnet.New(simnet.Config{Seed: 1, Strict: strict})
		sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &keeper{env: env} })
		sim.Run(time.Second)
		got := sim.NodeState(1).(*keeper).got
		assert.Equal(t, []int{1, 2, 3}, got.Items)
		assert.Equal(t, 1, got.Meta["a"])
		if strict {
			require.Len(t, sim.Errors(), 1, "strict mode reports the change after send")
			assert.Contains(t, sim.Errors()[0], "n0 changed message 1 (payload) after sending it")
		} else {
			assert.Empty(t, sim.Errors())
		}
	}
}

type panicker struct{ env *simnet.Env }

func (p *panicker) Start() {
	if p.env.ID() == 1 {
		p.env.SetTimer(time.Millisecond, "boom")
	}
	p.env.SetTimer(2*time.Millisecond, "after")
}
func (p *panicker) Receive(simnet.NodeID, any) {}
func (p *panicker) Timer(tag any) {
	if tag == "boom" {
		var m map[string]int
		m["x"] = 1 // a student's nil-map bug
	}
	p.env.Logf("alive at %v", p.env.Now())
}

func TestPanicBecomesCrash(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &panicker{env: env} })
	sim.Run(time.Second)
	var crash *trace.Event
	logs := 0
	for i, e := range sim.Trace().All() {
		if e.Kind == trace.Crash {
			c := sim.Trace().At(i)
			crash = &c
		}
		if e.Kind == trace.Log {
			logs++
			assert.Equal(t, simnet.NodeID(0), e.Node, "the crashed node's timers are cancelled")
		}
	}
	require.NotNil(t, crash)
	assert.Equal(t, simnet.NodeID(1), crash.Node)
	assert.Contains(t, crash.Value, "assignment to entry in nil map")
	assert.Contains(t, crash.Stack, "panicker")
	assert.Equal(t, 1, logs, "the run goes on for the other node")
	assert.False(t, sim.Up(1))
}

// counter persists a count and reports it on each start.
type counter struct{ env *simnet.Env }

func (c *counter) Start() {
	n, _ := simnet.Load[int](c.env.Storage(), "starts")
	c.env.Storage().Put("starts", n+1)
	c.env.Publish("starts", n+1)
	c.env.SetTimer(time.Second, "never")
}
func (c *counter) Receive(simnet.NodeID, any) {}
func (c *counter) Timer(any)                  { c.env.Logf("timer survived a crash") }

func TestCrashRestartKeepsStorageOnly(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	id := sim.AddNode("n0", "server", func(env *simnet.Env) simnet.Node { return &counter{env: env} })
	sim.Schedule(simnet.Fault{At: 100 * time.Millisecond, Kind: simnet.FaultCrash, Node: id})
	sim.Schedule(simnet.Fault{At: 200 * time.Millisecond, Kind: simnet.FaultRestart, Node: id})
	sim.Run(1100 * time.Millisecond)
	assert.Equal(t, "2", sim.VisibleState(id)["starts"])
	var kinds []string
	for _, e := range sim.Trace().All() {
		kinds = append(kinds, e.Kind.String())
	}
	assert.Equal(t, "start state timer-set crash restart state timer-set end", strings.Join(kinds, " "))
	for _, e := range sim.Trace().All() {
		assert.NotEqual(t, trace.Log, e.Kind, "the first instance's timer must die with it")
	}
}

// chatter broadcasts once at start.
type chatter struct {
	env *simnet.Env
	got []simnet.NodeID
}

func (c *chatter) Start()                            { c.env.Broadcast(ping{N: int(c.env.ID())}) }
func (c *chatter) Receive(from simnet.NodeID, _ any) { c.got = append(c.got, from) }
func (c *chatter) Timer(any)                         {}

func TestPartitionsCutsAndIsolation(t *testing.T) {
	cases := []struct {
		name  string
		fault simnet.Fault
		want  map[simnet.NodeID][]simnet.NodeID // receiver → senders heard
	}{
		{"none", simnet.Fault{Kind: simnet.FaultHeal}, map[simnet.NodeID][]simnet.NodeID{0: {1, 2}, 1: {0, 2}, 2: {0, 1}}},
		{"partition", simnet.Fault{Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{0}, {1, 2}}}, map[simnet.NodeID][]simnet.NodeID{0: nil, 1: {2}, 2: {1}}},
		{"one-way cut", simnet.Fault{Kind: simnet.FaultCut, From: 0, To: 1}, map[simnet.NodeID][]simnet.NodeID{0: {1, 2}, 1: {2}, 2: {0, 1}}},
		{"isolate", simnet.Fault{Kind: simnet.FaultIsolate, Node: 2}, map[simnet.NodeID][]simnet.NodeID{0: {1}, 1: {0}, 2: nil}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := simnet.New(simnet.Config{Seed: 1, Network: &simnet.Link{Latency: simnet.Latency{Dist: "constant", Min: time.Millisecond}}})
			sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return &chatter{env: env} })
			sim.Schedule(tc.fault) // at time 0, after the starts were queued: the starts run first
			sim.Run(time.Second)
			for id, want := range tc.want {
				assert.Equal(t, want, sim.NodeState(id).(*chatter).got, "node %d", id)
			}
		})
	}
}

func TestClockSkew(t *testing.T) {
	sim := simnet.New(simnet.Config{Seed: 1})
	var env0 *simnet.Env
	sim.AddNode("n0", "server", func(env *simnet.Env) simnet.Node { env0 = env; return &chatter{env: env} })
	sim.SetClock(0, simnet.ClockSkew{Offset: 5 * time.Millisecond, DriftPPM: 1000})
	sim.Run(time.Second)
	assert.Equal(t, time.Second, env0.Now())
	assert.Equal(t, time.Second+5*time.Millisecond+time.Millisecond, env0.Clock())
}

func TestStreamsAreIndependent(t *testing.T) {
	a := simnet.NewStreams(1).Get("network")
	b := simnet.NewStreams(1).Get("network")
	c := simnet.NewStreams(1).Get("faults")
	x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
	assert.Equal(t, x, y)
	assert.NotEqual(t, x, z)
}

func TestNemesisIsDataAndEndsHealed(t *testing.T) {
	n := simnet.Nemesis{Start: time.Second, End: 10 * time.Second, Interval: 300 * time.Millisecond,
		Partition: 1, Isolate: 1, Cut: 1, Crash: 2, Heal: 1, Swizzle: 1}
	require.NoError(t, n.Validate())
	targets := []simnet.NodeID{0, 1, 2, 3, 4}
	s1 := n.Generate(simnet.NewStreams(42).Get("faults"), targets)
	s2 := n.Generate(simnet.NewStreams(42).Get("faults"), targets)
	assert.Equal(t, s1, s2)
	require.NotEmpty(t, s1)
	last := s1[len(s1)-1]
	assert.Equal(t, simnet.FaultHeal, last.Kind)
	down := map[simnet.NodeID]bool{}
	maxDown := 0
	for i, f := range s1 {
		if i > 0 {
			assert.LessOrEqual(t, s1[i-1].At, f.At)
		}
		switch f.Kind {
		case simnet.FaultCrash:
			down[f.Node] = true
		case simnet.FaultRestart:
			delete(down, f.Node)
		}
		maxDown = max(maxDown, len(down))
	}
	assert.Empty(t, down, "every crashed node restarts by the end")
	isolated := map[simnet.NodeID]bool{}
	for _, f := range s1 {
		switch f.Kind {
		case simnet.FaultIsolate:
			assert.Less(t, f.At, n.End, "no isolation at or after End")
			isolated[f.Node] = true
		case simnet.FaultRejoin:
			delete(isolated, f.Node)
		}
	}
	assert.Empty(t, isolated, "every isolated node rejoins")
	assert.LessOrEqual(t, maxDown, 2, "at most a minority is down at once")
}

// sequencer sends numbered messages in a burst; the receiver records the
// order they arrive in.
type sequencer struct {
	env *simnet.Env
	got []int
}

func (s *sequencer) Start() {
	if s.env.ID() == 0 {
		for i := range 200 {
			s.env.Send(1, ping{N: i})
		}
	}
}
func (s *sequencer) Receive(_ simnet.NodeID, m any) { s.got = append(s.got, m.(ping).N) }
func (s *sequencer) Timer(any)                      {}

func TestFIFOLinksKeepSendingOrder(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		link := simnet.Link{Latency: simnet.Latency{Dist: "exponential", Min: time.Millisecond, Mean: 5 * time.Millisecond}, FIFO: fifo}
		sim := simnet.New(simnet.Config{Seed: 3, Network: &link})
		sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &sequencer{env: env} })
		sim.Run(time.Second)
		got := sim.NodeState(1).(*sequencer).got
		require.Len(t, got, 200)
		inOrder := sort.IntsAreSorted(got)
		if fifo {
			assert.True(t, inOrder, "a FIFO link never reorders")
		} else {
			assert.False(t, inOrder, "random delays reorder (seed 3)")
		}
	}
}

func TestSwarmDrawsWeightsFromTheSeed(t *testing.T) {
	base := simnet.Nemesis{Start: time.Second, End: 5 * time.Second, Interval: 200 * time.Millisecond, Crash: 1}
	seen := map[string]bool{}
	for seed := range int64(50) {
		n := base.Swarm(simnet.NewStreams(seed).Get("swarm"))
		again := base.Swarm(simnet.NewStreams(seed).Get("swarm"))
		require.Equal(t, n, again, "seed %d: the same seed draws the same weights", seed)
		require.NoError(t, n.Validate(), "seed %d: at least one kind stays on", seed)
		seen[n.Weights()] = true
	}
	assert.Greater(t, len(seen), 40, "different seeds explore different mixes")
}

// sleeper counts what it handles and when; n1 keeps a durable counter.
type sleeper struct {
	env  *simnet.Env
	seen []string
}

func (s *sleeper) Start() {
	if s.env.ID() == 0 {
		for i := range 5 {
			s.env.SetTimer(time.Duration(10+10*i)*time.Millisecond, fmt.Sprint("send", i))
		}
		return
	}
	n, _ := simnet.Load[int](s.env.Storage(), "starts")
	s.env.Storage().Put("starts", n+1)
	s.env.Logf("starts=%d", n+1)
	s.env.SetTimer(25*time.Millisecond, "own")
}
func (s *sleeper) Receive(_ simnet.NodeID, msg any) {
	s.seen = append(s.seen, fmt.Sprint(msg))
	s.env.Logf("got %v at %v", msg, s.env.Now())
}
func (s *sleeper) Timer(tag any) {
	if s.env.ID() == 0 {
		s.env.Send(1, ping{N: len(s.seen)})
		s.seen = append(s.seen, "x")
		return
	}
	s.env.Logf("timer %v at %v", tag, s.env.Now())
}

// A pause stops the node's world: messages and timers that come during it
// wait, in order, and are handled when it ends; its state is kept.
func TestPauseHoldsMessagesAndTimers(t *testing.T) {
	link := simnet.Link{Latency: simnet.Latency{Dist: "constant", Min: time.Millisecond}}
	sim := simnet.New(simnet.Config{Seed: 1, Network: &link})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &sleeper{env: env} })
	sim.Schedule(simnet.Fault{At: 15 * time.Millisecond, Kind: simnet.FaultPause, Node: 1, For: 30 * time.Millisecond})
	sim.Run(100 * time.Millisecond)
	var logs []string
	var resumeAt time.Duration
	for _, e := range sim.Trace().All() {
		switch e.Kind {
		case trace.Log:
			if e.Node == 1 {
				logs = append(logs, e.Value)
			}
		case trace.Resume:
			resumeAt = e.Time
		}
	}
	assert.Equal(t, 45*time.Millisecond, resumeAt)
	// before the pause: the message sent at 10ms; during it (15–45ms): the
	// messages sent at 20, 30 and 40ms and the own timer of 25ms wait, then
	// come in their order at 45ms; after it: the message sent at 50ms.
	assert.Equal(t, []string{"starts=1", "got {0} at 11ms",
		"got {1} at 45ms", "timer own at 45ms", "got {2} at 45ms", "got {3} at 45ms",
		"got {4} at 51ms"}, logs)
	assert.Equal(t, []string{"{0}", "{1}", "{2}", "{3}", "{4}"}, sim.NodeState(1).(*sleeper).seen, "state kept through the pause")
}

// A crash during a pause loses what waited; a crash with amnesia also
// loses durable storage.
func TestCrashDuringPauseAndAmnesia(t *testing.T) {
	link := simnet.Link{Latency: simnet.Latency{Dist: "constant", Min: time.Millisecond}}
	sim := simnet.New(simnet.Config{Seed: 1, Network: &link})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &sleeper{env: env} })
	sim.Schedule(simnet.Fault{At: 15 * time.Millisecond, Kind: simnet.FaultPause, Node: 1, For: time.Second})
	sim.Schedule(simnet.Fault{At: 35 * time.Millisecond, Kind: simnet.FaultCrash, Node: 1})
	sim.Schedule(simnet.Fault{At: 36 * time.Millisecond, Kind: simnet.FaultRestart, Node: 1})
	sim.Schedule(simnet.Fault{At: 60 * time.Millisecond, Kind: simnet.FaultCrash, Node: 1, Amnesia: true})
	sim.Schedule(simnet.Fault{At: 61 * time.Millisecond, Kind: simnet.FaultRestart, Node: 1})
	sim.Run(100 * time.Millisecond)
	var lost int
	var starts []string
	for _, e := range sim.Trace().All() {
		if e.Kind == trace.Drop && e.Value == "receiver crashed" && e.Time == 35*time.Millisecond {
			lost++
		}
		if e.Kind == trace.Log && e.Node == 1 && strings.HasPrefix(e.Value, "starts=") {
			starts = append(starts, e.Value)
		}
		assert.NotEqual(t, trace.Resume, e.Kind, "a crash ends the pause: no resume")
	}
	assert.Equal(t, 2, lost, "the messages of 20ms and 30ms waited in the inbox and died with the node")
	assert.Equal(t, []string{"starts=1", "starts=2", "starts=1"}, starts, "amnesia forgets the durable counter")
}

// A fault can drop or duplicate one message in flight, named by its id,
// including one waiting in a paused node's inbox; a message no longer in
// flight is left alone, and the trace says so.
func TestDropAndDuplicateAMessageInFlight(t *testing.T) {
	link := simnet.Link{Latency: simnet.Latency{Dist: "constant", Min: time.Millisecond}}
	sim := simnet.New(simnet.Config{Seed: 1, Network: &link})
	sim.AddNodes("n", 2, "server", func(env *simnet.Env) simnet.Node { return &sleeper{env: env} })
	// n0 sends messages 1…5 at 10, 20 … 50ms; each flies 1ms
	sim.Schedule(simnet.Fault{At: 20*time.Millisecond + 500*time.Microsecond, Kind: simnet.FaultDrop, Msg: 2})
	sim.Schedule(simnet.Fault{At: 30*time.Millisecond + 500*time.Microsecond, Kind: simnet.FaultDuplicate, Msg: 3})
	sim.Schedule(simnet.Fault{At: 31 * time.Millisecond, Kind: simnet.FaultDrop, Msg: 1}) // long delivered
	sim.Schedule(simnet.Fault{At: 39 * time.Millisecond, Kind: simnet.FaultPause, Node: 1, For: 10 * time.Millisecond})
	sim.Schedule(simnet.Fault{At: 42 * time.Millisecond, Kind: simnet.FaultDrop, Msg: 4}) // in n1's inbox
	sim.Run(100 * time.Millisecond)
	delivered := map[int64]int{}
	var drops, dups []string
	var logs []string
	for _, e := range sim.Trace().All() {
		switch e.Kind {
		case trace.Deliver:
			delivered[e.Msg]++
		case trace.Drop:
			drops = append(drops, fmt.Sprintf("#%d %v %s", e.Msg, e.Time, e.Value))
		case trace.Duplicate:
			dups = append(dups, fmt.Sprintf("#%d %v", e.Msg, e.Time))
		case trace.Log:
			if e.Node == trace.None {
				logs = append(logs, e.Value)
			}
		}
	}
	assert.Equal(t, map[int64]int{1: 1, 3: 2, 5: 1}, delivered)
	assert.Equal(t, []string{"#2 20.5ms fault: dropped in flight", "#4 42ms fault: dropped in flight"}, drops)
	assert.Equal(t, []string{"#3 30.5ms"}, dups)
	assert.Equal(t, []string{"fault drop message #1: it is not in flight; nothing happens"}, logs)
}

// marker records one mark at start, with a payload of its choosing.
type marker struct {
	env     *simnet.Env
	payload any
}

func (m *marker) Start()                     { m.env.Mark("m", m.payload) }
func (m *marker) Receive(simnet.NodeID, any) {}
func (m *marker) Timer(any)                  {}

// TestPayloadsAreCopiesAndRefusedEarly: a mark keeps the payload as it
// was when recorded (the node's later change does not reach the trace),
// and a payload that could not be written as JSON crashes the node that
// recorded it, at once, with the reason.
func TestPayloadsAreCopiesAndRefusedEarly(t *testing.T) {
	type withList struct{ Items []int }
	shared := withList{Items: []int{1, 2}}
	cases := []struct {
		name    string
		payload any
		crash   string
	}{
		{"a copy", shared, ""},
		{"a function", struct{ F func() }{}, "payload cannot be recorded"},
		{"a complex number", struct{ C complex128 }{}, "payload cannot be encoded as JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := simnet.New(simnet.Config{Seed: 1})
			sim.AddNode("n0", "server", func(env *simnet.Env) simnet.Node { return &marker{env: env, payload: tc.payload} })
			sim.Run(time.Millisecond)
			shared.Items[0] = 99 // after the run: the trace holds its own copy
			var mark, crash *trace.Event
			for i := range sim.Trace().Len() {
				e := sim.Trace().At(i)
				switch e.Kind {
				case trace.Mark:
					mark = &e
				case trace.Crash:
					crash = &e
				}
			}
			if tc.crash == "" {
				require.Nil(t, crash)
				require.NotNil(t, mark)
				assert.JSONEq(t, `{"Items":[1,2]}`, string(mark.DataJSON()))
				return
			}
			require.NotNil(t, crash, "the node must crash")
			assert.Contains(t, crash.Value, tc.crash)
			assert.Nil(t, mark)
		})
	}
	shared.Items[0] = 1
}

// rumorer sends to random peers on a timer and publishes what it got.
type rumorer struct {
	env *simnet.Env
	got []int
}

func (c *rumorer) Start() { c.env.SetTimer(time.Millisecond, "tick") }
func (c *rumorer) Receive(_ simnet.NodeID, m any) {
	c.got = append(c.got, m.(payload).Items...)
	c.env.Publish("got", len(c.got))
}
func (c *rumorer) Timer(any) {
	peers := c.env.Peers()
	c.env.Send(peers[c.env.Rand().IntN(len(peers))], payload{Items: []int{c.env.Rand().IntN(100)}})
	c.env.SetTimer(time.Duration(1+c.env.Rand().IntN(3))*time.Millisecond, "tick")
}

// A run that records only some kinds of event is the same run: the events
// it keeps are those of the full trace, in order, and the nodes end in the
// same state; what it leaves out (published state, timers) is not there.
func TestRecordOnlyKeepsTheRunAndDropsTheRest(t *testing.T) {
	lossy := &simnet.Link{Latency: simnet.Latency{Dist: "exponential", Mean: 3 * time.Millisecond}, Drop: 0.1, Duplicate: 0.1}
	kept := trace.KindsOf(trace.Send, trace.Deliver, trace.Drop, trace.Duplicate, trace.End)
	run := func(sel trace.Selection) *simnet.Sim {
		sim := simnet.New(simnet.Config{Seed: 7, Network: lossy})
		sim.AddNodes("n", 3, "server", func(env *simnet.Env) simnet.Node { return &rumorer{env: env} })
		sim.RecordOnly(sel)
		sim.Run(200 * time.Millisecond)
		return sim
	}
	full := run(trace.Selection{})
	for _, sel := range []trace.Selection{
		{Kinds: kept},
		{Kinds: kept, Messages: map[trace.Kind][]string{trace.Deliver: {}, trace.Send: {"payload"}}}, // no deliveries
	} {
		thin := run(sel)
		assert.True(t, full.Recording(trace.State))
		assert.False(t, thin.Recording(trace.State))

		var want, got []trace.Event
		left := map[trace.Kind]int{}
		for _, e := range full.Trace().All() {
			if !sel.Records(e.Kind, e.Name) {
				left[e.Kind]++
				continue
			}
			e.Index = 0
			want = append(want, e)
		}
		for _, e := range thin.Trace().All() {
			e.Index = 0
			got = append(got, e)
		}
		require.NotEmpty(t, want)
		assert.Equal(t, want, got, "the kept events are the full run's")
		assert.Positive(t, left[trace.State], "the full run publishes")
		assert.Positive(t, left[trace.TimerSet], "the full run sets timers")
		if _, narrowed := sel.Messages[trace.Deliver]; narrowed {
			assert.Positive(t, left[trace.Deliver], "deliveries left out")
		}
		for id := range simnet.NodeID(3) {
			assert.Equal(t, full.NodeState(id).(*rumorer).got, thin.NodeState(id).(*rumorer).got, "node %d did the same", id)
		}
		assert.NotEmpty(t, full.VisibleState(0))
		assert.Empty(t, thin.VisibleState(0), "nothing is published when states are not recorded")
	}
}
