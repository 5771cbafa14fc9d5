package handout_test

import (
	"os"
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

func TestWriteStripsOnlyTheLabsFolders(t *testing.T) {
	repo := t.TempDir()
	secret := "package p\n\nfunc F() int {\n\t// BEGIN SOLUTION f\n\treturn 42\n\t// STUB\n\t// return 0\n\t// END SOLUTION\n}\n"
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "algorithms", "mutex"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "algorithms", "raft"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "algorithms", "mutex", "m.go"), []byte(secret), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "algorithms", "raft", "r.go"), []byte(secret), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(repo, ".git", "HEAD"), []byte("x"), 0o644))
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
	assert.Contains(t, string(r), "return 42", "other labs keep their reference")
	assert.NoDirExists(t, filepath.Join(out, ".git"), "history would leak the solutions")
	_, err = handout.Write(handout.Options{Repo: repo, Out: out})
	assert.Error(t, err, "an existing folder is not overwritten")
}
