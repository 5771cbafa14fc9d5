package linearizability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"distlab/checkers/check"
	"distlab/contract/kv"
	"distlab/simnet/trace"
)

// Name is the checker's name in scenario files.
const Name = "linearizability"

// Options bound and direct the check.
type Options struct {
	// Timeout bounds porcupine's search; past it the verdict is Unknown.
	Timeout time.Duration `yaml:"timeout" doc:"bound on porcupine's search; past it the verdict is unknown"`
	// Dir is where the HTML visualization of a violation is written;
	// empty means the run's artifact directory (check.ArtifactDir), and
	// with neither none is written.
	Dir string `yaml:"dir" doc:"folder for the HTML visualization of a violation; empty: the run's artifact folder, and with neither none is written"`
	// NoVisualize skips writing the HTML.
	NoVisualize bool `yaml:"no_visualize" doc:"do not write the HTML visualization"`
}

// DefaultOptions gives porcupine ten seconds, far more than the lab's
// histories need.
func DefaultOptions() *Options { return &Options{Timeout: 10 * time.Second} }

// Specs registers the checker.
func Specs() []check.Spec {
	return []check.Spec{{
		Name: Name, Contract: kv.Contract,
		Summary: "client history of a key-value service (get, put, append, cas) is linearizable (porcupine, partitioned by key)",
		Options: func() any { return DefaultOptions() },
		Run: func(ctx context.Context, tr *trace.Trace, opts any) check.Result {
			o, _ := opts.(*Options)
			return CheckTrace(ctx, tr, o)
		},
		Observe: func(h trace.Header, opts any) check.Observer {
			o, _ := opts.(*Options)
			return &observer{b: newHistoryBuilder(h), a: newAnnotator(h), opts: o}
		},
	}, {
		Name: LivenessName, Contract: kv.Contract,
		Summary: "every client operation returns within a bound once the faults are over",
		Options: func() any { return &LivenessOptions{Bound: 3 * time.Second} },
		Run:     check.Fold(LivenessName, observeLiveness),
		Observe: observeLiveness,
	}}
}

func observeLiveness(h trace.Header, opts any) check.Observer {
	o, _ := opts.(*LivenessOptions)
	if o == nil {
		o = &LivenessOptions{}
	}
	return newLiveness(h, *o)
}

// CheckTrace checks the history a run's clients recorded.
func CheckTrace(ctx context.Context, tr *trace.Trace, opts *Options) check.Result {
	h, events, err := fromTrace(tr)
	if err != nil {
		return check.Result{Name: Name, Verdict: check.Unknown, Detail: "cannot read the history: " + err.Error()}
	}
	if h.Name == "" {
		h.Name = "run"
	}
	h.Name = fmt.Sprintf("%s-seed%d", h.Name, tr.Header.Seed)
	// The faults and leaders are drawn only on a violation's
	// visualization: read from the trace then, not for every passing run.
	return checkHistory(ctx, h, events, opts, func(h *kv.History) { h.Annotations = annotations(tr) })
}

// observer reads the history, and what annotates it, as a run is
// recorded (while its events are in memory, and in cache); Finish checks
// it. A run judged this way and CheckTrace over its trace get the same
// result.
type observer struct {
	b    *historyBuilder
	a    *annotator
	opts *Options
	err  error // the first event the history could not be read from
}

func (o *observer) Kinds() trace.KindSet {
	return historyKinds | annotationKinds | trace.KindsOf(trace.End)
}

func (o *observer) Observe(e *trace.Event) {
	switch {
	case o.err != nil:
	case historyKinds.Has(e.Kind):
		o.err = o.b.add(e)
	case annotationKinds.Has(e.Kind):
		o.a.add(e)
	default:
		o.a.end = max(o.a.end, int64(e.Time))
	}
}

