package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

var binary string

// TestMain builds the command once; the tests run it as a user would, from
// the repository root.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "distlab-cmd")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "distlab")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func distlab(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return distlabEnv(t, nil, args...)
}

// distlabEnv runs distlab with extra environment variables.
func distlabEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestRunSummaryAndExitCodes(t *testing.T) {
	out, _, code := distlab(t, "run", "scenarios/demo/broadcast.yaml")
	assert.Equal(t, 0, code)
	for _, want := range []string{"messages   sent", "drops by reason", "Ball", "n4", "✓ no-panic", "result     MET"} {
		assert.Contains(t, out, want)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 1s\nfaults:\n  - {at: 1s, crash: n9}\n"), 0o644))
	_, errOut, code := distlab(t, "run", bad)
	assert.Equal(t, 2, code, "bad input exits 2")
	assert.Contains(t, errOut, "bad.yaml:6:21: faults[0].crash: unknown node \"n9\"")

	unknown := filepath.Join(t.TempDir(), "unknown.yaml")
	require.NoError(t, os.WriteFile(unknown, []byte("version: 1\nalgorithm: bully2\nnodes: 3\nduration: 1s\n"), 0o644))
	_, errOut, code = distlab(t, "run", unknown)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown algorithm \"bully2\" (valid: ")
	assert.Contains(t, errOut, "broadcast")

	unmet := filepath.Join(t.TempDir(), "unmet.yaml")
	require.NoError(t, os.WriteFile(unmet, []byte("version: 1\nalgorithm: broadcast\nnodes: 3\nduration: 100ms\nchecks: [no-panic]\nexpect: {violations: [no-panic]}\n"), 0o644))
	out, _, code = distlab(t, "run", unmet)
	assert.Equal(t, 1, code, "an unmet expectation exits 1")
	assert.Contains(t, out, "NOT MET")

	_, _, code = distlab(t, "run", "no/such/file.yaml")
	assert.Equal(t, 2, code)
}

func TestRunJSONAndTrace(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "t.jsonl")
	out, _, code := distlab(t, "run", "scenarios/demo/broadcast.yaml", "--json", "--seed", "3", "--trace", tracePath)
	require.Equal(t, 0, code)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	for _, field := range []string{"events", "messages", "virtual_time_ns", "wall_ns", "checks", "expectation_met"} {
		assert.Contains(t, s, field)
	}
	msgs := s["messages"].(map[string]any)
	for _, field := range []string{"sent", "delivered", "dropped", "duplicated", "by_type"} {
		assert.Contains(t, msgs, field)
	}
	assert.Equal(t, 3.0, s["seed"])
	checks := s["checks"].([]any)
	require.NotEmpty(t, checks)
	first := checks[0].(map[string]any)
	for _, field := range []string{"name", "verdict", "detail"} {
		assert.Contains(t, first, field)
	}

	printed, _, code := distlab(t, "trace", tracePath)
	require.Equal(t, 0, code)
	assert.Contains(t, printed, "seed 3")
	assert.Contains(t, printed, "send Ball")
	assert.Contains(t, printed, "isolate n4")
	lines := strings.Count(printed, "\n")
	assert.Equal(t, int(s["events"].(float64))+1, lines, "one line per event plus the header")

	onlyCrash, _, _ := distlab(t, "trace", tracePath, "--kind", "crash,restart")
	assert.Equal(t, 3, strings.Count(onlyCrash, "\n"), onlyCrash)
}

func TestList(t *testing.T) {
	out, _, code := distlab(t, "list")
	require.Equal(t, 0, code)
	for _, want := range []string{"ALGORITHMS", "lamport", "ricart-agrawala", "CHECKS", "causality", "SCENARIOS", "scenarios/demo/broadcast.yaml"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "INVALID")
	assert.Contains(t, out, binary+" describe NAME prints an algorithm's params", "list points at where the knobs are documented")
}

