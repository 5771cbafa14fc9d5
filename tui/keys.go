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
	Play, Step, Back, Faster, Slower, Start, End        key.Binding
	Down, Up, PageDown, PageUp, NextViol, PrevViol      key.Binding
	Search, NextMatch, Filter, All, Panel, Help, Close  key.Binding
	Quit, WheelUp, WheelDown, Click, PanelDown, PanelUp key.Binding
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
	End:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "reveal everything")),
	Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next row")),
	Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous row")),
	PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("PgDn", "a page down")),
	PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("PgUp", "a page up")),
	NextViol:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "next violation")),
	PrevViol:  key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "previous violation")),
	Search:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
	NextMatch: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "next match")),
	Filter:    key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter")),
	All:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all event kinds")),
	Panel:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "side panel")),
	Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Close:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close help")),
	Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	WheelUp:   key.NewBinding(key.WithKeys("wheel up"), key.WithHelp("wheel", "scroll")),
	WheelDown: key.NewBinding(key.WithKeys("wheel down"), key.WithHelp("wheel", "scroll")),
	Click:     key.NewBinding(key.WithKeys("left press"), key.WithHelp("click", "select a row")),
	PanelDown: key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "panel down")),
	PanelUp:   key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "panel up")),
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
	all := k.All
	all.SetHelp("a", "all kinds")
	return []key.Binding{play, shortStep, k.Search, k.Filter, viol, k.Help, k.Quit,
		shortSelect, shortSpeed, all, k.Panel}
}

// FullHelp is the help screen's columns: playback, moving, finding.
func (k keyMap) FullHelp() [][]key.Binding {
	speed := key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "faster / slower"))
	help := k.Help
	help.SetHelp("? esc", "this help")
	return [][]key.Binding{
		{k.Play, k.Step, k.Back, speed, k.Start, k.End, k.NextViol, k.PrevViol},
		{k.Down, k.Up, k.PageDown, k.PageUp, k.PanelDown, k.PanelUp, k.WheelUp, k.Click},
		{k.Search, k.NextMatch, k.Filter, k.All, k.Panel, help, k.Quit},
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