func (o *observer) Finish(ctx context.Context) check.Result {
	if o.err != nil {
		return check.Result{Name: Name, Verdict: check.Unknown, Detail: "cannot read the history: " + o.err.Error()}
	}
	h := o.b.h
	if h.Name == "" {
		h.Name = "run"
	}
	h.Name = fmt.Sprintf("%s-seed%d", h.Name, o.b.header.Seed)
	return checkHistory(ctx, h, o.b.events, o.opts, func(h *kv.History) { h.Annotations = o.a.done(o.a.end) })
}

// CheckFile checks a history file in the given format (one of Formats; ""
// is FormatAuto), for the `distlab check` command. A violation's
// visualization goes to opts.Dir, or to $TMPDIR/distlab when that is empty.
func CheckFile(path, format string, opts *Options) (check.Result, error) {
	h, events, err := readHistory(path, format)
	if err != nil {
		return check.Result{}, err
	}
	o := DefaultOptions()
	if opts != nil {
		o = opts
	}
	if o.Dir == "" {
		c := *o
		c.Dir = filepath.Join(os.TempDir(), "distlab")
		o = &c
	}
	return checkHistory(context.Background(), h, events, o, nil), nil
}

// Check checks a history.
func Check(ctx context.Context, h *kv.History, opts *Options) check.Result {
	return checkHistory(ctx, h, nil, opts, nil)
}

// checkHistory judges h; annotate, if not nil, adds its annotations
// before a violation is drawn.
func checkHistory(ctx context.Context, h *kv.History, events []opEvents, opts *Options, annotate func(*kv.History)) check.Result {
	if opts == nil {
		opts = DefaultOptions()
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultOptions().Timeout
	}
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 || ctx.Err() != nil {
		return check.Result{Name: Name, Verdict: check.Unknown, Detail: "no time left to check"}
	}
	deadline := time.Now().Add(timeout)
	ops, clients, skipped := toPorcupine(h, events)
	unknown := 0
	for _, op := range h.Operations {
		if !op.Known() {
			unknown++
		}
	}
	parts := partitionByKey(ops)
	metrics := map[string]float64{"operations": float64(len(h.Operations)), "unknown_outcome": float64(unknown),
		"clients": float64(len(clients)), "keys": float64(len(parts))}
	if len(ops) == 0 {
		return check.Result{Name: Name, Verdict: check.Unknown, Metrics: metrics,
			Detail: fmt.Sprintf("no evidence: the history has no operation to check (%d operations, %d of them reads whose outcome is unknown)", len(h.Operations), skipped)}
	}
	started := time.Now()
	verdict, failed := decide(ctx, parts, timeout)
	metrics["check_ms"] = float64(time.Since(started).Microseconds()) / 1000
	summary := fmt.Sprintf("%d operations (%d with an unknown outcome) of %d clients on %s", len(h.Operations), unknown, len(clients),
		plural(len(parts), "key"))
	switch verdict {
	case porcupine.Ok:
		return check.Result{Name: Name, Verdict: check.Pass, Metrics: metrics, Detail: "linearizable: " + summary}
	case porcupine.Unknown:
		return check.Result{Name: Name, Verdict: check.Unknown, Metrics: metrics,
			Detail: fmt.Sprintf("porcupine found no verdict within %v for %s", timeout, summary)}
	}
	if annotate != nil {
		annotate(h)
	}
	return violation(ctx, h, parts[failed], clients, deadline, metrics, opts)
}