// TestHandoutLeaksNothing: the default handout strips every lab; it holds
// exactly the tracked files (nothing ignored, such as a binary built at the
// root) plus the students' README and DISTLAB.md; no solution marker and no
// line that only the reference has survives in any file; the README gives
// the labs in order with their needs. A handout of one lab strips that lab
// only.
func TestHandoutLeaksNothing(t *testing.T) {
	root := filepath.Join("..", "..")
	files, labs, blocks := teacherRepo(t, root)

	outside := map[string]bool{}   // every line of the repository outside solution blocks
	reference := map[string]bool{} // lines of the reference inside them
	stubs := map[string]bool{}
	for _, b := range blocks {
		for _, l := range b.Reference {
			reference[strings.TrimSpace(l)] = true
		}
		for _, l := range b.Stub {
			stubs[strings.TrimSpace(l)] = true
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		inBlock := false
		for _, line := range strings.Split(string(data), "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(trimmed, handout.Begin):
				inBlock = true
			case trimmed == handout.End:
				inBlock = false
			case !inBlock:
				outside[trimmed] = true
			}
		}
	}
	var referenceOnly []string
	for l := range reference {
		if l != "" && !outside[l] && !stubs[l] {
			referenceOnly = append(referenceOnly, l)
		}
	}
	require.NotEmpty(t, referenceOnly, "the labs' reference has lines of its own")

	dir := filepath.Join(t.TempDir(), "course")
	out, errOut, code := distlab(t, "handout", "-o", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("%d solution block(s) replaced by stubs", len(blocks)))

	var got []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	want := append(slices.Clone(files), "DISTLAB.md")
	assert.ElementsMatch(t, want, got, "exactly the tracked files, plus DISTLAB.md")

	// No marker line survives anywhere (labs/README.md documents the
	// syntax with a made-up example), no code under the labs' folders even
	// names a marker, and no line only the reference has is left.
	var solutionDirs []string
	for _, l := range labs {
		solutionDirs = append(solutionDirs, l.Solutions...)
	}
	for _, f := range got {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		inSolutions := slices.ContainsFunc(solutionDirs, func(d string) bool { return strings.HasPrefix(f, d+"/") })
		if inSolutions && strings.Contains(string(data), "SOLUTION") {
			t.Errorf("%s names a solution marker", f)
		}
		for i, line := range strings.Split(string(data), "\n") {
			l := strings.TrimSpace(line)
			if f != "labs/README.md" && (strings.HasPrefix(l, handout.Begin) || l == handout.Stub || l == handout.End) {
				t.Errorf("%s:%d keeps a solution marker: %q", f, i+1, l)
			}
			if reference[l] && !outside[l] && !stubs[l] {
				t.Errorf("%s:%d holds a line only the reference has: %q", f, i+1, l)
			}
		}
	}

	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	last := -1
	for _, l := range labs {
		i := strings.Index(string(readme), fmt.Sprintf("### %d. %s", l.Order, l.Title))
		assert.Greater(t, i, last, "lab %s in course order", l.Name)
		last = i
	}
	assert.Contains(t, string(readme), "TestRaftElects, TestRaftPartitions, TestRaftSafetyUnderFaults, TestCheckerCatchesDoubleVotingRaft also need lab raft's part(s) election, persistence")
	assert.Contains(t, string(readme), "`go test ./...` passes when every lab is done")
	distlabMD, err := os.ReadFile(filepath.Join(dir, "DISTLAB.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(distlabMD), "> **In your copy**"), "the repository's README is kept with a note")

	one := filepath.Join(t.TempDir(), "mutex-only")
	out, errOut, code = distlab(t, "handout", "mutex", "-o", one)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "in algorithms/mutex\n")
	ricart, err := os.ReadFile(filepath.Join(one, "algorithms", "mutex", "ricart.go"))
	require.NoError(t, err)
	assert.False(t, strings.Contains(string(ricart), handout.Begin), "the named lab is stripped")
	raftGo, err := os.ReadFile(filepath.Join(one, "algorithms", "raft", "raft.go"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(raftGo), handout.Begin), "a lab not named keeps its reference")

	_, errOut, code = distlab(t, "handout", "nolab", "-o", filepath.Join(t.TempDir(), "x"))
	assert.Equal(t, 2, code)
	allLabs, err := labkit.Labs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var names []string
	for _, l := range allLabs {
		names = append(names, l.Name)
	}
	assert.Contains(t, errOut, "unknown lab \"nolab\" (valid: "+strings.Join(names, ", ")+")")
	_, errOut, code = distlab(t, "handout", "-o", dir)
	assert.Equal(t, 2, code, "an existing folder is not overwritten")
	assert.Contains(t, errOut, "already exists")
}

// teacherRepo lists the repository's tracked files, its labs and their
// solution blocks; it skips in a student's copy, which has none.
func teacherRepo(t *testing.T, root string) ([]string, []*labkit.Lab, []handout.Block) {
	t.Helper()
	labs, err := labkit.Labs(root)
	require.NoError(t, err)
	files, gitErr := handout.TrackedFiles(root)
	var dirs []string
	for _, l := range labs {
		dirs = append(dirs, l.Solutions...)
	}
	var all []string
	for _, d := range dirs {
		entries, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range entries {
			all = append(all, d+"/"+e.Name())
		}
	}
	blocks, err := handout.Scan(root, all, dirs)
	require.NoError(t, err)
	if len(blocks) == 0 {
		t.Skip("no solution blocks: this is a handout, there is nothing to strip")
	}
	require.NoError(t, gitErr, "the teacher's repository is a git checkout")
	return files, labs, blocks
}

// TestHandoutCompilesAndFails: the handout's code compiles (go vet, tests
// included) and every lab's tests fail on the stubs. It builds the handout
// through go's -overlay in the repository itself, so only the stubbed
// packages and their dependents are compiled again, and runs every lab's
// tests once with -short (a sweep on the stubs stops at its first seed).
func TestHandoutCompilesAndFails(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the handout's code and runs the labs on it")
	}
	root := filepath.Join("..", "..")
	files, labs, _ := teacherRepo(t, root)
	var dirs []string
	for _, l := range labs {
		dirs = append(dirs, l.Solutions...)
	}
	overlay, _, err := handout.Overlay(handout.OverlayOptions{Repo: root, Files: files, Strip: dirs, Dir: t.TempDir()})
	require.NoError(t, err)

	vet := exec.Command("go", "vet", "-overlay="+overlay, "./...")
	vet.Dir = root
	vout, err := vet.CombinedOutput()
	require.NoError(t, err, "the handout must compile:\n%s", vout)

	args := []string{"test", "-overlay=" + overlay, "-short", "-count=1", "-json"}
	for _, l := range labs {
		args = append(args, "./labs/"+l.Name+"/")
	}
	test := exec.Command("go", args...)
	test.Dir = root
	test.Env = append(os.Environ(), "DISTLAB_ARTIFACTS="+t.TempDir())
	tout, _ := test.Output()
	type result struct{ failed, passed []string }
	byLab := map[string]*result{}
	for _, line := range strings.Split(string(tout), "\n") {
		var ev struct{ Action, Package, Test string }
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Test == "" || strings.Contains(ev.Test, "/") {
			continue
		}
		lab := path.Base(ev.Package)
		if byLab[lab] == nil {
			byLab[lab] = &result{}
		}
		switch ev.Action {
		case "fail":
			byLab[lab].failed = append(byLab[lab].failed, ev.Test)
		case "pass":
			byLab[lab].passed = append(byLab[lab].passed, ev.Test)
		}
	}
	for _, l := range labs {
		r := byLab[l.Name]
		require.NotNil(t, r, "lab %s: no test ran on the handout:\n%s", l.Name, tout)
		assert.NotEmpty(t, r.failed, "lab %s: every test passes on the stubs", l.Name)
		if len(r.passed) > 0 {
			t.Logf("lab %s: %d test(s) pass on the stubs (they do not depend on the student's parts): %s", l.Name, len(r.passed), strings.Join(r.passed, ", "))
		}
	}
}

