package mutate

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodPatch = `Part: add
Caught-by: TestAdd

Adds one too many.

diff --git a/algorithms/toy/toy.go b/algorithms/toy/toy.go
--- a/algorithms/toy/toy.go
+++ b/algorithms/toy/toy.go
@@ -2,3 +2,3 @@ package toy
 
 // Add adds.
-func Add(a, b int) int { return a + b }
+func Add(a, b int) int { return a + b + 1 }
`

func TestParse(t *testing.T) {
	m, err := Parse("labs/toy/mutants/off-by-one.patch", []byte(goodPatch))
	require.NoError(t, err)
	assert.Equal(t, "toy/off-by-one", m.ID())
	assert.Equal(t, "add", m.Part)
	assert.Equal(t, "TestAdd", m.CaughtBy)
	assert.Equal(t, "Adds one too many.", m.Description)
	assert.Equal(t, []string{"algorithms/toy/toy.go"}, m.Targets)
	assert.True(t, strings.HasPrefix(string(m.Diff), "diff --git"))

	bad := []struct{ name, file, text, err string }{
		{"outside a lab", "mutants/x.patch", goodPatch, "labs/<lab>/mutants/<name>.patch"},
		{"unknown header", "labs/toy/mutants/x.patch", "Color: red\n\nx\n\n--- a/f\n+++ b/f\n", "labs/toy/mutants/x.patch:1: a header line is `Name: value`"},
		{"no part", "labs/toy/mutants/x.patch", "Caught-by: T\n\nx\n\n--- a/f\n+++ b/f\n", "the header Part: is missing"},
		{"no description", "labs/toy/mutants/x.patch", "Part: p\n\n--- a/f\n+++ b/f\n", "no description"},
		{"no diff", "labs/toy/mutants/x.patch", "Part: p\n\nwords\n", "no diff"},
		{"deletes a file", "labs/toy/mutants/x.patch", "Part: p\n\nx\n\n--- a/f\n+++ /dev/null\n", "does not delete"},
		{"escapes the repository", "labs/toy/mutants/x.patch", "Part: p\n\nx\n\n--- a/../f\n+++ b/../f\n", "not a path inside the repository"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.file, []byte(tc.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}

// Every mutant of the repository's labs still applies to the current code
// (a refactor that moves the lines a mutant changes must update it), names
// a graded test of its lab that exists, or says why it is equivalent. The
// repository is only read: the changed files go to a temporary folder.
func TestRepositoryMutantsApply(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to apply mutants")
	}
	repo := filepath.Join("..", "..")
	ms, err := Find(repo)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(ms), 30, "the issue asks for at least 30 mutants across the labs")
	tests := map[string]string{}
	for _, m := range ms {
		if _, ok := tests[m.Lab]; !ok {
			files, _ := filepath.Glob(filepath.Join(repo, "labs", m.Lab, "*_test.go"))
			var all strings.Builder
			for _, f := range files {
				data, err := os.ReadFile(f)
				require.NoError(t, err)
				all.Write(data)
			}
			tests[m.Lab] = all.String()
		}
		t.Run(m.ID(), func(t *testing.T) {
			_, err := Apply(repo, m, t.TempDir())
			require.NoError(t, err)
			if m.Equivalent != "" {
				assert.Empty(t, m.CaughtBy, "an equivalent mutant is caught by nothing")
				return
			}
			require.NotEmpty(t, m.CaughtBy, "a mutant names the graded test that catches it (Caught-by:)")
			assert.Regexp(t, regexp.MustCompile(`func `+regexp.QuoteMeta(m.CaughtBy)+`\(t \*testing\.T\)`), tests[m.Lab], "no test %s in labs/%s", m.CaughtBy, m.Lab)
		})
	}
}

// A whole run on a tiny repository of its own: one mutant caught (with the
// seed the test reports), one that survives, one that does not apply.
func TestRunOnAToyLab(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs go test (a few seconds)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to apply mutants")
	}
	repo := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(repo, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("go.mod", "module toy\n\ngo 1.22\n")
	write("algorithms/toy/toy.go", "package toy\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n")
	write("labs/toy/toy_test.go", `package toy_test

import (
	"testing"

	"toy/algorithms/toy"
)

func TestAdd(t *testing.T) {
	for seed := 1; seed <= 10; seed++ {
		if toy.Add(seed, 1) != seed+1 {
			t.Fatalf("seed %d failed: Add(%d, 1) = %d", seed, seed, toy.Add(seed, 1))
		}
	}
}
`)
	write("labs/toy/mutants/off-by-one.patch", goodPatch)
	write("labs/toy/mutants/comment.patch", strings.Replace(strings.Replace(goodPatch, "+func Add(a, b int) int { return a + b + 1 }", "+func Add(a, b int) int { return b + a }", 1), "Adds one too many.", "Adds the other way round.", 1))
	write("labs/toy/mutants/stale.patch", strings.Replace(goodPatch, "-func Add(a, b int) int { return a + b }", "-func Add(a, b int) int { return a - b }", 1))
	ms, err := Find(repo, "toy")
	require.NoError(t, err)
	require.Len(t, ms, 3)
	got := map[string]Result{}
	for _, m := range ms {
		got[m.Name] = Run(context.Background(), Options{Repo: repo}, m)
	}
	caught := got["off-by-one"]
	assert.Equal(t, Caught, caught.Outcome, caught.Detail)
	assert.Equal(t, "TestAdd", caught.Test)
	assert.Equal(t, "1", caught.Seed)
	assert.Contains(t, caught.Detail, "seed 1 failed")
	assert.Equal(t, Survived, got["comment"].Outcome, got["comment"].Detail)
	assert.Contains(t, got["comment"].Note, "TestAdd (its Caught-by) did not catch it")
	assert.Equal(t, Broken, got["stale"].Outcome)
	assert.Contains(t, got["stale"].Detail, "does not apply")
	data, err := os.ReadFile(filepath.Join(repo, "algorithms/toy/toy.go"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "return a + b }", "the source tree is never written")
}
