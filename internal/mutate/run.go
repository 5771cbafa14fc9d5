package mutate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Outcome is what became of a mutant.
type Outcome int

// The outcomes.
const (
	Caught     Outcome = iota // a graded test failed
	Survived                  // every graded test passed: the lab has a hole
	Broken                    // the patch does not apply, or the code does not compile
	Equivalent                // documented as equivalent; not run
)

func (o Outcome) String() string {
	return [...]string{"caught", "SURVIVED", "BROKEN", "equivalent"}[o]
}

// Result is one mutant's run.
type Result struct {
	Mutant  *Mutant
	Outcome Outcome
	// Test is the graded test that failed and Seed the seed it reported
	// ("" for a test without seeds).
	Test, Seed string
	// Detail is the first line of the failure, or why the mutant is broken
	// or equivalent.
	Detail  string
	Elapsed time.Duration
	// Note says when the test named by Caught-by did not catch it.
	Note string
}

// Options configure Run.
type Options struct {
	Repo string // the repository root
	// Full runs every graded test of the lab at once instead of the
	// declared Caught-by test first.
	Full bool
	// Env is added to the go command's environment (DISTLAB_SEEDS=…).
	Env []string
	// Progress, when set, gets the lab tests' progress lines.
	Progress func(line string)
	// Timeout bounds one go test run (default 15 minutes).
	Timeout time.Duration
}

// Apply writes the files a mutant changes, changed, under dir, and returns
// the overlay that makes the go command see them: absolute path in the
// repository → absolute path of the changed copy. The repository is only
// read.
func Apply(repo string, m *Mutant, dir string) (map[string]string, error) {
	root, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	work := filepath.Join(dir, "src")
	for _, t := range m.Targets {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(t)))
		if err != nil {
			return nil, fmt.Errorf("%s changes %s, which cannot be read: %w", m.File, t, err)
		}
		dst := filepath.Join(work, filepath.FromSlash(t))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return nil, err
		}
	}
	patch := filepath.Join(dir, "mutant.patch")
	if err := os.WriteFile(patch, m.Diff, 0o644); err != nil {
		return nil, err
	}
	// git apply outside any repository works as patch(1) does; the ceiling
	// keeps it from finding a repository above the scratch folder.
	cmd := exec.Command("git", "apply", "--whitespace=nowarn", patch)
	cmd.Dir = work
	cmd.Env = append(cleanGitEnv(os.Environ()), "GIT_CEILING_DIRECTORIES="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s does not apply to the current code (%v): %s", m.File, err, strings.TrimSpace(string(out)))
	}
	overlay := map[string]string{}
	for _, t := range m.Targets {
		overlay[filepath.Join(root, filepath.FromSlash(t))] = filepath.Join(work, filepath.FromSlash(t))
	}
	return overlay, nil
}

func cleanGitEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GIT_") {
			out = append(out, kv)
		}
	}
	return out
}

// Run applies the mutant in a scratch folder and runs its lab's graded
// tests against it: the Caught-by test first (unless o.Full), then, if it
// survived that, every test of the lab.
func Run(ctx context.Context, o Options, m *Mutant) (res Result) {
	start := time.Now()
	res.Mutant = m
	defer func() { res.Elapsed = time.Since(start) }()
	dir, err := os.MkdirTemp("", "distlab-mutant-")
	if err != nil {
		res.Outcome, res.Detail = Broken, err.Error()
		return res
	}
	defer os.RemoveAll(dir)
	overlay, err := Apply(o.Repo, m, dir)
	if err != nil {
		res.Outcome, res.Detail = Broken, err.Error()
		return res
	}
	ovFile := filepath.Join(dir, "overlay.json")
	data, _ := json.Marshal(struct{ Replace map[string]string }{overlay})
	if err := os.WriteFile(ovFile, data, 0o644); err != nil {
		res.Outcome, res.Detail = Broken, err.Error()
		return res
	}
	artifacts := filepath.Join(dir, "artifacts")
	if m.CaughtBy != "" && !o.Full {
		r := goTest(ctx, o, m, ovFile, artifacts, m.CaughtBy)
		if r.Outcome != Survived {
			r.Mutant = m
			return r
		}
		res.Note = fmt.Sprintf("%s (its Caught-by) did not catch it", m.CaughtBy)
	}
	r := goTest(ctx, o, m, ovFile, artifacts, "")
	r.Mutant, r.Note = m, res.Note
	if r.Outcome == Caught && r.Note == "" && m.CaughtBy != "" && r.Test != m.CaughtBy {
		r.Note = fmt.Sprintf("caught by %s, not by %s as its Caught-by says", r.Test, m.CaughtBy)
	}
	return r
}

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action string
	Test   string
	Output string
}

