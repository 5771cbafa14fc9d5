package commit

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet/trace"
)

// builder writes a commit trace by hand: participants n0, n1, the
// coordinator tm, a client c0.
type builder struct {
	t      *testing.T
	events []trace.Event
	now    time.Duration
	msg    int64
	op     int64
}

const (
	n0 trace.NodeID = iota
	n1
	tm
	c0
)

func newBuilder(t *testing.T) *builder {
	b := &builder{t: t}
	for id := n0; id <= c0; id++ {
		b.add(trace.Event{Kind: trace.Start, Node: id, Peer: trace.None})
	}
	return b
}

func (b *builder) at(d time.Duration) *builder { b.now = d; return b }

func (b *builder) add(e trace.Event) {
	e.Time = b.now
	b.events = append(b.events, e)
}

func (b *builder) mark(node trace.NodeID, name string, payload any) *builder {
	data, err := json.Marshal(payload)
	require.NoError(b.t, err)
	b.add(trace.Event{Kind: trace.Mark, Node: node, Peer: trace.None, Name: name, Data: data})
	return b
}

// send records a message sent and delivered at once.
func (b *builder) send(from, to trace.NodeID, name string, body any) *builder {
	raw, err := json.Marshal(body)
	require.NoError(b.t, err)
	b.msg++
	b.add(trace.Event{Kind: trace.Send, Node: from, Peer: to, Msg: b.msg, Name: name, Body: json.RawMessage(raw)})
	b.add(trace.Event{Kind: trace.Deliver, Node: to, Peer: from, Msg: b.msg, Name: name})
	return b
}

func (b *builder) items(a0, a1 int64) *builder {
	b.mark(n0, cm.Item.Name, cm.ItemMark{Item: "n0/A", Kind: cm.KindAccount, Value: a0})
	return b.mark(n1, cm.Item.Name, cm.ItemMark{Item: "n1/B", Kind: cm.KindAccount, Value: a1})
}

// vote sends CanCommit to p and p's vote back, marking it.
func (b *builder) vote(txn string, p trace.NodeID, delta int64, yes bool) *builder {
	node := []string{"n0", "n1"}[p]
	key := []string{"A", "B"}[p]
	b.send(tm, p, "CanCommit", cm.CanCommit{Txn: txn, Ops: []cm.Op{{Node: node, Key: key, Delta: delta}}, Participants: []string{"n0", "n1"}})
	b.mark(p, cm.Voted.Name, cm.VoteMark{Txn: txn, Yes: yes})
	return b.send(p, tm, "Vote", cm.Vote{Txn: txn, Yes: yes})
}

func (b *builder) decide(node trace.NodeID, txn string, commit bool, versions map[string]int64) *builder {
	return b.mark(node, cm.Decide.Name, cm.DecideMark{Txn: txn, Commit: commit, By: cm.ByVotes, Versions: versions})
}

// read records a committed snapshot read by c0.
func (b *builder) read(txn string, values map[string]cm.Read) *builder {
	b.op++
	in, _ := json.Marshal(cm.Input{Txn: txn, Kind: cm.TxnRead})
	out, _ := json.Marshal(cm.Output{Txn: txn, Committed: true, Reads: values})
	b.add(trace.Event{Kind: trace.Invoke, Node: c0, Peer: trace.None, Op: b.op, Data: in})
	b.add(trace.Event{Kind: trace.Return, Node: c0, Peer: trace.None, Op: b.op, Data: out})
	return b
}

func (b *builder) fault(kind trace.Kind, node trace.NodeID) *builder {
	b.add(trace.Event{Kind: kind, Node: node, Peer: trace.None})
	return b
}

func (b *builder) trace(end time.Duration) *trace.Trace {
	b.at(end)
	b.add(trace.Event{Kind: trace.End, Node: trace.None, Peer: trace.None})
	h := trace.Header{Nodes: []string{"n0", "n1", "tm", "c0"},
		Groups: []string{contract.ServerGroup, contract.ServerGroup, contract.ServerGroup, contract.ClientGroup}}
	return trace.New(h, b.events...)
}

