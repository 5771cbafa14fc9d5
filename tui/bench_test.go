package tui

import (
	"os"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"distlab/algorithms/demo/toy"
	"distlab/simnet/trace"
)

// BenchmarkRenderFrame renders one frame of a 100,000-event trace, as
// scrolling does at every key: it must stay well under 16 ms. (The side
// panel's lines are built in Update, when the selection changes; see
// BenchmarkScrollFrame for a key and a frame together.)
func BenchmarkRenderFrame(b *testing.B) {
	tr := toy.Big(100_000)
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		m := NewModel(tr, nil, Options{AtEnd: true})
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		m.move(len(m.rows) / 2)
		m.syncPanel() // as Update does
		b.Run(sizeName(sz), func(b *testing.B) {
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkScrollFrame is a key press and a frame: a page down and a render.
func BenchmarkScrollFrame(b *testing.B) {
	tr := toy.Big(100_000)
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	pg := keys("pgdown")[0]
	for b.Loop() {
		if m.cursor >= len(m.rows)-1 {
			m.move(0)
		}
		m.Update(pg)
		_ = m.View()
	}
}

// BenchmarkIndex builds the index of a 100,000-event trace (once per open).
func BenchmarkIndex(b *testing.B) {
	tr := toy.Big(100_000)
	for b.Loop() {
		NewModel(tr, nil, Options{})
	}
}

func sizeName(sz [2]int) string {
	return itoa(sz[0]) + "x" + itoa(sz[1])
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// BenchmarkFilter re-filters a 100,000-event trace (the f key).
func BenchmarkFilter(b *testing.B) {
	tr := toy.Big(100_000)
	m := NewModel(tr, nil, Options{AtEnd: true})
	for i := 0; b.Loop(); i++ {
		m.filt, _ = parseFilter(m.ix, []string{"n2", "Echo", ""}[i%3], false, false)
		m.refilter()
	}
}

// BenchmarkSearchMiss searches a 100,000-event trace for text that is not
// there (the worst case: every row is looked at).
func BenchmarkSearchMiss(b *testing.B) {
	tr := toy.Big(100_000)
	m := NewModel(tr, nil, Options{})
	for b.Loop() {
		m.search.invalidate()
		m.find("no such thing", +1)
	}
}

// BenchmarkRenderFrameViews renders a 200x60 frame of a 100,000-event
// trace in each way of looking: with a causal highlight, with the time
// axis, as state over time.
func BenchmarkRenderFrameViews(b *testing.B) {
	tr := toy.Big(100_000)
	for _, view := range []string{"causal", "time-axis", "states"} {
		m := NewModel(tr, nil, Options{AtEnd: true})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		m.move(len(m.rows) / 2)
		switch view {
		case "causal":
			m.Update(keys("c")[0])
		case "time-axis":
			m.Update(keys("t")[0])
		case "states":
			m.Update(keys("s")[0])
		}
		b.Run(view, func(b *testing.B) {
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkCausal is the c key on an event in the middle of a
// 100,000-event trace: its causal past and future. "first" includes
// building the happens-before index (the first c of a session).
func BenchmarkCausal(b *testing.B) {
	tr := toy.Big(100_000)
	mid := tr.Len() / 2
	ix := newIndex(tr)
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			ix.hb = nil
			ix.causalOf(mid)
		}
	})
	ix.happensBefore()
	b.Run("again", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			ix.causalOf(mid + i%1000)
		}
	})
}

// BenchmarkOpen opens a 130,000-event trace file as distlab tui does:
// "first-screen" is the time to a full first screen (the rest is read in
// the background), "all-read" the time until every event is read and
// indexed (the checks then run in the background).
func BenchmarkOpen(b *testing.B) {
	tr := toy.Big(130_000)
	path := filepath.Join(b.TempDir(), "big.jsonl")
	if err := trace.WriteFile(path, tr); err != nil {
		b.Fatal(err)
	}
	open := func() *Model {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		st, _ := f.Stat()
		s, err := OpenStream(f, st.Size())
		if err != nil {
			b.Fatal(err)
		}
		m := NewReading(s, Options{})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		_ = m.View()
		return m
	}
	b.Run("first-screen", func(b *testing.B) {
		for b.Loop() {
			open()
		}
	})
	b.Run("all-read", func(b *testing.B) {
		for b.Loop() {
			m := open()
			for cmd := m.Init(); cmd != nil; {
				_, cmd = m.Update(cmd())
			}
			if m.ix.n != tr.Len() {
				b.Fatalf("read %d of %d events", m.ix.n, tr.Len())
			}
		}
	})
}

// BenchmarkRenderFrameColour is BenchmarkRenderFrame with the colours a
// terminal gets (the tests draw without them, for readable golden files).
func BenchmarkRenderFrameColour(b *testing.B) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	tr := toy.Big(100_000)
	m := NewModel(tr, nil, Options{AtEnd: true})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m.move(len(m.rows) / 2)
	m.syncPanel()
	for b.Loop() {
		_ = m.View()
	}
}
