package tui

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/checkers/check"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// Golden files are plain text (no colour) so that a person can read them;
// regenerate with `go test ./tui -update` and review the diff by eye.
func init() { lipgloss.SetColorProfile(termenv.Ascii) }

// fakeVerdicts fails a made-up check at n2's first state change after the
// partition, so the tests have a violation to jump to.
func fakeVerdicts(tr *trace.Trace) []check.Result {
	res := []check.Result{{Name: "toy-liveness", Verdict: check.Pass}}
	for _, e := range tr.All() {
		if e.Kind == trace.State && e.Name == "seen" && tr.NodeName(e.Node) == "n2" && e.Time > 30*time.Millisecond {
			return append(res, check.Result{Name: "toy-agreement", Verdict: check.Fail, At: e.Time,
				Events: []int{e.Index}, Detail: "n2 saw a ping it should not have"})
		}
	}
	panic("toy trace changed: no state change on n2 after 30ms")
}

func keys(s ...string) []tea.Msg {
	var out []tea.Msg
	named := map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "space": tea.KeySpace,
		"tab": tea.KeyTab, "backspace": tea.KeyBackspace, "ctrl+a": tea.KeyCtrlA}
	for _, k := range s {
		if t, ok := named[k]; ok {
			msg := tea.KeyMsg{Type: t}
			if t == tea.KeySpace {
				msg.Runes = []rune{' '} // as bubbletea sends it
			}
			out = append(out, msg)
			continue
		}
		for _, r := range k {
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
	}
	return out
}

// summary is the part of the final model a golden file records besides the
// screen.
func (m *Model) summary() string {
	return fmt.Sprintf("size %dx%d rows %d cursor %d reveal %d top %d playing %v speed %d/s filter %q all %v panel %v help %v note %q",
		m.w, m.h, len(m.rows), m.cursor, m.reveal, m.top, m.playing, speeds[m.speed], m.filt.text, m.filt.all, m.panel, m.help, m.note)
}

// drive runs the model in a bubbletea program through teatest, sends the
// messages, quits with q and returns the final model.
func drive(t *testing.T, m *Model, w, h int, msgs []tea.Msg) *Model {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, msg := range msgs {
		tm.Send(msg)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'q'}})
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	require.True(t, ok)
	require.Equal(t, "", fm.View(), "the last frame is empty (see TestDefect3LastFrameIsEmpty)")
	fm.quitting = false // to look at the screen as it was before q
	return fm
}

func TestGolden(t *testing.T) {
	tr := toy.Small()
	verdicts := fakeVerdicts(tr)
	cases := []struct {
		name string
		w, h int
		msgs []tea.Msg
		opts Options
	}{
		{"start_100x30", 100, 30, nil, Options{}},
		{"steps_100x30", 100, 30, keys("nnnnnnnnnnnn", "right", "right", "p", "left"), Options{}},
		{"violation_100x30", 100, 30, keys("v"), Options{}},
		{"violation_80x24", 80, 24, keys("v"), Options{}},
		{"end_and_select_80x24", 80, 24, keys("G", "up", "up", "pgup"), Options{}},
		{"step_back_hides_120x30", 120, 30, keys("G", "p", "p", "p"), Options{}},
		{"filter_node_100x30", 100, 30, keys("f", "n3", "enter", "G"), Options{}},
		{"filter_type_100x30", 100, 30, keys("f", "Echo", "enter", "G", "up"), Options{}},
		{"search_crash_100x30", 100, 30, keys("/", "CRASH", "enter"), Options{}},
		{"search_no_match_80x24", 80, 24, keys("/", "zzz", "enter"), Options{}},
		{"all_kinds_100x30", 100, 30, keys("a", "nnnnnnnnnnnnnnnnnnnn"), Options{}},
		{"help_80x24", 80, 24, keys("?"), Options{}},
		{"no_panel_80x24", 80, 24, keys("tab", "v"), Options{}},
		{"speed_100x30", 100, 30, keys("+", "+", "+", "-"), Options{}},
		{"wide_160x40", 160, 40, keys("v", "N"), Options{}},
		{"resize_to_60x20", 100, 30, append(keys("v"), tea.WindowSizeMsg{Width: 60, Height: 20}), Options{}},
		{"at_end_100x30", 100, 30, nil, Options{AtEnd: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewModel(tr, verdicts, c.opts)
			fm := drive(t, m, c.w, c.h, c.msgs)
			view := fm.View()
			assertScreen(t, view, fm.w, fm.h)
			golden.RequireEqual(t, []byte(view+"\n---- model ----\n"+fm.summary()+"\n"))
		})
	}
}

