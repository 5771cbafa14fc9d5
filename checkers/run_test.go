package checkers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet/trace"
)

func TestRunIsBounded(t *testing.T) {
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
			res := checkers.Run(check.Spec{Name: "c", Run: tc.run}, trace.New(trace.Header{}), nil, checkers.RunConfig{Timeout: 50 * time.Millisecond})
			assert.Equal(t, tc.want, res.Verdict)
			assert.Contains(t, res.Detail, tc.text)
			assert.Equal(t, "c", res.Name)
		})
	}
}

// A check that reads a contract never passes a trace that holds none of
// its evidence, whatever the checker itself would say.
func TestNoEvidenceNoPass(t *testing.T) {
	type payload struct {
		N int `json:"n"`
	}
	tick := contract.Mark[payload]{Name: "tick"}
	c := &contract.Contract{Name: "ticks", Marks: []contract.MarkDef{tick.Def()}}
	alwaysPass := check.Spec{Name: "tick-check", Contract: c,
		Run: func(context.Context, *trace.Trace, any) check.Result { return check.Passed("tick-check", "fine") }}
	h := trace.Header{Nodes: []string{"n0"}}
	data, _ := json.Marshal(payload{1})

	empty := trace.New(h, trace.Event{Kind: trace.Start, Node: 0, Peer: trace.None})
	r := checkers.Run(alwaysPass, empty, nil, checkers.RunConfig{})
	assert.Equal(t, check.Unknown, r.Verdict)
	assert.Contains(t, r.Detail, "the ticks contract's marks tick")

	otherMark := trace.New(h, trace.Event{Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "tock", Data: data})
	assert.Equal(t, check.Unknown, checkers.Run(alwaysPass, otherMark, nil, checkers.RunConfig{}).Verdict, "a misspelt mark is no evidence")

	withTick := trace.New(h, trace.Event{Kind: trace.Mark, Node: 0, Peer: trace.None, Name: "tick", Data: data})
	assert.Equal(t, check.Pass, checkers.Run(alwaysPass, withTick, nil, checkers.RunConfig{}).Verdict)
}
