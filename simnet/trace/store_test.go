package trace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/simnet/trace"
)

// everyShape has an event of every layout the store uses: plain, with a
// body, with data, and with what only fits out of line.
func everyShape(i int) []trace.Event {
	at := time.Duration(i) * time.Microsecond
	return []trace.Event{
		{Time: at, Kind: trace.Send, Node: 0, Peer: 1, Msg: int64(i + 1), Name: "Ping", Body: map[string]int{"N": i}},
		{Time: at, Kind: trace.Deliver, Node: 1, Peer: 0, Msg: int64(i + 1), Name: "Ping"},
		{Time: at, Kind: trace.Drop, Node: 1, Peer: 0, Msg: int64(i + 2), Name: "Pong", Value: "loss"},
		{Time: at, Kind: trace.TimerSet, Node: 0, Peer: trace.None, Timer: int64(i), Name: "tick", Value: "10ms"},
		{Time: at, Kind: trace.State, Node: 1, Peer: trace.None, Name: "role", Value: fmt.Sprint("leader", i%3)},
		{Time: at, Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "leader", Data: json.RawMessage(fmt.Sprintf(`{"term":%d}`, i))},
		{Time: at, Kind: trace.Invoke, Node: 1, Peer: trace.None, Op: int64(i), Data: json.RawMessage(`{"op":"get"}`)},
		{Time: at, Kind: trace.Partition, Node: trace.None, Peer: trace.None, Groups: [][]trace.NodeID{{0}, {1}}},
		{Time: at, Kind: trace.Crash, Node: 1, Peer: trace.None, Value: "panic: x", Stack: "a\nb"},
		{Time: at, Kind: trace.Error, Node: 0, Peer: 1, Msg: 1 << 40, Timer: 3, Value: "odd: two ids, one too large"},
		{Time: at, Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "both", Value: "v", Data: json.RawMessage(`1`)},
		{Time: at, Kind: trace.Log, Node: 5000, Peer: -7, Value: "ünïcode"},
	}
}

func shapes(n int) []trace.Event {
	var out []trace.Event
	for i := 0; len(out) < n; i++ {
		out = append(out, everyShape(i)...)
	}
	for i := range out {
		out[i].Index = i
	}
	return out
}

func TestEveryEventComesBackAsAppended(t *testing.T) {
	want := shapes(10_000) // several chunks
	tr := trace.New(trace.Header{Nodes: []string{"n0", "n1"}}, want...)
	require.Equal(t, len(want), tr.Len())
	for i := range want {
		require.Equal(t, want[i], tr.At(i), "event %d", i)
	}
	assert.Equal(t, want, tr.Collect())
}

func TestRecordIsAppend(t *testing.T) {
	a, b := &trace.Trace{}, &trace.Trace{}
	body := struct{ N int }{7}
	ping, loss := b.InternName("Ping"), b.Intern("loss")
	a.Append(trace.Event{Time: 5, Kind: trace.Send, Node: 0, Peer: 1, Msg: 9, Name: "Ping", Body: body})
	b.Record(5, trace.Send, 0, 1, 9, ping, 0, body)
	a.Append(trace.Event{Time: 6, Kind: trace.Drop, Node: 0, Peer: 1, Msg: 9, Name: "Ping", Value: "loss"})
	b.Record(6, trace.Drop, 0, 1, 9, ping, loss, nil)
	a.Append(trace.Event{Time: 7, Kind: trace.TimerFire, Node: 1, Peer: trace.None, Timer: 1 << 33, Name: "Ping"})
	b.Record(7, trace.TimerFire, 1, trace.None, 1<<33, ping, 0, nil) // an id too large for a record
	assert.Equal(t, a.Collect(), b.Collect())
	e := b.EventOf(7, trace.TimerFire, 1, trace.None, 1<<33, ping, 0, nil)
	e.Index = 2
	assert.Equal(t, b.At(2), e)
}

func TestAppendingToAPrefixLeavesTheTraceAlone(t *testing.T) {
	want := shapes(5000)
	tr := trace.New(trace.Header{}, want...)
	for _, n := range []int{0, 7, 4096, 4100} {
		p := tr.Prefix(n)
		require.Equal(t, n, p.Len())
		p.Append(trace.Event{Kind: trace.Log, Node: 0, Peer: trace.None, Value: "only in the prefix"})
		assert.Equal(t, "only in the prefix", p.At(n).Value)
		assert.Equal(t, want, tr.Collect(), "the original is unchanged (prefix %d)", n)
		tr.Append(trace.Event{Kind: trace.Log, Node: 0, Peer: trace.None, Value: "only in the trace"})
		assert.Equal(t, "only in the prefix", p.At(n).Value, "and the original's appends do not reach the prefix")
		want = append(want, trace.Event{Index: len(want), Kind: trace.Log, Node: 0, Peer: trace.None, Value: "only in the trace"})
	}
}

