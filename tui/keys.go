package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key the visualizer answers to, with the text the help
// line and the help screen show for it. Mouse events are bindings too:
// key.Matches compares a tea.MouseMsg's String ("wheel up", "left press").
// Inside a prompt, the text input's own key map edits the text (arrows,
// ctrl+a/e, ctrl+u/k/w, ctrl+v); only Accept and Cancel are ours there.
type keyMap struct {
	Play, Step, Back, Faster, Slower, Start, End           key.Binding
	Down, Up, PageDown, PageUp, NextViol, PrevViol         key.Binding
	Search, NextMatch, PrevMatch, Filter, All, Panel, Help key.Binding
	Close, Quit, WheelUp, WheelDown, Click, PanelDown      key.Binding
	PanelUp, Causal, Request, States, TimeAxis, ZoomIn     key.Binding
	ZoomOut, Mark, Crash, Partition, CutLink, Heal, Flight key.Binding
	DropMsg, DupMsg, Save                                  key.Binding
	// in the search and filter prompts
	Accept, Cancel key.Binding
}

var keymap = keyMap{
	Play:      key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "play / pause")),
	Step:      key.NewBinding(key.WithKeys("n", "right", "l"), key.WithHelp("n/→/l", "step")),
	Back:      key.NewBinding(key.WithKeys("p", "left", "h"), key.WithHelp("p/←/h", "step back")),
	Faster:    key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
	Slower:    key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),
	Start:     key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "back to the start")),
	End:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "reveal everything (live: run on)")),
	Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next row")),
	Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous row")),
	PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("PgDn", "a page down")),
	PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("PgUp", "a page up")),
	NextViol:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "next violation")),
	PrevViol:  key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "previous violation")),
	Search:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
	NextMatch: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "next match")),
	PrevMatch: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "previous match")),
	Filter:    key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter")),
	All:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all event kinds")),
	Panel:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "side panel")),
	Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Close:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close / stop / clear")),
	Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	WheelUp:   key.NewBinding(key.WithKeys("wheel up"), key.WithHelp("wheel", "scroll")),
	WheelDown: key.NewBinding(key.WithKeys("wheel down"), key.WithHelp("wheel", "scroll")),
	Click:     key.NewBinding(key.WithKeys("left press"), key.WithHelp("click", "select a row")),
	PanelDown: key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "panel down")),
	PanelUp:   key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "panel up")),
	Causal:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "causal past and future")),
	Request:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "follow an operation")),
	States:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "state over time")),
	TimeAxis:  key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "time axis")),
	ZoomIn:    key.NewBinding(key.WithKeys(">", "."), key.WithHelp(">", "time: stretch")),
	ZoomOut:   key.NewBinding(key.WithKeys("<", ","), key.WithHelp("<", "time: squeeze")),
	Mark:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark the row's node")),
	Crash:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "crash / restart")),
	Partition: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "partition: marked | rest")),
	CutLink:   key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "cut the marked pair's link")),
	Heal:      key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "heal the network")),
	Flight:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "select a message in flight")),
	DropMsg:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "drop it")),
	DupMsg:    key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "duplicate it")),
	Save:      key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save as a scenario")),
	Accept:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
	Cancel:    key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "cancel")),
}

// Pairs of bindings shown as one on the key line, which must fit 80
// columns with "? help" still on it.
var (
	shortStep   = key.NewBinding(key.WithKeys("n", "p"), key.WithHelp("n/p", "step"))
	shortSelect = key.NewBinding(key.WithKeys("down", "up"), key.WithHelp("↑↓", "select"))
	shortSpeed  = key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "speed"))
)

// ShortHelp is the key line under the status line, most needed first: the
// help model drops what does not fit the width from the end.
func (k keyMap) ShortHelp() []key.Binding {
	play := k.Play
	play.SetHelp("space", "play")
	viol := k.NextViol
	viol.SetHelp("v", "violation")
	causal := k.Causal
	causal.SetHelp("c", "causality")
	states := k.States
	states.SetHelp("s", "states")
	return []key.Binding{play, shortStep, k.Search, k.Filter, viol, k.Help, k.Quit,
		causal, states, shortSelect, shortSpeed, k.Panel}
}

// FullHelp is the help screen's columns: playback, moving, finding,
// looking, and breaking a live run.
func (k keyMap) FullHelp() [][]key.Binding {
	speed := key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "faster / slower"))
	help := k.Help
	help.SetHelp("? esc", "this help")
	zoom := key.NewBinding(key.WithKeys("<", ">"), key.WithHelp("< >", "time: squeeze / stretch"))
	return [][]key.Binding{
		{k.Play, k.Step, k.Back, speed, k.Start, k.End, k.NextViol, k.PrevViol},
		{k.Down, k.Up, k.PageDown, k.PageUp, k.PanelDown, k.PanelUp, k.WheelUp, k.Click},
		{k.Search, k.NextMatch, k.PrevMatch, k.Filter, k.All, k.Panel, help, k.Quit},
		{k.Causal, k.Request, k.States, k.TimeAxis, zoom, k.Close},
		{k.Mark, k.Crash, k.Partition, k.CutLink, k.Heal, k.Flight, k.DropMsg, k.DupMsg, k.Save},
	}
}

// newHelp is the help renderer in the diagram's palette (ANSI colours, so
// the terminal's theme decides), with the key line's "·" separator.
func newHelp() help.Model {
	h := help.New()
	h.ShortSeparator = " · "
	h.Styles.ShortKey = styles[stNone]
	h.Styles.ShortDesc = styles[stDim]
	h.Styles.ShortSeparator = styles[stDim]
	h.Styles.Ellipsis = styles[stDim]
	h.Styles.FullKey = styles[stTitle]
	h.Styles.FullDesc = styles[stNone]
	h.Styles.FullSeparator = styles[stNone]
	return h
}