// decide checks each key's operations on its own, all keys at once (as
// porcupine does with its partitions, so an easy violation is not queued
// behind a hard key), and returns the verdict and the key found not
// linearizable. When several keys fail, the one reported is the lowest
// (the same whichever search ends first: the detail must not depend on
// scheduling): a violation stops the searches of the keys after it at
// once, and the keys before it are waited for. The deadline or the
// context stops every search; a violation already found is then reported
// even if a lower key was still being searched.
func decide(ctx context.Context, parts [][]porcupine.Operation, timeout time.Duration) (porcupine.CheckResult, int) {
	stops := make([]atomic.Bool, len(parts)) // one per key's search
	defer func() {
		for i := range stops {
			stops[i].Store(true)
		}
	}()
	type result struct {
		key int
		res porcupine.CheckResult
	}
	results := make(chan result, len(parts))
	for i := range parts {
		go func() {
			res := porcupine.CheckOperationsTimeout(stoppableModel(&stops[i]), parts[i], 0)
			if stops[i].Load() && res != porcupine.Ok {
				res = porcupine.Unknown // stopped: its steps began to fail on purpose
			}
			results <- result{i, res}
		}()
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	lowest := -1 // the lowest key found not linearizable
	done := make([]bool, len(parts))
	settled := func() bool { // every key below lowest has its verdict
		for k := range lowest {
			if !done[k] {
				return false
			}
		}
		return true
	}
	for range parts {
		if lowest >= 0 && settled() {
			break
		}
		select {
		case r := <-results:
			done[r.key] = true
			switch {
			case lowest >= 0 && r.key > lowest: // stopped, or beside the point
			case r.res == porcupine.Illegal:
				lowest = r.key
				for k := lowest + 1; k < len(parts); k++ {
					stops[k].Store(true)
				}
			case r.res == porcupine.Unknown:
				return porcupine.Unknown, -1
			}
		case <-deadline.C:
			return verdictSoFar(lowest)
		case <-ctx.Done():
			return verdictSoFar(lowest)
		}
	}
	if lowest >= 0 {
		return porcupine.Illegal, lowest
	}
	return porcupine.Ok, -1
}

// verdictSoFar is decide's answer once it stops waiting: a violation found
// stands; otherwise nothing was decided.
func verdictSoFar(lowest int) (porcupine.CheckResult, int) {
	if lowest >= 0 {
		return porcupine.Illegal, lowest
	}
	return porcupine.Unknown, -1
}

// stoppableModel is the model whose steps all fail once stop is set, so a
// search nobody waits for any more unwinds at once (porcupine's own
// cancellation is not reachable from outside). Its Illegal verdicts after
// a stop mean nothing; decide discards them.
func stoppableModel(stop *atomic.Bool) porcupine.Model {
	m := kvModel
	m.Partition = nil // given one key's operations
	m.Step = func(state, input, output any) (bool, any) {
		if stop.Load() {
			return false, state
		}
		return step(state, input, output)
	}
	return m
}

// violation explains a failed check: it searches the failing key's
// operations again, this time recording the partial linearizations that
// name the first unexplained operation and feed the visualization. That
// second search covers one key only, which was just decided, and it must
// end by the check's deadline; past it the verdict stands without the
// explanation.
func violation(ctx context.Context, h *kv.History, part []porcupine.Operation, clients []string, deadline time.Time,
	metrics map[string]float64, opts *Options) check.Result {
	key := part[0].Input.(modelIn).key
	r := check.Result{Name: Name, Verdict: check.Fail, Metrics: metrics,
		Detail: fmt.Sprintf("not linearizable: no order of the operations on key %s explains what the clients saw", key)}
	started := time.Now()
	var stop atomic.Bool
	timer := time.AfterFunc(time.Until(deadline), func() { stop.Store(true) })
	cancelled := context.AfterFunc(ctx, func() { stop.Store(true) })
	res, info := porcupine.CheckOperationsVerbose(stoppableModel(&stop), part, 0)
	timer.Stop()
	cancelled()
	metrics["explain_ms"] = float64(time.Since(started).Microseconds()) / 1000
	if res != porcupine.Illegal || stop.Load() {
		r.Detail += "; the search for the first unexplained operation ran out of time (no visualization)"
		return r
	}
	culprit := firstUnexplained(part, info.PartialLinearizationsOperations()[0])
	if culprit != nil {
		r.At = time.Duration(culprit.Return)
		r.Nodes = []string{clients[culprit.ClientId]}
		r.Detail += fmt.Sprintf("; first unexplained: %s by %s at %v", describe(culprit.Input.(modelIn), culprit.Output.(modelOut)),
			clients[culprit.ClientId], r.At)
		if m := culprit.Metadata.(meta); m.events.call >= 0 {
			r.Events = []int{m.events.call}
			if m.events.ret >= 0 {
				r.Events = append(r.Events, m.events.ret)
			}
		}
	}
	dir := opts.Dir
	if dir == "" {
		dir = check.ArtifactDir(ctx)
	}
	if !opts.NoVisualize && dir != "" {
		path, err := visualize(h, info, dir)
		if err != nil {
			r.Detail += "; visualization not written: " + err.Error()
		} else {
			r.Artifacts = []string{path}
			r.Detail += "; see " + path + " (key " + key + ")"
		}
	}
	return r
}

// firstUnexplained is where a key's history stops making sense: among the
// longest orders porcupine could build, the operation it could not add
// next (the earliest to return of those left out, its outcome known);
// of several such orders, the one that got furthest in time.
func firstUnexplained(part []porcupine.Operation, partials [][]porcupine.Operation) *porcupine.Operation {
	if len(partials) == 0 {
		partials = [][]porcupine.Operation{nil} // not even the first operation fits
	}
	longest := 0
	for _, l := range partials {
		longest = max(longest, len(l))
	}
	later := func(a, b *porcupine.Operation) bool { // a after b, ties by history index
		if a.Return != b.Return {
			return a.Return > b.Return
		}
		return a.Metadata.(meta).index > b.Metadata.(meta).index
	}
	var best *porcupine.Operation
	for _, l := range partials {
		if len(l) != longest {
			continue
		}
		in := map[int]bool{}
		for _, op := range l {
			in[op.Metadata.(meta).index] = true
		}
		var stuck *porcupine.Operation
		for i := range part {
			op := &part[i]
			if !in[op.Metadata.(meta).index] && !op.Output.(modelOut).unknown && (stuck == nil || later(stuck, op)) {
				stuck = op
			}
		}
		if stuck != nil && (best == nil || later(stuck, best)) {
			best = stuck
		}
	}
	return best
}

// meta travels with each porcupine operation: where it came from.
type meta struct {
	index  int // in the history
	events opEvents
}

// toPorcupine converts a history. An operation whose outcome is unknown
// may take effect at any time after its call, or never (Jepsen's :info):
// it gets the end of the history as its return, whatever return it has,
// and a read among them is left out, since it constrains nothing.
func toPorcupine(h *kv.History, events []opEvents) (ops []porcupine.Operation, clients []string, skipped int) {
	end := h.End()
	ids := map[string]int{}
	for _, op := range h.Operations {
		if _, ok := ids[op.Client]; !ok {
			ids[op.Client] = 0
			clients = append(clients, op.Client)
		}
	}
	slices.SortFunc(clients, compareNames)
	for i, c := range clients {
		ids[c] = i
	}
	ops = make([]porcupine.Operation, 0, len(h.Operations))
	for i, op := range h.Operations {
		in, out := toModel(op)
		ret := end
		if !out.unknown {
			ret = *op.Return
		} else if in.op == mGet {
			skipped++
			continue
		}
		m := meta{index: i, events: opEvents{-1, -1}}
		if events != nil {
			m.events = events[i]
		}
		ops = append(ops, porcupine.Operation{ClientId: ids[op.Client], Input: in, Call: op.Call,
			Output: out, Return: ret, Metadata: m})
	}
	return ops, clients, skipped
}

// compareNames orders c2 before c10.
func compareNames(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func visualize(h *kv.History, info porcupine.LinearizationInfo, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := h.Name
	if name == "" {
		name = "history"
	}
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, name)
	path := filepath.Join(dir, "linearizability-"+name+".html")
	anns := make([]porcupine.Annotation, 0, len(h.Annotations))
	for _, a := range h.Annotations {
		anns = append(anns, porcupine.Annotation{Tag: a.Tag, Start: a.Start, End: a.End,
			Description: a.Description, Details: a.Details, BackgroundColor: a.Color})
	}
	info.AddAnnotations(anns)
	if err := porcupine.VisualizePath(kvModel, info, path); err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
