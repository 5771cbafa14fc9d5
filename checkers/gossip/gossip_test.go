package gossip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/checkers/gossip"
	"distlab/contract"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// builder writes gossip traces by hand: servers n0…, clients c0….
type builder struct {
	tr      trace.Trace
	servers int
	msg     int64
	op      int64
	live    bool // message bodies as live values (a Carrier) or as JSON
}

// push is a replica-to-replica message that carries entries.
type push struct {
	Entries []gc.Entry `json:"entries"`
}

func (p push) Carried() []gc.Entry { return p.Entries }

func newBuilder(servers, clients int) *builder {
	b := &builder{servers: servers}
	for i := range servers {
		b.tr.Header.Nodes = append(b.tr.Header.Nodes, fmt.Sprintf("n%d", i))
		b.tr.Header.Groups = append(b.tr.Header.Groups, contract.ServerGroup)
	}
	for i := range clients {
		b.tr.Header.Nodes = append(b.tr.Header.Nodes, fmt.Sprintf("c%d", i))
		b.tr.Header.Groups = append(b.tr.Header.Groups, contract.ClientGroup)
	}
	for i := range servers + clients {
		b.add(trace.Event{Kind: trace.Start, Node: trace.NodeID(i)})
		if i < servers {
			b.mark(0, trace.NodeID(i), gc.Config.Name, gc.ConfigMark{Protocol: "push", Period: int64(100 * time.Millisecond), Fanout: 1})
		}
	}
	return b
}

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }

// client c's node id.
func (b *builder) c(i int) trace.NodeID { return trace.NodeID(b.servers + i) }

func (b *builder) add(e trace.Event) *builder {
	if e.Peer == 0 && e.Kind != trace.Send && e.Kind != trace.Deliver {
		e.Peer = trace.None
	}
	b.tr.Append(e)
	return b
}

func (b *builder) mark(at int, node trace.NodeID, name string, data any) *builder {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return b.add(trace.Event{Time: ms(at), Kind: trace.Mark, Node: node, Name: name, Data: raw})
}

func (b *builder) apply(at int, node trace.NodeID, e gc.Entry, via, from string) *builder {
	return b.mark(at, node, gc.Apply.Name, gc.ApplyMark{Key: e.Key, Value: e.Value, TS: e.TS, Node: e.Node, Via: via, From: from})
}

func (b *builder) invoke(at int, client trace.NodeID, in gc.Input) int64 {
	b.op++
	raw, _ := json.Marshal(in)
	b.add(trace.Event{Time: ms(at), Kind: trace.Invoke, Node: client, Op: b.op, Data: raw})
	return b.op
}

func (b *builder) ret(at int, client trace.NodeID, op int64, out gc.Output) *builder {
	raw, _ := json.Marshal(out)
	return b.add(trace.Event{Time: ms(at), Kind: trace.Return, Node: client, Op: op, Data: raw})
}

func (b *builder) send(at int, from, to trace.NodeID, name string, body any) int64 {
	b.msg++
	if !b.live {
		raw, _ := json.Marshal(body)
		body = json.RawMessage(raw)
	}
	b.add(trace.Event{Time: ms(at), Kind: trace.Send, Node: from, Peer: to, Msg: b.msg, Name: name, Body: body})
	return b.msg
}

func (b *builder) deliver(at int, to, from trace.NodeID, msg int64, name string) *builder {
	return b.add(trace.Event{Time: ms(at), Kind: trace.Deliver, Node: to, Peer: from, Msg: msg, Name: name})
}

// write: client c writes key=value at server s (stamped ts), acknowledged.
func (b *builder) write(at int, c, s trace.NodeID, key, value string, ts int64) gc.Entry {
	e := gc.Entry{Key: key, Value: value, TS: ts, Node: int32(s)}
	op := b.invoke(at, c, gc.Input{Kind: gc.OpWrite, Replica: b.tr.NodeName(s), Key: key, Value: value})
	m := b.send(at, c, s, "WriteReq", map[string]string{"Key": key, "Value": value})
	b.deliver(at+1, s, c, m, "WriteReq")
	b.apply(at+1, s, e, gc.ViaWrite, b.tr.NodeName(c))
	b.ret(at+2, c, op, gc.Output{OK: true, Entry: &e})
	return e
}

