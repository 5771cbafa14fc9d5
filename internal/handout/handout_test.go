package handout_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/internal/handout"
)

func TestStrip(t *testing.T) {
	cases := []struct {
		name, src, want, err string
		parts                []string
	}{
		{
			name: "stub kept, solution removed",
			src:  "func f() int {\n\t// BEGIN SOLUTION add\n\treturn 1 + 1\n\t// STUB\n\t// return 0 // TODO(lab)\n\t// END SOLUTION\n}\n",
			want: "func f() int {\n\treturn 0 // TODO(lab)\n}\n", parts: []string{"add"},
		},
		{
			name: "no stub removes the block",
			src:  "a\n// BEGIN SOLUTION x\nsecret\n// END SOLUTION\nb\n",
			want: "a\nb\n", parts: []string{"x"},
		},
		{name: "unterminated", src: "// BEGIN SOLUTION x\nsecret\n", err: "f.go:1: solution block never ends"},
		{name: "nested", src: "// BEGIN SOLUTION x\n// BEGIN SOLUTION y\n", err: "f.go:2: BEGIN SOLUTION inside the block opened at line 1"},
		{name: "stray end", src: "// END SOLUTION\n", err: "f.go:1: END SOLUTION without BEGIN"},
		{name: "stray stub", src: "// STUB\n", err: "f.go:1: STUB outside a solution block"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, blocks, err := handout.Strip("f.go", tc.src)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			var parts []string
			for _, b := range blocks {
				parts = append(parts, b.Part)
			}
			assert.Equal(t, tc.parts, parts)
		})
	}
}

