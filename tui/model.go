package tui

import (
	"sort"
	"strings"
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
	// Speed is the initial playback speed in rows per second (default 4).
	Speed int
	// ShowAll starts with every event kind shown (sends, timer set and
	// cancel, network duplicates, starts), not just the drawn ones.
	ShowAll bool
	// Filter starts with this filter (node names and message types).
	Filter string
	// AtEnd starts with the whole trace revealed (cursor on the last event)
	// instead of at the first event.
	AtEnd bool
	// Until stops a live run at this virtual time (when the Source can tell
	// when its next event is, as *simnet.Sim can). Zero: until it is done.
	Until time.Duration
	// Checks, in live mode, is called once the source is done to get the
	// verdicts to show.
	Checks func(*trace.Trace) []check.Result
}

// Source is a run in progress, for live mode. A *simnet.Sim is one: Step
// processes one scheduler event, Trace is the growing trace.
type Source interface {
	Trace() *trace.Trace
	Step() bool
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
)

// speeds are the playback speeds in rows per second.
var speeds = []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}

// Model is the visualizer's whole state. Its View is a pure function of it.
type Model struct {
	ix       *index
	src      Source
	srcDone  bool
	opts     Options
	verdicts []check.Result
	viols    []violation
	violEv   map[int]int // event → first verdict index violated there

	filt   filter
	rows   []int32 // event indexes drawn, in order
	cursor int     // row index of the selected event
	reveal int     // the playhead: rows after it have not happened yet on screen
	// revealedAll is set by G/End: every event has happened, whatever the
	// filter shows, so clearing a filter later reveals the rows it hid.
	revealedAll bool
	top         int // first row on screen

	w, h    int
	playing bool
	speed   int // index into speeds
	gen     int // playback generation: stale ticks are ignored
	panel   bool
	help    bool

	prompt     promptKind
	input      textinput.Model // the search or filter prompt's text
	lastSearch string
	note       string     // one-line message (no match, …), cleared by the next key
	helpView   help.Model // renders the key line and the help screen

	// side holds the side (or bottom) panel's lines and how far it is
	// scrolled; sideKey is what they were built for (see syncPanel).
	side    viewport.Model
	sideKey panelKey
}

// NewModel replays a recorded trace. verdicts (may be nil) are the checks'
// results for it: failures are marked in the diagram and v jumps to them.
func NewModel(tr *trace.Trace, verdicts []check.Result, opts Options) *Model {
	m := newModel(tr, opts)
	m.setVerdicts(verdicts)
	m.srcDone = true
	if opts.AtEnd {
		m.cursor = max(0, len(m.rows)-1)
		m.reveal = m.cursor
	}
	m.syncPanel()
	return m
}

// NewLive runs src as the user watches: playing or stepping past the last
// event steps the source until a new row appears.
func NewLive(src Source, opts Options) *Model {
	m := newModel(src.Trace(), opts)
	m.src = src
	if len(m.rows) == 0 {
		m.pull()
	}
	m.syncPanel()
	return m
}

