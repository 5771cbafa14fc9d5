package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// The tests in this file each pin one defect of issue 14; each failed on
// the code before its fix.

// scenarioRun runs a scenario file of the repository and returns its
// trace and verdicts.
func scenarioRun(t testing.TB, path string) (*trace.Trace, []check.Result) {
	t.Helper()
	sc, err := scenarios.Load("../scenarios/" + path)
	require.NoError(t, err)
	res, err := sc.Run(scenarios.RunOptions{ArtifactDir: t.TempDir()})
	require.NoError(t, err)
	return res.Trace, res.Checks
}

// shownRows is how many event rows the body draws.
func (m *Model) shownRows() int {
	n := 0
	for _, l := range m.screen(m.geom()) {
		if l.kind == lineRow {
			n++
		}
	}
	return n
}

// assertFull: the body shows as many rows as the screen holds, or every
// revealed row when fewer have happened (with the time axis, as many
// lines).
func assertFull(t *testing.T, m *Model, msgAndArgs ...any) {
	t.Helper()
	lines := m.screen(m.geom())
	used := 0
	for _, l := range lines {
		if l.kind != lineMore {
			used++
		}
	}
	bh := m.geom().bodyH
	switch {
	case m.top == 0 && m.shownRows() == m.reveal+1:
		// every row up to the playhead is on screen
	case m.timeAxis:
		// a gap's lines that do not fit are not drawn
		assert.GreaterOrEqual(t, used, bh-maxGapLines, msgAndArgs...)
	default:
		assert.Equal(t, bh, used, msgAndArgs...)
	}
	if !m.timeAxis {
		assert.Equal(t, min(bh, m.reveal+1-m.top), m.shownRows(), msgAndArgs...)
	}
}

// Defect 1: the diagram went nearly blank after v then a filter, after a
// twice, tab at 80×24, a search then a larger window, or 20×5 and back.
func TestDefect1ScreenStaysFull(t *testing.T) {
	tr, verdicts := scenarioRun(t, "election/bully-partition.yaml")
	resize := func(w, h int) tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }
	cases := []struct {
		name string
		w, h int
		msgs []tea.Msg
	}{
		{"violation then filter", 160, 45, keys("v", "f", "n3", "enter")},
		{"a twice", 160, 45, keys("v", "a", "a")},
		{"tab at 80x24", 80, 24, keys("v", "tab")},
		{"search then enlarge", 100, 24, append(keys("G", "/", "Election", "enter"), resize(160, 45))},
		{"shrink and back", 160, 45, append(keys("v"), resize(20, 5), resize(160, 45))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewModel(tr, verdicts, Options{})
			m.Update(tea.WindowSizeMsg{Width: c.w, Height: c.h})
			for _, msg := range c.msgs {
				m.Update(msg)
			}
			assertFull(t, m, "%s", m.summary())
			assertScreen(t, m.View(), m.w, m.h)
		})
	}
	// and through a real program, as a golden file
	m := NewModel(tr, verdicts, Options{})
	fm := drive(t, m, 160, 45, keys("v", "f", "n3", "enter"))
	assertFull(t, fm)
}

// Defect 2: G in a live run ran the simulation inside Update: the screen
// froze and ctrl+c waited for it. Now it is a command that runs in chunks,
// says how far it got, and stops on esc or when the program quits.
func TestDefect2LiveRunToTheEndIsACommand(t *testing.T) {
	sim := slowSource{toy.New(toy.Config{Seed: 3, Until: 2 * time.Second, Faults: true})}
	m := NewLive(sim, Options{Until: 2 * time.Second})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(keys("G")[0])
	require.NotNil(t, cmd, "G returns a command that runs the simulation")
	assert.False(t, m.srcDone, "G itself does not run the simulation")
	assert.Contains(t, m.View(), "running", "the status line says it is running")
	// one chunk, then esc stops it where it is
	msg := cmd()
	m.Update(msg)
	assert.False(t, m.srcDone)
	m.Update(keys("esc")[0])
	assert.Nil(t, m.run, "esc stops the run")
	assert.False(t, m.srcDone)
	// G again runs it to the end, chunk by chunk
	_, cmd = m.Update(keys("G")[0])
	for i := 0; cmd != nil && i < 10000; i++ {
		_, cmd = m.Update(cmd())
	}
	assert.True(t, m.srcDone)
	assert.Equal(t, len(m.rows)-1, m.cursor, "and shows the end")

	// ctrl+c quits at once, the run told to stop
	m = NewLive(toy.New(toy.Config{Seed: 3, Until: 2 * time.Second}), Options{Until: 2 * time.Second})
	_, cmd = m.Update(keys("G")[0])
	require.NotNil(t, cmd)
	run := m.run
	_, quit := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	require.NotNil(t, quit)
	assert.Equal(t, tea.Quit(), quit())
	assert.True(t, run.stopped(), "the run is told to stop")
}

// slowSource is a simulator whose every step costs 30µs of wall time, so
// that running it to the end takes several slices of a background run.
type slowSource struct{ *simnet.Sim }

func (s slowSource) Step() bool {
	for t := time.Now(); time.Since(t) < 30*time.Microsecond; {
	}
	return s.Sim.Step()
}

