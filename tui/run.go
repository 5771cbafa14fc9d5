package tui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Run starts the visualizer full screen, with the mouse wheel on, and
// returns when the user quits. Bubble Tea restores the terminal (main
// screen, cursor, mouse) however it ends: q, ctrl+c, or a panic, which it
// reports after restoring.
func Run(m tea.Model, extra ...tea.ProgramOption) error {
	_, err := program(m, extra...).Run()
	return err
}

// program is the Bubble Tea program Run runs (tests give it their own
// input and output).
func program(m tea.Model, extra ...tea.ProgramOption) *tea.Program {
	opts := append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion()}, extra...)
	return tea.NewProgram(m, opts...)
}

// LoadError is why RunLoading's load failed (bad input, not a crash).
type LoadError struct{ Err error }

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// RunLoading opens the visualizer at once on a progress bar while load
// reads what to show (name, of size bytes: a large trace takes a moment to
// read and index), then shows the model load returns. load reports the
// bytes read so far through progress, from any goroutine. A failed load
// ends the program and comes back as a *LoadError.
func RunLoading(name string, size int64, load func(progress func(read int64)) (*Model, error), extra ...tea.ProgramOption) error {
	l := &loader{name: name, size: size, load: load, start: time.Now()}
	if err := Run(l, extra...); err != nil {
		return err
	}
	if l.err != nil {
		return &LoadError{Err: l.err}
	}
	return nil
}

// loader is the model while the trace loads, and then a frame around the
// loaded one.
type loader struct {
	name  string
	size  int64
	load  func(func(int64)) (*Model, error)
	read  atomic.Int64
	start time.Time
	w, h  int
	m     *Model
	err   error
}

type loadedMsg struct {
	m   *Model
	err error
}

type loadTick struct{}

func (l *loader) Init() tea.Cmd {
	load := func() tea.Msg {
		m, err := l.load(func(n int64) { l.read.Store(n) })
		return loadedMsg{m, err}
	}
	return tea.Batch(load, l.tick())
}

func (l *loader) tick() tea.Cmd {
	return tea.Tick(50*time.Millisecond, func(time.Time) tea.Msg { return loadTick{} })
}

func (l *loader) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if l.m != nil {
		if _, ok := msg.(loadTick); ok {
			return l, nil
		}
		_, cmd := l.m.Update(msg)
		return l, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.w, l.h = msg.Width, msg.Height
	case loadTick:
		return l, l.tick()
	case loadedMsg:
		if msg.err != nil {
			l.err = msg.err
			return l, tea.Quit
		}
		l.m = msg.m
		if l.w > 0 {
			l.m.Update(tea.WindowSizeMsg{Width: l.w, Height: l.h})
		}
		return l, l.m.Init()
	case tea.KeyMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return l, tea.Quit
		}
	}
	return l, nil
}

func (l *loader) View() string {
	if l.m != nil {
		return l.m.View()
	}
	if l.err != nil {
		return ""
	}
	w := max(l.w, 20)
	read := l.read.Load()
	frac := 1.0
	if l.size > 0 {
		frac = min(float64(read)/float64(l.size), 1)
	}
	what := fmt.Sprintf("reading %s: %.0f%% (%s of %s)", l.name, frac*100, mb(read), mb(l.size))
	if read >= l.size && l.size > 0 {
		what = fmt.Sprintf("indexing %s (%s read)", l.name, mb(l.size))
	}
	bw := min(w-4, 60)
	full := int(frac * float64(bw))
	bar := styles[stMsg].Render(strings.Repeat("█", full)) + styles[stDim].Render(strings.Repeat("░", bw-full))
	lines := []string{styles[stTitle].Render(" distlab"), "", " " + what, " " + bar, "",
		styles[stDim].Render(fmt.Sprintf(" %.1fs · q quits", time.Since(l.start).Seconds()))}
	for len(lines) < l.h {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = padLine(lines[i], w)
	}
	if l.h > 0 && len(lines) > l.h {
		lines = lines[:l.h]
	}
	return strings.Join(lines, "\n")
}

func mb(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