// gitRepo makes a git repository with the given files committed, then
// writes the extra files without adding them.
func gitRepo(t *testing.T, tracked, untracked map[string]string) string {
	t.Helper()
	repo := t.TempDir()
	write := func(files map[string]string) {
		for name, text := range files {
			path := filepath.Join(repo, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		}
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	write(tracked)
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "course")
	write(untracked)
	return repo
}

const secret = "package p\n\nfunc F() int {\n\t// BEGIN SOLUTION f\n\treturn 42\n\t// STUB\n\t// return 0\n\t// END SOLUTION\n}\n"

// TestWriteCopiesTrackedFilesOnly: a binary built at the root from the
// reference (ignored by .gitignore), an out/ folder and a file the teacher
// never added do not reach the students; everything tracked does.
func TestWriteCopiesTrackedFilesOnly(t *testing.T) {
	repo := gitRepo(t, map[string]string{
		".gitignore":               "/distlab\n/out/\n",
		"algorithms/mutex/m.go":    secret,
		"algorithms/raft/r.go":     secret,
		"README.md":                "the teacher's readme\n",
		".ci/run":                  "#!/bin/sh\n",
		"labs/mutex/mutex_test.go": "package mutex_test\n",
		// a lab's wrong solutions are tracked, for the teacher only: their
		// diffs show the reference
		"labs/mutex/MUTANTS.md":           "- return 42\n",
		"labs/mutex/mutants/skip.patch":   "-\treturn 42\n",
		"labs/mutex/mutants/nested/x.txt": "return 42",
		// a CPU profile of the reference, for the compiler
		"cmd/distlab/default.pgo": "mutex.solution return 42",
	}, map[string]string{
		"distlab":         "\x7fELF built from the reference: return 42",
		"out/trace.jsonl": "{}",
		"notes.txt":       "answers",
	})
	require.NoError(t, os.Chmod(filepath.Join(repo, ".ci", "run"), 0o755))
	out := filepath.Join(t.TempDir(), "handout")
	blocks, err := handout.Write(handout.Options{Repo: repo, Out: out, Strip: []string{"algorithms/mutex", "algorithms/raft"},
		Replace: map[string][]byte{"README.md": []byte("the student's readme\n"), "docs/about.md": []byte("added\n")}})
	require.NoError(t, err)
	assert.Len(t, blocks, 2)

	var got []string
	require.NoError(t, filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	assert.ElementsMatch(t, []string{".gitignore", ".ci/run", "README.md", "algorithms/mutex/m.go", "algorithms/raft/r.go",
		"labs/mutex/mutex_test.go", "docs/about.md"}, got, "exactly the tracked files, plus the added ones")
	for _, f := range got {
		data, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err)
		assert.NotContains(t, string(data), "return 42", f)
		assert.NotContains(t, string(data), "BEGIN SOLUTION", f)
	}
	readme, _ := os.ReadFile(filepath.Join(out, "README.md"))
	assert.Equal(t, "the student's readme\n", string(readme))
	info, err := os.Stat(filepath.Join(out, ".ci", "run"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm(), "modes are kept")
}

func TestWriteStripsOnlyTheNamedFolders(t *testing.T) {
	repo := gitRepo(t, map[string]string{"algorithms/mutex/m.go": secret, "algorithms/raft/r.go": secret}, nil)
	out := filepath.Join(t.TempDir(), "handout")
	blocks, err := handout.Write(handout.Options{Repo: repo, Out: out, Strip: []string{"algorithms/mutex"}})
	require.NoError(t, err)
	require.Len(t, blocks, 1)
	m, err := os.ReadFile(filepath.Join(out, "algorithms", "mutex", "m.go"))
	require.NoError(t, err)
	assert.NotContains(t, string(m), "42")
	assert.Contains(t, string(m), "return 0")
	r, err := os.ReadFile(filepath.Join(out, "algorithms", "raft", "r.go"))
	require.NoError(t, err)
	assert.Contains(t, string(r), "return 42", "a lab not handed out keeps its reference")
	assert.NoDirExists(t, filepath.Join(out, ".git"), "history would leak the solutions")
	_, err = handout.Write(handout.Options{Repo: repo, Out: out})
	assert.Error(t, err, "an existing folder is not overwritten")
}

func TestWriteNeedsGit(t *testing.T) {
	_, err := handout.Write(handout.Options{Repo: t.TempDir(), Out: filepath.Join(t.TempDir(), "h")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "git ls-files failed")
}

func TestScanListsParts(t *testing.T) {
	repo := gitRepo(t, map[string]string{"algorithms/mutex/m.go": secret, "algorithms/raft/r.go": secret, "x.go": secret}, nil)
	files, err := handout.TrackedFiles(repo)
	require.NoError(t, err)
	blocks, err := handout.Scan(repo, files, []string{"algorithms/raft"})
	require.NoError(t, err)
	assert.Equal(t, []handout.Block{{File: "algorithms/raft/r.go", Part: "f", Line: 4, Reference: []string{"\treturn 42"}, Stub: []string{"return 0"}}}, blocks)
}

// TestOverlay: the overlay shows the go command a handout's code (stripped
// files, untracked ones hidden) or a submission's.
func TestOverlay(t *testing.T) {
	repo := gitRepo(t, map[string]string{"algorithms/mutex/m.go": secret, "algorithms/mutex/helper.go": "package p\n", "x.go": "package x\n"},
		map[string]string{"scratch.go": "package x\n"})
	read := func(path string) map[string]string {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var o struct{ Replace map[string]string }
		require.NoError(t, json.Unmarshal(data, &o))
		return o.Replace
	}
	files, err := handout.TrackedFiles(repo)
	require.NoError(t, err)
	abs := func(rel string) string { a, _ := filepath.Abs(filepath.Join(repo, rel)); return a }

	path, blocks, err := handout.Overlay(handout.OverlayOptions{Repo: repo, Files: files, Dir: t.TempDir(), Strip: []string{"algorithms/mutex"}})
	require.NoError(t, err)
	assert.Len(t, blocks, 1)
	replace := read(path)
	assert.Equal(t, "", replace[abs("scratch.go")], "an untracked file is hidden")
	stripped, err := os.ReadFile(replace[abs("algorithms/mutex/m.go")])
	require.NoError(t, err)
	assert.NotContains(t, string(stripped), "42")
	assert.NotContains(t, replace, abs("x.go"), "other files are the repository's")

	student := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(student, "algorithms", "mutex"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(student, "algorithms", "mutex", "m.go"), []byte("package p // mine\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(student, "algorithms", "mutex", "extra.go"), []byte("package p\n"), 0o644))
	path, _, err = handout.Overlay(handout.OverlayOptions{Repo: repo, Files: files, Dir: t.TempDir(), Submission: student, Take: []string{"algorithms/mutex"}})
	require.NoError(t, err)
	replace = read(path)
	assert.Equal(t, filepath.Join(student, "algorithms", "mutex", "m.go"), replace[abs("algorithms/mutex/m.go")])
	assert.Equal(t, filepath.Join(student, "algorithms", "mutex", "extra.go"), replace[abs("algorithms/mutex/extra.go")], "the submission's own files are added")
	assert.Equal(t, "", replace[abs("algorithms/mutex/helper.go")], "a file the submission lacks is hidden")
}
