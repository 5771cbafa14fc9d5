package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
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
		require.NoError(t, SVG(&buf, tr, SVGOptions{Window: w, Verdicts: verdicts, Height: -1}))
		s := buf.String()
		wellFormed(t, s)
		deliv, drops := countDeliveries(tr, w)
		assert.Equal(t, deliv, strings.Count(s, `marker-end="url(#arrow)"`), "one arrow per delivery")
		assert.Equal(t, drops, strings.Count(s, "✕"), "one cross per lost message")
		assert.Equal(t, 1, strings.Count(s, "✖"), "the crash")
		assert.Contains(t, s, "partition {n0,n1}|{n2,n3}")
		assert.Contains(t, s, "committed")
	}
	var buf bytes.Buffer
	require.NoError(t, SVG(&buf, toy.Big(5000), SVGOptions{MaxRows: 100, Height: -1}))
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

var svgSize = regexp.MustCompile(`<svg [^>]*width="(\d+)" height="(\d+)"`)

func svgHeight(t *testing.T, doc string) int {
	t.Helper()
	m := svgSize.FindStringSubmatch(doc)
	require.NotNil(t, m)
	h, err := strconv.Atoi(m[2])
	require.NoError(t, err)
	return h
}

// By default an SVG fits a slide: the quiet stretches are elided, the
// faults, crashes and the violation kept, each elided stretch saying what
// it held.
func TestSVGFitsASlide(t *testing.T) {
	tr := toy.Trace(toy.Config{Seed: 1, Until: 2 * time.Second, Faults: true})
	require.Greater(t, tr.Len(), 4000)
	viol := 0
	for i, e := range tr.All() {
		if e.Kind == trace.State && e.Name == "seen" && e.Time > 1300*time.Millisecond {
			viol = i
			break
		}
	}
	verdicts := []check.Result{{Name: "made-up", Verdict: check.Fail, Events: []int{viol}, Detail: "x"}}
	var full, slide bytes.Buffer
	require.NoError(t, SVG(&full, tr, SVGOptions{Height: -1, MaxRows: 1 << 30, Verdicts: verdicts}))
	require.NoError(t, SVG(&slide, tr, SVGOptions{Verdicts: verdicts}))
	wellFormed(t, slide.String())
	assert.Greater(t, svgHeight(t, full.String()), 30000, "every row: far too tall for a slide")
	assert.LessOrEqual(t, svgHeight(t, slide.String()), SlideHeight)
	s := slide.String()
	for _, want := range []string{"partition {n0,n1}|{n2,n3}", "heal", "✖", "restart", "✗ made-up", "events elided"} {
		assert.Contains(t, s, want)
	}
	// the elided counts add up: every event is drawn or counted in a band
	bands := regexp.MustCompile(`⋯ (\d+) events elided`).FindAllStringSubmatch(s, -1)
	require.NotEmpty(t, bands)
	elided := 0
	for _, b := range bands {
		n, _ := strconv.Atoi(b[1])
		elided += n
	}
	drawnTips := strings.Count(s, "<title>#")
	assert.Greater(t, elided, drawnTips, "most of a long run is elided")
	// a larger budget draws more
	var big bytes.Buffer
	require.NoError(t, SVG(&big, tr, SVGOptions{Verdicts: verdicts, Height: 3000}))
	assert.Greater(t, strings.Count(big.String(), "<title>#"), drawnTips)
	assert.LessOrEqual(t, svgHeight(t, big.String()), 3000)
}

