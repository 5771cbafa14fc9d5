package tui

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/simnet/trace"
)

// syncBuffer is an output the program writes from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// panicky panics on a boom message, as a bug in Update would.
type panicky struct{ *Model }

type boom struct{}

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(boom); ok {
		panic("a bug")
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

// The terminal comes back however the visualizer ends: q, ctrl+c, after a
// resize, or a panic. Restored means: the main screen back (alternate
// screen off), the cursor shown, mouse reporting off.
func TestTerminalIsRestored(t *testing.T) {
	restored := []string{"\x1b[?1049l", "\x1b[?25h", "\x1b[?1002l", "\x1b[?1006l"}
	cases := []struct {
		name  string
		input string // typed at the keyboard
		msgs  []tea.Msg
		err   error
	}{
		{"q", "q", nil, nil},
		{"ctrl+c", "\x03", nil, nil},
		{"resize then q", "", []tea.Msg{tea.WindowSizeMsg{Width: 60, Height: 20}, tea.WindowSizeMsg{Width: 200, Height: 60}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'q'}}}, nil},
		{"panic", "", []tea.Msg{boom{}}, tea.ErrProgramPanic},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out syncBuffer
			in, typing := io.Pipe()
			m := panicky{NewModel(toy.Small(), nil, Options{})}
			p := program(m, tea.WithInput(in), tea.WithOutput(&out))
			done := make(chan error, 1)
			go func() {
				_, err := p.Run()
				done <- err
			}()
			time.Sleep(100 * time.Millisecond)
			assert.Contains(t, out.String(), "\x1b[?1049h", "the alternate screen is on while it runs")
			if c.input != "" {
				_, _ = typing.Write([]byte(c.input))
			}
			for _, msg := range c.msgs {
				p.Send(msg)
				time.Sleep(20 * time.Millisecond)
			}
			select {
			case err := <-done:
				if c.err != nil {
					assert.True(t, errors.Is(err, c.err), "%v", err)
				} else {
					assert.NoError(t, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the program did not end")
			}
			typing.Close()
			s := out.String()
			for _, seq := range restored {
				assert.Contains(t, s, seq, "%q restored", seq)
			}
			exit := strings.LastIndex(s, "\x1b[?1049l")
			assert.Greater(t, exit, strings.LastIndex(s, "\x1b[?1049h"), "the alternate screen is left last")
			assert.NotContains(t, s[exit:], "│", "nothing of the diagram is written after it")
		})
	}
}

// A live run going on in the background (G) while the screen is drawn and
// keys come in: run with -race, this shows the simulator is only touched
// by one goroutine at a time and the screen never reads what it writes.
func TestBackgroundRunWhileDrawing(t *testing.T) {
	var out syncBuffer
	in, typing := io.Pipe()
	defer typing.Close()
	sim := slowSource{toy.New(toy.Config{Seed: 3, Until: 2 * time.Second, Faults: true})}
	m := NewLive(sim, Options{Until: 2 * time.Second})
	p := program(m, tea.WithInput(in), tea.WithOutput(&out))
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	_, _ = typing.Write([]byte("G"))
	for i := range 20 {
		time.Sleep(10 * time.Millisecond)
		_, _ = typing.Write([]byte([]string{"j", "k", "n", "c", "s", "t"}[i%6]))
		p.Send(tea.WindowSizeMsg{Width: 80 + i, Height: 24 + i%5})
	}
	_, _ = typing.Write([]byte("q"))
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not end")
	}
	assert.Contains(t, out.String(), "running")
}

// The same for a trace read behind the screen.
func TestReadingWhileDrawing(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, toy.Trace(toy.Config{Seed: 1, Nodes: 5, Until: 5 * time.Second, Faults: true})))
	s, err := OpenStream(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var out syncBuffer
	in, typing := io.Pipe()
	defer typing.Close()
	p := program(NewReading(s, Options{Checks: fakeVerdicts}), tea.WithInput(in), tea.WithOutput(&out))
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	for i := range 20 {
		time.Sleep(10 * time.Millisecond)
		_, _ = typing.Write([]byte([]string{"j", "G", "n", "c", "s", "/"}[i%6]))
	}
	_, _ = typing.Write([]byte("\x1b")) // the search prompt opened last
	time.Sleep(100 * time.Millisecond)
	_, _ = typing.Write([]byte("q"))
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not end")
	}
}