// TestExplore: bad seed counts and shards are bad input; a failure is
// shrunk and written as a replay file whose commands use the binary the
// user ran; shards split the seeds and merge puts them back together.
func TestExplore(t *testing.T) {
	for _, bad := range [][]string{{"-n", "0"}, {"-n", "-5"}, {"--shard", "3/2"}, {"--shard", "x"}} {
		_, errOut, code := distlab(t, append([]string{"explore", "scenarios/demo/broadcast.yaml"}, bad...)...)
		assert.Equal(t, 2, code, "%v is bad input", bad)
		assert.NotEmpty(t, errOut)
	}
	_, errOut, code := distlabEnv(t, []string{"JOB_COMPLETION_INDEX=4", "JOB_COMPLETIONS=4"}, "explore", "scenarios/demo/broadcast.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "JOB_COMPLETION_INDEX")

	scenario := filepath.Join(t.TempDir(), "early.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte(`version: 1
name: early
algorithm: ricart-agrawala-broken
nodes: 4
duration: 4s
workload: {think: 50ms, hold: 10ms}
checks: [mutex-safety]
expect: pass
`), 0o644))
	replay := filepath.Join(t.TempDir(), "replay.yaml")
	out, _, code := distlab(t, "explore", scenario, "-n", "3", "-o", replay)
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, "seed 1: mutex-safety fails")
	assert.Regexp(t, `shrunk in \d+ tries: faults 0 → 0, events \d+ → \d+, duration 4s → [\d.]+ms, nodes 4 → \d`, out)
	assert.Contains(t, out, "rerun:  "+binary+" run "+replay, "commands name the binary the user ran")
	data, err := os.ReadFile(replay)
	require.NoError(t, err)
	assert.Contains(t, string(data), "Shrunk by distlab explore from seed 1")
	out, _, code = distlab(t, "run", replay)
	assert.Equal(t, 1, code, "the replay file reproduces the failure:\n%s", out)

	var files []string
	for i := 1; i <= 2; i++ {
		out, _, code := distlabEnv(t, []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i-1), "JOB_COMPLETIONS=2"},
			"explore", scenario, "-n", "6", "--json", "-o", filepath.Join(t.TempDir(), "r.yaml"))
		require.Equal(t, 1, code)
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &r), out)
		assert.Equal(t, fmt.Sprintf("%d/2", i), r["shard"])
		assert.Equal(t, 3.0, r["ran"])
		f := filepath.Join(t.TempDir(), fmt.Sprintf("shard%d.json", i))
		require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
		files = append(files, f)
	}
	out, _, code = distlab(t, append([]string{"merge"}, files...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "6 of 6 seeds ran")
	assert.Contains(t, out, "lowest: seed 1: mutex-safety fails")
	out, _, _ = distlab(t, "merge", files[1])
	assert.Contains(t, out, "missing shard(s) 1/2")
}

func TestDescribe(t *testing.T) {
	out, _, code := distlab(t, "describe", "ricart-agrawala")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "retransmit (duration, default 0s)")
	out, _, code = distlab(t, "describe", "split-brain")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "handover (duration, default 500ms)")
	out, _, code = distlab(t, "describe", "scenario")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "nemesis.swarm (bool, default false)")
	_, errOut, code := distlab(t, "describe", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown algorithm or check "nope"`)
	out, _, code = distlab(t, "describe", "--all")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "raft-kv (algorithm, family raft)")
	assert.Contains(t, out, "linearizability (check, reads kv)")
}

