package linearizability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"distlab/checkers/check"
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
		Name: Name, Family: "raft",
		Summary: "client history of a key-value service is linearizable (porcupine, partitioned by key)",
		Options: func() any { return DefaultOptions() },
		Run: func(ctx context.Context, tr *trace.Trace, opts any) check.Result {
			o, _ := opts.(*Options)
			return CheckTrace(ctx, tr, o)
		},
	}, {
		Name: LivenessName, Family: "raft",
		Summary: "every client operation returns within a bound once the faults are over",
		Options: func() any { return &LivenessOptions{Bound: 3 * time.Second} },
		Run: func(ctx context.Context, tr *trace.Trace, opts any) check.Result {
			o, _ := opts.(*LivenessOptions)
			if o == nil {
				o = &LivenessOptions{}
			}
			return CheckLiveness(ctx, tr, *o)
		},
	}}
}

// CheckTrace checks the history a run's clients recorded.
func CheckTrace(ctx context.Context, tr *trace.Trace, opts *Options) check.Result {
	h, err := FromTrace(tr)
	if err != nil {
		return check.Result{Name: Name, Verdict: check.Unknown, Detail: "cannot read the history: " + err.Error()}
	}
	if h.Name == "" {
		h.Name = "run"
	}
	h.Name = fmt.Sprintf("%s-seed%d", h.Name, tr.Header.Seed)
	return Check(ctx, h, opts)
}

// CheckFile checks a history file or a trace file (the `distlab check`
// command). A violation's visualization goes to opts.Dir, or to
// $TMPDIR/distlab when that is empty.
func CheckFile(path string, opts *Options) (check.Result, error) {
	h, err := ReadHistory(path)
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
	return Check(context.Background(), h, o), nil
}

// Check checks a history.
func Check(ctx context.Context, h *History, opts *Options) check.Result {
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
	ops, clients := toPorcupine(h)
	pending := 0
	for _, op := range h.Operations {
		if op.Return == nil || op.Output == nil || op.Output.Unknown {
			pending++
		}
	}
	metrics := map[string]float64{"operations": float64(len(ops)), "pending": float64(pending), "clients": float64(len(clients))}
	started := time.Now()
	res := porcupine.CheckOperationsTimeout(kvModel, ops, timeout)
	metrics["check_ms"] = float64(time.Since(started).Microseconds()) / 1000
	switch res {
	case porcupine.Ok:
		return check.Result{Name: Name, Verdict: check.Pass, Metrics: metrics,
			Detail: fmt.Sprintf("linearizable: %d operations (%d without a known outcome) of %d clients", len(ops), pending, len(clients))}
	case porcupine.Unknown:
		return check.Result{Name: Name, Verdict: check.Unknown, Metrics: metrics,
			Detail: fmt.Sprintf("porcupine found no verdict within %v for %d operations", timeout, len(ops))}
	}
	// A violation: run again with the information the visualization needs.
	r := check.Result{Name: Name, Verdict: check.Fail, Metrics: metrics}
	_, info := porcupine.CheckOperationsVerbose(kvModel, ops, timeout)
	keys := partitionKeys(ops)
	var bad []string
	var at int64 = -1
	var culprit *porcupine.Operation
	for p, partials := range info.PartialLinearizationsOperations() {
		part := opsOfKey(ops, keys[p])
		longest := 0
		for _, l := range partials {
			longest = max(longest, len(l))
		}
		if longest == len(part) {
			continue
		}
		bad = append(bad, keys[p])
		// The first operation (by return) that no partial linearization
		// reaches is where the history stops making sense.
		in := map[int64]bool{}
		for _, l := range partials {
			for _, op := range l {
				in[op.Call<<8^int64(op.ClientId)] = true
			}
		}
		for i := range part {
			op := &part[i]
			if !in[op.Call<<8^int64(op.ClientId)] && (at < 0 || op.Return < at) {
				at, culprit = op.Return, op
			}
		}
	}
	if len(bad) == 0 { // the verbose pass timed out before finding it again
		bad = []string{"?"}
	}
	r.Detail = fmt.Sprintf("not linearizable: no order of the operations on key %s explains what the clients saw", strings.Join(bad, ", "))
	if culprit != nil {
		r.At = time.Duration(at)
		r.Nodes = []string{clients[culprit.ClientId]}
		r.Detail += fmt.Sprintf("; first unexplained: %s by %s at %v", describe(culprit.Input, culprit.Output), clients[culprit.ClientId], time.Duration(at))
		if m, ok := culprit.Metadata.(meta); ok && m.callEvent >= 0 {
			r.Events = []int{m.callEvent}
			if m.returnEvent >= 0 {
				r.Events = append(r.Events, m.returnEvent)
			}
		}
	}
	dir := opts.Dir
	if dir == "" {
		dir = check.ArtifactDir(ctx)
	}
	if !opts.NoVisualize && dir != "" {
		path, err := visualize(h, info, clients, dir)
		if err != nil {
			r.Detail += "; visualization not written: " + err.Error()
		} else {
			r.Artifacts = []string{path}
			r.Detail += "; see " + path
		}
	}
	return r
}

// meta travels with each porcupine operation back to the trace.
type meta struct{ callEvent, returnEvent int }

// toPorcupine converts a history; an operation that never returned gets the
// end of the history and an unknown output.
func toPorcupine(h *History) ([]porcupine.Operation, []string) {
	end := h.End()
	var clients []string
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
	ops := make([]porcupine.Operation, 0, len(h.Operations))
	for _, op := range h.Operations {
		ret, out := end, Output{Unknown: true}
		if op.Return != nil {
			ret = *op.Return
			if op.Output != nil {
				out = *op.Output
			}
		}
		ops = append(ops, porcupine.Operation{ClientId: ids[op.Client], Input: op.Input, Call: op.Call,
			Output: out, Return: ret, Metadata: meta{op.CallEvent, op.ReturnEvent}})
	}
	return ops, clients
}

// compareNames orders c2 before c10.
func compareNames(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func visualize(h *History, info porcupine.LinearizationInfo, clients []string, dir string) (string, error) {
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