func TestCounts(t *testing.T) {
	tr := trace.New(trace.Header{}, shapes(1200)...)
	n := tr.Len() / len(everyShape(0))
	assert.Equal(t, n, tr.Count(trace.Send))
	assert.Equal(t, 2*n, tr.Count(trace.Mark))
	assert.Equal(t, n, tr.Marks("leader"))
	assert.Equal(t, 0, tr.Marks("nobody"))
	p := tr.Prefix(len(everyShape(0)) + 6) // one whole round and the first leader mark of the next
	assert.Equal(t, 2, p.Marks("leader"))
	assert.Equal(t, 2, p.Count(trace.Send))
}

func TestSpilledEventsReadBack(t *testing.T) {
	want := shapes(30_000)
	tr := &trace.Trace{Header: trace.Header{Nodes: []string{"n0", "n1"}}}
	require.NoError(t, tr.Spill(t.TempDir(), 5000))
	for _, e := range want {
		tr.Append(e)
	}
	require.NoError(t, tr.SpillError())
	inMemory := trace.New(tr.Header, want...)
	assert.Less(t, tr.MemoryBytes(), inMemory.MemoryBytes()/3, "most chunks went to the file")
	check := func(i int, got trace.Event) {
		w := want[i]
		if w.Body != nil { // bodies come back as JSON, as from a file
			require.JSONEq(t, string(w.BodyJSON()), string(got.BodyJSON()), "event %d", i)
			w.Body, got.Body = nil, nil
		}
		require.Equal(t, w, got, "event %d", i)
	}
	for i, e := range tr.All() {
		check(i, e)
	}
	for _, i := range []int{29_000, 3, 17_000, 0, 8191, 8192} { // out of order: chunks are read back again
		check(i, tr.At(i))
	}
}

