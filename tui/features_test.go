package tui

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

// overtaking is a run where a message overtakes one sent before it: a
// sends m1 to b, then m2, and m2 arrives first.
func overtaking() *trace.Trace {
	ms := time.Millisecond
	ev := func(at time.Duration, kind trace.Kind, node, peer trace.NodeID, msg int64, name, value string) trace.Event {
		return trace.Event{Time: at, Kind: kind, Node: node, Peer: peer, Msg: msg, Name: name, Value: value}
	}
	const a, b, c = 0, 1, 2
	none := trace.None
	return trace.New(trace.Header{Format: trace.FormatName, Version: trace.FormatVersion, Scenario: "overtaking", Nodes: []string{"a", "b", "c"}},
		ev(0, trace.Start, a, none, 0, "", ""), ev(0, trace.Start, b, none, 0, "", ""), ev(0, trace.Start, c, none, 0, "", ""),
		ev(1*ms, trace.TimerFire, a, none, 0, "first", ""),
		ev(1*ms, trace.Send, a, b, 1, "Slow", ""),
		ev(2*ms, trace.TimerFire, c, none, 0, "tick", ""),
		ev(3*ms, trace.TimerFire, a, none, 0, "second", ""),
		ev(3*ms, trace.Send, a, b, 2, "Fast", ""),
		ev(4*ms, trace.State, c, none, 0, "x", "1"),
		ev(5*ms, trace.Deliver, b, a, 2, "Fast", ""),
		ev(6*ms, trace.State, c, none, 0, "x", "2"),
		ev(8*ms, trace.Deliver, b, a, 1, "Slow", ""),
		ev(9*ms, trace.Send, b, c, 3, "Reply", ""),
		ev(9*ms, trace.State, b, none, 0, "got", "2"),
		ev(11*ms, trace.Deliver, c, b, 3, "Reply", ""),
		ev(12*ms, trace.End, none, none, 0, "", ""),
	)
}

// A message drawn from its send to its delivery: Slow, sent first,
// is overtaken by Fast, and the two lines cross. Halfway, the messages
// still in flight are dashed.
func TestGoldenOvertaking(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []tea.Msg
	}{
		{"all", keys("G")},
		{"in_flight", keys("G", "g", "n", "n", "n")},
	} {
		t.Run(c.name, func(t *testing.T) {
			fm := drive(t, NewModel(overtaking(), nil, Options{}), 70, 14, append(keys("tab"), c.keys...))
			view := fm.View()
			assertScreen(t, view, fm.w, fm.h)
			golden.RequireEqual(t, []byte(view+"\n---- model ----\n"+fm.summary()+"\n"))
		})
	}
	// the crossing, checked without the golden file: on the row where Fast
	// arrives, its line crosses Slow's, still in flight
	m := NewModel(overtaking(), nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 70, Height: 14})
	m.Update(keys("tab")[0])
	row := lineWith(t, m.View(), "Fast a→b")
	assert.Contains(t, row, "┼", "Fast crosses Slow: %q", row)
	slow := lineWith(t, m.View(), "Slow a→b")
	assert.NotContains(t, slow, "┼", "Slow arrives after Fast has: nothing to cross")
}

func lineWith(t *testing.T, view, s string) string {
	t.Helper()
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	require.Fail(t, "no line with "+s, view)
	return ""
}

// The state view shows each node's published state row by row; Raft's log
// is a strip of cells coloured by term, committed ones solid. At the heal
// of raft/leader-partition, n3's uncommitted entries (term 1, written while
// it was cut off) are overwritten by the new leader's.
func TestGoldenStateView(t *testing.T) {
	tr, _ := scenarioRun(t, "raft/leader-partition.yaml")
	n3, _ := tr.NodeByName("n3")
	before, after := "", ""
	at := -1
	for i, e := range tr.All() {
		if e.Kind == trace.State && e.Node == n3 && e.Name == "terms" {
			if e.Time < 3500*time.Millisecond {
				before = e.Value
			} else if after == "" {
				after, at = e.Value, i
			}
		}
	}
	require.NotEmpty(t, after, "n3's log changes after the heal")
	runsBefore, ok := parseRuns(before)
	require.True(t, ok, before)
	runsAfter, _ := parseRuns(after)
	assert.NotEqual(t, runsBefore[len(runsBefore)-1].term, runsAfter[len(runsAfter)-1].term,
		"the tail written in the minority (%s) is replaced by the new leader's term (%s)", before, after)

	m := NewModel(tr, nil, Options{Filter: "state"})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	m.Update(keys("s")[0])
	m.move(m.rowAtOrAfter(at))
	m.Update(keys("tab")[0])
	view := m.View()
	assertScreen(t, view, 160, 30)
	assert.Contains(t, view, "█▒", "committed then uncommitted entries")
	golden.RequireEqual(t, []byte(view+"\n"))
}

