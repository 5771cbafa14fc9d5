package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/checkers/check"
	"distlab/simnet/trace"
)

func writeTrace(t testing.TB, tr *trace.Trace) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, tr))
	return buf.Bytes()
}

// A trace read a batch at a time is the trace trace.Read reads.
func TestStreamReadsTheTrace(t *testing.T) {
	tr := toy.Big(10_000)
	data := writeTrace(t, tr)
	want, err := trace.Read(bytes.NewReader(data))
	require.NoError(t, err)
	s, err := OpenStream(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	for s.Step() {
	}
	require.NoError(t, s.Err())
	got := s.Trace()
	assert.Equal(t, want.Header, got.Header)
	require.Equal(t, want.Len(), got.Len())
	for i := range want.Len() {
		require.Equal(t, want.At(i), got.At(i), "event %d", i)
	}
	read, size := s.Progress()
	assert.Equal(t, size, read)

	_, err = OpenStream(strings.NewReader(""), 0)
	assert.ErrorContains(t, err, "empty trace")
	_, err = OpenStream(strings.NewReader(`{"format":"something else"}`+"\n"), 0)
	assert.ErrorContains(t, err, "not a distlab trace")
}

// A large trace opens at once on its first events; the rest is read in
// the background, then checked. Bars: the first screen within 100 ms and
// the whole trace usable within 3 s are measured by BenchmarkOpen.
func TestReadingOpensAtOnce(t *testing.T) {
	tr := toy.Trace(toy.Config{Seed: 1, Nodes: 5, Until: 10 * time.Second, Faults: true})
	require.Greater(t, tr.Len(), 20_000)
	data := writeTrace(t, tr)
	s, err := OpenStream(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	checked := 0
	m := NewReading(s, Options{Checks: func(tr *trace.Trace) []check.Result { checked++; return fakeVerdicts(tr) }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	assert.False(t, m.srcDone)
	assert.Less(t, m.ix.n, tr.Len()/10, "only the first batches are read")
	assertFull(t, m)
	assert.Contains(t, m.View(), "reading ", "the title says how far")
	assert.NotContains(t, m.View(), "LIVE")
	cmd := m.Init()
	require.NotNil(t, cmd)
	m.Update(keys("j")[0]) // the keys work while it reads
	for cmd != nil {
		_, cmd = m.Update(runCmd(cmd))
	}
	assert.True(t, m.srcDone)
	assert.Equal(t, tr.Len(), m.ix.n)
	assert.Equal(t, 1, checked)
	assert.NotEmpty(t, m.viols)
	assert.Equal(t, "", m.warning)
	assert.NotContains(t, m.View(), "reading")
}

// A trace cut short opens with what there is, and says it is incomplete:
// cut at a line (no end event), or in the middle of one (which line).
func TestReadingACutTrace(t *testing.T) {
	data := writeTrace(t, toy.Small())
	lines := bytes.SplitAfter(data, []byte("\n"))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"at a line", bytes.Join(lines[:100], nil), "incomplete: the trace has no end event"},
		{"mid-line", append(bytes.Join(lines[:100], nil), lines[100][:20]...), "incomplete: line 101: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cut.jsonl")
			require.NoError(t, os.WriteFile(path, c.data, 0o644))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			s, err := OpenStream(f, int64(len(c.data)))
			require.NoError(t, err)
			m := NewReading(s, Options{})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
			for cmd := m.Init(); cmd != nil; {
				_, cmd = m.Update(runCmd(cmd))
			}
			assert.Equal(t, 99, m.ix.n, "the events before the cut")
			assert.Contains(t, m.View(), c.want)
		})
	}
}
