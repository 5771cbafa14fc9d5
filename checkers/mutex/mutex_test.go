package mutex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers/check"
	"distlab/checkers/mutex"
	"distlab/simnet/trace"
)

// builder writes traces by hand, one event per line of a test.
type builder struct{ tr trace.Trace }

func newBuilder(nodes int) *builder {
	b := &builder{}
	for i := range nodes {
		b.tr.Header.Nodes = append(b.tr.Header.Nodes, fmt.Sprintf("n%d", i))
		b.tr.Header.Groups = append(b.tr.Header.Groups, "server")
	}
	return b
}

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }

func (b *builder) add(e trace.Event) *builder {
	e.Index = b.tr.Len()
	if e.Peer == 0 && e.Kind != trace.Send {
		e.Peer = trace.None
	}
	b.tr.Append(e)
	return b
}

func (b *builder) mark(at int, node trace.NodeID, name string, data any) *builder {
	raw, _ := json.Marshal(data)
	return b.add(trace.Event{Time: ms(at), Kind: trace.Mark, Node: node, Name: name, Data: raw})
}

func (b *builder) req(at int, node trace.NodeID, seq, ts int64) *builder {
	return b.mark(at, node, "cs-request", map[string]int64{"seq": seq, "ts": ts})
}
func (b *builder) enter(at int, node trace.NodeID, seq int64) *builder {
	return b.mark(at, node, "cs-enter", map[string]int64{"seq": seq})
}
func (b *builder) exit(at int, node trace.NodeID, seq int64) *builder {
	return b.mark(at, node, "cs-exit", map[string]int64{"seq": seq})
}
func (b *builder) send(at int, from, to trace.NodeID, name string) *builder {
	return b.add(trace.Event{Time: ms(at), Kind: trace.Send, Node: from, Peer: to, Name: name})
}
func (b *builder) crash(at int, node trace.NodeID) *builder {
	return b.add(trace.Event{Time: ms(at), Kind: trace.Crash, Node: node})
}
func (b *builder) coord(at int, name, node string, seq int64) *builder {
	return b.mark(at, 0, name, map[string]any{"node": node, "seq": seq})
}
func (b *builder) at(t int) *builder {
	return b.add(trace.Event{Time: ms(t), Kind: trace.Log, Node: 0})
}

func run(t *testing.T, name string, tr *trace.Trace, opts any) check.Result {
	t.Helper()
	for _, s := range mutex.Specs() {
		if s.Name == name {
			if opts == nil && s.Options != nil {
				opts = s.Options()
			}
			return s.Run(context.Background(), tr, opts)
		}
	}
	t.Fatalf("no checker %s", name)
	return check.Result{}
}

func TestSafety(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tr    *builder
		want  check.Verdict
		nodes []string
		at    time.Duration
	}{
		{"one after the other", newBuilder(2).req(0, 0, 1, 0).req(0, 1, 1, 0).enter(1, 0, 1).exit(5, 0, 1).enter(6, 1, 1).exit(9, 1, 1),
			check.Pass, nil, 0},
		{"exit and enter at the same instant are allowed", newBuilder(2).enter(1, 0, 1).enter(5, 1, 1).exit(5, 0, 1).exit(9, 1, 1),
			check.Pass, nil, 0},
		{"overlap", newBuilder(3).enter(1, 2, 1).enter(4, 0, 1).exit(5, 2, 1).exit(9, 0, 1),
			check.Fail, []string{"n2", "n0"}, ms(4)},
		{"nested inside a long stay", newBuilder(3).enter(1, 0, 1).enter(2, 1, 1).exit(3, 1, 1).enter(4, 2, 1).exit(20, 0, 1),
			check.Fail, []string{"n0", "n1"}, ms(2)},
		{"still inside at the end", newBuilder(2).enter(1, 0, 1).enter(8, 1, 1).at(10),
			check.Fail, []string{"n0", "n1"}, ms(8)},
		{"a crash ends the stay", newBuilder(2).enter(1, 0, 1).crash(3, 0).enter(4, 1, 1).exit(6, 1, 1),
			check.Pass, nil, 0},
		{"entering twice without leaving", newBuilder(1).enter(1, 0, 1).enter(2, 0, 2),
			check.Fail, []string{"n0"}, ms(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, mutex.Safety, &tc.tr.tr, nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			if tc.want == check.Fail {
				assert.Equal(t, tc.nodes, r.Nodes)
				assert.Equal(t, tc.at, r.At)
			}
		})
	}
}