// Readers may share a spilled trace: the views it reads back into are
// guarded (go test -race).
func TestSpilledTraceHasConcurrentReaders(t *testing.T) {
	want := shapes(20_000)
	tr := &trace.Trace{}
	require.NoError(t, tr.Spill(t.TempDir(), 4096))
	for _, e := range want {
		tr.Append(e)
	}
	done := make(chan struct{})
	for r := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := r; i < tr.Len(); i += 7 {
				if got := tr.At(i); got.Time != want[i].Time || got.Kind != want[i].Kind || got.Value != want[i].Value {
					t.Errorf("reader %d: event %d: %+v", r, i, got)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

// Nodes and names beyond what a record holds go out of line, and come
// back the same.
func TestBeyondSixteenBits(t *testing.T) {
	tr := &trace.Trace{}
	var want []trace.Event
	add := func(e trace.Event) {
		e.Index = len(want)
		want = append(want, e)
		tr.Append(e)
	}
	add(trace.Event{Kind: trace.Send, Node: 40_000, Peer: 1, Msg: 1, Name: "Far", Body: 1})
	add(trace.Event{Kind: trace.Deliver, Node: 1, Peer: -40_000, Msg: 1, Name: "Far"})
	for i := range 70_000 {
		add(trace.Event{Kind: trace.State, Node: 0, Peer: trace.None, Name: fmt.Sprint("key", i), Value: "v"})
	}
	late := tr.InternName("late name")
	tr.Record(9, trace.Deliver, 0, 1, 3, late, 0, nil)
	want = append(want, trace.Event{Index: len(want), Time: 9, Kind: trace.Deliver, Node: 0, Peer: 1, Msg: 3, Name: "late name"})
	assert.Equal(t, want, tr.Collect())
}

// Reading a timer's delay allocates nothing, nor does recording it.
func TestTimerDelayReadsWithoutAllocating(t *testing.T) {
	tr := &trace.Trace{}
	tick := tr.InternName("tick")
	tr.RecordTimerSet(5, 0, 1, tick, 153283746)
	assert.Equal(t, "153.283746ms", tr.At(0).Value)
	var e trace.Event
	assert.Zero(t, testing.AllocsPerRun(100, func() { tr.Fill(0, &e) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { tr.RecordTimerSet(5, 0, 1, tick, 153283746) }))
}

// TestScanFindsWhatReadingFinds compares Scan with reading every event,
// for indexed kinds, other kinds and mixtures, over ranges that start and
// end inside chunks, on a trace in memory, a prefix of it and a spilled
// one.
func TestScanFindsWhatReadingFinds(t *testing.T) {
	events := shapes(10_000)
	whole := trace.New(trace.Header{Nodes: []string{"n0", "n1"}}, events...)
	spilled := &trace.Trace{Header: whole.Header}
	require.NoError(t, spilled.Spill(t.TempDir(), 100))
	for _, e := range events {
		spilled.Append(e)
	}
	require.Positive(t, spilled.SpilledBytes())
	sets := map[string]trace.KindSet{
		"invoke":             trace.KindsOf(trace.Invoke),
		"faults":             trace.FaultKinds,
		"marks and invokes":  trace.KindsOf(trace.Mark, trace.Invoke),
		"sends":              trace.KindsOf(trace.Send),
		"sends and crashes":  trace.KindsOf(trace.Send, trace.Crash),
		"none":               0,
		"a kind never there": trace.KindsOf(trace.Restart),
	}
	ranges := [][2]int{{0, 10_000}, {0, 1 << 30}, {4095, 4097}, {17, 9001}, {5000, 5000}, {-3, 12}, {9999, 20_000}}
	for name, kinds := range sets {
		for _, tr := range []*trace.Trace{whole, whole.Prefix(6000), spilled} {
			for _, r := range ranges {
				var want []int
				for i := max(r[0], 0); i < min(r[1], tr.Len()); i++ {
					if kinds.Has(tr.At(i).Kind) {
						want = append(want, i)
					}
				}
				var got []int
				for i := range tr.Scan(kinds, r[0], r[1]) {
					got = append(got, i)
				}
				require.Equal(t, want, got, "%s in [%d, %d) of %d events", name, r[0], r[1], tr.Len())
			}
		}
	}
	// Stopping early stops.
	n := 0
	for range whole.Scan(trace.FaultKinds, 0, whole.Len()) {
		if n++; n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
}

// TestLivePayloadsStayValues: a payload recorded as a Go value comes back
// as that value (checkers read it without JSON), is written as its JSON,
// and comes back from a spill as that JSON; DecodeData reads both.
func TestLivePayloadsStayValues(t *testing.T) {
	type apply struct {
		Index int64 `json:"index"`
		Term  int64 `json:"term"`
	}
	tr := &trace.Trace{Header: trace.Header{Nodes: []string{"n0"}}}
	require.NoError(t, tr.Spill(t.TempDir(), 100))
	for i := range 10_000 {
		tr.Append(trace.Event{Time: time.Duration(i), Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "apply", Data: apply{int64(i), 2}})
	}
	require.Positive(t, tr.SpilledBytes())
	last, first := tr.At(9999), tr.At(0)
	assert.Equal(t, apply{9999, 2}, last.Data, "in memory: the value itself")
	assert.Equal(t, json.RawMessage(`{"index":0,"term":2}`), first.Data, "spilled: its JSON")
	for _, e := range []trace.Event{first, last} {
		var got apply
		require.NoError(t, e.DecodeData(&got))
		assert.Equal(t, apply{int64(e.Index), 2}, got)
	}
	assert.Equal(t, `{"index":9999,"term":2}`, string(last.DataJSON()))
	var line bytes.Buffer
	require.NoError(t, trace.Write(&line, trace.New(tr.Header, last)))
	assert.Contains(t, line.String(), `"data":{"index":9999,"term":2}`)
}

// A released trace's chunks serve the next traces: what those read back
// is theirs alone, and what was read from the released one stays as read.
func TestReleasedChunksServeTheNextTraces(t *testing.T) {
	old := trace.New(trace.Header{}, shapes(10_000)...)
	kept := old.At(3) // a TimerSet: its Value is read from the chunk's bytes
	require.Equal(t, "10ms", kept.Value)
	old.Release()
	assert.Zero(t, old.Len())
	for round := range 3 {
		want := shapes(9_000 + round*500)
		for i := range want {
			want[i].Time += time.Hour // unlike anything the old trace held
			if want[i].Kind == trace.TimerSet {
				want[i].Value = fmt.Sprint(round, "s")
			}
		}
		tr := trace.New(trace.Header{}, want...)
		assert.Equal(t, want, tr.Collect(), "round %d", round)
		tr.Release()
	}
	assert.Equal(t, "10ms", kept.Value)
	assert.Equal(t, trace.TimerSet, kept.Kind)
}

// A trace that shares its chunks with a prefix appended to keeps them when
// it is released: the prefix's copy still reads them.
func TestReleaseKeepsSharedChunks(t *testing.T) {
	want := shapes(9_000)
	tr := trace.New(trace.Header{}, want...)
	p := tr.Prefix(8_500)
	p.Append(trace.Event{Kind: trace.Log, Node: 0, Peer: trace.None, Value: "after"})
	tr.Release()
	_ = trace.New(trace.Header{}, shapes(9_000)...) // would take the chunks if they were pooled
	for i := range 8_500 {
		require.Equal(t, want[i], p.At(i), "event %d", i)
	}
}

// A number recorded as one (RecordNumber) reads back as the decimal Value
// Append would have kept, in memory, from the spill file and in a prefix's
// copy; one that does not fit a record goes out of line the same way.
func TestRecordedNumbersReadAsTheirValue(t *testing.T) {
	nums := []uint32{0, 7, 99, 100, 12345, 1<<32 - 1}
	var want []trace.Event
	rec, app := &trace.Trace{}, &trace.Trace{}
	require.NoError(t, rec.Spill(t.TempDir(), 1))
	term := rec.InternName("term")
	for i := range 20_000 {
		n := nums[i%len(nums)]
		node := trace.NodeID(i % 3)
		if i%1000 == 999 {
			node = 40_000 // beyond a record's 16 bits
		}
		e := trace.Event{Index: i, Time: time.Duration(i), Kind: trace.State, Node: node, Peer: trace.None, Name: "term", Value: fmt.Sprint(n)}
		want = append(want, e)
		rec.RecordNumber(e.Time, trace.State, node, term, n)
		app.Append(e)
	}
	require.NoError(t, rec.SpillError())
	assert.Equal(t, app.Collect(), rec.Collect())
	assert.Equal(t, want, rec.Collect())
	p := rec.Prefix(19_000)
	p.Append(trace.Event{Kind: trace.Log, Node: 0, Peer: trace.None, Value: "x"})
	assert.Equal(t, want[18_500:19_000], p.Collect()[18_500:19_000])
}

// A follower reads every 512 events, whichever way they are recorded, and
// always before a chunk could spill.
func TestFollowerReadsEveryFewHundredEvents(t *testing.T) {
	tr := &trace.Trace{}
	ping := tr.InternName("Ping")
	var seen []int
	tr.Follow(func() { seen = append(seen, tr.Len()) })
	for i := range 5000 {
		switch i % 3 {
		case 0:
			tr.Record(time.Duration(i), trace.Send, 0, 1, int64(i+1), ping, 0, struct{ N int }{i})
		case 1:
			tr.RecordTimerSet(time.Duration(i), 0, int64(i), ping, time.Millisecond)
		default:
			tr.RecordNumber(time.Duration(i), trace.State, 0, ping, uint32(i))
		}
	}
	var want []int
	for n := 512; n < 5000; n += 512 {
		want = append(want, n)
	}
	assert.Equal(t, want, seen)
}

// Interning answers by content, whatever memory the string is in: a copy
// built at run time gets the constant's symbol, strings of one length get
// their own, and more names than the cache holds all come back right.
func TestInternByContent(t *testing.T) {
	tr := &trace.Trace{}
	role := tr.InternName("role")
	built := string([]byte{'r', 'o', 'l', 'e'})
	assert.Equal(t, role, tr.InternName(built))
	syms := map[string]trace.NameSym{}
	vals := map[string]trace.Sym{}
	for round := range 3 {
		for i := range 200 {
			s := fmt.Sprintf("k%03d", i) // one length: only the bytes differ
			n, v := tr.InternName(s), tr.Intern(s)
			if round == 0 {
				syms[s], vals[s] = n, v
			}
			require.Equal(t, syms[s], n, s)
			require.Equal(t, vals[s], v, s)
			require.Equal(t, s, tr.NameStr(n))
			require.Equal(t, s, tr.Str(v))
		}
	}
	assert.Len(t, syms, 200)
}