// The causal index agrees with happens-before computed the slow way:
// reachability over program order and send→delivery, on a run with
// losses, duplicates, a partition, a crash and a restart.
func TestCausalPastAndFutureAreHappensBefore(t *testing.T) {
	tr := toy.Trace(toy.Config{Seed: 7, Nodes: 4, Until: 60 * time.Millisecond, Faults: true, Drop: 0.1, Dup: 0.1})
	ix := newIndex(tr)
	n := tr.Len()
	// preds by brute force
	preds := make([][]int, n)
	last := map[trace.NodeID]int{}
	sendOf := map[int64]int{}
	for i, e := range tr.All() {
		if a := actor(&e); a >= 0 {
			if p, ok := last[a]; ok {
				preds[i] = append(preds[i], p)
			}
			last[a] = i
		}
		switch e.Kind {
		case trace.Send:
			sendOf[e.Msg] = i
		case trace.Deliver, trace.Drop:
			if s, ok := sendOf[e.Msg]; ok {
				preds[i] = append(preds[i], s)
			}
		}
	}
	reach := make([]map[int]bool, n) // reach[i]: everything before i, and i
	for i := range n {
		reach[i] = map[int]bool{i: true}
		for _, p := range preds[i] {
			for q := range reach[p] {
				reach[i][q] = true
			}
		}
	}
	seed := rand.Int64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(uint64(seed), 2))
	h := ix.happensBefore()
	for range 40 {
		ev := r.IntN(n)
		past, future := h.past(ev), h.future(ev)
		for j := range n {
			require.Equal(t, reach[ev][j], past.has(j), "event %d before %d", j, ev)
			require.Equal(t, reach[j][ev], future.has(j), "event %d after %d", j, ev)
		}
	}
}

// c on a row highlights its causal past (↑) and future (↓) and dims the
// rest: here, Fast's delivery at b comes after a's two timers and sends,
// and before b's reply reaches c; c's own ticks are concurrent.
func TestGoldenCausal(t *testing.T) {
	m := NewModel(overtaking(), nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 70, Height: 14})
	for _, k := range keys("tab", "/", "Fast", "enter", "c") {
		m.Update(k)
	}
	require.NotNil(t, m.causal)
	view := m.View()
	assertScreen(t, view, 70, 14)
	golden.RequireEqual(t, []byte(view+"\n"))
	marks := map[string]rune{}
	for _, l := range strings.Split(view, "\n") {
		for _, what := range []string{"timer first", "timer tick", "timer second", "x=1", "Fast a→b", "x=2", "Slow a→b", "got=2", "Reply b→c"} {
			if strings.Contains(l, what) {
				marks[what] = []rune(l)[1]
			}
		}
	}
	assert.Equal(t, map[string]rune{"timer first": '↑', "timer tick": ' ', "timer second": '↑', "x=1": ' ', "Fast a→b": '◉',
		"x=2": ' ', "Slow a→b": '↓', "got=2": '↓', "Reply b→c": '↓'}, marks)
	m.Update(keys("c")[0])
	assert.Nil(t, m.causal, "c again turns it off")
}

// v offers the violation's causes, and c shows them.
func TestViolationThenCauses(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, fakeVerdicts(tr), Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(keys("v")[0])
	assert.Contains(t, m.note, "c: its causes")
	m.Update(keys("c")[0])
	require.NotNil(t, m.causal)
	assert.Equal(t, fakeVerdicts(tr)[1].Events[0], m.causal.ev)
	assert.True(t, m.causal.past.count() > 10, "a violation has a history")
	assert.Contains(t, m.View(), "causal ↑past ↓future")
}

