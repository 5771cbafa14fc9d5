package mutex

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"distlab/checkers/check"
	mc "distlab/contract/mutex"
	"distlab/simnet/trace"
)

// Checker names.
const (
	Safety   = "mutex-safety"
	Liveness = "mutex-liveness"
	Fairness = "mutex-fairness"
	Cost     = "mutex-cost"
)

// LivenessOptions configures mutex-liveness.
type LivenessOptions struct {
	// Bound is how long a request may wait, counted from the later of the
	// request and the last fault, before it counts as starved.
	Bound time.Duration `yaml:"bound" doc:"how long a request may wait, counted from the later of the request and the last fault, before it counts as starved"`
}

// FairnessOptions configures mutex-fairness.
type FairnessOptions struct {
	// Order is auto (from the marks: coordinator marks → fifo, timestamps
	// → timestamp, otherwise ring), fifo, timestamp or ring.
	Order string `yaml:"order" doc:"the promised order: auto (from the marks: coordinator marks mean fifo, timestamps mean timestamp, otherwise ring), fifo, timestamp or ring"`
}

// CostOptions configures mutex-cost. With no formula and no bounds it only
// measures and always passes.
type CostOptions struct {
	// Formula is the textbook's messages per entry: "3", "2(n-1)" or
	// "1..n" (n = number of server nodes).
	Formula string `yaml:"formula" doc:"the textbook's messages per entry to hold the measurement to: 3, 2(n-1) or 1..n (n = servers); empty: measure only"`
	// Tolerance is the relative slack around the formula (default 0.02).
	Tolerance float64 `yaml:"tolerance" doc:"relative slack around the formula"`
	// Min and Max bound the measured messages per entry (0: no bound).
	Min float64 `yaml:"min" doc:"least messages per entry allowed; 0: no bound"`
	Max float64 `yaml:"max" doc:"most messages per entry allowed; 0: no bound"`
}

// Specs lists the family's checkers for the registry.
func Specs() []check.Spec {
	return []check.Spec{
		incremental(check.Spec{Name: Safety, Contract: mc.Contract, Summary: "no two nodes in the critical section at the same instant ([enter, exit) intervals)"}, judgeSafety),
		incremental(check.Spec{Name: Liveness, Contract: mc.Contract, Summary: "every request is eventually granted (a request older than bound after the last fault is starved)",
			Options: func() any { return &LivenessOptions{Bound: 2 * time.Second} }}, judgeLiveness),
		incremental(check.Spec{Name: Fairness, Contract: mc.Contract, Summary: "grants in the promised order: FIFO at the coordinator, (timestamp, id) for Ricart-Agrawala, one pass per round for the ring",
			Options: func() any { return &FairnessOptions{Order: "auto"} }}, judgeFairness),
		incremental(check.Spec{Name: Cost, Contract: mc.Contract, Summary: "messages per entry (total and per type), mean wait, throughput; optionally against the textbook formula",
			Options: func() any { return &CostOptions{Tolerance: 0.02} }}, judgeCost),
	}
}

func unknown(name string, err error) check.Result {
	return check.Result{Name: name, Verdict: check.Unknown, Detail: err.Error()}
}

func judgeSafety(h *history, _ any) check.Result {
	hdr := h.hdr
	if len(h.problems) > 0 {
		r := check.Failed(Safety, h.probAt, []string{hdr.NodeName(h.probNode)}, h.problems[0])
		r.Events = []int{h.firstProb}
		return r
	}
	// Sweep the intervals by start; the one reaching furthest so far is
	// the only one a later start can overlap first.
	ivs := make([]*interval, 0, len(h.intervals))
	for _, iv := range h.intervals {
		if iv.end > iv.start || iv.open {
			ivs = append(ivs, iv)
		}
	}
	slices.SortStableFunc(ivs, func(a, b *interval) int { return int(a.startIdx - b.startIdx) })
	var far *interval
	for _, iv := range ivs {
		if far != nil && iv.start < far.end && far.node != iv.node {
			r := check.Failed(Safety, iv.start, names(hdr, far.node, iv.node), fmt.Sprintf(
				"%s entered the critical section at %v while %s was inside (since %v, until %s)",
				hdr.NodeName(iv.node), iv.start, hdr.NodeName(far.node), far.start, until(far)))
			r.Events = []int{far.startIdx, iv.startIdx}
			return r
		}
		if far == nil || iv.end > far.end || (iv.open && !far.open) {
			far = iv
		}
	}
	if len(h.intervals) == 0 {
		return unknown(Safety, fmt.Errorf("no node entered the critical section: no stay to compare"))
	}
	return check.Passed(Safety, fmt.Sprintf("%d entries, never two nodes inside at once", len(h.intervals)))
}

