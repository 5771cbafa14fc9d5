package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"distlab/algorithms/demo/toy"
)

// Many nodes: lanes narrow down to two columns, then the ones that do not
// fit are left out with a note (and their events say whose they are).
func TestManyNodes(t *testing.T) {
	for _, nodes := range []int{12, 40} {
		tr := toy.Trace(toy.Config{Seed: 1, Nodes: nodes, Until: 25 * time.Millisecond, Faults: true})
		for _, sz := range [][2]int{{80, 24}, {200, 50}} {
			m := NewModel(tr, nil, Options{})
			m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			for _, k := range keys("G", "up", "up") {
				m.Update(k)
			}
			assertScreen(t, m.View(), sz[0], sz[1])
			if testing.Verbose() {
				t.Logf("%d nodes %dx%d\n%s", nodes, sz[0], sz[1], m.View())
			}
		}
	}
}