// committed is a transfer of 10 from n0/A to n1/B that commits
// everywhere, by time 50ms.
func committed(b *builder, txn string) *builder {
	b.vote(txn, n0, -10, true).vote(txn, n1, 10, true)
	b.at(b.now+10*time.Millisecond).decide(tm, txn, true, nil)
	b.at(b.now+10*time.Millisecond).decide(n0, txn, true, map[string]int64{"n0/A": 1})
	return b.decide(n1, txn, true, map[string]int64{"n1/B": 1})
}

func run(t *testing.T, name string, tr *trace.Trace, opts any) check.Result {
	t.Helper()
	for _, s := range Specs() {
		if s.Name == name {
			if opts == nil && s.Options != nil {
				opts = s.Options()
			}
			r := s.Run(context.Background(), tr, opts)
			t.Logf("%s: %s %s %v", name, r.Verdict, r.Detail, r.Metrics)
			return r
		}
	}
	t.Fatalf("no check %s", name)
	return check.Result{}
}

func TestAtomicCommit(t *testing.T) {
	cases := []struct {
		name   string
		build  func(b *builder)
		want   check.Verdict
		detail string
	}{
		{"all commit", func(b *builder) { committed(b, "c0.1") }, check.Pass, "every node agreed"},
		{"AC1 two decisions", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.decide(n0, "c0.1", true, nil).decide(n1, "c0.1", false, nil)
		}, check.Fail, "AC1 agreement: n0 committed c0.1"},
		{"AC2 reversal", func(b *builder) {
			committed(b, "c0.1")
			b.fault(trace.Crash, n0).fault(trace.Restart, n0).decide(n0, "c0.1", false, nil)
		}, check.Fail, "AC2 no reversal: n0 decided commit"},
		{"AC3 commit over a No", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, false)
			b.decide(tm, "c0.1", true, nil)
		}, check.Fail, "AC3 validity: tm committed c0.1 at 0s, but n1 voted No"},
		{"AC4 abort with all Yes and no failure", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.decide(tm, "c0.1", false, nil).decide(n0, "c0.1", false, nil).decide(n1, "c0.1", false, nil)
		}, check.Fail, "AC4 non-triviality"},
		{"abort after a crash is allowed", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.fault(trace.Crash, tm).fault(trace.Restart, tm)
			b.decide(tm, "c0.1", false, nil).decide(n0, "c0.1", false, nil)
		}, check.Pass, "1 transactions decided (0 committed, 1 aborted)"},
		{"abort on a No is allowed", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, false)
			b.decide(tm, "c0.1", false, nil).decide(n0, "c0.1", false, nil)
		}, check.Pass, "every node agreed"},
		{"nothing decided", func(b *builder) { b.items(1, 1).vote("c0.1", n0, -10, true) }, check.Unknown, "no node decided"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			tc.build(b)
			r := run(t, AtomicCommit, b.trace(time.Second), nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
}

func TestTermination(t *testing.T) {
	cases := []struct {
		name   string
		build  func(b *builder)
		end    time.Duration
		opts   *TerminationOptions
		want   check.Verdict
		detail string
	}{
		{"decided", func(b *builder) { committed(b, "c0.1") }, time.Second, nil, check.Pass, "every participant decided"},
		{"undecided long after the last fault", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.at(20*time.Millisecond).decide(n0, "c0.1", true, nil)
		}, 5 * time.Second, nil, check.Fail, "n1 never decided c0.1"},
		{"undecided but young", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
		}, time.Second, nil, check.Pass, "2 undecided at the end, younger than the bound"},
		{"undecided and crashed", func(b *builder) {
			b.vote("c0.1", n0, -10, true)
			b.fault(trace.Crash, n0)
		}, 5 * time.Second, nil, check.Pass, "every participant decided"},
		{"blocked longer than max_uncertain", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.at(3*time.Second).decide(n0, "c0.1", true, nil).decide(n1, "c0.1", true, nil)
		}, 4 * time.Second, &TerminationOptions{Bound: time.Second, MaxUncertain: 2 * time.Second}, check.Fail, "n0 was blocked on c0.1 for 3s while up"},
		{"a pause does not count as blocking", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.at(100*time.Millisecond).fault(trace.Pause, n0).fault(trace.Pause, n1)
			b.at(2900*time.Millisecond).fault(trace.Resume, n0).fault(trace.Resume, n1)
			b.at(3*time.Second).decide(n0, "c0.1", true, nil).decide(n1, "c0.1", true, nil)
		}, 4 * time.Second, &TerminationOptions{Bound: time.Second, MaxUncertain: 2 * time.Second}, check.Pass, "every participant decided"},
		{"nobody voted Yes", func(b *builder) { b.vote("c0.1", n0, -10, false) }, time.Second, nil, check.Unknown, "no participant voted Yes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			tc.build(b)
			var opts any
			if tc.opts != nil {
				opts = tc.opts
			}
			r := run(t, Termination, b.trace(tc.end), opts)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
}

