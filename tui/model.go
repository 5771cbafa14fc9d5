package tui

import (
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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
	top    int     // first row on screen

	w, h    int
	playing bool
	speed   int // index into speeds
	gen     int // playback generation: stale ticks are ignored
	panel   bool
	help    bool

	prompt     promptKind
	input      lineInput
	lastSearch string
	note       string // one-line message (no match, …), cleared by the next key
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
	return m
}

func newModel(tr *trace.Trace, opts Options) *Model {
	m := &Model{ix: newIndex(tr), opts: opts, w: 80, h: 24, panel: true, speed: 2}
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
		if m.filt.match(tr, &tr.Events[i]) {
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
		if len(m.src.Trace().Events) > m.ix.n {
			from := m.ix.n
			m.ix.extend()
			m.appendRows(from)
		}
	}
	return len(m.rows) > before
}

func (m *Model) finishLive() {
	m.srcDone = true
	if m.ix.n < len(m.ix.tr.Events) {
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
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.follow()
		return m, nil
	case tickMsg:
		if !m.playing || msg.gen != m.gen {
			return m, nil
		}
		m.move(m.reveal + m.rowsPerTick())
		if m.atEnd() {
			m.playing = false
			return m, nil
		}
		return m, m.tick()
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case tea.KeyMsg:
		if m.prompt != promptNone {
			return m, m.promptKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	g := m.geom()
	maxTop := max(0, m.reveal+1-g.bodyH)
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		m.top = max(0, m.top-3)
	case msg.Button == tea.MouseButtonWheelDown:
		m.top = min(maxTop, m.top+3)
	case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress:
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
	switch msg.String() {
	case "q", "ctrl+c":
		m.playing = false
		return tea.Quit
	case "esc":
		m.help = false
	case "?":
		m.help = !m.help
	case " ":
		if m.atEnd() && !m.playing {
			m.note = "at the end (g goes back to the start)"
			return nil
		}
		m.playing = !m.playing
		m.gen++
		if m.playing {
			return m.tick()
		}
	case "n", "right", "l":
		m.move(m.reveal + 1)
	case "p", "left", "h":
		m.rewind(m.reveal - 1)
	case "down", "j":
		m.move(m.cursor + 1)
	case "up", "k":
		m.move(m.cursor - 1)
	case "pgdown", "ctrl+f":
		m.move(m.cursor + bh)
	case "pgup", "ctrl+b":
		m.move(m.cursor - bh)
	case "g", "home":
		m.rewind(0)
	case "G", "end":
		if m.src != nil && !m.srcDone {
			m.pullAll()
		}
		m.move(len(m.rows) - 1)
	case "+", "=":
		m.speed = min(m.speed+1, len(speeds)-1)
	case "-", "_":
		m.speed = max(m.speed-1, 0)
	case "v":
		m.jumpViolation(+1)
	case "V":
		m.jumpViolation(-1)
	case "a":
		m.filt = parseFilter(m.ix.tr, m.filt.text, !m.filt.all)
		m.refilter()
		m.follow()
	case "tab":
		m.panel = !m.panel
		m.follow()
	case "/":
		m.startPrompt(promptSearch, "")
	case "f":
		m.startPrompt(promptFilter, m.filt.text)
	case "N":
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

func (m *Model) startPrompt(k promptKind, value string) {
	m.prompt = k
	m.playing = false
	m.input = lineInput(value)
}

func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "ctrl+c":
		m.prompt = promptNone
		return nil
	case "enter":
		v := string(m.input)
		k := m.prompt
		m.prompt = promptNone
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
	m.input = m.input.update(msg)
	return nil
}

// lineInput is the prompt's text: a few keys are all a search needs (the
// bubbles text input would pull in a clipboard dependency).
type lineInput string

func (l lineInput) update(msg tea.KeyMsg) lineInput {
	switch msg.Type {
	case tea.KeyBackspace:
		if r := []rune(l); len(r) > 0 {
			return lineInput(r[:len(r)-1])
		}
	case tea.KeyCtrlU:
		return ""
	case tea.KeySpace:
		return l + " "
	case tea.KeyRunes:
		if len(l) < 200 {
			return l + lineInput(msg.Runes)
		}
	}
	return l
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
	e := &m.ix.tr.Events[ev]
	return m.ix.tr.NodeName(e.Node) + " " + m.ix.tr.NodeName(e.Peer) + " " + e.Kind.String() + " " + m.label(e, ev)
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