// read: client c reads server s, which returns entries.
func (b *builder) read(at int, c, s trace.NodeID, entries ...gc.Entry) *builder {
	op := b.invoke(at, c, gc.Input{Kind: gc.OpRead, Replica: b.tr.NodeName(s)})
	return b.ret(at+2, c, op, gc.Output{OK: true, Entries: entries})
}

// gossip: from pushes entries to to, which applies the ones listed new.
func (b *builder) gossip(at int, from, to trace.NodeID, entries []gc.Entry, fresh ...gc.Entry) *builder {
	m := b.send(at, from, to, "Push", push{Entries: entries})
	b.deliver(at+1, to, from, m, "Push")
	for _, e := range fresh {
		b.apply(at+1, to, e, gc.ViaGossip, b.tr.NodeName(from))
	}
	return b
}

func (b *builder) end(at int) *trace.Trace {
	b.add(trace.Event{Time: ms(at), Kind: trace.End, Node: trace.None})
	return &b.tr
}

func run(t *testing.T, name string, tr *trace.Trace, opts any) check.Result {
	t.Helper()
	for _, s := range gossip.Specs() {
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

// spread: a write at n0 reaches n1 and n2 by gossip; everyone reads it.
func spread(live bool) *trace.Trace {
	b := newBuilder(3, 1)
	b.live = live
	w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
	b.gossip(100, 0, 1, []gc.Entry{w}, w)
	b.gossip(200, 1, 2, []gc.Entry{w}, w)
	b.gossip(300, 0, 2, []gc.Entry{w}) // redundant
	b.read(50, b.c(0), 2)              // before it arrived: stale
	b.read(1500, b.c(0), 0, w)
	b.read(1510, b.c(0), 1, w)
	b.read(1520, b.c(0), 2, w)
	return b.end(3000)
}

func TestEveryCheckPassesACleanSpread(t *testing.T) {
	for _, live := range []bool{true, false} {
		tr := spread(live)
		for _, s := range gossip.Specs() {
			r := run(t, s.Name, tr, nil)
			assert.Equal(t, check.Pass, r.Verdict, "%s (live bodies %v): %s", s.Name, live, r.Detail)
		}
	}
}

func TestConvergence(t *testing.T) {
	r := run(t, gossip.Convergence, spread(true), nil)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	// Written at 11ms, n2 holds it from 201ms: rounds at 100 and 200.
	assert.Equal(t, 2.0, r.Metrics["cover_rounds_max"])
	assert.Equal(t, 2.0, r.Metrics["hops_max"])
	assert.InDelta(t, 191.0, r.Metrics["stable_p50_ms"], 1e-9, "from the invocation at 10ms to the last holder at 201ms")

	t.Run("a replica that never hears fails", func(t *testing.T) {
		b := newBuilder(3, 1)
		w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.gossip(100, 0, 1, []gc.Entry{w}, w)
		r := run(t, gossip.Convergence, b.end(3000), nil)
		require.Equal(t, check.Fail, r.Verdict)
		assert.Contains(t, r.Detail, "n2 lacks a")
	})
	t.Run("too soon to tell is unknown", func(t *testing.T) {
		b := newBuilder(3, 1)
		w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.gossip(100, 0, 1, []gc.Entry{w}, w)
		r := run(t, gossip.Convergence, b.end(500), nil)
		assert.Equal(t, check.Unknown, r.Verdict, r.Detail)
	})
	t.Run("no write is unknown", func(t *testing.T) {
		b := newBuilder(2, 1)
		b.read(10, b.c(0), 0)
		assert.Equal(t, check.Unknown, run(t, gossip.Convergence, b.end(3000), nil).Verdict)
	})
	t.Run("late convergence fails the bound", func(t *testing.T) {
		b := newBuilder(2, 1)
		w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.gossip(2500, 0, 1, []gc.Entry{w}, w)
		r := run(t, gossip.Convergence, b.end(4000), nil)
		require.Equal(t, check.Fail, r.Verdict)
		assert.Contains(t, r.Detail, "became equal only")
	})
	t.Run("Gossip Glomers targets", func(t *testing.T) {
		r := run(t, gossip.Convergence, spread(true), &gossip.ConvergenceOptions{Bound: 2 * time.Second, StableP50: 100 * time.Millisecond})
		require.Equal(t, check.Fail, r.Verdict)
		assert.Contains(t, r.Detail, "median stable latency")
	})
	t.Run("reads contradicting the marks fail", func(t *testing.T) {
		b := newBuilder(2, 1)
		w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.gossip(100, 0, 1, []gc.Entry{w}, w)
		b.read(500, b.c(0), 1) // n1 said it held it since 101ms
		r := run(t, gossip.Convergence, b.end(3000), nil)
		require.Equal(t, check.Fail, r.Verdict)
		assert.Contains(t, r.Detail, "contradict")
	})
}

func TestNoLostWrite(t *testing.T) {
	r := run(t, gossip.LostWrite, spread(true), nil)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 1.0, r.Metrics["stale"], "the read at 50ms missed it, the later ones show it")

	t.Run("last writer wins under skew loses the later write", func(t *testing.T) {
		b := newBuilder(2, 2)
		// n1's clock is 5s ahead: its write at 10ms is stamped 5010ms.
		early := b.write(10, b.c(0), 1, "k", "c0.1", 5010)
		late := b.write(50, b.c(1), 0, "k", "c1.1", 51) // begins after the first was acknowledged
		b.gossip(100, 1, 0, []gc.Entry{early}, early)
		b.gossip(100, 0, 1, []gc.Entry{late})
		b.read(2000, b.c(0), 0, early)
		b.read(2010, b.c(1), 1, early)
		r := run(t, gossip.LostWrite, b.end(3000), nil)
		require.Equal(t, check.Fail, r.Verdict, r.Detail)
		assert.Contains(t, r.Detail, `"c1.1"`)
		assert.Contains(t, r.Detail, "last-writer-wins kept the older write")
		assert.Equal(t, 1.0, r.Metrics["lost"])
	})
	t.Run("a write that vanished is lost", func(t *testing.T) {
		b := newBuilder(2, 1)
		b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.add(trace.Event{Time: ms(20), Kind: trace.Crash, Node: 0})
		b.add(trace.Event{Time: ms(30), Kind: trace.Restart, Node: 0})
		b.read(2000, b.c(0), 0)
		b.read(2010, b.c(0), 1)
		r := run(t, gossip.LostWrite, b.end(3000), nil)
		require.Equal(t, check.Fail, r.Verdict, r.Detail)
		assert.Contains(t, r.Detail, "no settled read shows it")
	})
	t.Run("reads too soon are unsettled, not lost", func(t *testing.T) {
		b := newBuilder(2, 1)
		b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.read(300, b.c(0), 1)
		r := run(t, gossip.LostWrite, b.end(3000), nil)
		assert.Equal(t, check.Unknown, r.Verdict, r.Detail)
		assert.Equal(t, 1.0, r.Metrics["unsettled"])
	})
	t.Run("no read after the write is never read", func(t *testing.T) {
		b := newBuilder(2, 1)
		b.write(10, b.c(0), 0, "a", "c0.1", 11)
		r := run(t, gossip.LostWrite, b.end(3000), nil)
		assert.Equal(t, check.Unknown, r.Verdict)
		assert.Equal(t, 1.0, r.Metrics["never_read"])
	})
}

func TestValidity(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *builder)
		want  string
	}{
		{"invented value", func(b *builder) {
			b.write(10, b.c(0), 0, "a", "c0.1", 11)
			b.gossip(100, 0, 1, []gc.Entry{{Key: "a", Value: "zzz", TS: 11}}, gc.Entry{Key: "a", Value: "zzz", TS: 11})
		}, "never written by a client"},
		{"restamped value", func(b *builder) {
			w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
			w.TS = 99
			b.gossip(100, 0, 1, []gc.Entry{w}, w)
		}, "its replica stamped it"},
		{"version goes backwards", func(b *builder) {
			old := b.write(10, b.c(0), 0, "a", "c0.1", 11)
			newer := b.write(20, b.c(0), 1, "a", "c0.2", 21)
			b.gossip(100, 0, 1, []gc.Entry{old}, old) // arrival order: the older overwrites
			_ = newer
		}, "went backwards"},
		{"applied what no message carried", func(b *builder) {
			w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
			v := b.write(20, b.c(0), 0, "b", "c0.2", 21)
			b.gossip(100, 0, 1, []gc.Entry{w}, w, v)
		}, "did not carry it"},
		{"restored what it never held", func(b *builder) {
			w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
			b.add(trace.Event{Time: ms(50), Kind: trace.Crash, Node: 1})
			b.add(trace.Event{Time: ms(60), Kind: trace.Restart, Node: 1})
			b.apply(60, 1, w, gc.ViaRestore, "")
		}, "never held it before"},
		{"a read returns an invented value", func(b *builder) {
			b.write(10, b.c(0), 0, "a", "c0.1", 11)
			b.read(100, b.c(0), 0, gc.Entry{Key: "a", Value: "boo", TS: 11})
		}, "a read of n0 returned a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBuilder(2, 1)
			c.build(b)
			r := run(t, gossip.Validity, b.end(3000), nil)
			require.Equal(t, check.Fail, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, c.want)
		})
	}
	t.Run("a restart restores what it held", func(t *testing.T) {
		b := newBuilder(2, 1)
		w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
		b.gossip(100, 0, 1, []gc.Entry{w}, w)
		b.add(trace.Event{Time: ms(150), Kind: trace.Crash, Node: 1})
		b.add(trace.Event{Time: ms(160), Kind: trace.Restart, Node: 1})
		b.apply(160, 1, w, gc.ViaRestore, "")
		r := run(t, gossip.Validity, b.end(3000), nil)
		assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	})
}