func TestLiveness(t *testing.T) {
	bound := &mutex.LivenessOptions{Bound: ms(100)}
	for _, tc := range []struct {
		name string
		tr   *builder
		want check.Verdict
	}{
		{"all granted", newBuilder(2).req(0, 0, 1, 0).enter(5, 0, 1).exit(6, 0, 1).at(500), check.Pass},
		{"young request at the end", newBuilder(2).req(450, 0, 1, 0).at(500), check.Pass},
		{"starved", newBuilder(2).req(10, 1, 1, 0).at(500), check.Fail},
		{"a crashed node's request is gone", newBuilder(2).req(10, 1, 1, 0).crash(20, 1).at(500), check.Pass},
		{"counted from the last fault", newBuilder(2).req(10, 1, 1, 0).crash(450, 0).at(500), check.Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, mutex.Liveness, &tc.tr.tr, bound)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
			if tc.want == check.Fail {
				assert.Equal(t, []string{"n1"}, r.Nodes)
			}
		})
	}
}

func TestFairness(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   *builder
		want check.Verdict
	}{
		{"fifo kept", newBuilder(3).coord(1, "queued", "n1", 1).coord(2, "queued", "n2", 1).coord(2, "grant", "n1", 1).coord(9, "grant", "n2", 1), check.Pass},
		{"fifo broken", newBuilder(3).coord(1, "queued", "n1", 1).coord(2, "queued", "n2", 1).coord(3, "grant", "n2", 1), check.Fail},
		{"fifo: a crashed node's request leaves the queue", newBuilder(3).coord(1, "queued", "n1", 1).coord(2, "queued", "n2", 1).crash(2, 1).coord(3, "grant", "n2", 1), check.Pass},
		{"timestamps kept", newBuilder(3).req(1, 1, 1, 5).req(2, 2, 1, 3).enter(3, 2, 1).exit(4, 2, 1).enter(5, 1, 1), check.Pass},
		{"timestamp tie broken by id", newBuilder(3).req(1, 1, 1, 3).req(2, 2, 1, 3).enter(3, 1, 1).exit(4, 1, 1).enter(5, 2, 1), check.Pass},
		{"timestamps broken", newBuilder(3).req(1, 1, 1, 5).req(2, 2, 1, 3).enter(3, 1, 1).exit(4, 1, 1).enter(5, 2, 1), check.Fail},
		{"ring: one pass per round", newBuilder(3).req(0, 2, 1, 0).enter(1, 0, 1).exit(2, 0, 1).enter(3, 1, 1).exit(4, 1, 1).enter(5, 2, 1), check.Pass},
		{"ring: bypassed twice", newBuilder(3).req(0, 2, 1, 0).enter(1, 0, 1).exit(2, 0, 1).enter(3, 1, 1).exit(4, 1, 1).enter(5, 0, 2), check.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, mutex.Fairness, &tc.tr.tr, nil)
			assert.Equal(t, tc.want, r.Verdict, r.Detail)
		})
	}
}

func TestCost(t *testing.T) {
	// two entries, each with request, grant and release
	b := newBuilder(3)
	for i, node := range []trace.NodeID{1, 2} {
		at := i * 10
		b.req(at, node, 1, 0).send(at, node, 0, "Request").send(at+1, 0, node, "Grant").enter(at+2, node, 1).
			exit(at+4, node, 1).send(at+4, node, 0, "Release")
	}
	b.send(50, 0, 1, "Late") // after the last exit: not counted
	r := run(t, mutex.Cost, &b.tr, &mutex.CostOptions{Formula: "3"})
	require.Equal(t, check.Pass, r.Verdict, r.Detail)
	assert.Equal(t, 3.0, r.Metrics["per_entry"])
	assert.Equal(t, 1.0, r.Metrics["per_entry/Grant"])
	assert.Equal(t, 2.0, r.Metrics["wait_mean_ms"])

	r = run(t, mutex.Cost, &b.tr, &mutex.CostOptions{Formula: "2(n-1)"}) // 4 for 3 nodes
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
	r = run(t, mutex.Cost, &b.tr, &mutex.CostOptions{Formula: "1..n"})
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	r = run(t, mutex.Cost, &newBuilder(1).at(5).tr, nil)
	assert.Equal(t, check.Unknown, r.Verdict, "nothing to measure")
}

func TestCancelledContextGivesUnknown(t *testing.T) {
	b := newBuilder(1)
	for i := range 70000 {
		b.at(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := mutex.Specs()[0].Run(ctx, &b.tr, nil)
	assert.Equal(t, check.Unknown, r.Verdict)
}
