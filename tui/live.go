package tui

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"distlab/simnet"
	"distlab/simnet/trace"
)

// Breaker is a live source that takes faults while it runs: the break keys
// crash and restart nodes, partition the cluster, cut a link, heal, and
// drop or duplicate a message in flight. A fault it injects is scheduled
// like any other, so the trace records it like any other.
type Breaker interface {
	Inject(f simnet.Fault) error
}

// Saver is a live source that can write the session so far (the run's
// faults and those injected from the keyboard) as a scenario file that
// replays it exactly.
type Saver interface {
	SaveScenario(path string) error
}

// bgRun is a live run going on in the background (G): the simulator steps
// in slices of runSlice in a command, and the screen follows between
// slices. stop asks it to end after the current step.
type bgRun struct {
	flag  atomic.Bool
	start time.Time
}

func (r *bgRun) stop()         { r.flag.Store(true) }
func (r *bgRun) stopped() bool { return r.flag.Load() }

// runMsg reports the end of one slice of a background run.
type runMsg struct {
	run  *bgRun
	done bool // the source has nothing more to run
}

// runSlice is how long one slice steps the simulator: the screen is
// redrawn between slices, so the run shows progress and keys answer.
const runSlice = 40 * time.Millisecond

func (m *Model) startRun() tea.Cmd {
	if m.run != nil {
		return nil
	}
	m.playing = false
	m.run = &bgRun{start: time.Now()}
	return m.slice(m.run)
}

func (m *Model) slice(r *bgRun) tea.Cmd {
	src, mu, until := m.src, m.simMu, m.opts.Until
	ended := func() bool {
		if na, ok := src.(nextAter); ok && until > 0 {
			at, more := na.NextAt()
			return !more || at > until
		}
		return false
	}
	return func() tea.Msg {
		mu.Lock()
		defer mu.Unlock()
		deadline := time.Now().Add(runSlice)
		for i := 0; !r.stopped(); i++ {
			if i%256 == 255 && time.Now().After(deadline) {
				return runMsg{run: r}
			}
			if ended() || !src.Step() {
				return runMsg{run: r, done: true}
			}
		}
		return runMsg{run: r}
	}
}

// runDone takes what a slice ran into the index and starts the next one.
func (m *Model) runDone(msg runMsg) tea.Cmd {
	if !m.simMu.TryLock() {
		return nil // a newer slice runs: its message brings the news
	}
	defer m.simMu.Unlock()
	m.syncSource()
	if !m.isReading() {
		m.revealAll() // a run: the screen follows it
	}
	if msg.done {
		if m.run == msg.run {
			m.run = nil
		}
		m.finishLive()
		if !m.isReading() {
			m.note = "the run is over"
		}
		return nil
	}
	if m.run != msg.run || msg.run.stopped() {
		return nil
	}
	return m.slice(msg.run)
}

// toggleMark marks (or unmarks) the selected row's node for the break keys.
func (m *Model) toggleMark() {
	id := m.nodeOfRow()
	if id < 0 || int(id) >= m.ix.nodes() {
		m.note = "this row is no node's (select one of a node's rows)"
		return
	}
	if i := slices.Index(m.marked, id); i >= 0 {
		m.marked = slices.Delete(m.marked, i, i+1)
	} else {
		m.marked = append(m.marked, id)
		slices.Sort(m.marked)
	}
	m.note = "marked: " + m.names(m.marked) + " (x crashes or restarts them, X cuts them off from the rest, L cuts a pair's link)"
	if len(m.marked) == 0 {
		m.note = "nothing marked"
	}
}

func (m *Model) names(ids []trace.NodeID) string {
	var s []string
	for _, id := range ids {
		s = append(s, m.ix.tr.NodeName(id))
	}
	return strings.Join(s, " ")
}

// nextInFlight selects the next message in flight at the playhead (i).
func (m *Model) nextInFlight() {
	var ids []int64
	for _, p := range m.fl.open {
		if int(p.sendRow) <= m.reveal {
			ids = append(ids, p.msg)
		}
	}
	if len(ids) == 0 {
		m.inFlight = 0
		m.note = "no message is in flight here"
		return
	}
	k := slices.Index(ids, m.inFlight) + 1
	m.inFlight = ids[k%len(ids)]
	note := fmt.Sprintf("message in flight %d of %d", k%len(ids)+1, len(ids))
	if _, ok := m.src.(Breaker); ok && !m.srcDone {
		note += " (d drops it, D duplicates it, i the next, esc none)"
	}
	m.note = note
}