var (
	seedPatterns = []*regexp.Regexp{
		regexp.MustCompile(`with seed (\d+)`),
		regexp.MustCompile(`\bseed (\d+) failed`),
		regexp.MustCompile(`--seed (\d+)`),
		regexp.MustCompile(`DISTLAB_SEED=(\d+)`),
	}
	progressRE = regexp.MustCompile(`progress: .*`)
)

// goTest runs the lab's tests (only test run, when set) with the overlay and
// reads the verdict from go test -json.
func goTest(ctx context.Context, o Options, m *Mutant, overlay, artifacts, run string) Result {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	args := []string{"test", "-json", "-count=1", "-failfast", "-timeout=" + timeout.String(), "-overlay=" + overlay}
	if run != "" {
		args = append(args, "-run", "^("+run+")$")
	}
	args = append(args, "./labs/"+m.Lab+"/")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = o.Repo
	cmd.Env = append(append(os.Environ(), "DISTLAB_ARTIFACTS="+artifacts), o.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{Outcome: Broken, Detail: err.Error()}
	}
	if err := cmd.Start(); err != nil {
		return Result{Outcome: Broken, Detail: err.Error()}
	}
	v := readVerdict(stdout, o.Progress)
	waitErr := cmd.Wait()
	switch {
	case v.failed != "":
		return Result{Outcome: Caught, Test: v.failed, Seed: v.seed, Detail: v.detail}
	case waitErr == nil && v.passed > 0:
		return Result{Outcome: Survived, Detail: fmt.Sprintf("%d graded test(s) passed", v.passed)}
	case waitErr == nil:
		return Result{Outcome: Broken, Detail: fmt.Sprintf("no test ran (is %q a test of lab %s?)", run, m.Lab)}
	}
	why := strings.TrimSpace(strings.Join(v.other, "\n") + "\n" + stderr.String())
	if ctx.Err() != nil {
		why = "timed out: " + why
	}
	return Result{Outcome: Broken, Detail: firstLines(why, 6)}
}

type verdict struct {
	failed, seed, detail string
	passed               int
	other                []string // output outside any test (build errors)
}

func readVerdict(r io.Reader, progress func(string)) verdict {
	var v verdict
	outputs := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			v.other = append(v.other, sc.Text())
			continue
		}
		top, _, _ := strings.Cut(ev.Test, "/")
		switch {
		case ev.Test == "" && ev.Action == "output":
			if s := strings.TrimSpace(ev.Output); s != "" && !strings.HasPrefix(s, "FAIL") && !strings.HasPrefix(s, "ok") {
				v.other = append(v.other, s)
			}
		case ev.Action == "output":
			outputs[top] = append(outputs[top], ev.Output)
			if progress != nil {
				if p := progressRE.FindString(ev.Output); p != "" {
					progress(top + " " + p)
				}
			}
		case ev.Action == "fail" && ev.Test == top && v.failed == "":
			v.failed = top
			v.seed, v.detail = seedOf(outputs[top])
		case ev.Action == "pass" && ev.Test == top:
			v.passed++
		}
	}
	return v
}

// seedOf finds the failing seed and the failure's most telling line in a
// test's output.
func seedOf(lines []string) (seed, detail string) {
	rank := 99
	for _, l := range lines {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "===") || strings.HasPrefix(s, "---") || strings.Contains(s, "distlab-points:") || strings.Contains(s, "progress:") {
			continue
		}
		if seed == "" {
			for _, re := range seedPatterns {
				if m := re.FindStringSubmatch(s); m != nil {
					seed = m[1]
					break
				}
			}
		}
		r := 99
		switch {
		case strings.Contains(s, "expectation not met"), strings.Contains(s, "seed") && strings.Contains(s, "failed"):
			r = 0
		case strings.HasPrefix(s, "Messages:"): // testify: the assertion's own words
			r = 1
		case strings.Contains(s, ".go:") && !strings.Contains(s, "Error Trace:"):
			r = 2
		case strings.HasPrefix(s, "Error:"):
			r = 3
		}
		if r < rank {
			rank, detail = r, s
		}
	}
	if len(detail) > 240 {
		detail = detail[:240] + "…"
	}
	return seed, detail
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}