func TestTerminationMeasuresLocksAndDivergence(t *testing.T) {
	b := newBuilder(t)
	b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
	b.at(10*time.Millisecond).decide(n0, "c0.1", true, nil)
	b.at(2010*time.Millisecond).decide(n1, "c0.1", true, nil)
	r := run(t, Termination, b.trace(3*time.Second), nil)
	require.Equal(t, check.Pass, r.Verdict)
	assert.InDelta(t, 2000, r.Metrics["diverged_max_ms"], 0.01)
	assert.InDelta(t, 2010, r.Metrics["lock_hold_max_ms"], 0.01)
	assert.InDelta(t, 2010, r.Metrics["uncertain_max_ms"], 0.01)
}

func TestBankInvariant(t *testing.T) {
	both := func(a, b int64) map[string]cm.Read {
		return map[string]cm.Read{"n0/A": {Value: a, Version: 1}, "n1/B": {Value: b, Version: 1}}
	}
	cases := []struct {
		name   string
		build  func(b *builder)
		want   check.Verdict
		detail string
	}{
		{"total kept", func(b *builder) { b.items(800, 600).read("c0.1", both(800, 600)).read("c0.2", both(600, 800)) }, check.Pass, "2 snapshot reads of every account summed to 1400"},
		{"half a transfer", func(b *builder) { b.items(800, 600).read("c0.1", both(600, 600)) }, check.Fail, "sums to 1200, not 1400"},
		{"negative balance", func(b *builder) { b.items(800, 600).read("c0.1", both(1500, -100)) }, check.Fail, "n1/B = -100: a negative balance"},
		{"values explained by the commits", func(b *builder) {
			committed(b.items(800, 600), "c0.1").read("c0.2", map[string]cm.Read{"n0/A": {Value: 790, Version: 1}, "n1/B": {Value: 610, Version: 1}})
		}, check.Pass, "2 values read, each explained"},
		{"a value nothing explains", func(b *builder) {
			committed(b.items(800, 600), "c0.1").read("c0.2", map[string]cm.Read{"n0/A": {Value: 780, Version: 1}, "n1/B": {Value: 620, Version: 1}})
		}, check.Fail, "saw n0/A = 780 at version 1, but its initial 800, c0.1 -10 make it 790"},
		{"an abort's write left behind", func(b *builder) {
			b.items(800, 600).vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, false)
			b.decide(tm, "c0.1", false, nil).decide(n0, "c0.1", false, nil)
			b.read("c0.2", map[string]cm.Read{"n0/A": {Value: 790, Version: 0}, "n1/B": {Value: 600, Version: 0}})
		}, check.Fail, "saw n0/A = 790 at version 0, but its initial 800 make it 800"},
		{"no full read", func(b *builder) {
			b.items(800, 600).read("c0.1", map[string]cm.Read{"n0/A": {Value: 800}})
		}, check.Unknown, "none of every account"},
		{"no read", func(b *builder) { b.items(800, 600) }, check.Unknown, "no committed snapshot read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			tc.build(b)
			r := run(t, BankInvariant, b.trace(time.Second), nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
}

func TestAtomicVisibility(t *testing.T) {
	read := func(va, vb int64) map[string]cm.Read {
		return map[string]cm.Read{"n0/A": {Value: 790, Version: va}, "n1/B": {Value: 610, Version: vb}}
	}
	cases := []struct {
		name   string
		build  func(b *builder)
		want   check.Verdict
		detail string
	}{
		{"sees all of it", func(b *builder) { committed(b, "c0.1").read("c0.2", read(1, 1)) }, check.Pass, "whole or not at all"},
		{"sees none of it", func(b *builder) { committed(b, "c0.1").read("c0.2", read(0, 0)) }, check.Pass, "whole or not at all"},
		{"sees half", func(b *builder) { committed(b, "c0.1").read("c0.2", read(1, 0)) }, check.Fail, "saw c0.1's write to n0/A but not to n1/B"},
		{"committed at one participant only", func(b *builder) {
			b.vote("c0.1", n0, -10, true).vote("c0.1", n1, 10, true)
			b.decide(n0, "c0.1", true, map[string]int64{"n0/A": 1}).decide(n1, "c0.1", false, nil)
			b.read("c0.2", read(1, 0))
		}, check.Fail, "half a transaction"},
		{"no read of two written items", func(b *builder) { committed(b, "c0.1") }, check.Unknown, "nothing to judge"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			tc.build(b)
			r := run(t, AtomicVisibility, b.trace(time.Second), nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
}

func TestCost(t *testing.T) {
	b := newBuilder(t)
	// Both CanCommits leave before any vote comes back: 2 delays.
	for p, name := range []string{"n0", "n1"} {
		b.send(tm, trace.NodeID(p), "CanCommit", cm.CanCommit{Txn: "c0.1", Ops: []cm.Op{{Node: name, Key: "A", Delta: 1}}, Participants: []string{"n0", "n1"}})
	}
	for p := range 2 {
		b.send(trace.NodeID(p), tm, "Vote", cm.Vote{Txn: "c0.1", Yes: true})
	}
	b.decide(tm, "c0.1", true, nil).decide(n0, "c0.1", true, nil).decide(n1, "c0.1", true, nil)
	b.send(tm, n0, "DoCommit", map[string]string{"txn": "c0.1"}).send(tm, n1, "DoCommit", map[string]string{"txn": "c0.1"})
	b.mark(tm, cm.Log.Name, cm.LogMark{Txn: "c0.1", Record: "commit", Forced: true})
	tr := b.trace(time.Second)
	r := run(t, Cost, tr, nil)
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 6.0, r.Metrics["per_commit"])
	assert.Equal(t, 2.0, r.Metrics["per_commit/Vote"])
	assert.Equal(t, 1.0, r.Metrics["forced_per_commit"])
	assert.Equal(t, 2.0, r.Metrics["delays_to_decision"], "CanCommit, then Vote")
	r = run(t, Cost, tr, &CostOptions{MinCommitted: 2})
	assert.Equal(t, check.Fail, r.Verdict)
	assert.Contains(t, r.Detail, "only 1 transactions committed (min_committed 2)")
	assert.Equal(t, check.Unknown, run(t, Cost, newBuilder(t).items(1, 1).trace(time.Second), nil).Verdict)
}

// mqBuilder: services order (step 0), pay (1), stock (2), the broker, a
// client.
func mqTrace(t *testing.T, build func(b *builder), end time.Duration) *trace.Trace {
	b := &builder{t: t}
	for id := trace.NodeID(0); id < 5; id++ {
		b.add(trace.Event{Kind: trace.Start, Node: id, Peer: trace.None})
	}
	for step := range 3 {
		b.mark(trace.NodeID(step), cm.Service.Name, cm.ServiceMark{Step: step})
	}
	build(b)
	b.at(end)
	b.add(trace.Event{Kind: trace.End, Node: trace.None, Peer: trace.None})
	h := trace.Header{Nodes: []string{"order", "pay", "stock", "broker", "c0"},
		Groups: []string{contract.ServerGroup, contract.ServerGroup, contract.ServerGroup, contract.ServerGroup, contract.ClientGroup}}
	return trace.New(h, b.events...)
}

const (
	order trace.NodeID = iota
	pay
	stock
	broker
)

func applied(b *builder, node trace.NodeID, ord string, at time.Duration) {
	b.at(at).mark(node, cm.Applied.Name, cm.ApplyMark{Order: ord})
}

func TestEventualConsistency(t *testing.T) {
	cases := []struct {
		name   string
		build  func(b *builder)
		want   check.Verdict
		detail string
	}{
		{"everywhere", func(b *builder) {
			applied(b, order, "c0.1", 10*time.Millisecond)
			applied(b, pay, "c0.1", 30*time.Millisecond)
			applied(b, stock, "c0.1", 60*time.Millisecond)
		}, check.Pass, "1 orders reached every service (inconsistent for p50 50ms"},
		{"never shipped", func(b *builder) {
			applied(b, order, "c0.1", 10*time.Millisecond)
			applied(b, pay, "c0.1", 30*time.Millisecond)
		}, check.Fail, "order c0.1, taken by order at 10ms, never reached stock"},
		{"charged but never taken", func(b *builder) {
			b.mark(order, cm.RolledBack.Name, cm.OrderMark{Order: "c0.1"})
			applied(b, pay, "c0.1", 30*time.Millisecond)
		}, check.Fail, "pay applied order c0.1 at 30ms, which order never took (it rolled the order back)"},
		{"nothing applied", func(b *builder) {}, check.Unknown, "no service applied an order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, EventualConsistent, mqTrace(t, tc.build, 5*time.Second), nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
	young := mqTrace(t, func(b *builder) { applied(b, order, "c0.1", 4900*time.Millisecond) }, 5*time.Second)
	assert.Equal(t, check.Pass, run(t, EventualConsistent, young, nil).Verdict, "an order on its way at the end is not a violation")
}

func TestEffectivelyOnce(t *testing.T) {
	deliver := func(b *builder, to trace.NodeID, ord string) {
		b.send(broker, to, "Deliver", cm.Deliver{ID: ord + "@x", Order: ord})
	}
	cases := []struct {
		name   string
		build  func(b *builder)
		want   check.Verdict
		detail string
	}{
		{"once, redelivery ignored", func(b *builder) {
			applied(b, order, "c0.1", 10*time.Millisecond)
			deliver(b, pay, "c0.1")
			applied(b, pay, "c0.1", 30*time.Millisecond)
			deliver(b, pay, "c0.1")
			b.mark(pay, cm.Duplicate.Name, cm.OrderMark{Order: "c0.1"})
		}, check.Pass, "(1 redeliveries, 1 recognised duplicates)"},
		{"charged twice", func(b *builder) {
			applied(b, order, "c0.1", 10*time.Millisecond)
			applied(b, pay, "c0.1", 30*time.Millisecond)
			applied(b, pay, "c0.1", 230*time.Millisecond)
		}, check.Fail, "pay applied order c0.1 twice, at 30ms and at 230ms: a double charge"},
		{"only the order service", func(b *builder) { applied(b, order, "c0.1", 10*time.Millisecond) }, check.Unknown, "no consumer applied an order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, EffectivelyOnce, mqTrace(t, tc.build, time.Second), nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			assert.Contains(t, r.Detail, tc.detail)
		})
	}
}

// The body of a message is read the same whether the trace is live (the
// value) or read from a file (its JSON).
func TestTxnOfLiveAndFile(t *testing.T) {
	type live struct {
		Txn string `json:"txn"`
		N   int
	}
	assert.Equal(t, "c0.7", txnOf(live{Txn: "c0.7"}))
	assert.Equal(t, "c0.7", txnOf(json.RawMessage(`{"N":1,"txn":"c0.7"}`)))
	assert.Equal(t, "", txnOf(struct{ Order string }{"c0.1"}))
	assert.Equal(t, "", txnOf(json.RawMessage(`{"order":"c0.1"}`)))
	v, ok := decodeBody[cm.Vote](cm.Vote{Txn: "x", Yes: true})
	assert.True(t, ok && v.Yes)
	v, ok = decodeBody[cm.Vote](json.RawMessage(`{"txn":"x","yes":true}`))
	assert.True(t, ok && v.Yes)
}
