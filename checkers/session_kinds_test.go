package checkers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/checkers"
	"distlab/checkers/check"
	"distlab/contract"
	"distlab/simnet/trace"
)

// markReader reads only the marks of a contract that also names
// messages, and fails when it is handed another kind.
type markReader struct{ marks, others int }

func (m *markReader) Kinds() trace.KindSet { return trace.KindsOf(trace.Mark) }

func (m *markReader) Observe(e *trace.Event) {
	if e.Kind == trace.Mark {
		m.marks++
	} else {
		m.others++
	}
}

func (m *markReader) Finish(context.Context) check.Result {
	if m.others > 0 {
		return check.Failed("marks", 0, nil, fmt.Sprintf("handed %d events of kinds it does not read", m.others))
	}
	if m.marks == 0 {
		return check.Unknowable("marks", "no tick")
	}
	return check.Passed("marks", "ticks seen")
}

// A session counts a contract's evidence in the messages it names even
// for a check that reads only marks (as the whole-trace runner does), and
// hands each check only the kinds it reads.
func TestSessionCountsMessagesAsEvidence(t *testing.T) {
	type hello struct{ N int }
	c := &contract.Contract{Name: "ticks",
		Marks:    []contract.MarkDef{contract.Mark[struct{}]{Name: "tick"}.Def()},
		Messages: []contract.MessageDef{contract.Message[hello]{Names: []string{"Hello"}}.Def()}}
	observe := func(trace.Header, any) check.Observer { return &markReader{} }
	spec := check.Spec{Name: "marks", Contract: c, Observe: observe, Run: check.Fold("marks", observe)}
	tr := trace.New(trace.Header{Nodes: []string{"n0", "n1"}}, trace.Event{Kind: trace.Start, Node: 0, Peer: trace.None})
	for i := range 100 {
		tr.Append(trace.Event{Time: time.Duration(i), Kind: trace.Send, Node: 0, Peer: 1, Msg: int64(i + 1), Name: "Hello", Body: hello{i}})
	}
	whole := checkers.Run(spec, tr, nil, checkers.RunConfig{})
	require.Equal(t, check.Unknown, whole.Verdict)
	assert.Equal(t, "no tick", whole.Detail, "the messages are evidence: the check ran")
	assert.Equal(t, whole, watch(t, spec, tr, time.Minute), "streamed")
	followed := checkers.NewSession(tr.Header)
	require.True(t, followed.Watch(spec, nil))
	grown := &trace.Trace{Header: tr.Header}
	followed.Follow(grown)
	for _, e := range tr.All() {
		grown.Append(e)
	}
	assert.Equal(t, whole, checkers.Run(spec, grown, nil, checkers.RunConfig{Session: followed}), "followed")
}
