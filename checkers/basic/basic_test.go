package basic_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/checkers/basic"
	"distlab/checkers/check"
	"distlab/simnet/trace"
)

func TestNoPanic(t *testing.T) {
	hdr := trace.Header{Nodes: []string{"n0", "n1"}}
	cases := []struct {
		name   string
		events []trace.Event
		want   check.Verdict
		detail string
	}{
		{"a crash by fault is not a panic", []trace.Event{
			{Kind: trace.Start, Node: 0, Peer: trace.None},
			{Kind: trace.Crash, Node: 0, Peer: trace.None, Value: "fault: crash", Time: 5},
		}, check.Pass, "no node panicked"},
		{"a panic fails with the node and the student's frame", []trace.Event{
			{Kind: trace.Start, Node: 1, Peer: trace.None},
			{Index: 1, Kind: trace.Crash, Node: 1, Peer: trace.None, Value: "panic: boom", Time: 7,
				Stack: "goroutine 1 [running]:\ndistlab/simnet.(*Sim).recoverNode()\n\t/x/simnet/sim.go:10\ndistlab/algorithms/mutex.(*Node).Receive()\n\t/x/algorithms/mutex/ra.go:42 +0x1"},
		}, check.Fail, "n1 crashed at 7ns: panic: boom (first frame of node code: distlab/algorithms/mutex.(*Node).Receive() at /x/algorithms/mutex/ra.go:42"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := basic.NoPanic(context.Background(), trace.New(hdr, tc.events...), nil)
			assert.Equal(t, tc.want, res.Verdict)
			assert.Contains(t, res.Detail, tc.detail)
			if tc.want == check.Fail {
				assert.Equal(t, []string{"n1"}, res.Nodes)
				assert.Equal(t, []int{1}, res.Events)
			}
		})
	}
}
