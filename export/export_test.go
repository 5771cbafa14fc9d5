package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/demo/toy"
	"distlab/checkers/check"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// shivizEvent is one parsed ShiViz log entry.
type shivizEvent struct {
	event, host string
	clock       map[string]int
}

// parseShiViz reads a log the way ShiViz does: first line the parser regex,
// second the delimiter, then the regex applied to the rest (multi-line).
func parseShiViz(t *testing.T, log string) []shivizEvent {
	t.Helper()
	first, rest, ok := strings.Cut(log, "\n")
	require.True(t, ok)
	delim, rest, ok := strings.Cut(rest, "\n")
	require.True(t, ok)
	assert.Equal(t, ShiVizRegex, first, "line 1 is the parser regex")
	assert.Equal(t, "", delim, "line 2 is the delimiter: empty, one execution")
	// Go's regexp reads ShiViz's (?<name>…) groups too; (?m) as ShiViz does.
	re := regexp.MustCompile("(?m)" + strings.ReplaceAll(first, `\n`, "\n"))
	for _, g := range []string{"event", "host", "clock"} {
		require.GreaterOrEqual(t, re.SubexpIndex(g), 0, "group %s", g)
	}
	var out []shivizEvent
	for _, m := range re.FindAllStringSubmatch(rest, -1) {
		ev := shivizEvent{event: m[re.SubexpIndex("event")], host: m[re.SubexpIndex("host")]}
		require.NoError(t, json.Unmarshal([]byte(m[re.SubexpIndex("clock")]), &ev.clock), m[0])
		out = append(out, ev)
	}
	assert.Equal(t, strings.Count(rest, "\n"), 2*len(out), "every line belongs to an event")
	return out
}

// hbClocks recomputes vector clocks from happens-before over the exported
// events alone, independently of the exporter: clock(e)[h] is the number
// of events of host h that precede or are e, found by reachability in the
// graph of program order and send→deliver edges.
func hbClocks(tr *trace.Trace, exported []int) []map[string]int {
	n := len(exported)
	pos := map[int]int{} // trace index → position
	for p, i := range exported {
		pos[i] = p
	}
	preds := make([][]int, n)
	lastOf := map[trace.NodeID]int{}
	sendOf := map[int64]int{}
	for p, i := range exported {
		e := tr.At(i)
		if q, ok := lastOf[e.Node]; ok {
			preds[p] = append(preds[p], q)
		}
		lastOf[e.Node] = p
		switch e.Kind {
		case trace.Send:
			sendOf[e.Msg] = p
		case trace.Deliver:
			if q, ok := sendOf[e.Msg]; ok {
				preds[p] = append(preds[p], q)
			}
		}
	}
	words := (n + 63) / 64
	reach := make([][]uint64, n)
	out := make([]map[string]int, n)
	for p := range exported {
		reach[p] = make([]uint64, words)
		reach[p][p/64] |= 1 << (p % 64)
		for _, q := range preds[p] {
			for w := range reach[p] {
				reach[p][w] |= reach[q][w]
			}
		}
		out[p] = map[string]int{}
		for q := 0; q <= p; q++ {
			if reach[p][q/64]&(1<<(q%64)) != 0 {
				out[p][tr.NodeName(tr.At(exported[q]).Node)]++
			}
		}
	}
	return out
}