func TestResidue(t *testing.T) {
	b := newBuilder(4, 1)
	w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
	b.gossip(100, 0, 1, []gc.Entry{w}, w)
	tr := b.end(3000)
	r := run(t, gossip.Residue, tr, nil)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "2 of 4 live replicas")
	assert.Equal(t, 0.5, r.Metrics["residue"])
	assert.Equal(t, 0.0, r.Metrics["complete"])
	r = run(t, gossip.Residue, tr, &gossip.ResidueOptions{Max: 0.5})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)

	// A replica down at the end does not count.
	b = newBuilder(3, 1)
	w = b.write(10, b.c(0), 0, "a", "c0.1", 11)
	b.gossip(100, 0, 1, []gc.Entry{w}, w)
	b.add(trace.Event{Time: ms(200), Kind: trace.Crash, Node: 2})
	r = run(t, gossip.Residue, b.end(3000), nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 1.0, r.Metrics["complete"])
}

func TestCost(t *testing.T) {
	r := run(t, gossip.Cost, spread(true), nil)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 3.0, r.Metrics["msgs"])
	assert.Equal(t, 1.0, r.Metrics["redundant"], "the push n0→n2 at 300ms brought nothing new")
	assert.Equal(t, 3.0, r.Metrics["msgs_per_update"])
	assert.Equal(t, 0.6, r.Metrics["msgs_per_op"], "3 messages, 1 write and 4 reads")

	b := newBuilder(2, 1)
	w := b.write(10, b.c(0), 0, "a", "c0.1", 11)
	b.gossip(100, 0, 1, []gc.Entry{w}, w)
	b.gossip(200, 0, 1, []gc.Entry{w})
	tr := b.end(3000)
	r = run(t, gossip.Cost, tr, &gossip.CostOptions{MaxRepeats: 0})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "the very same data")
	assert.Equal(t, []string{"n0", "n1"}, r.Nodes)
	r = run(t, gossip.Cost, tr, &gossip.CostOptions{MaxRepeats: -1, MaxMsgsPerOp: 1.5})
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "messages per operation")
}

// A payload that breaks the contract fails the checks that read it.
func TestContractBreachFails(t *testing.T) {
	b := newBuilder(2, 1)
	b.write(10, b.c(0), 0, "a", "c0.1", 11)
	b.add(trace.Event{Time: ms(20), Kind: trace.Mark, Node: 1, Name: gc.Apply.Name, Data: json.RawMessage(`{"key": 3}`)})
	r := run(t, gossip.Validity, b.end(3000), nil)
	require.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "breaks the gossip contract")
}
