package tui

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// Options tune the visualizer. The zero value is sensible.
type Options struct {
	// Speed is the initial playback speed in rows per second (default 8;
	// one of 1, 2, 4 … 1024: see ValidSpeed).
	Speed int
	// ShowAll starts with every event kind shown (sends, timer set and
	// cancel, network duplicates, starts), not just the drawn ones.
	ShowAll bool
	// Filter starts with this filter (node names and message types).
	Filter string
	// AtEnd starts with the whole trace revealed (cursor on the last event)
	// instead of at the first event.
	AtEnd bool
	// TimeAxis starts with rows spaced by virtual time (t toggles it).
	TimeAxis bool
	// Until stops a live run at this virtual time (when the Source can tell
	// when its next event is, as *simnet.Sim can). Zero: until it is done.
	Until time.Duration
	// Checks judges the trace: a live run calls it once the run is done; a
	// replay opened without verdicts calls it at once. Either way it runs
	// in the background and the verdicts appear when it returns.
	Checks func(*trace.Trace) []check.Result
	// SaveAs is the file name w proposes for saving a live session as a
	// scenario (default "session.yaml").
	SaveAs string
}

// speeds are the playback speeds in rows per second.
var speeds = []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}

// defaultSpeed is 8 rows a second: a few messages a second, enough to
// follow one with the eye.
const defaultSpeed = 3

// ValidSpeed reports whether s can be an initial speed (0: the default).
func ValidSpeed(s int) error {
	if s == 0 || slices.Contains(speeds, s) {
		return nil
	}
	return fmt.Errorf("speed %d rows a second: use one of %s", s, strings.Trim(fmt.Sprint(speeds), "[]"))
}

// Source is a run in progress, for live mode. A *simnet.Sim is one: Step
// processes one scheduler event, Trace is the growing trace.
type Source interface {
	Trace() *trace.Trace
	Step() bool
}

// joiner is a Source whose Trace already joins, under the model's lock,
// what its steps recorded (a Stream): the screen may read it while steps
// go on.
type joiner interface{ joinsTrace() }

// screenTrace is the trace the screen reads for a source that records
// into its trace as it steps (the simulator does, in whatever goroutine
// runs it): a copy that grows only when the model syncs, holding simMu,
// so drawing never reads what a background run is writing.
type screenTrace struct {
	src  Source
	view *trace.Trace
}

func (s *screenTrace) join() *trace.Trace {
	tr := s.src.Trace()
	s.view.Header = tr.Header
	var e trace.Event
	for i := s.view.Len(); i < tr.Len(); i++ {
		tr.Fill(i, &e)
		s.view.Append(e)
	}
	return s.view
}

// nextAter is what a Source offers when it can say when its next event is.
type nextAter interface {
	NextAt() (time.Duration, bool)
}

type promptKind uint8

const (
	promptNone promptKind = iota
	promptSearch
	promptFilter
	promptSave
)

// Model is the visualizer's whole state. Its View is a pure function of it.
type Model struct {
	ix       *index
	src      Source
	srcDone  bool
	simMu    *sync.Mutex  // held while anything steps the source
	screenTr *screenTrace // the screen's copy of a live simulator's trace (nil: the source's own)
	run      *bgRun       // a run of the live source in the background, or nil
	opts     Options
	verdicts []check.Result
	viols    []violation
	violEv   map[int]int // event → first verdict index violated there
	checking bool        // the checks are running in the background
	// wantChecks asks Update to start the checks (the live run just ended)
	wantChecks bool
	warning    string // what is wrong with the trace, shown in the title

	filt   filter
	rows   []int32 // first event of each row
	rowEnd []int32 // last event of each row
	fl     flightIndex
	cursor int // row index of the selected event
	reveal int // the last row drawn: rows after it have not happened yet
	playEv int // the playhead: the last event that has happened
	top    int // first row on screen
	pin    bool
	fresh  bool // nothing was pressed yet: the screen is filled on resize

	timeAxis bool
	unit     time.Duration // the time axis: one line is this long
	causal   *causalView   // c or o: what is highlighted, or nil
	states   bool          // s: state over time instead of the diagram
	marked   []trace.NodeID
	inFlight int64 // i: the message in flight that is selected, 0 none

	w, h     int
	playing  bool
	speed    int // index into speeds
	gen      int // playback generation: stale ticks are ignored
	panel    bool
	help     bool
	helpTop  int // how far the help screen is scrolled
	quitting bool

	prompt   promptKind
	input    textinput.Model // the search or filter prompt's text
	search   searchState
	note     string     // one-line message (no match, …), cleared by the next key
	helpView help.Model // renders the key line and the help screen

	// side holds the side (or bottom) panel's lines and how far it is
	// scrolled; sideKey is what they were built for (see syncPanel).
	side    viewport.Model
	sideKey panelKey
}

