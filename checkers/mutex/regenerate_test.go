package mutex_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/checkers/check"
	"distlab/checkers/mutex"
	mc "distlab/contract/mutex"
)

// A regenerated token starts a new round wherever it was made: a node that
// entered before the loss and enters again with the new token has not
// bypassed anyone twice.
func TestRingFairnessAfterRegeneration(t *testing.T) {
	lost := func() *builder {
		return newBuilder(3).req(0, 2, 1, 0).enter(1, 0, 1).exit(2, 0, 1)
	}
	regenerated := lost().mark(10, 0, mc.TokenRegenerated.Name, mc.GenMark{Gen: 1024}).enter(11, 0, 2).exit(12, 0, 2).enter(13, 2, 1)
	r := run(t, mutex.Fairness, &regenerated.tr, nil)
	assert.Equal(t, check.Pass, r.Verdict, r.Detail)
	bypassed := lost().enter(11, 0, 2)
	r = run(t, mutex.Fairness, &bypassed.tr, nil)
	assert.Equal(t, check.Fail, r.Verdict, r.Detail)
}