func until(iv *interval) string {
	if iv.open {
		return "the end of the run"
	}
	return iv.end.String()
}

func judgeLiveness(h *history, opts any) check.Result {
	o := &LivenessOptions{Bound: 2 * time.Second}
	if p, ok := opts.(*LivenessOptions); ok && p != nil {
		o = p
	}
	hdr := h.hdr
	granted, pending := 0, 0
	var worst time.Duration
	for _, r := range h.requests {
		switch {
		case r.enterIdx >= 0:
			granted++
			worst = max(worst, r.enterAt-r.at)
		case r.cancelled:
		default:
			since := max(r.at, h.lastFault)
			if h.end-since > o.Bound {
				res := check.Failed(Liveness, r.at, names(hdr, r.node), fmt.Sprintf(
					"%s starved: its request %d (at %v) was never granted; the run ended %v later, %v after the last fault (bound %v)",
					hdr.NodeName(r.node), r.seq, r.at, h.end-r.at, h.end-h.lastFault, o.Bound))
				res.Events = []int{r.idx}
				return res
			}
			pending++
		}
	}
	if len(h.requests) == 0 {
		return unknown(Liveness, fmt.Errorf("no node requested the critical section: no request to serve"))
	}
	res := check.Passed(Liveness, fmt.Sprintf("%d requests granted (longest wait %v), %d still young at the end", granted, worst, pending))
	res.Metrics = map[string]float64{"granted": float64(granted), "wait_max_ms": ms(worst)}
	return res
}

func judgeFairness(h *history, opts any) check.Result {
	order := "auto"
	if p, ok := opts.(*FairnessOptions); ok && p != nil && p.Order != "" {
		order = p.Order
	}
	hdr := h.hdr
	if len(h.requests) == 0 && len(h.coord) == 0 {
		return unknown(Fairness, fmt.Errorf("no request and no coordinator grant in the trace: no order to judge"))
	}
	if order == "auto" {
		order = "ring"
		if len(h.coord) > 0 {
			order = "fifo"
		} else if slices.ContainsFunc(h.requests, func(r *request) bool { return r.ts != 0 }) {
			order = "timestamp"
		}
	}
	switch order {
	case "fifo":
		return fairFIFO(hdr, h)
	case "timestamp":
		return fairTimestamp(hdr, h)
	case "ring":
		return fairRing(hdr, h)
	}
	return unknown(Fairness, fmt.Errorf("unknown order %q (valid: auto, fifo, timestamp, ring)", order))
}

// fairFIFO: the coordinator grants requests in the order they reached it.
// A coordinator crash loses its queue (unless it persisted it): grants of
// requests the checker no longer knows of are not judged.
func fairFIFO(hdr trace.Header, h *history) check.Result {
	type entry struct {
		node string
		seq  int64
		at   time.Duration
		idx  int
	}
	var queue []entry
	crash, grants := 0, 0
	for _, c := range h.coord {
		for crash < len(h.crashes) && h.crashes[crash].Index < c.idx {
			if dead := h.crashes[crash].Node; dead == c.coord {
				queue = queue[:0]
			} else {
				// a crashed node's waiting request died with it
				name := hdr.NodeName(dead)
				queue = slices.DeleteFunc(queue, func(e entry) bool { return e.node == name })
			}
			crash++
		}
		if !c.grant {
			queue = append(queue, entry{c.node, c.seq, c.at, c.idx})
			continue
		}
		grants++
		i := slices.IndexFunc(queue, func(e entry) bool { return e.node == c.node && e.seq == c.seq })
		if i < 0 {
			continue
		}
		if i > 0 {
			first := queue[0]
			r := check.Failed(Fairness, c.at, []string{c.node, first.node}, fmt.Sprintf(
				"the coordinator granted %s's request %d before %s's request %d, which reached it earlier (%v)",
				c.node, c.seq, first.node, first.seq, first.at))
			r.Events = []int{first.idx, c.idx}
			return r
		}
		queue = slices.Delete(queue, i, i+1)
	}
	return check.Passed(Fairness, fmt.Sprintf("%d grants, all in the order the requests reached the coordinator", grants))
}