// o follows a client's operation from its invoke to its return: the
// request to the leader, the replication to the followers and their
// answers, the reply; nothing from before the invoke or after the return.
func TestFollowAnOperation(t *testing.T) {
	tr, _ := scenarioRun(t, "raft/leader-partition.yaml")
	m := NewModel(tr, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	// a write invoked once a leader is in place, and its return
	var inv, ret int
	for i, e := range tr.All() {
		if inv == 0 && e.Kind == trace.Invoke && strings.Contains(string(e.DataJSON()), `"put"`) && e.Time > 500*time.Millisecond {
			inv = i
		}
		if inv > 0 && e.Kind == trace.Return && e.Op == tr.At(inv).Op && e.Node == tr.At(inv).Node {
			ret = i
			break
		}
	}
	require.Positive(t, ret)
	m.move(m.rowAtOrAfter(inv))
	m.Update(keys("o")[0])
	require.NotNil(t, m.causal, m.note)
	c := m.causal
	assert.True(t, c.chain)
	assert.True(t, c.in(inv) && c.in(ret))
	kinds := map[string]int{}
	for i := range tr.Len() {
		if !c.in(i) {
			continue
		}
		require.True(t, i >= inv && i <= ret, "event %d outside the operation", i)
		if e := tr.At(i); e.Kind == trace.Deliver {
			kinds[e.Name]++
		}
	}
	assert.Positive(t, kinds["ClientRequest"], "%v", kinds)
	assert.GreaterOrEqual(t, kinds["AppendEntries"], 2, "replicated to a majority: %v", kinds)
	assert.GreaterOrEqual(t, kinds["AppendEntriesReply"], 2, "%v", kinds)
	assert.Positive(t, kinds["ClientReply"], "%v", kinds)
	assert.Contains(t, m.note, "to its return")
	assertScreen(t, m.View(), 160, 40)
	// on a row that is no operation's, o says what to select
	m.Update(keys("o")[0])
	m.move(0)
	m.Update(keys("o")[0])
	assert.Contains(t, m.note, "select a client's invoke")
}

// Breaking a live run from the keyboard: crash a node, partition the
// marked nodes from the rest, heal, drop a message in flight; every fault
// is in the trace, and w saves a scenario that replays the session.
func TestBreakItLiveAndSave(t *testing.T) {
	sc, err := scenarios.Load("../scenarios/election/bully-partition.yaml")
	require.NoError(t, err)
	live, err := sc.StartLive(sc.Seed)
	require.NoError(t, err)
	m := NewLive(live, Options{Until: sc.Duration})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press := func(ks ...string) {
		for _, k := range keys(ks...) {
			m.Update(k)
		}
	}
	rowOf := func(node trace.NodeID) {
		for r := len(m.rows) - 1; r >= 0; r-- {
			if m.ix.tr.At(int(m.rows[r])).Node == node {
				m.cursor = r
				return
			}
		}
		t.Fatalf("no row of node %d", node)
	}
	last := func() trace.Event { tr := live.Trace(); return tr.At(tr.Len() - 1) }
	// happened reports whether an event of kind k was recorded since event from
	happened := func(k trace.Kind, from int) bool {
		tr := live.Trace()
		for i := from; i < tr.Len(); i++ {
			if tr.At(i).Kind == k {
				return true
			}
		}
		return false
	}
	for range 30 {
		press("n")
	}
	rowOf(2)
	press("x")
	assert.Equal(t, trace.Crash, last().Kind, m.note)
	assert.Contains(t, m.note, "crash n2")
	assert.Equal(t, len(m.rows)-1, m.reveal, "the playhead is at the fault")
	rowOf(2)
	from := live.Trace().Len()
	press("x")
	assert.True(t, happened(trace.Restart, from), "x on a crashed node restarts it")
	for range 20 {
		press("n")
	}
	rowOf(0)
	press("m")
	rowOf(1)
	press("m")
	assert.Equal(t, []trace.NodeID{0, 1}, m.marked)
	press("X")
	require.Equal(t, trace.Partition, last().Kind, m.note)
	assert.Equal(t, [][]trace.NodeID{{0, 1}, {2, 3, 4}}, last().Groups)
	press("H")
	assert.Equal(t, trace.Heal, last().Kind)
	// a message in flight: step until one is, select it, drop it
	for range 200 {
		if len(m.fl.open) > 0 {
			break
		}
		press("n")
	}
	press("i")
	require.Positive(t, m.inFlight, m.note)
	id := m.inFlight
	press("d")
	assert.Equal(t, trace.Drop, last().Kind, m.note)
	assert.Equal(t, id, last().Msg)
	assert.Equal(t, "fault: dropped in flight", last().Value)

	path := filepath.Join(t.TempDir(), "session.yaml")
	press("w")
	require.Equal(t, promptSave, m.prompt)
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	for _, r := range path {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	press("enter")
	require.Contains(t, m.note, "saved "+path)
	saved, err := scenarios.Load(path)
	require.NoError(t, err)
	res, err := saved.Run(scenarios.RunOptions{SkipChecks: true})
	require.NoError(t, err)
	want := live.Trace()
	require.GreaterOrEqual(t, res.Trace.Len(), want.Len())
	for i := range want.Len() {
		a, b := want.At(i), res.Trace.At(i)
		a.Body, b.Body = a.BodyJSON(), b.BodyJSON()
		require.Equal(t, a, b, "event %d", i)
	}
}

// Break keys say what they need, and do nothing on a replay.
func TestBreakKeysExplainThemselves(t *testing.T) {
	m := NewModel(toy.Small(), nil, Options{})
	m.Update(keys("x")[0])
	assert.Contains(t, m.note, "breaking works in a live run")
	m.Update(keys("w")[0])
	assert.Contains(t, m.note, "saving works in a live run")
	sc, err := scenarios.Load("../scenarios/election/bully-partition.yaml")
	require.NoError(t, err)
	live, err := sc.StartLive(sc.Seed)
	require.NoError(t, err)
	m = NewLive(live, Options{Until: sc.Duration})
	m.Update(keys("X")[0])
	assert.Contains(t, m.note, "mark some")
	m.Update(keys("L")[0])
	assert.Contains(t, m.note, "mark exactly two")
	m.Update(keys("d")[0])
	assert.Contains(t, m.note, "select a message in flight with i")
}

// t spaces rows by virtual time: a blank line stands for a unit of time
// (< > change it), a gap too long is cut short by a line saying how long.
func TestTimeAxis(t *testing.T) {
	tr := overtaking()
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 70, Height: 30})
	m.Update(keys("tab")[0])
	m.Update(keys("t")[0])
	require.True(t, m.timeAxis)
	assert.Equal(t, time.Millisecond, m.unit, "the median gap between rows")
	view := m.View()
	golden.RequireEqual(t, []byte(view+"\n"))
	lines := m.screen(m.geom())
	gapBefore := map[string]int{}
	n := 0
	for _, l := range lines {
		switch l.kind {
		case lineSpace, lineBreak:
			n++
		case lineRow:
			gapBefore[m.rowText(l.row)] = n
			n = 0
		}
	}
	assert.Equal(t, 0, gapBefore["timer second"], "2ms→3ms: one unit, drawn as the row itself")
	assert.Equal(t, 1, gapBefore["Slow a→b"], "6ms→8ms: two units")
	m.Update(keys(">")[0])
	assert.Equal(t, 500*time.Microsecond, m.unit)
	lines = m.screen(m.geom())
	breaks := 0
	for _, l := range lines {
		if l.kind == lineBreak {
			breaks++
		}
	}
	assert.Zero(t, breaks)
	// a long gap: cut short, with its length
	long := trace.New(tr.Header, append(tr.Collect()[:len(tr.Collect())-1],
		trace.Event{Time: 900 * time.Millisecond, Kind: trace.State, Node: 2, Peer: trace.None, Name: "x", Value: "3"})...)
	m = NewModel(long, nil, Options{AtEnd: true, TimeAxis: true})
	m.Update(tea.WindowSizeMsg{Width: 70, Height: 30})
	assert.Contains(t, m.View(), "+889.000ms")
	assertFull(t, m)
	m.Update(keys("t")[0])
	assert.False(t, m.timeAxis)
	assert.NotContains(t, m.View(), "+889.000ms")
}

// A filter can leave things out (!x), and search counts its matches, goes
// back with P, and echoes the text as typed.
func TestFilterExcludesAndSearchCounts(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, k := range keys("f", "!Echo !n3", "enter") {
		m.Update(k)
	}
	require.NotEmpty(t, m.rows)
	for r := range m.rows {
		e := tr.At(int(m.rows[r]))
		assert.NotEqual(t, "Echo", e.Name)
		if !e.Kind.IsNetwork() {
			assert.True(t, e.Node != 3 && e.Peer != 3, "%+v", e)
		}
	}
	m.Update(keys("f")[0])
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	m.Update(keys("enter")[0])
	total := 0
	for r := range m.rows {
		if strings.Contains(strings.ToLower(m.searchText(r)), "crash") {
			total++
		}
	}
	require.Positive(t, total)
	m.move(0)
	for _, k := range keys("/", "CRASH", "enter") {
		m.Update(k)
	}
	assert.Contains(t, m.note, "“CRASH”: match 1 of")
	first := m.cursor
	m.Update(keys("P")[0])
	assert.Contains(t, m.note, fmt.Sprintf("match %d of %d", total, total), "P from the first wraps to the last")
	m.Update(keys("N")[0])
	assert.Equal(t, first, m.cursor)
}
