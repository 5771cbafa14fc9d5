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

// helloReader reads the sending of Hello messages and their delivery.
type helloReader struct{ markReader }

func (h *helloReader) Kinds() trace.KindSet { return trace.KindsOf(trace.Send, trace.Deliver) }
func (h *helloReader) Messages(k trace.Kind) []string {
	if k == trace.Send {
		return []string{"Hello", "Bye"}
	}
	return []string{"Hello"}
}

// sendReader reads every message sent.
type sendReader struct{ markReader }

func (s *sendReader) Kinds() trace.KindSet { return trace.KindsOf(trace.Send) }

// A session's selection is what its checks read: their kinds, narrowed to
// the messages they name, widened by their contracts' evidence; a check
// that names no messages reads them all.
func TestSessionSelection(t *testing.T) {
	type hello struct{ N int }
	evidence := &contract.Contract{Name: "ticks",
		Marks:    []contract.MarkDef{contract.Mark[struct{}]{Name: "tick"}.Def()},
		Messages: []contract.MessageDef{contract.Message[hello]{Names: []string{"Ping"}}.Def()}}
	spec := func(name string, c *contract.Contract, o func() check.Observer) check.Spec {
		observe := func(trace.Header, any) check.Observer { return o() }
		return check.Spec{Name: name, Contract: c, Observe: observe, Run: check.Fold(name, observe)}
	}
	hellos := spec("hellos", nil, func() check.Observer { return &helloReader{} })
	marks := spec("marks", evidence, func() check.Observer { return &markReader{} })
	sends := spec("sends", nil, func() check.Observer { return &sendReader{} })

	s := checkers.NewSession(trace.Header{})
	require.True(t, s.Watch(hellos, nil))
	sel := s.Selection()
	assert.Equal(t, trace.KindsOf(trace.Send, trace.Deliver), sel.Kinds)
	assert.Equal(t, map[trace.Kind][]string{trace.Send: {"Bye", "Hello"}, trace.Deliver: {"Hello"}}, sel.Messages)
	assert.True(t, sel.Records(trace.Send, "Bye"))
	assert.False(t, sel.Records(trace.Deliver, "Bye"))
	assert.False(t, sel.Records(trace.Mark, "tick"))

	require.True(t, s.Watch(marks, nil))
	sel = s.Selection()
	assert.Equal(t, trace.KindsOf(trace.Send, trace.Deliver, trace.Mark, trace.Invoke), sel.Kinds, "a contract's evidence kinds")
	assert.Equal(t, []string{"Bye", "Hello", "Ping"}, sel.Messages[trace.Send], "and its messages")
	assert.True(t, sel.Records(trace.Mark, "anything"), "marks are not narrowed")

	require.True(t, s.Watch(sends, nil))
	sel = s.Selection()
	_, narrowed := sel.Messages[trace.Send]
	assert.False(t, narrowed, "a check that names no messages reads every send")
	assert.True(t, sel.Records(trace.Send, "Other"))
	assert.False(t, sel.Records(trace.Deliver, "Other"), "deliveries are still narrowed")
}