// TestGradeClass: grade --repo grades each student's solution folders
// against the teacher's tests; shards (here one student each) print JSON
// rows that merge into one table and one CSV for the class.
func TestGradeClass(t *testing.T) {
	root := filepath.Join("..", "..")
	teacherRepo(t, root)
	class := t.TempDir()
	alice := filepath.Join(class, "alice")
	_, errOut, code := distlab(t, "handout", "-o", alice)
	require.Equal(t, 0, code, errOut)
	bob := filepath.Join(class, "bob")
	labs, err := labkit.Labs(root)
	require.NoError(t, err)
	var solutions []string
	for _, l := range labs {
		for _, s := range l.Solutions {
			if !slices.Contains(solutions, s) {
				solutions = append(solutions, s)
			}
		}
	}
	for _, d := range solutions { // bob hands in the reference solution of every lab
		require.NoError(t, os.CopyFS(filepath.Join(bob, d), os.DirFS(filepath.Join(root, d))))
	}
	env := []string{"DISTLAB_SEEDS=5"}
	var files []string
	for i := 1; i <= 2; i++ {
		out, errOut, code := distlabEnv(t, env, "grade", "clocks", "--repo", alice, "--repo", bob, "--json", "--shard", fmt.Sprintf("%d/2", i))
		assert.Equal(t, map[int]int{1: 1, 2: 0}[i], code, "alice (shard 1) fails, bob (shard 2) passes\n%s", errOut)
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &r), out)
		f := filepath.Join(class, fmt.Sprintf("shard%d.json", i))
		require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
		files = append(files, f)
	}
	csvPath := filepath.Join(class, "points.csv")
	out, _, code := distlab(t, append([]string{"merge", "--csv", csvPath}, files...)...)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `alice\s+0/110\s+0/110\s+9`, out)
	assert.Regexp(t, `bob\s+110/110\s+110/110\s+0`, out)
	data, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	assert.Equal(t, "student,clocks,total,possible,failed_tests,not_graded\nalice,0,0,110,9,\nbob,110,110,110,0,\n", string(data))

	_, errOut, code = distlabEnv(t, []string{"DISTLAB_SEEDS=-3"}, "grade", "clocks")
	assert.Equal(t, 2, code, "a malformed DISTLAB_SEEDS is bad input, not ignored")
	assert.Contains(t, errOut, `DISTLAB_SEEDS="-3": it must be a number of seeds`)

	carol := filepath.Join(class, "carol")
	require.NoError(t, os.MkdirAll(carol, 0o755))
	out, _, code = distlabEnv(t, env, "grade", "clocks", "--repo", carol, "--json")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `"error": "the submission has no folder algorithms/clocks`)
}