func newModel(tr *trace.Trace, opts Options) *Model {
	m := &Model{ix: newIndex(tr), opts: opts, w: 80, h: 24, panel: true, speed: 2,
		input: textinput.New(), helpView: newHelp(), side: viewport.New(0, 0)}
	m.input.CharLimit = 200
	m.sizeInput()
	if opts.Speed > 0 {
		m.speed = sort.SearchInts(speeds, opts.Speed)
		m.speed = min(m.speed, len(speeds)-1)
	}
	m.filt = parseFilter(tr, opts.Filter, opts.ShowAll)
	m.refilter()
	return m
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

// refilter rebuilds the rows, keeping the cursor and the playhead on the
// same moments.
func (m *Model) refilter() {
	at, rev := m.cursorEvent(), m.revealEvent()
	if m.revealedAll {
		rev = m.ix.tr.Len() - 1
	}
	m.rows = m.rows[:0]
	m.appendRows(0)
	m.reveal = m.rowAtOrBefore(rev)
	m.cursor = min(m.rowAtOrBefore(at), m.reveal)
	m.top = min(m.top, m.cursor)
}

func (m *Model) revealEvent() int {
	if len(m.rows) == 0 {
		return -1
	}
	return int(m.rows[min(m.reveal, len(m.rows)-1)])
}

func (m *Model) appendRows(from int) {
	tr := m.ix.tr
	for i := from; i < m.ix.n; i++ {
		if e := tr.At(i); m.filt.match(tr, &e) {
			m.rows = append(m.rows, int32(i))
		}
	}
}

// rowAtOrBefore is the last row whose event is at or before event ev.
func (m *Model) rowAtOrBefore(ev int) int {
	r := sort.Search(len(m.rows), func(r int) bool { return int(m.rows[r]) > ev }) - 1
	return max(r, 0)
}

// rowAtOrAfter is the first row whose event is at or after ev (or the last row).
func (m *Model) rowAtOrAfter(ev int) int {
	r := sort.Search(len(m.rows), func(r int) bool { return int(m.rows[r]) >= ev })
	return min(r, max(len(m.rows)-1, 0))
}

func (m *Model) cursorEvent() int {
	if len(m.rows) == 0 {
		return -1
	}
	return int(m.rows[min(m.cursor, len(m.rows)-1)])
}

// pull steps a live source until at least one new row appears (or a budget
// of steps runs out, or the source is done).
func (m *Model) pull() bool {
	if m.src == nil || m.srcDone {
		return false
	}
	before := len(m.rows)
	for steps := 0; steps < 20000 && len(m.rows) == before; steps++ {
		if na, ok := m.src.(nextAter); ok && m.opts.Until > 0 {
			if at, more := na.NextAt(); !more || at > m.opts.Until {
				m.finishLive()
				break
			}
		}
		if !m.src.Step() {
			m.finishLive()
			break
		}
		if m.src.Trace().Len() > m.ix.n {
			from := m.ix.n
			m.ix.extend()
			m.appendRows(from)
		}
	}
	return len(m.rows) > before
}

func (m *Model) finishLive() {
	m.srcDone = true
	if m.ix.n < m.ix.tr.Len() {
		from := m.ix.n
		m.ix.extend()
		m.appendRows(from)
	}
	if m.opts.Checks != nil {
		m.setVerdicts(m.opts.Checks(m.ix.tr))
	}
}

// move puts the cursor on row r (clamped), revealing rows up to it and
// pulling a live source as needed, and scrolls so that it is on screen.
func (m *Model) move(r int) {
	for r >= len(m.rows) && m.pull() {
	}
	m.cursor = max(0, min(r, len(m.rows)-1))
	m.reveal = max(m.reveal, m.cursor)
	m.follow()
}

// rewind moves the playhead back to row r: what came after is hidden again.
func (m *Model) rewind(r int) {
	m.cursor = max(0, min(r, len(m.rows)-1))
	m.reveal = m.cursor
	m.revealedAll = false
	m.follow()
}

func (m *Model) follow() {
	bh := m.geom().bodyH
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+bh {
		m.top = m.cursor - bh + 1
	}
	m.top = max(0, m.top)
}

func (m *Model) atEnd() bool { return m.reveal >= len(m.rows)-1 && m.srcDone }

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

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd { return nil }

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.syncPanel()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.sizeInput()
		m.follow()
		return nil
	case tickMsg:
		if !m.playing || msg.gen != m.gen {
			return nil
		}
		m.move(m.reveal + m.rowsPerTick())
		if m.atEnd() {
			m.playing = false
			return nil
		}
		return m.tick()
	case tea.MouseMsg:
		return m.mouse(msg)
	case tea.KeyMsg:
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

// panelKey is what the panel's lines depend on besides the trace, which
// only grows: the selected event, the panel's size and form, the verdicts
// (a live run gets them at its end).
type panelKey struct {
	ev, w, h, verdicts int
	compact, shown     bool
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
	k.ev, k.verdicts, k.shown = m.cursorEvent(), len(m.verdicts), true
	if k == m.sideKey {
		return
	}
	if k.ev != m.sideKey.ev {
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
	maxTop := max(0, m.reveal+1-g.bodyH)
	overPanel := (g.side && msg.X >= g.diagW) || (g.bottomH > 0 && msg.Y >= bodyY+g.bodyH)
	switch {
	case key.Matches(msg, keymap.WheelUp) && overPanel:
		m.side.ScrollUp(3)
	case key.Matches(msg, keymap.WheelDown) && overPanel:
		m.side.ScrollDown(3)
	case key.Matches(msg, keymap.WheelUp):
		m.top = max(0, m.top-3)
	case key.Matches(msg, keymap.WheelDown):
		m.top = min(maxTop, m.top+3)
	case key.Matches(msg, keymap.Click):
		y := msg.Y - bodyY
		if y >= 0 && y < g.bodyH && msg.X < g.diagW {
			if r := m.top + y; r <= m.reveal && r < len(m.rows) {
				m.cursor = r
			}
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
		return tea.Quit
	case key.Matches(msg, k.Close):
		m.help = false
	case key.Matches(msg, k.Help):
		m.help = !m.help
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
		if m.src != nil && !m.srcDone {
			m.pullAll()
		}
		m.move(len(m.rows) - 1)
		m.revealedAll = true
	case key.Matches(msg, k.Faster):
		m.speed = min(m.speed+1, len(speeds)-1)
	case key.Matches(msg, k.Slower):
		m.speed = max(m.speed-1, 0)
	case key.Matches(msg, k.NextViol):
		m.jumpViolation(+1)
	case key.Matches(msg, k.PrevViol):
		m.jumpViolation(-1)
	case key.Matches(msg, k.All):
		m.filt = parseFilter(m.ix.tr, m.filt.text, !m.filt.all)
		m.refilter()
		m.follow()
	case key.Matches(msg, k.PanelDown):
		m.side.ScrollDown(1)
	case key.Matches(msg, k.PanelUp):
		m.side.ScrollUp(1)
	case key.Matches(msg, k.Panel):
		m.panel = !m.panel
		m.follow()
	case key.Matches(msg, k.Search):
		return m.startPrompt(promptSearch, "")
	case key.Matches(msg, k.Filter):
		return m.startPrompt(promptFilter, m.filt.text)
	case key.Matches(msg, k.NextMatch):
		m.search(m.lastSearch, +1)
	}
	return nil
}

// pullAll runs a live source to its end, bounded (a source that never ends
// must not hang the screen): G again goes further.
func (m *Model) pullAll() {
	limit := m.ix.n + 2_000_000
	for m.ix.n < limit && m.pull() {
	}
}

func (m *Model) startPrompt(k promptKind, value string) tea.Cmd {
	m.prompt = k
	m.playing = false
	m.input.Prompt = " search: "
	if k == promptFilter {
		m.input.Prompt = " filter: "
	}
	m.sizeInput()
	m.input.SetValue(value)
	m.input.CursorEnd()
	return m.input.Focus()
}

// promptHint follows the prompt's text on the key line.
func (m *Model) promptHint() string {
	if m.prompt == promptFilter {
		return "   node names and/or message types, e.g. “n1 Vote” · enter: apply"
	}
	return "   enter: find next · esc: cancel"
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
		if k == promptSearch {
			if v == "" {
				v = m.lastSearch
			}
			m.lastSearch = v
			m.search(v, +1)
		} else {
			m.filt = parseFilter(m.ix.tr, v, m.filt.all)
			m.refilter()
			m.follow()
			if len(m.rows) == 0 {
				m.note = "nothing matches the filter (f, then enter on an empty line, clears it)"
			}
		}
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// search moves the cursor to the next row (after the cursor, wrapping) whose
// text contains q, case-insensitively; it may reveal rows past the cursor.
func (m *Model) search(q string, dir int) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return
	}
	n := len(m.rows)
	for k := 1; k <= n; k++ {
		r := ((m.cursor+dir*k)%n + n) % n
		if strings.Contains(strings.ToLower(m.searchText(int(m.rows[r]))), q) {
			m.move(r)
			m.note = "found “" + q + "” (N: next)"
			return
		}
	}
	m.note = "no match for “" + q + "”"
}

func (m *Model) searchText(ev int) string {
	e := m.ix.tr.At(ev)
	return m.ix.tr.NodeName(e.Node) + " " + m.ix.tr.NodeName(e.Peer) + " " + e.Kind.String() + " " + m.ix.desc.Event(ev)
}

func (m *Model) jumpViolation(dir int) {
	if len(m.viols) == 0 {
		m.note = "no violations"
		if len(m.verdicts) == 0 {
			m.note = "no check results were given"
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
	m.note = "violation: " + name + " — " + m.verdicts[m.violEv[pick]].Detail
}

// Run starts the visualizer full screen, with the mouse wheel on, and
// returns when the user quits.
func Run(m *Model) error {
	_, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion()).Run()
	return err
}
