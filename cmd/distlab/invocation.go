package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"distlab/labs/labkit"
)

// parseShard reads "i/n" (1 ≤ i ≤ n). Without it, a Kubernetes Indexed
// Job's JOB_COMPLETION_INDEX (0-based) and JOB_COMPLETIONS say which shard
// this is; without those, the only one (1/1).
func parseShard(arg string) (shard, shards int, err error) {
	if arg == "" {
		idx, count := os.Getenv("JOB_COMPLETION_INDEX"), os.Getenv("JOB_COMPLETIONS")
		if idx == "" && count == "" {
			return 1, 1, nil
		}
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(count)
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return 0, 0, fmt.Errorf("JOB_COMPLETION_INDEX=%q and JOB_COMPLETIONS=%q do not name a shard: the index must be 0 to completions-1", idx, count)
		}
		return i + 1, n, nil
	}
	a, b, ok := strings.Cut(arg, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("--shard %q: write i/n with 1 ≤ i ≤ n, e.g. --shard 2/4", arg)
	}
	return i, n, nil
}

// invokedAs is how the user started distlab, so that every command it
// prints can be pasted back: "go run ./cmd/distlab" when go run built it,
// otherwise what they typed ("distlab" from PATH, "./distlab"). A distlab
// that starts another (grade runs go test, whose lab tests print commands)
// passes it on in DISTLAB_CMD.
func invokedAs() string {
	if v := os.Getenv(cmdEnv); v != "" {
		return v
	}
	exe := os.Args[0]
	if strings.Contains(filepath.ToSlash(exe), "/go-build") && strings.Contains(filepath.ToSlash(exe), "/exe/") {
		return "go run ./cmd/distlab"
	}
	return exe
}

const cmdEnv = labkit.CommandEnv

// newArtifactDir names a folder of its own in the temp dir for the files
// checkers write (porcupine's HTML of a violation), so that two runs never
// overwrite each other's; checkers make it only when they write a file, and
// the summary prints the path.
func newArtifactDir() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(os.TempDir(), fmt.Sprintf("distlab-artifacts-%x", b))
}
