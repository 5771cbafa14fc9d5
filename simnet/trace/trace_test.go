package trace_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet/trace"
)

func sample() *trace.Trace {
	return trace.New(trace.Header{Scenario: "s", Algorithm: "a", Seed: 3, Nodes: []string{"n0", "n1"}},
		[]trace.Event{
			{Index: 0, Kind: trace.Send, Node: 0, Peer: 1, Msg: 1, Name: "Ping", Body: map[string]int{"N": 1}},
			{Index: 1, Time: 5, Kind: trace.Deliver, Node: 1, Peer: 0, Msg: 1, Name: "Ping"},
			{Index: 2, Time: 6, Kind: trace.Send, Node: 1, Peer: 0, Msg: 2, Name: "Pong"},
			{Index: 3, Time: 7, Kind: trace.Drop, Node: 1, Peer: 0, Msg: 2, Name: "Pong", Value: "loss"},
			{Index: 4, Time: 8, Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0}, {1}}},
			{Index: 5, Time: 9, Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "leader", Data: json.RawMessage(`{"term":2}`)},
			{Index: 6, Time: 10, Kind: trace.Log, Node: 1, Peer: trace.None, Value: "ünïcode \"quoted\"\n"},
			{Index: 7, Time: 11, Kind: trace.Crash, Node: 1, Peer: trace.None, Value: "panic: x", Stack: "a\nb"},
		}...)
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, sample()))
	back, err := trace.Read(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, trace.FormatVersion, back.Header.Version)
	require.Equal(t, 8, back.Len())
	assert.JSONEq(t, `{"N":1}`, string(back.At(0).BodyJSON()))
	assert.Equal(t, trace.None, back.At(4).Node)
	assert.Equal(t, [][]trace.NodeID{{0}, {1}}, back.At(4).Groups)
	assert.Equal(t, "ünïcode \"quoted\"\n", back.At(6).Value)
	var mark struct{ Term int }
	require.NoError(t, back.At(5).DecodeData(&mark))
	assert.Equal(t, 2, mark.Term)
	var again bytes.Buffer
	require.NoError(t, trace.Write(&again, back))
	assert.Equal(t, buf.String(), again.String(), "read then write is the identity")
}

func TestReadErrorsNameTheLine(t *testing.T) {
	header := `{"format":"distlab-trace","version":1,"seed":1,"nodes":["n0"]}`
	cases := []struct{ name, text, want string }{
		{"empty", "", "empty trace"},
		{"not a trace", `{"format":"other","version":1}`, "line 1: not a distlab trace"},
		{"future version", `{"format":"distlab-trace","version":9}`, "line 1: trace format version 9"},
		{"bad event", header + "\n{\"i\":0,\"kind\":\"send\"}\n{oops\n", "line 3:"},
		{"unknown kind", header + "\n{\"i\":0,\"kind\":\"teleport\"}\n", "unknown event kind \"teleport\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trace.Read(strings.NewReader(tc.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSummarizeAndDescribe(t *testing.T) {
	tr := sample()
	st := trace.Summarize(tr)
	assert.Equal(t, 2, st.Messages.Sent)
	assert.Equal(t, 1, st.Messages.Delivered)
	assert.Equal(t, 1, st.Messages.Dropped)
	assert.Equal(t, map[string]int{"loss": 1}, st.Messages.DropReason)
	assert.Equal(t, []string{"Ping", "Pong"}, st.TypeNames())
	assert.True(t, st.Nodes[1].Panicked)
	assert.Equal(t, "0.000011s", trace.FormatTime(11000))
}

func TestCompactJSON(t *testing.T) {
	cases := map[string]string{
		`{"Term":1,"Seq":3}`:         `{Term:1 Seq:3}`,
		`{"Key":"a,b","V":"x\"y"}`:   `{Key:"a,b" V:"x\"y"}`,
		`null`:                       ``,
		`{}`:                         ``,
		`[1,2]`:                      `[1 2]`,
		`{"Nested":{"A":[{"B":1}]}}`: `{Nested:{A:[{B:1}]}}`,
	}
	for in, want := range cases {
		assert.Equal(t, want, trace.CompactJSON([]byte(in)), in)
	}
}

// benchTrace is a ping-pong-like trace: sends with bodies, deliveries,
// timers and state.
func benchTrace(n int) *trace.Trace {
	tr := trace.New(trace.Header{Nodes: []string{"n0", "n1"}})
	ping, tick, role, leader := tr.InternName("Ping"), tr.InternName("tick"), tr.InternName("role"), tr.Intern("leader")
	body := any(struct{ N int }{1})
	for i := 0; tr.Len() < n; i++ {
		at := time.Duration(i) * time.Millisecond
		tr.Record(at, trace.Send, 0, 1, int64(i+1), ping, 0, body)
		tr.Record(at, trace.Deliver, 1, 0, int64(i+1), ping, 0, nil)
		if i%8 == 0 {
			tr.Record(at, trace.TimerFire, 0, trace.None, int64(i), tick, 0, nil)
			tr.Record(at, trace.State, 0, trace.None, 0, role, leader, nil)
		}
	}
	return tr
}

func BenchmarkTraceAll(b *testing.B) {
	tr := benchTrace(100_000)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, e := range tr.All() {
			if e.Kind == trace.Deliver {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tr.Len()), "ns/event")
}

func BenchmarkTraceAt(b *testing.B) {
	tr := benchTrace(100_000)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i := range tr.Len() {
			if tr.At(i).Kind == trace.Deliver {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tr.Len()), "ns/event")
}

// BenchmarkRecord is the simulator's record path alone: a send with its
// body and a delivery, 20,000 times, into a fresh trace.
func BenchmarkRecord(b *testing.B) {
	b.ReportAllocs()
	body := any(struct{ N int }{1})
	for b.Loop() {
		tr := &trace.Trace{}
		tr.Grow(4096)
		ping := tr.InternName("Ping")
		for i := range 20_000 {
			at := time.Duration(i)
			tr.Record(at, trace.Send, 0, 1, int64(i+1), ping, 0, body)
			tr.Record(at, trace.Deliver, 1, 0, int64(i+1), ping, 0, nil)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*40_000), "ns/event")
}
