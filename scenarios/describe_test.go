package scenarios_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms"
	"distlab/checkers"
	"distlab/scenarios"
)

// TestEveryKnobIsDocumented: every field a scenario can set — the file's
// own, every algorithm's params and workload, every check's options — has
// a doc tag, so distlab describe and FORMAT.md say what it does.
func TestEveryKnobIsDocumented(t *testing.T) {
	check := func(where string, fields []scenarios.Field) {
		for _, f := range fields {
			assert.NotEmpty(t, f.Doc, "%s: field %s has no doc tag", where, f.Path)
			assert.NotEmpty(t, f.Type, "%s: field %s has no type", where, f.Path)
		}
	}
	check("scenario file", scenarios.FileFields())
	for _, a := range algorithms.All() {
		if a.Params != nil {
			check(a.Name+" params", scenarios.Fields(a.Params()))
		}
		if a.Workload != nil {
			check(a.Name+" workload", scenarios.Fields(a.Workload()))
		}
	}
	for _, c := range checkers.All() {
		if c.Options != nil {
			check(c.Name+" options", scenarios.Fields(c.Options()))
		}
	}
}

func TestDescribe(t *testing.T) {
	d, err := scenarios.Describe("ricart-agrawala")
	require.NoError(t, err)
	var out bytes.Buffer
	d.WriteText(&out)
	for _, want := range []string{"ricart-agrawala (algorithm, family mutex)", "default checks: mutex-safety",
		"params\n  retransmit (duration, default 0s)", "lost Request or Reply starves a node",
		"workload\n  think (duration, default 50ms)", "requests (int, default 0)"} {
		assert.Contains(t, out.String(), want)
	}
	d, err = scenarios.Describe("mutex-liveness")
	require.NoError(t, err)
	out.Reset()
	d.WriteText(&out)
	assert.Contains(t, out.String(), "options\n  bound (duration, default 2s)")

	_, err = scenarios.Describe("ricart")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown algorithm or check "ricart" (algorithms: `)
	assert.Contains(t, err.Error(), "ricart-agrawala")
	assert.Contains(t, err.Error(), "mutex-liveness")
}

// TestFormatDocIsGenerated: the reference part of FORMAT.md is exactly what
// distlab describe generates from the structs.
func TestFormatDocIsGenerated(t *testing.T) {
	data, err := os.ReadFile("FORMAT.md")
	require.NoError(t, err)
	_, generated, found := strings.Cut(string(data), scenarios.FormatReferenceMarker)
	require.True(t, found, "FORMAT.md lost its generated-part marker")
	var want bytes.Buffer
	scenarios.WriteFormatReference(&want)
	if scenarios.FormatReferenceMarker+generated != want.String() {
		t.Fatalf("scenarios/FORMAT.md is out of date with the doc tags and defaults: regenerate it with\n  go generate ./scenarios")
	}
	for _, a := range algorithms.Names() {
		assert.Contains(t, generated, "`"+a+"`", "every algorithm is documented")
	}
	for _, c := range checkers.Names() {
		assert.Contains(t, generated, "`"+c+"`", "every check is documented")
	}
}