// Defect 3: enlarging the window then quitting left the diagram's lines on
// the shell's screen (tmux copies the alternate screen when it grows): the
// last frame is now empty, so nothing is left to copy.
func TestDefect3LastFrameIsEmpty(t *testing.T) {
	m := NewModel(toy.Small(), nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	require.NotEmpty(t, m.View())
	_, cmd := m.Update(keys("q")[0])
	require.NotNil(t, cmd)
	assert.Equal(t, "", m.View())
}

// Defect 4: v on a trace file said "no check results were given": checks
// now run when a trace opens (in the background), and a live run says they
// run at its end.
func TestDefect4ChecksOnOpen(t *testing.T) {
	tr := toy.Small()
	ran := 0
	m := NewModel(tr, nil, Options{Checks: func(tr *trace.Trace) []check.Result { ran++; return fakeVerdicts(tr) }})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	cmd := m.Init()
	require.NotNil(t, cmd, "the checks run as a command")
	assert.Contains(t, m.View(), "checking")
	m.Update(keys("v")[0])
	assert.Contains(t, m.note, "checks are running")
	m.Update(cmd())
	assert.Equal(t, 1, ran)
	m.Update(keys("v")[0])
	assert.Contains(t, m.note, "violation: toy-agreement")

	live := NewLive(toy.New(toy.Config{Seed: 3}), Options{Until: 100 * time.Millisecond,
		Checks: func(tr *trace.Trace) []check.Result { return fakeVerdicts(tr) }})
	live.Update(keys("v")[0])
	assert.Contains(t, live.note, "checks run when the run ends")
}

// Defect 5: a filter naming an unknown node matched nothing silently; the
// status line's time moved with the filter; clients counted as nodes.
func TestDefect5FilterNamesAndTime(t *testing.T) {
	tr := toy.Small()
	m := NewModel(tr, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	for _, k := range keys("f", "n7", "enter") {
		m.Update(k)
	}
	assert.Contains(t, m.note, "n7")
	assert.Contains(t, m.note, "n0, n1, n2, n3", "the note lists the valid nodes")
	assert.Equal(t, "", m.filt.text, "a bad filter is not applied")

	m = NewModel(tr, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	for range 40 {
		m.Update(keys("n")[0])
	}
	status := func() string { return m.statusLine() }
	before := status()
	at := before[strings.Index(before, "t="):]
	at = at[:strings.Index(at, " ")]
	for _, k := range keys("f", "n3", "enter") {
		m.Update(k)
	}
	assert.Contains(t, status(), at, "a filter does not move the playhead")
	m.Update(keys("f")[0])
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	m.Update(keys("enter")[0])
	assert.Contains(t, status(), at)

	withClients := trace.New(trace.Header{Nodes: []string{"n0", "n1", "c0"}, Groups: []string{"server", "server", "client"}},
		trace.Event{Kind: trace.Start, Node: 0, Peer: trace.None})
	assert.Contains(t, NewModel(withClients, nil, Options{}).titleLine(), "2 nodes + 1 client")
}

// Defect 6 (the TUI's part): a trace with no end event opens with a
// warning that it is incomplete.
func TestDefect6IncompleteTraceSaysSo(t *testing.T) {
	tr := toy.Small()
	require.Equal(t, trace.End, tr.At(tr.Len()-1).Kind)
	cut := tr.Prefix(tr.Len() - 40)
	m := NewModel(cut, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	assert.Contains(t, m.View(), "incomplete")
	assert.NotContains(t, NewModel(tr, nil, Options{}).View(), "incomplete")
}

// Defect 7 (the TUI's part): speeds outside the list are an error, not
// silently clamped.
func TestDefect7SpeedIsChecked(t *testing.T) {
	for _, s := range []int{-5, 5000, 3} {
		assert.Error(t, ValidSpeed(s), "%d", s)
	}
	for _, s := range []int{0, 1, 8, 1024} {
		assert.NoError(t, ValidSpeed(s), "%d", s)
	}
}

// Defect 8: a replay opened on an almost empty screen, then revealed the
// initial state one key a row at 4 rows a second.
func TestDefect8FirstImpression(t *testing.T) {
	tr, _ := scenarioRun(t, "raft/leader-partition.yaml")
	m := NewModel(tr, nil, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	assertFull(t, m)
	assert.GreaterOrEqual(t, m.reveal+1, m.geom().bodyH, "the diagram fills the screen at once")
	states := 0
	for r := 0; r < len(m.rows) && m.ix.tr.At(int(m.rows[r])).Time == 0; r++ {
		if m.ix.tr.At(int(m.rows[r])).Kind == trace.State {
			states++
		}
	}
	assert.LessOrEqual(t, states, len(tr.Header.Nodes), "initial state: at most one row a node")
	assert.GreaterOrEqual(t, speeds[m.speed], 8)
}

// Defect 9: colour clashes and weak contrast.
func TestDefect9Colours(t *testing.T) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	fg := styleColour
	for c := stComp0; c <= stComp3; c++ {
		assert.NotEqual(t, fg(c), styleColour(stState), "state and partition side %d", c-stComp0)
	}
	assert.NotEqual(t, "4", fg(stMsg), "dark blue messages are hard to see on a projector")
	assert.NotEqual(t, "8", styleColour(stLane), "grey lanes are hard to see on a projector")
	// a highlighted lane keeps its side's colour in a partition
	sim := toy.New(toy.Config{Seed: 3})
	sim.Schedule(simnet.Fault{At: 20 * time.Millisecond, Kind: simnet.FaultPartition, Groups: [][]simnet.NodeID{{0, 1}, {2, 3}}})
	sim.Run(40 * time.Millisecond)
	tr := sim.Trace()
	ix := newIndex(tr)
	last := tr.Len() - 1
	require.True(t, ix.epochAt(last).Highlighted(0))
	r, s := laneGlyph(ix.epochAt(last), 0)
	assert.Equal(t, '█', r)
	_, side := laneGlyph(ix.epochAt(last), 1)
	assert.Equal(t, side, s, "n0 leads on n1's side: its lane has that side's colour")
}

// styleColour is a style's foreground, "" for the terminal's own.
func styleColour(s sty) string {
	if c, ok := styles[s].GetForeground().(lipgloss.Color); ok {
		return string(c)
	}
	return ""
}
