package labkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPathsAreFromTheRepositoryRoot: the commands a failure prints are run
// from the repository root, so the paths in them (and in a replay file's
// header) are written from there, not from the lab's folder.
func TestPathsAreFromTheRepositoryRoot(t *testing.T) {
	assert.Equal(t, "scenarios/demo/broadcast.yaml", relToRepo("../../scenarios/demo/broadcast.yaml"))
	assert.Equal(t, "./labs/labkit", packageArg())
}
