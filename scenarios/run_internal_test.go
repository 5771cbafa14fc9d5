package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

func TestCheckersAreBounded(t *testing.T) {
	cases := []struct {
		name string
		run  func(ctx context.Context, tr *trace.Trace, opts any) check.Result
		want check.Verdict
		text string
	}{
		{"runs forever, ignoring ctx", func(context.Context, *trace.Trace, any) check.Result {
			select {} // a checker bug: never returns
		}, check.Unknown, "did not finish"},
		{"overruns, then claims pass", func(ctx context.Context, _ *trace.Trace, _ any) check.Result {
			<-ctx.Done()
			return check.Result{Verdict: check.Pass}
		}, check.Unknown, "ran past"},
		{"panics", func(context.Context, *trace.Trace, any) check.Result { panic("bug") }, check.Unknown, "checker panicked: bug"},
		{"honest", func(context.Context, *trace.Trace, any) check.Result {
			return check.Result{Verdict: check.Fail, Detail: "x"}
		}, check.Fail, "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runOne(CheckSpec{Name: "c", spec: check.Spec{Name: "c", Run: tc.run}}, &trace.Trace{}, 50*time.Millisecond, "")
			assert.Equal(t, tc.want, res.Verdict)
			assert.Contains(t, res.Detail, tc.text)
			assert.Equal(t, "c", res.Name)
		})
	}
}