// assertScreen: exactly h lines, each exactly w columns.
func assertScreen(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	require.Len(t, lines, h, "the view has one line per terminal row")
	for i, l := range lines {
		require.Equal(t, w, ansi.StringWidth(l), "line %d is not %d columns: %q", i, w, l)
	}
}

func TestEverySizeFillsTheScreen(t *testing.T) {
	tr := toy.Small()
	for _, sz := range [][2]int{{20, 8}, {40, 12}, {79, 23}, {80, 24}, {99, 30}, {100, 30}, {200, 60}, {300, 20}} {
		for _, ks := range [][]tea.Msg{nil, keys("v"), keys("G"), keys("?"), keys("tab"), keys("a", "G")} {
			var m tea.Model = NewModel(tr, fakeVerdicts(tr), Options{})
			m, _ = m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			for _, k := range ks {
				m, _ = m.Update(k)
			}
			assertScreen(t, m.View(), sz[0], sz[1])
		}
	}
}

func TestColourKeepsTheLayout(t *testing.T) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	tr := toy.Small()
	m := NewModel(tr, fakeVerdicts(tr), Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(keys("v")[0])
	view := m.View()
	assert.Contains(t, view, "\x1b[", "colours are on")
	assertScreen(t, view, 100, 30)
}

func TestPlaybackTicks(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{Speed: 1})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(keys("space")[0])
	require.True(t, m.playing)
	require.NotNil(t, cmd, "playing schedules a tick")
	start := m.reveal
	require.Positive(t, start, "a replay opens with the first screen revealed")
	m.Update(tickMsg{gen: m.gen})
	assert.Equal(t, start+1, m.reveal)
	m.Update(tickMsg{gen: m.gen - 1}) // stale: from before a pause
	assert.Equal(t, start+1, m.reveal)
	m.speed = len(speeds) - 1 // 1024/s: several rows a frame
	m.Update(tickMsg{gen: m.gen})
	assert.Equal(t, start+1+m.rowsPerTick(), m.reveal)
	assert.Greater(t, m.rowsPerTick(), 1)
	for i := 0; i < 1000 && m.playing; i++ {
		m.Update(tickMsg{gen: m.gen})
	}
	assert.False(t, m.playing, "playback stops at the end")
	assert.Equal(t, len(m.rows)-1, m.reveal)
	m.Update(keys("space")[0])
	assert.False(t, m.playing)
	assert.Contains(t, m.note, "at the end")
}

func TestMouse(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	top := m.top
	require.Greater(t, top, 0)
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	assert.Equal(t, top-3, m.top)
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	assert.Equal(t, top, m.top, "the wheel cannot scroll past the playhead")
	m.Update(tea.MouseMsg{X: 20, Y: bodyY + 3, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	assert.Equal(t, m.top+3, m.cursor, "a click selects the row")
	assert.Equal(t, len(m.rows)-1, m.reveal, "and hides nothing")
}

func TestFilterByNodeKeepsOnlyItsEvents(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{Filter: "n3"})
	require.NotEmpty(t, m.rows)
	for _, r := range m.rows {
		e := tr.At(int(r))
		assert.True(t, e.Node == 3 || e.Peer == 3 || e.Kind.IsNetwork(), "row %d: %+v", r, e)
	}
}

func TestReplayOfAFileLooksLikeTheLiveTrace(t *testing.T) {
	tr := toy.Small()
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, tr))
	back, err := trace.Read(&buf)
	require.NoError(t, err)
	for _, k := range []string{"G", "v", "nnnnnnnnnnnnnnnnnnnnnnn"} {
		a, b := NewModel(tr, fakeVerdicts(tr), Options{}), NewModel(back, fakeVerdicts(back), Options{})
		for _, m := range []*Model{a, b} {
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			for _, msg := range keys(k) {
				m.Update(msg)
			}
		}
		assert.Equal(t, a.View(), b.View(), "keys %s", k)
	}
}