// With the time axis, rows are spaced by virtual time: a longer gap is
// more space, and a gap too long for the picture is cut short by a band
// that says how long it was.
func TestSVGTimeAxis(t *testing.T) {
	h := trace.Header{Nodes: []string{"a", "b"}}
	ev := func(at time.Duration, kind trace.Kind, node trace.NodeID, name string) trace.Event {
		return trace.Event{Time: at, Kind: kind, Node: node, Peer: trace.None, Name: name, Value: "1"}
	}
	ms := time.Millisecond
	tr := trace.New(h, ev(0, trace.State, 0, "x"), ev(1*ms, trace.State, 1, "y"), ev(2*ms, trace.State, 0, "z"),
		ev(4*ms, trace.State, 1, "w"), ev(5*ms, trace.State, 0, "v"), ev(2*time.Second, trace.State, 1, "u"))
	var plain, timed bytes.Buffer
	require.NoError(t, SVG(&plain, tr, SVGOptions{States: true}))
	require.NoError(t, SVG(&timed, tr, SVGOptions{States: true, TimeAxis: true}))
	ys := func(doc string) []int {
		var out []int
		for _, m := range regexp.MustCompile(`<circle cx="\d+" cy="(\d+)" r="2.5"`).FindAllStringSubmatch(doc, -1) {
			y, _ := strconv.Atoi(m[1])
			out = append(out, y)
		}
		return out
	}
	p, q := ys(plain.String()), ys(timed.String())
	require.Len(t, p, 6)
	require.Len(t, q, 6)
	for i := 2; i < 6; i++ {
		assert.Equal(t, p[i]-p[i-1], p[1]-p[0], "without the axis, one row after another")
	}
	assert.Greater(t, q[3]-q[2], q[2]-q[1], "2ms take more room than 1ms")
	assert.Contains(t, timed.String(), "≈ +1.995s", "the long gap is cut short and says how long it was")
	assert.NotContains(t, plain.String(), "≈")
	assert.Less(t, q[5]-q[4], 200, "cut short")
}

// Participant names that are Mermaid keywords, or that read the same once
// cleaned, still give a valid diagram where every node is its own.
func TestMermaidKeywordsAndLookAlikes(t *testing.T) {
	names := []string{"end", "loop", "c-1", "c_1", "Note", "alt", "par", "opt", "1x", "n0"}
	var evs []trace.Event
	for i := range names {
		j := (i + 1) % len(names)
		evs = append(evs, trace.Event{Kind: trace.Send, Node: trace.NodeID(i), Peer: trace.NodeID(j), Msg: int64(i + 1), Name: "Ping"},
			trace.Event{Kind: trace.Deliver, Node: trace.NodeID(j), Peer: trace.NodeID(i), Msg: int64(i + 1), Name: "Ping"})
	}
	tr := trace.New(trace.Header{Nodes: names}, evs...)
	var buf bytes.Buffer
	require.NoError(t, Mermaid(&buf, tr, MermaidOptions{}))
	ids := map[string]string{} // id → the name it stands for
	msg := regexp.MustCompile(`^    (\S+)->>(\S+): `)
	for _, line := range strings.Split(buf.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "    participant "); ok {
			id, name, ok := strings.Cut(rest, " as ")
			require.True(t, ok, line)
			assert.Regexp(t, `^[A-Za-z_][A-Za-z0-9_]*$`, id)
			assert.False(t, mermaidKeywords[strings.ToLower(id)], "%s is a keyword", id)
			_, dup := ids[id]
			assert.False(t, dup, "id %s twice", id)
			ids[id] = name
		}
		if m := msg.FindStringSubmatch(line); m != nil {
			assert.Contains(t, ids, m[1], line)
			assert.Contains(t, ids, m[2], line)
		}
	}
	require.Len(t, ids, len(names))
	// each arrow goes between the right two nodes
	k := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		if m := msg.FindStringSubmatch(line); m != nil {
			assert.Equal(t, names[k], ids[m[1]], line)
			assert.Equal(t, names[(k+1)%len(names)], ids[m[2]], line)
			k++
		}
	}
	assert.Equal(t, len(names), k)
}

// The refusal names the flags that get past it.
func TestMermaidRefusalNamesTheFlag(t *testing.T) {
	err := Mermaid(io.Discard, toy.Small(), MermaidOptions{MaxMessages: 10})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--max-messages")
	assert.Contains(t, err.Error(), "--truncate")
}