// NewModel replays a recorded trace. verdicts (may be nil) are the checks'
// results for it: failures are marked in the diagram and v jumps to them.
// Without verdicts, Options.Checks (if set) runs when the program starts.
func NewModel(tr *trace.Trace, verdicts []check.Result, opts Options) *Model {
	m := newModel(tr, opts)
	m.setVerdicts(verdicts)
	m.srcDone = true
	m.checking = verdicts == nil && opts.Checks != nil
	if n := tr.Len(); n > 0 && tr.At(n-1).Kind != trace.End {
		m.warning = "incomplete: the trace has no end event (the run was cut off)"
	}
	if opts.AtEnd {
		m.revealAll()
	} else {
		m.fill()
	}
	m.fixTop()
	m.syncPanel()
	return m
}

// NewLive runs src as the user watches: playing or stepping past the last
// event steps the source until a new row appears. A source that is also a
// Breaker takes faults from the keyboard, and a Saver writes the session
// as a scenario file.
func NewLive(src Source, opts Options) *Model {
	if _, ok := src.(joiner); ok {
		return newLiveModel(src, src.Trace(), nil, opts)
	}
	screen := &screenTrace{src: src, view: trace.New(src.Trace().Header)}
	return newLiveModel(src, screen.join(), screen, opts)
}

func newLiveModel(src Source, tr *trace.Trace, screen *screenTrace, opts Options) *Model {
	m := newModel(tr, opts)
	m.src, m.screenTr = src, screen
	m.fill()
	m.fixTop()
	m.syncPanel()
	return m
}

func newModel(tr *trace.Trace, opts Options) *Model {
	m := &Model{ix: newIndex(tr), opts: opts, w: 80, h: 24, panel: true, speed: defaultSpeed,
		input: textinput.New(), helpView: newHelp(), side: viewport.New(0, 0), simMu: &sync.Mutex{},
		fresh: true, timeAxis: opts.TimeAxis, playEv: -1}
	m.input.CharLimit = 200
	m.sizeInput()
	if i := slices.Index(speeds, opts.Speed); i >= 0 {
		m.speed = i
	}
	f, err := parseFilter(m.ix, opts.Filter, opts.ShowAll, false)
	if err != nil {
		f, _ = parseFilter(m.ix, "", opts.ShowAll, false)
		m.note = "filter: " + err.Error()
	}
	m.filt = f
	m.refilter()
	if m.timeAxis {
		m.unit = m.autoUnit()
	}
	return m
}

// fill reveals the first screenful, so that a run opens on a full diagram
// (playback goes on from there).
func (m *Model) fill() {
	bh := m.geom().bodyH
	for m.src != nil && !m.srcDone && len(m.rows) < bh && m.pull() {
	}
	r := max(m.reveal, 0)
	for r+1 < len(m.rows) && m.topFor(r+1, bh) == 0 {
		r++
	}
	if len(m.rows) > 0 && (r > m.reveal || m.playEv < 0) {
		m.setReveal(r)
	}
}

func (m *Model) setVerdicts(v []check.Result) {
	m.verdicts = v
	m.viols = findViolations(m.ix.tr, v)
	m.violEv = map[int]int{}
	for _, x := range m.viols {
		if _, ok := m.violEv[x.event]; !ok {
			m.violEv[x.event] = x.check
		}
	}
}

// checksMsg carries the verdicts of checks run in the background.
type checksMsg struct{ results []check.Result }

func (m *Model) checkCmd() tea.Cmd {
	run, tr := m.opts.Checks, m.ix.tr
	if run == nil {
		return nil
	}
	m.checking = true
	return func() tea.Msg { return checksMsg{results: run(tr)} }
}