// flightOpen reports whether message id is still in flight.
func (m *Model) flightOpen(id int64) (pending, bool) {
	for _, p := range m.fl.open {
		if p.msg == id {
			return p, true
		}
	}
	return pending{}, false
}

// breakKey turns a break key into faults and injects them now.
func (m *Model) breakKey(msg tea.KeyMsg) tea.Cmd {
	b, ok := m.src.(Breaker)
	if !ok || m.srcDone {
		m.note = "breaking works in a live run of a scenario, before its end (distlab tui SCENARIO.yaml)"
		return nil
	}
	if !m.simMu.TryLock() {
		m.note = "running… (esc stops it first)"
		return nil
	}
	defer m.simMu.Unlock()
	targets := m.marked
	if len(targets) == 0 {
		if id := m.nodeOfRow(); id >= 0 && int(id) < m.ix.nodes() {
			targets = []trace.NodeID{id}
		}
	}
	m.syncSource()
	m.revealAll() // a fault happens now: at the live edge
	ep := m.ix.epochAt(m.ix.n - 1)
	var faults []simnet.Fault
	k := &keymap
	switch {
	case key.Matches(msg, k.Crash):
		if len(targets) == 0 {
			m.note = "x needs a node: mark some with m, or select one of its rows"
			return nil
		}
		for _, id := range targets {
			kind := simnet.FaultCrash
			if !ep.IsUp(id) {
				kind = simnet.FaultRestart
			}
			faults = append(faults, simnet.Fault{Kind: kind, Node: id})
		}
	case key.Matches(msg, k.Partition):
		if len(m.marked) == 0 || len(m.marked) == m.ix.nodes() {
			m.note = "X cuts the marked nodes off from the rest: mark some (not all) with m first"
			return nil
		}
		var rest []trace.NodeID
		for i := range m.ix.nodes() {
			if !slices.Contains(m.marked, trace.NodeID(i)) {
				rest = append(rest, trace.NodeID(i))
			}
		}
		faults = append(faults, simnet.Fault{Kind: simnet.FaultPartition, Groups: [][]trace.NodeID{slices.Clone(m.marked), rest}})
	case key.Matches(msg, k.CutLink):
		if len(m.marked) != 2 {
			m.note = "L cuts the link between two nodes: mark exactly two with m"
			return nil
		}
		a, c := m.marked[0], m.marked[1]
		faults = append(faults, simnet.Fault{Kind: simnet.FaultCut, From: a, To: c}, simnet.Fault{Kind: simnet.FaultCut, From: c, To: a})
	case key.Matches(msg, k.Heal):
		faults = append(faults, simnet.Fault{Kind: simnet.FaultHeal})
	case key.Matches(msg, k.DropMsg, k.DupMsg):
		p, open := m.flightOpen(m.inFlight)
		if !open {
			m.inFlight = 0
			m.note = "select a message in flight with i first"
			return nil
		}
		kind := simnet.FaultDrop
		if key.Matches(msg, k.DupMsg) {
			kind = simnet.FaultDuplicate
		}
		faults = append(faults, simnet.Fault{Kind: kind, Msg: p.msg})
	}
	var done []string
	for _, f := range faults {
		if err := b.Inject(f); err != nil {
			m.note = "cannot: " + err.Error()
			break
		}
		_, what, _ := strings.Cut(f.Describe(m.ix.tr.NodeName), " ") // without its time
		done = append(done, what)
	}
	m.syncSource()
	m.revealAll()
	if len(done) > 0 {
		m.note = "at " + fmtDur(m.ix.tr.At(m.ix.n-1).Time) + ": " + strings.Join(done, ", ")
		if _, ok := m.src.(Saver); ok {
			m.note += " (w saves the session as a scenario)"
		}
	}
	return nil
}

func (m *Model) startSave() tea.Cmd {
	if _, ok := m.src.(Saver); !ok {
		m.note = "saving works in a live run of a scenario (distlab tui SCENARIO.yaml)"
		return nil
	}
	name := m.opts.SaveAs
	if name == "" {
		name = "session.yaml"
	}
	return m.startPrompt(promptSave, name)
}

func (m *Model) save(path string) {
	path = strings.TrimSpace(path)
	if path == "" {
		m.note = "not saved: no file name"
		return
	}
	s := m.src.(Saver)
	if !m.simMu.TryLock() {
		m.note = "running… (esc stops it first)"
		return
	}
	err := s.SaveScenario(path)
	m.simMu.Unlock()
	if err != nil {
		m.note = "not saved: " + err.Error()
		return
	}
	m.note = "saved " + path + ": distlab run " + path + " replays it, distlab tui " + path + " shows it"
}
