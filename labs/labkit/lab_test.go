package labkit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

func TestReadLabErrors(t *testing.T) {
	cases := []struct{ name, readme, err string }{
		{"no front matter", "# Lab\n", "no front matter"},
		{"unknown field", "---\ntitle: x\norder: 1\nsolutions: [a]\nneeds_lab: raft\n---\n", `valid: title, order, solutions, needs`},
		{"no order", "---\ntitle: x\nsolutions: [a]\n---\n", "order must be 1 or more"},
		{"no solutions", "---\ntitle: x\norder: 2\n---\n", "solutions must name"},
		{"need without tests", "---\ntitle: x\norder: 2\nsolutions: [a]\nneeds: [{lab: raft, parts: [election]}]\n---\n", "needs[0] must list parts and tests"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lab")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte(tc.readme), 0o644))
			_, err := labkit.ReadLab(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.Contains(t, err.Error(), "README.md")
		})
	}
}

// TestTheLabsDeclareWhatTheyNeed checks the repository's labs: every lab
// has front matter, its solution folders hold its parts, and every need
// names parts that exist and graded tests that exist.
func TestTheLabsDeclareWhatTheyNeed(t *testing.T) {
	root := filepath.Join("..", "..")
	labs, err := labkit.Labs(root)
	require.NoError(t, err)
	require.NotEmpty(t, labs)
	files, err := handout.TrackedFiles(root)
	if err != nil {
		t.Skipf("not a git checkout (%v): the front matter is checked in the teacher's repository", err)
	}
	parts := map[string][]string{}
	for _, l := range labs {
		blocks, err := handout.Scan(root, files, l.Solutions)
		require.NoError(t, err)
		if len(blocks) == 0 {
			t.Skipf("lab %s has no solution blocks: this is a handout", l.Name)
		}
		for _, b := range blocks {
			parts[l.Name] = append(parts[l.Name], b.Part)
		}
	}
	testFunc := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	for _, l := range labs {
		var tests []string
		entries, err := os.ReadDir(l.Dir)
		require.NoError(t, err)
		for _, e := range entries {
			if filepath.Ext(e.Name()) == ".go" {
				src, err := os.ReadFile(filepath.Join(l.Dir, e.Name()))
				require.NoError(t, err)
				for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
					tests = append(tests, m[1])
				}
			}
		}
		for i, n := range l.Needs {
			owner := n.Lab
			if owner == "" {
				owner = l.Name
			}
			for _, p := range n.Parts {
				assert.Contains(t, parts[owner], p, "labs/%s needs[%d]: lab %s has no part %q", l.Name, i, owner, p)
			}
			for _, test := range n.Tests {
				assert.True(t, slices.Contains(tests, test), "labs/%s needs[%d]: no test %s in labs/%s", l.Name, i, test, l.Name)
			}
		}
	}
}

// TestUndeclaredCrossLabUseFails: a lab test that runs another lab's
// algorithm without its front matter saying so fails, naming the fix.
func TestUndeclaredCrossLabUseFails(t *testing.T) {
	root := t.TempDir()
	for lab, fm := range map[string]string{
		"election": "---\ntitle: Election\norder: 1\nsolutions: [algorithms/election]\n---\n",
		"raft":     "---\ntitle: Raft\norder: 2\nsolutions: [algorithms/raft]\n---\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "labs", lab), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "labs", lab, "README.md"), []byte(fm), 0o644))
	}
	scenario := filepath.Join(root, "raft.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte("version: 1\nalgorithm: raft\nnodes: 3\nduration: 1s\n"), 0o644))
	bully := filepath.Join(root, "bully.yaml")
	require.NoError(t, os.WriteFile(bully, []byte("version: 1\nalgorithm: bully\nnodes: 3\nduration: 1s\n"), 0o644))
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(filepath.Join(root, "labs", "election")))
	defer os.Chdir(wd)
	labkit.ResetForTest()
	defer labkit.ResetForTest()

	own := &fakeT{TB: t}
	labkit.Load(own, bully)
	assert.False(t, own.failed, own.fatal)

	other := &fakeT{TB: t}
	labkit.Load(other, scenario)
	require.True(t, other.failed)
	assert.Contains(t, other.fatal, "TestFake runs algorithm raft, which is lab raft's code (algorithms/raft)")
	assert.Contains(t, other.fatal, "labs/election/README.md does not list TestFake")
}