// TestRunArtifactsInTheirOwnFolder: a failing check's files go to a folder
// of the run's own (printed), never to a fixed name two runs share;
// --artifacts chooses the folder.
func TestRunArtifactsInTheirOwnFolder(t *testing.T) {
	written := regexp.MustCompile(`wrote (\S+\.html)`)
	var paths []string
	for range 2 {
		out, _, code := distlab(t, "run", "scenarios/raft/stale-read.yaml", "-q")
		require.Equal(t, 0, code, out)
		m := written.FindStringSubmatch(out)
		require.NotNil(t, m, out)
		assert.FileExists(t, m[1])
		paths = append(paths, m[1])
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(m[1])) })
	}
	assert.NotEqual(t, filepath.Dir(paths[0]), filepath.Dir(paths[1]), "each run has its own folder")
	dir := t.TempDir()
	out, _, _ := distlab(t, "run", "scenarios/raft/stale-read.yaml", "-q", "--artifacts", dir)
	assert.Contains(t, out, "wrote "+dir+string(filepath.Separator))
}

// --cpuprofile writes a CPU profile of any command (gzip-compressed
// protocol buffers, as go tool pprof reads them); a place it cannot write
// is bad input.
func TestCPUProfileFlag(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	_, stderr, code := distlab(t, "explore", "scenarios/raft/nemesis.yaml", "-n", "20", "--cpuprofile", prof)
	require.Equal(t, 0, code, stderr)
	data, err := os.ReadFile(prof)
	require.NoError(t, err)
	require.Greater(t, len(data), 2)
	assert.Equal(t, []byte{0x1f, 0x8b}, data[:2], "gzip-compressed")

	_, stderr, code = distlab(t, "list", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "folder", "cpu.prof"))
	assert.Equal(t, exitBadInput, code)
	assert.Contains(t, stderr, "no such file or directory")
}