// fairTimestamp: no request enters while an earlier (timestamp, id)
// request of another node is waiting. Requests of restarted instances are
// left out: their Lamport clocks started again from zero.
func fairTimestamp(hdr trace.Header, h *history) check.Result {
	type ev struct {
		idx   int
		enter bool
		r     *request
	}
	evs := make([]ev, 0, 2*len(h.requests))
	for _, r := range h.requests {
		if r.restarted {
			continue
		}
		evs = append(evs, ev{r.idx, false, r})
		if r.enterIdx >= 0 {
			evs = append(evs, ev{r.enterIdx, true, r})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int { return a.idx - b.idx })
	waiting := map[*request]bool{}
	for _, e := range evs {
		if !e.enter {
			waiting[e.r] = true
			continue
		}
		delete(waiting, e.r)
		b := e.r
		var worst *request
		for a := range waiting {
			if a.cancelled && h.crashBefore(a.node, e.idx) {
				continue
			}
			if a.node != b.node && before(a, b) && (worst == nil || before(a, worst)) {
				worst = a
			}
		}
		if worst != nil {
			r := check.Failed(Fairness, b.enterAt, names(hdr, b.node, worst.node), fmt.Sprintf(
				"%s entered with request (ts %d, %s) while %s's earlier request (ts %d, %s) was waiting (since %v)",
				hdr.NodeName(b.node), b.ts, hdr.NodeName(b.node), hdr.NodeName(worst.node), worst.ts, hdr.NodeName(worst.node), worst.at))
			r.Events = []int{worst.idx, b.enterIdx}
			return r
		}
	}
	return check.Passed(Fairness, fmt.Sprintf("%d requests, every entry in (timestamp, id) order among those waiting", len(h.requests)))
}

func (h *history) crashBefore(node trace.NodeID, idx int) bool {
	for _, c := range h.crashes {
		if c.Node == node && c.Index < idx {
			return true
		}
	}
	return false
}

func before(a, b *request) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	return a.node < b.node
}

// fairRing: while a node waits, the token passes every other node at most
// once, so no other node enters twice.
func fairRing(hdr trace.Header, h *history) check.Result {
	type wait struct {
		r     *request
		count map[trace.NodeID]int
	}
	var waits []*wait
	for _, e := range h.ring {
		switch {
		case e.kind == trace.Crash:
			waits = slices.DeleteFunc(waits, func(w *wait) bool { return w.r.node == e.node })
		case e.regenerated:
			// The token was lost and a new one starts a new round from
			// wherever it was made: counting starts again.
			for _, w := range waits {
				clear(w.count)
			}
		case e.req != nil:
			waits = append(waits, &wait{r: e.req, count: map[trace.NodeID]int{}})
		default: // an entry
			b := e.node
			waits = slices.DeleteFunc(waits, func(w *wait) bool { return w.r.node == b })
			for _, w := range waits {
				w.count[b]++
				if w.count[b] > 1 {
					r := check.Failed(Fairness, e.at, names(hdr, b, w.r.node), fmt.Sprintf(
						"%s entered twice while %s waited (since %v): the token skipped a waiting node",
						hdr.NodeName(b), hdr.NodeName(w.r.node), w.r.at))
					r.Events = []int{w.r.idx, e.idx}
					return r
				}
			}
		}
	}
	return check.Passed(Fairness, fmt.Sprintf("%d requests, no node bypassed by another twice", len(h.requests)))
}