func exportedIndexes(tr *trace.Trace, opts ShiVizOptions) []int {
	kinds := opts.Kinds
	if kinds == nil {
		kinds = ShiVizDefaultKinds
	}
	var out []int
	for i, e := range tr.All() {
		for _, k := range kinds {
			if e.Kind == k && e.Node >= 0 && !e.Kind.IsNetwork() && opts.has(e.Time) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

func TestShiVizClocksAreHappensBefore(t *testing.T) {
	small := toy.Small()
	big := toy.Big(3000)
	cases := []struct {
		name string
		tr   *trace.Trace
		opts ShiVizOptions
	}{
		{"small", small, ShiVizOptions{}},
		{"window cuts sends off", small, ShiVizOptions{Window: Window{From: 33 * time.Millisecond, To: 80 * time.Millisecond}}},
		{"deliveries only: no edges", small, ShiVizOptions{Kinds: []trace.Kind{trace.Deliver, trace.Crash}}},
		{"every kind", small, ShiVizOptions{Kinds: []trace.Kind{trace.Start, trace.Send, trace.Deliver, trace.Drop,
			trace.Duplicate, trace.TimerSet, trace.TimerFire, trace.TimerCancel, trace.Crash, trace.Restart,
			trace.Partition, trace.Heal, trace.State, trace.Mark}}},
		{"big", big, ShiVizOptions{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, ShiViz(&buf, c.tr, c.opts))
			got := parseShiViz(t, buf.String())
			idx := exportedIndexes(c.tr, c.opts)
			require.Len(t, got, len(idx), "exactly the chosen events are exported")
			want := hbClocks(c.tr, idx)
			count := map[string]int{}
			for p, ev := range got {
				count[ev.host]++
				assert.Equal(t, c.tr.NodeName(c.tr.At(idx[p]).Node), ev.host)
				assert.Equal(t, count[ev.host], ev.clock[ev.host], "event %d: a host counts its own events 1, 2, 3… (%s)", p, ev.event)
				assert.Equal(t, want[p], ev.clock, "event %d (%s): the clock is the happens-before clock", p, ev.event)
				for h, v := range ev.clock {
					assert.Positive(t, v, "no zero entries (%s)", h)
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}

func TestShiVizRejectsHostsWithSpaces(t *testing.T) {
	tr := trace.New(trace.Header{Nodes: []string{"node 0"}},
		trace.Event{Kind: trace.Log, Node: 0, Peer: trace.None, Value: "x"})
	assert.ErrorContains(t, ShiViz(io.Discard, tr, ShiVizOptions{}), "white space")
	tr.Header.Nodes[0] = "n0"
	assert.NoError(t, ShiViz(io.Discard, tr, ShiVizOptions{}))
	assert.Error(t, ShiViz(io.Discard, &trace.Trace{}, ShiVizOptions{}), "an empty log would not load")
}

func TestMermaidGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Mermaid(&buf, toy.Small(), MermaidOptions{Window: Window{To: 52 * time.Millisecond}, States: true}))
	golden.RequireEqual(t, buf.Bytes())
}

func TestMermaidLimits(t *testing.T) {
	tr := toy.Small()
	err := Mermaid(io.Discard, tr, MermaidOptions{MaxMessages: 10})
	assert.ErrorContains(t, err, "too many")
	var buf bytes.Buffer
	require.NoError(t, Mermaid(&buf, tr, MermaidOptions{MaxMessages: 10, Truncate: true}))
	assert.Equal(t, 10, strings.Count(buf.String(), "->>")+strings.Count(buf.String(), "-x")+strings.Count(buf.String(), "-)"))
	assert.Contains(t, buf.String(), "cut here")
}

func TestMermaidEscapes(t *testing.T) {
	assert.Equal(t, "a#59; b #35;1", mermaidText("a; b #1\nsecond line"[:len("a; b #1")]))
	assert.Equal(t, "x …", mermaidText("x\ny"))
	assert.Equal(t, "c_1", mermaidID("c-1"))
}

func countDeliveries(tr *trace.Trace, w Window) (deliv, drops int) {
	for _, e := range tr.All() {
		if !w.has(e.Time) {
			continue
		}
		switch e.Kind {
		case trace.Deliver:
			deliv++
		case trace.Drop:
			drops++
		}
	}
	return
}

// wellFormed parses the document as XML to the end.
func wellFormed(t *testing.T, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		require.NoError(t, err)
	}
}

func TestSVG(t *testing.T) {
	tr := toy.Small()
	verdicts := []check.Result{{Name: "made-up", Verdict: check.Fail, Events: []int{100}, Detail: "x"}}
	for _, w := range []Window{{}, {From: 30 * time.Millisecond, To: 70 * time.Millisecond}} {
		var buf bytes.Buffer
		require.NoError(t, SVG(&buf, tr, SVGOptions{Window: w, Verdicts: verdicts}))
		s := buf.String()
		wellFormed(t, s)
		deliv, drops := countDeliveries(tr, w)
		assert.Equal(t, deliv, strings.Count(s, `marker-end="url(#arrow)"`), "one arrow per delivery")
		assert.Equal(t, drops, strings.Count(s, "✕"), "one cross per lost message")
		assert.Equal(t, 1, strings.Count(s, "✖"), "the crash")
		assert.Contains(t, s, "partition {n0,n1} | {n2,n3}")
		assert.Contains(t, s, "committed")
	}
	var buf bytes.Buffer
	require.NoError(t, SVG(&buf, toy.Big(5000), SVGOptions{MaxRows: 100}))
	wellFormed(t, buf.String())
	assert.Contains(t, buf.String(), "more events not drawn")
}

func TestHTMLIsSelfContained(t *testing.T) {
	tr := toy.Small()
	var buf bytes.Buffer
	require.NoError(t, HTML(&buf, tr, SVGOptions{Verdicts: []check.Result{
		{Name: "ok-check", Verdict: check.Pass}, {Name: "bad-check", Verdict: check.Fail, Detail: "a <b> & c"}}}))
	s := buf.String()
	assert.True(t, strings.HasPrefix(s, "<!DOCTYPE html>"))
	assert.Contains(t, s, "<svg")
	assert.Contains(t, s, `class="fail">fail bad-check: a &lt;b&gt; &amp; c`)
	assert.NotContains(t, s, "<script")
	for _, ext := range []string{"src=", `href="http`, "<link", "@import", "url(http"} {
		assert.NotContains(t, s, ext, "no external resources")
	}
	wellFormed(t, s[strings.Index(s, "<svg"):strings.Index(s, "</svg>")+6])
}

func TestSameTraceSameBytes(t *testing.T) {
	tr := toy.Small()
	for name, f := range map[string]func(io.Writer) error{
		"svg":     func(w io.Writer) error { return SVG(w, tr, SVGOptions{}) },
		"mermaid": func(w io.Writer) error { return Mermaid(w, tr, MermaidOptions{Truncate: true}) },
		"shiviz":  func(w io.Writer) error { return ShiViz(w, tr, ShiVizOptions{}) },
	} {
		var a, b bytes.Buffer
		require.NoError(t, f(&a))
		require.NoError(t, f(&b))
		assert.Equal(t, a.String(), b.String(), name)
	}
}

func TestPauseIsDrawn(t *testing.T) {
	sim := toy.New(toy.Config{Seed: 3})
	sim.Schedule(simnet.Fault{At: 30 * time.Millisecond, Kind: simnet.FaultPause, Node: 2, For: 40 * time.Millisecond})
	sim.Run(100 * time.Millisecond)
	var svg, mmd bytes.Buffer
	require.NoError(t, SVG(&svg, sim.Trace(), SVGOptions{}))
	assert.Contains(t, svg.String(), `stroke-dasharray="1 5"`, "the paused lane")
	assert.Contains(t, svg.String(), "pause 40ms")
	require.NoError(t, Mermaid(&mmd, sim.Trace(), MermaidOptions{}))
	assert.Contains(t, mmd.String(), "PAUSE n2 for 40ms")
}