// pull steps a live source until at least one new row appears (or a budget
// of steps runs out, or the source is done). It does nothing while a run
// in the background holds the source.
func (m *Model) pull() bool {
	if m.src == nil || m.srcDone {
		return false
	}
	if !m.simMu.TryLock() {
		m.note = "running… (esc stops)"
		if m.isReading() {
			m.note = "still reading the trace…"
		}
		return false
	}
	defer m.simMu.Unlock()
	before := len(m.rows)
	for steps := 0; steps < 20000 && len(m.rows) == before; steps++ {
		if m.sourceEnded() || !m.src.Step() {
			m.finishLive()
			break
		}
		m.syncSource()
	}
	return len(m.rows) > before
}

// sourceEnded: the next event is past Until (or there is none).
func (m *Model) sourceEnded() bool {
	if na, ok := m.src.(nextAter); ok && m.opts.Until > 0 {
		at, more := na.NextAt()
		return !more || at > m.opts.Until
	}
	return false
}

// syncSource indexes what the source recorded since the last call (the
// caller holds simMu).
func (m *Model) syncSource() {
	tr := m.ix.tr
	if m.screenTr != nil {
		tr = m.screenTr.join()
	} else {
		tr = m.src.Trace()
	}
	if tr.Len() > m.ix.n {
		from := m.ix.n
		m.ix.extend()
		m.appendRows(from)
		if m.causal != nil {
			m.causal = nil // its sets are of a shorter trace
		}
	}
}

func (m *Model) finishLive() {
	m.srcDone = true
	m.syncSource()
	if r, ok := m.src.(reading); ok {
		tr := m.ix.tr
		switch {
		case r.Err() != nil:
			m.warning = "incomplete: " + r.Err().Error()
		case tr.Len() > 0 && tr.At(tr.Len()-1).Kind != trace.End:
			m.warning = "incomplete: the trace has no end event (the run was cut off)"
		}
	}
	if m.opts.Checks != nil {
		m.wantChecks = true
		m.checking = true
	}
}

// tickMsg drives playback; gen tells a stale tick from the current one.
type tickMsg struct{ gen int }

// frame is the playback frame interval; faster speeds move several rows
// per frame instead of ticking faster.
const frame = 50 * time.Millisecond