func judgeCost(h *history, opts any) check.Result {
	o := &CostOptions{Tolerance: 0.02}
	if p, ok := opts.(*CostOptions); ok && p != nil {
		o = p
	}
	m := measure(h)
	n := servers(h.hdr)
	res := check.Result{Name: Cost, Verdict: check.Pass, Metrics: m.Metrics()}
	if m.Entries == 0 {
		res.Verdict, res.Detail = check.Unknown, "no node entered the critical section: nothing to measure"
		return res
	}
	lo, hi := o.Min, o.Max
	switch strings.ReplaceAll(o.Formula, " ", "") {
	case "":
	case "3":
		lo, hi = 3, 3
	case "2(n-1)":
		lo, hi = float64(2*(n-1)), float64(2*(n-1))
	case "1..n":
		lo, hi = 1, float64(n)
	default:
		if v, err := strconv.ParseFloat(o.Formula, 64); err == nil {
			lo, hi = v, v
		} else {
			return unknown(Cost, fmt.Errorf("unknown formula %q (valid: 3, 2(n-1), 1..n, or a number)", o.Formula))
		}
	}
	tol := o.Tolerance
	res.Detail = fmt.Sprintf("%d entries, %.2f messages per entry (%s), mean wait %v, %.1f entries/s",
		m.Entries, m.PerEntry, m.byTypeText(), m.MeanWait.Round(time.Microsecond), m.Throughput)
	if (lo > 0 && m.PerEntry < lo*(1-tol)) || (hi > 0 && m.PerEntry > hi*(1+tol)) {
		res.Verdict = check.Fail
		res.Detail = fmt.Sprintf("%.3f messages per entry, outside [%g, %g] (formula %q, n=%d, tolerance %g): %s",
			m.PerEntry, lo, hi, o.Formula, n, tol, res.Detail)
	}
	return res
}

// Measurement is what mutex-cost measures. Messages are counted from the
// start of the run to the last exit (so a ring idling after the workload
// stopped does not count), or to the end when nobody ever left.
type Measurement struct {
	Entries    int
	Messages   int
	ByType     map[string]int
	PerEntry   float64
	MeanWait   time.Duration
	MaxWait    time.Duration
	Throughput float64 // entries per second of virtual time, up to the last exit
}

// MeasureTrace measures a trace (used by the comparison).
func MeasureTrace(tr *trace.Trace) (Measurement, error) {
	h, err := parse(context.Background(), tr)
	if err != nil {
		return Measurement{}, err
	}
	return measure(h), nil
}

// measure computes the cost figures of a parsed history.
func measure(h *history) Measurement {
	m := Measurement{Messages: h.sends.atExit, ByType: maps.Clone(h.sends.byAtExit)}
	window := h.lastExit
	if window == 0 {
		window = h.end // nobody left the critical section: count the whole run
		m.Messages, m.ByType = h.sends.total, maps.Clone(h.sends.byType)
	}
	var wait time.Duration
	for _, r := range h.requests {
		if r.enterIdx >= 0 {
			m.Entries++
			w := r.enterAt - r.at
			wait += w
			m.MaxWait = max(m.MaxWait, w)
		}
	}
	if m.Entries > 0 {
		m.PerEntry = float64(m.Messages) / float64(m.Entries)
		m.MeanWait = wait / time.Duration(m.Entries)
		if window > 0 {
			m.Throughput = float64(m.Entries) / window.Seconds()
		}
	}
	return m
}

// Metrics flattens a measurement for check.Result.
func (m Measurement) Metrics() map[string]float64 {
	out := map[string]float64{
		"entries": float64(m.Entries), "messages": float64(m.Messages),
		"per_entry": round(m.PerEntry), "wait_mean_ms": ms(m.MeanWait), "wait_max_ms": ms(m.MaxWait),
		"throughput_per_s": round(m.Throughput),
	}
	for name, c := range m.ByType {
		out["messages/"+name] = float64(c)
		if m.Entries > 0 {
			out["per_entry/"+name] = round(float64(c) / float64(m.Entries))
		}
	}
	return out
}

func (m Measurement) byTypeText() string {
	var parts []string
	for _, name := range sortedKeys(m.ByType) {
		parts = append(parts, fmt.Sprintf("%s %.2f", name, float64(m.ByType[name])/float64(max(m.Entries, 1))))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