func TestLiveModeStepsTheSimulator(t *testing.T) {
	sim := toy.New(toy.Config{Seed: 3, Faults: true, Drop: 0.05, Dup: 0.05})
	checked := 0
	m := NewLive(sim, Options{Until: 100 * time.Millisecond, Checks: func(tr *trace.Trace) []check.Result {
		checked++
		return fakeVerdicts(tr)
	}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	require.NotEmpty(t, m.rows, "the first row is pulled at once")
	require.False(t, m.srcDone)
	before := sim.Trace().Len()
	for range 10 {
		m.Update(keys("n")[0])
	}
	assert.Greater(t, sim.Trace().Len(), before, "stepping runs the simulator")
	assert.Contains(t, m.View(), "LIVE")
	_, cmd := m.Update(keys("G")[0])
	for cmd != nil {
		_, cmd = m.Update(runCmd(cmd))
	}
	assert.True(t, m.srcDone)
	assert.Equal(t, 1, checked, "the checks run once, at the end")
	assert.NotEmpty(t, m.viols)
	// the live trace is the same as a run to the same time
	// (Run records an "end" event that stepping does not)
	want := toy.Small()
	if last := want.At(want.Len() - 1); last.Kind.String() == "end" {
		want = want.Prefix(want.Len() - 1)
	}
	assert.Equal(t, want.Len(), sim.Trace().Len())
	replay := NewModel(want, fakeVerdicts(want), Options{AtEnd: true})
	replay.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	assert.Equal(t, len(replay.rows), len(m.rows))
	m.Update(keys("v")[0])
	replay.Update(keys("v")[0])
	assert.Equal(t, replay.cursor, m.cursor)
}

func TestStateAtMatchesAReplay(t *testing.T) {
	tr := toy.Big(20000)
	ix := newIndex(tr)
	seed := rand.Int64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(uint64(seed), 0))
	for range 30 {
		at := r.IntN(tr.Len())
		want := make([]map[string]string, ix.nodes())
		for i := range want {
			want[i] = map[string]string{}
		}
		for _, e := range tr.Prefix(at + 1).All() {
			switch e.Kind {
			case trace.State:
				want[e.Node][e.Name] = e.Value
			case trace.Crash:
				clear(want[e.Node])
			}
		}
		assert.Equal(t, want, ix.stateAt(at), "event %d", at)
	}
}

func TestCompactJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"Term":1,"Seq":3}`:          `{Term:1 Seq:3}`,
		`{"k":"a,b","v":[1,2]}`:       `{k:"a,b" v:[1 2]}`,
		`{"q":"say \"hi\":"}`:         `{q:"say \"hi\":"}`,
		`null`:                        ``,
		`"plain"`:                     `"plain"`,
		`{"nested":{"x":{"y":true}}}`: `{nested:{x:{y:true}}}`,
	} {
		assert.Equal(t, want, trace.CompactJSON([]byte(in)), in)
	}
}

func TestFmtDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", 500: "500ns", 1500: "1.5µs", 12345678: "12.346ms", 1500 * time.Millisecond: "1.5000s",
		250 * time.Second: "250.0s", 20000 * time.Second: "20000s",
	} {
		got := fmtDur(d)
		assert.Equal(t, want, got)
		assert.LessOrEqual(t, len([]rune(got)), 9)
	}
}

func TestLiveGolden(t *testing.T) {
	sim := toy.New(toy.Config{Seed: 3, Faults: true, Drop: 0.05, Dup: 0.05})
	m := NewLive(sim, Options{Until: 100 * time.Millisecond})
	fm := drive(t, m, 100, 30, keys("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"))
	view := fm.View()
	assertScreen(t, view, 100, 30)
	golden.RequireEqual(t, []byte(view+"\n---- model ----\n"+fm.summary()+"\n"))
}

func TestEmptyTrace(t *testing.T) {
	for _, tr := range []*trace.Trace{
		{},
		{Header: trace.Header{Nodes: []string{"n0", "n1"}}},
	} {
		m := NewModel(tr, nil, Options{})
		for _, msg := range append([]tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}}, keys("n", "p", "G", "g", "v", "a", "/", "x", "enter", "f", "n0", "enter", "space", "?")...) {
			m.Update(msg)
			assertScreen(t, m.View(), 80, 24)
		}
	}
}

// Random key presses at random sizes never break the screen or panic.
func TestRandomKeys(t *testing.T) {
	tr := toy.Small()
	seed := rand.Int64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	pool := keys("n", "p", "j", "k", "g", "G", "v", "V", "a", "+", "-", "?", "tab", "up", "down", "left", "right",
		"pgup", "pgdown", "space", "/", "f", "enter", "esc", "backspace", "N", "x", "1", "n", "J", "K", "ctrl+a",
		"c", "o", "s", "t", "<", ">", "m", "X", "H", "i", "d", "w", "P", "!", "L")
	pool = append(pool, tea.MouseMsg{Button: tea.MouseButtonWheelUp}, tea.MouseMsg{Button: tea.MouseButtonWheelDown},
		tea.MouseMsg{X: 150, Y: 5, Button: tea.MouseButtonWheelDown}, tea.MouseMsg{X: 1, Y: 50, Button: tea.MouseButtonWheelUp},
		tea.MouseMsg{X: 20, Y: 5, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}, tickMsg{})
	m := NewModel(tr, fakeVerdicts(tr), Options{})
	w, h := 100, 30
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for i := range 3000 {
		if i%300 == 0 {
			w, h = 20+r.IntN(200), 8+r.IntN(60)
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
		}
		msg := pool[r.IntN(len(pool))]
		if tk, ok := msg.(tickMsg); ok {
			tk.gen = m.gen
			msg = tk
		}
		m.Update(msg)
		assertScreen(t, m.View(), w, h)
		require.LessOrEqual(t, m.cursor, m.reveal)
		require.Less(t, m.reveal, max(len(m.rows), 1))
		if len(m.rows) > 0 && !m.help {
			assertFull(t, m, "after %v at %dx%d", msg, w, h)
			if t.Failed() {
				return
			}
		}
	}
}

// The side panel is a viewport: J/K and the wheel over it scroll it, a new
// selection scrolls it back to the top, and the diagram does not move.
func TestPanelScrolls(t *testing.T) {
	tr := toy.Trace(toy.Config{Seed: 1, Nodes: 40, Until: 25 * time.Millisecond, Faults: true})
	for _, sz := range [][2]int{{120, 30}, {80, 24}} {
		m := NewModel(tr, nil, Options{AtEnd: true})
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		require.Greater(t, m.side.TotalLineCount(), m.side.Height, "%v: 40 nodes do not fit", sz)
		top, before := m.top, m.View()
		assert.Contains(t, before, "#", "the panel starts with the selected event")
		m.Update(keys("J")[0])
		assert.Equal(t, 1, m.side.YOffset)
		m.Update(tea.KeyMsg{Type: tea.KeyShiftDown})
		assert.Equal(t, 2, m.side.YOffset)
		m.Update(keys("K")[0])
		assert.Equal(t, 1, m.side.YOffset)
		g := m.geom()
		x, y := g.diagW+3, bodyY+3 // over the side panel
		if !g.side {
			x, y = 3, bodyY+g.bodyH+2 // over the bottom panel
		}
		m.Update(tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
		assert.Equal(t, 4, m.side.YOffset, "%v: the wheel over the panel scrolls it", sz)
		assert.Equal(t, top, m.top, "and not the diagram")
		assertScreen(t, m.View(), sz[0], sz[1])
		assert.NotEqual(t, before, m.View())
		for range 1000 {
			m.Update(keys("J")[0])
		}
		assert.Equal(t, m.side.TotalLineCount()-m.side.Height, m.side.YOffset, "it stops at the bottom")
		assertScreen(t, m.View(), sz[0], sz[1])
		m.Update(keys("up")[0])
		assert.Equal(t, 0, m.side.YOffset, "a new selection shows the panel from its top")
		m.Update(keys("down")[0])
		assert.Equal(t, before, m.View())
	}
}

// The prompts are bubbles text inputs: the cursor moves, keys edit where it
// is, and a filter prompt starts with the current filter.
func TestPromptEditing(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, k := range keys("/", "Pung", "left", "left", "backspace", "i") {
		m.Update(k)
	}
	assert.Equal(t, "Ping", m.input.Value())
	assert.Contains(t, m.View(), " search: Ping")
	m.Update(keys("ctrl+a")[0]) // to the start: ctrl+u has nothing before it
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	assert.Equal(t, "Ping", m.input.Value())
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlE}) // to the end: ctrl+u clears it all
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	assert.Equal(t, "", m.input.Value())
	m.Update(keys("esc")[0])
	assert.Equal(t, promptNone, m.prompt)
	assert.Equal(t, "", m.search.query, "esc searches nothing")

	for _, k := range keys("f", "n3", "space", "Echo", "enter") {
		m.Update(k)
	}
	assert.Equal(t, "n3 Echo", m.filt.text)
	m.Update(keys("f")[0])
	assert.Equal(t, "n3 Echo", m.input.Value(), "the filter prompt starts with the filter")
	assert.Contains(t, m.View(), " filter: n3 Echo")
	assertScreen(t, m.View(), 100, 30)
	// a long value scrolls inside the field instead of breaking the line
	for range 150 {
		m.Update(keys("x")[0])
	}
	assertScreen(t, m.View(), 100, 30)
	assert.Contains(t, m.View(), "xxxxx")
	// and still does after a resize, the hint kept on the line when it fits
	for _, w := range []int{70, 110} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 20})
		assertScreen(t, m.View(), w, 20)
		last := m.View()[strings.LastIndexByte(m.View(), '\n')+1:]
		assert.Contains(t, last, "xxxxx ", "%d: the cursor (a space here, without colour) is on screen", w)
		if w > 100 {
			assert.Contains(t, last, "xxxxx    nodes, message types")
		}
	}
}

// View reads the model and never writes it.
func TestViewIsPure(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, fakeVerdicts(tr), Options{})
	for _, msg := range append([]tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 30}}, keys("v", "J", "J", "/", "Pi")...) {
		m.Update(msg)
	}
	before := m.summary()
	off := m.side.YOffset
	first := m.View()
	assert.Equal(t, first, m.View())
	assert.Equal(t, before, m.summary())
	assert.Equal(t, off, m.side.YOffset)
}

// TestClearingAFilterAfterGRevealsEverything: G reveals every event, not
// just the filtered rows, so clearing the filter shows the whole run.
func TestClearingAFilterAfterGRevealsEverything(t *testing.T) {
	clearFilter := []tea.Msg{keys("f")[0], tea.KeyMsg{Type: tea.KeyCtrlU}, keys("enter")[0]}
	for _, stepBack := range []bool{false, true} {
		m := NewModel(toy.Small(), nil, Options{})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		msgs := keys("f", "n0", "enter", "G")
		if stepBack {
			msgs = append(msgs, keys("p")...)
		}
		for _, k := range append(msgs, clearFilter...) {
			m.Update(k)
		}
		require.Equal(t, "", m.filt.text)
		require.NotEmpty(t, m.rows)
		if stepBack {
			assert.Less(t, m.reveal, len(m.rows)-1, "stepping back after G hides events again")
		} else {
			assert.Equal(t, len(m.rows)-1, m.reveal, "every row is revealed once the filter is cleared")
		}
	}
}

// A paused node's lane is drawn frozen, its panel says so, and the fault
// line names the pause.
func TestPausedLane(t *testing.T) {
	sim := toy.New(toy.Config{Seed: 3})
	sim.Schedule(simnet.Fault{At: 30 * time.Millisecond, Kind: simnet.FaultPause, Node: 2, For: 40 * time.Millisecond})
	sim.Run(100 * time.Millisecond)
	tr := sim.Trace()
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	var in, after int
	for i, e := range tr.All() {
		if e.Kind == trace.Pause {
			in = i
		}
		if e.Kind == trace.Resume {
			after = i
		}
	}
	require.Positive(t, in)
	r, _ := laneGlyph(m.ix.epochAt(in), 2)
	assert.Equal(t, '┊', r, "frozen during the pause")
	r, _ = laneGlyph(m.ix.epochAt(after), 2)
	assert.Equal(t, '│', r, "alive again after it")
	assert.Contains(t, m.faultsAt(in), "n2 paused")
	assert.Contains(t, m.ix.desc.Event(in), "PAUSE n2 for 40ms")
}

// runCmd runs a command as bubbletea would, a batch's commands one after
// the other, and returns the last message (nil for none).
func runCmd(cmd tea.Cmd) tea.Msg {
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var last tea.Msg
		for _, c := range b {
			if c != nil {
				if r := runCmd(c); r != nil {
					last = r
				}
			}
		}
		return last
	}
	return msg
}