func (m *Model) tick() tea.Cmd {
	gen := m.gen
	d := time.Second / time.Duration(speeds[m.speed])
	d = max(d, frame)
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (m *Model) rowsPerTick() int {
	d := max(time.Second/time.Duration(speeds[m.speed]), frame)
	return max(1, int(time.Duration(speeds[m.speed])*d/time.Second))
}

// Init implements tea.Model: a replay without verdicts starts its checks,
// a trace still being read goes on reading in the background.
func (m *Model) Init() tea.Cmd {
	if m.isReading() && !m.srcDone {
		return m.startRun()
	}
	if m.checking && m.srcDone && m.verdicts == nil {
		return m.checkCmd()
	}
	return nil
}

// isReading: the source is a recorded trace being read, not a run.
func (m *Model) isReading() bool {
	_, ok := m.src.(reading)
	return ok
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if m.wantChecks {
		m.wantChecks = false
		cmd = tea.Batch(cmd, m.checkCmd())
	}
	m.fixTop()
	m.syncPanel()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.sizeInput()
		if m.fresh {
			m.fill()
		}
		m.pin = true
		return nil
	case tickMsg:
		if !m.playing || msg.gen != m.gen {
			return nil
		}
		m.move(m.reveal + m.rowsPerTick())
		if m.atEnd() || (m.run != nil && !m.isReading()) {
			m.playing = false
			return nil
		}
		return m.tick()
	case checksMsg:
		m.checking = false
		m.setVerdicts(msg.results)
		m.note = m.verdictNote()
		return nil
	case runMsg:
		return m.runDone(msg)
	case tea.MouseMsg:
		m.fresh = false
		return m.mouse(msg)
	case tea.KeyMsg:
		m.fresh = false
		if m.prompt != promptNone {
			return m.promptKey(msg)
		}
		return m.key(msg)
	}
	if m.prompt != promptNone {
		// the prompt's own messages: cursor blink, clipboard paste
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	return nil
}

// verdictNote sums up the checks when they arrive.
func (m *Model) verdictNote() string {
	fails := 0
	for _, r := range m.verdicts {
		if r.Verdict == check.Fail {
			fails++
		}
	}
	if fails > 0 {
		return fmt.Sprintf("checks done: %d failed (v jumps to the violation, then c shows its causes)", fails)
	}
	return fmt.Sprintf("checks done: %d, none failed", len(m.verdicts))
}

// panelKey is what the panel's lines depend on besides the trace, which
// only grows: the selected event, the panel's size and form, the verdicts
// (a live run gets them at its end), the selected message in flight.
type panelKey struct {
	ev, w, h, verdicts, n int
	inFlight              int64
	compact, shown        bool
}

// syncPanel rebuilds the panel's lines when what they show has changed,
// after every Update, so that View only reads them. A new selection
// scrolls the panel back to its top.
func (m *Model) syncPanel() {
	g := m.geom()
	var k panelKey
	switch {
	case g.side:
		k = panelKey{w: g.panelW - 2, h: g.bodyH + 1}
	case g.bottomH > 0:
		k = panelKey{w: g.w - 1, h: g.bottomH - 1, compact: true}
	default:
		m.sideKey = panelKey{}
		return
	}
	k.ev, k.verdicts, k.shown, k.inFlight = m.cursorEvent(), len(m.verdicts), true, m.inFlight
	if m.inFlight > 0 {
		k.n = m.ix.n // a message in flight may have arrived since
	}
	if k == m.sideKey {
		return
	}
	if k.ev != m.sideKey.ev || k.inFlight != m.sideKey.inFlight {
		m.side.GotoTop()
	}
	m.sideKey = k
	lines := m.panelLinesSized(k.w, k.h, k.compact)
	for i, l := range lines {
		// the viewport would wrap a longer line; the panel cuts it
		if ansi.StringWidth(l) > k.w {
			lines[i] = ansi.Truncate(l, k.w, "…")
		}
	}
	m.side.Width, m.side.Height = k.w, k.h
	m.side.SetContent(strings.Join(lines, "\n"))
	m.side.SetYOffset(m.side.YOffset) // clamp: the content may be shorter
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	g := m.geom()
	overPanel := (g.side && msg.X >= g.diagW) || (g.bottomH > 0 && msg.Y >= bodyY+g.bodyH)
	switch {
	case key.Matches(msg, keymap.WheelUp) && overPanel:
		m.side.ScrollUp(3)
	case key.Matches(msg, keymap.WheelDown) && overPanel:
		m.side.ScrollDown(3)
	case key.Matches(msg, keymap.WheelUp):
		m.top = max(0, m.top-3)
	case key.Matches(msg, keymap.WheelDown):
		m.top += 3 // fixTop keeps it above the playhead
	case key.Matches(msg, keymap.Click):
		y := msg.Y - bodyY
		lines := m.screen(g)
		if y >= 0 && y < len(lines) && msg.X < g.diagW && lines[y].kind == lineRow {
			m.cursor = lines[y].row
		}
	}
	return nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	m.note = ""
	bh := m.geom().bodyH
	k := &keymap
	switch {
	case key.Matches(msg, k.Quit):
		m.playing = false
		m.quitting = true
		if m.run != nil {
			m.run.stop()
		}
		return tea.Quit
	case key.Matches(msg, k.Close):
		switch {
		case m.help:
			m.help = false
		case m.run != nil && !m.isReading():
			m.run.stop()
			m.run = nil
			m.note = "stopped (G runs on)"
		case m.causal != nil:
			m.causal = nil
		case m.inFlight > 0:
			m.inFlight = 0
		}
	case key.Matches(msg, k.Help):
		m.help = !m.help
		m.helpTop = 0
	case m.help && key.Matches(msg, k.Down, k.Up, k.PageDown, k.PageUp):
		switch {
		case key.Matches(msg, k.Down):
			m.helpTop++
		case key.Matches(msg, k.Up):
			m.helpTop--
		case key.Matches(msg, k.PageDown):
			m.helpTop += bh
		default:
			m.helpTop -= bh
		}
		m.helpTop = max(0, min(m.helpTop, 60))
	case m.run != nil && !m.isReading() && !key.Matches(msg, k.Down, k.Up, k.PageDown, k.PageUp, k.PanelDown, k.PanelUp, k.Panel):
		m.note = "running… esc stops it, q quits"
	case key.Matches(msg, k.Play):
		if m.atEnd() && !m.playing {
			m.note = "at the end (g goes back to the start)"
			return nil
		}
		m.playing = !m.playing
		m.gen++
		if m.playing {
			return m.tick()
		}
	case key.Matches(msg, k.Step):
		m.move(m.reveal + 1)
	case key.Matches(msg, k.Back):
		m.rewind(m.reveal - 1)
	case key.Matches(msg, k.Down):
		m.move(m.cursor + 1)
	case key.Matches(msg, k.Up):
		m.move(m.cursor - 1)
	case key.Matches(msg, k.PageDown):
		m.move(m.cursor + bh)
	case key.Matches(msg, k.PageUp):
		m.move(m.cursor - bh)
	case key.Matches(msg, k.Start):
		m.rewind(0)
	case key.Matches(msg, k.End):
		if m.src != nil && !m.srcDone && !m.isReading() {
			return m.startRun()
		}
		m.revealAll()
		if !m.srcDone {
			m.note = "the end so far: the trace is still being read"
		}
	case key.Matches(msg, k.Faster):
		m.speed = min(m.speed+1, len(speeds)-1)
	case key.Matches(msg, k.Slower):
		m.speed = max(m.speed-1, 0)
	case key.Matches(msg, k.NextViol):
		m.jumpViolation(+1)
	case key.Matches(msg, k.PrevViol):
		m.jumpViolation(-1)
	case key.Matches(msg, k.All):
		m.applyFilter(m.filt.text, !m.filt.all)
	case key.Matches(msg, k.PanelDown):
		m.side.ScrollDown(1)
	case key.Matches(msg, k.PanelUp):
		m.side.ScrollUp(1)
	case key.Matches(msg, k.Panel):
		m.panel = !m.panel
		m.pin = true
	case key.Matches(msg, k.Search):
		return m.startPrompt(promptSearch, "")
	case key.Matches(msg, k.Filter):
		return m.startPrompt(promptFilter, m.filt.text)
	case key.Matches(msg, k.NextMatch):
		m.find(m.search.query, +1)
	case key.Matches(msg, k.PrevMatch):
		m.find(m.search.query, -1)
	case key.Matches(msg, k.Causal):
		m.toggleCausal()
	case key.Matches(msg, k.Request):
		m.toggleRequest()
	case key.Matches(msg, k.States):
		m.states = !m.states
	case key.Matches(msg, k.TimeAxis):
		m.timeAxis = !m.timeAxis
		if m.timeAxis && m.unit == 0 {
			m.unit = m.autoUnit()
		}
		m.pin = true
		m.note = m.axisNote()
	case key.Matches(msg, k.ZoomIn, k.ZoomOut):
		if !m.timeAxis {
			m.timeAxis, m.unit = true, m.autoUnit()
		} else if key.Matches(msg, k.ZoomIn) {
			m.unit = max(m.unit/2, 1)
		} else {
			m.unit *= 2
		}
		m.pin = true
		m.note = m.axisNote()
	case key.Matches(msg, k.Mark):
		m.toggleMark()
	case key.Matches(msg, k.Crash, k.Partition, k.CutLink, k.Heal, k.DropMsg, k.DupMsg):
		return m.breakKey(msg)
	case key.Matches(msg, k.Flight):
		m.nextInFlight()
	case key.Matches(msg, k.Save):
		return m.startSave()
	}
	return nil
}

func (m *Model) axisNote() string {
	if !m.timeAxis {
		return "time axis off: one line a row"
	}
	return "time axis: a blank line is " + fmtDur(m.unit) + ", ≈ a longer gap cut short (< > squeeze / stretch, t off)"
}

func (m *Model) toggleCausal() {
	if m.causal != nil && !m.causal.chain {
		m.causal = nil
		return
	}
	ev := m.cursorEvent()
	if ev < 0 {
		return
	}
	m.causal = m.ix.causalOf(ev)
	m.note = m.causal.label
}

func (m *Model) toggleRequest() {
	if m.causal != nil && m.causal.chain {
		m.causal = nil
		return
	}
	ev := m.cursorEvent()
	if ev < 0 {
		return
	}
	c, err := m.ix.requestOf(ev)
	if err != nil {
		m.note = err.Error()
		return
	}
	m.causal = c
	m.note = c.label
	// show the chain: the invoke at the top, revealed down to the return
	last := 0
	for i := c.ev; i < m.ix.n; i++ {
		if c.past.has(i) {
			last = i
		}
	}
	m.cursor = m.rowAtOrAfter(c.ev)
	if r := m.rowAtOrAfter(last); r > m.reveal {
		m.setReveal(r)
	}
	m.top = m.cursor
}

// applyFilter sets a new filter, or says what is wrong with it.
func (m *Model) applyFilter(text string, all bool) {
	f, err := parseFilter(m.ix, text, all, !m.srcDone)
	if err != nil {
		m.note = "filter: " + err.Error()
		return
	}
	m.filt = f
	m.refilter()
	m.pin = true
	switch {
	case len(m.rows) == 0:
		m.note = "nothing matches the filter (f, then enter on an empty line, clears it)"
	case len(f.unchecked) > 0:
		m.note = "no " + strings.Join(f.unchecked, ", ") + " so far in this run"
	}
}

func (m *Model) startPrompt(k promptKind, value string) tea.Cmd {
	m.prompt = k
	m.playing = false
	switch k {
	case promptFilter:
		m.input.Prompt = " filter: "
	case promptSave:
		m.input.Prompt = " save as: "
	default:
		m.input.Prompt = " search: "
	}
	m.sizeInput()
	m.input.SetValue(value)
	m.input.CursorEnd()
	return m.input.Focus()
}

// promptHint follows the prompt's text on the key line.
func (m *Model) promptHint() string {
	switch m.prompt {
	case promptFilter:
		return "   nodes, message types; !x leaves x out · enter: apply"
	case promptSave:
		return "   a scenario file that replays this session · enter: save"
	}
	return "   enter: find · esc: cancel"
}

// sizeInput fits the prompt's text field to the terminal, leaving room for
// the hint when there is some; longer text scrolls inside the field.
func (m *Model) sizeInput() {
	avail := max(m.w, 20) - ansi.StringWidth(m.input.Prompt) - 1
	if hint := ansi.StringWidth(m.promptHint()); avail-hint >= 20 {
		avail -= hint
	}
	m.input.Width = max(avail, 1)
	m.input.SetCursor(m.input.Position()) // scrolls the text to the new width
}

func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, keymap.Cancel):
		m.prompt = promptNone
		m.input.Blur()
		return nil
	case key.Matches(msg, keymap.Accept):
		v := m.input.Value()
		k := m.prompt
		m.prompt = promptNone
		m.input.Blur()
		switch k {
		case promptSearch:
			if strings.TrimSpace(v) == "" {
				v = m.search.query
			}
			m.find(v, +1)
		case promptFilter:
			m.applyFilter(v, m.filt.all)
		case promptSave:
			m.save(v)
		}
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

func (m *Model) jumpViolation(dir int) {
	if len(m.viols) == 0 {
		switch {
		case m.checking:
			m.note = "the checks are running: v works when they are done"
		case !m.srcDone && m.opts.Checks != nil:
			m.note = "checks run when the run ends (G runs it to the end)"
		case len(m.verdicts) == 0:
			m.note = "no checks were run on this trace"
		default:
			m.note = "no violations: every check passed or could not tell"
		}
		return
	}
	cur := m.cursorEvent()
	pick := -1
	if dir > 0 {
		for _, v := range m.viols {
			if v.event > cur {
				pick = v.event
				break
			}
		}
		if pick < 0 {
			pick = m.viols[0].event
		}
	} else {
		for i := len(m.viols) - 1; i >= 0; i-- {
			if m.viols[i].event < cur {
				pick = m.viols[i].event
				break
			}
		}
		if pick < 0 {
			pick = m.viols[len(m.viols)-1].event
		}
	}
	m.move(m.rowAtOrAfter(pick))
	name := m.verdicts[m.violEv[pick]].Name
	m.note = "violation: " + name + " — " + m.verdicts[m.violEv[pick]].Detail + " (c: its causes)"
}
