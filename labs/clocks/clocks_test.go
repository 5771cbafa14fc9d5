// Graded tests of the clocks lab: see README.md. Run with
//
//	go test ./labs/clocks
//
// Each test declares its points first; `distlab grade` adds them up.
package clocks_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/algorithms/clocks"
	"distlab/checkers/check"
	"distlab/labs/labkit"
	"distlab/scenarios"
)

const dir = "../../scenarios/clocks/"

// Part 1: the rules, one step at a time.

func TestLamportRules(t *testing.T) {
	labkit.Points(t, 10)
	cases := []struct {
		name  string
		start int64
		steps []int64 // -1 is a local event or send; otherwise a receive of that timestamp
		want  int64
	}{
		{"a local event ticks", 0, []int64{-1}, 1},
		{"ticks add up", 4, []int64{-1, -1, -1}, 7},
		{"a receive jumps past a newer message", 2, []int64{9}, 10},
		{"a receive of an older message still ticks", 9, []int64{2}, 10},
		{"a receive of an equal timestamp ticks", 5, []int64{5}, 6},
		{"mixed", 0, []int64{-1, 3, -1, 1}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := clocks.Lamport{Time: tc.start}
			for _, s := range tc.steps {
				if s < 0 {
					c.Tick()
				} else {
					c.Receive(s)
				}
			}
			assert.Equal(t, tc.want, c.Time, "start %d, steps %v", tc.start, tc.steps)
		})
	}
}

func TestVectorRules(t *testing.T) {
	labkit.Points(t, 10)
	v := clocks.NewVector(3, 1)
	v.Tick()
	require.Equal(t, []int64{0, 1, 0}, v.Clock, "a local event or send counts in this process's own entry")
	v.Receive([]int64{4, 0, 2})
	require.Equal(t, []int64{4, 2, 2}, v.Clock, "a receive takes the entrywise max, then counts itself")
	v.Receive([]int64{1, 7, 1})
	require.Equal(t, []int64{4, 8, 2}, v.Clock, "even our own entry: max, then tick")
	sent := []int64{9, 9, 9}
	v.Receive(sent)
	require.Equal(t, []int64{9, 9, 9}, sent, "Receive must not change the message")
	w := clocks.NewVector(2, 0)
	w.Tick()
	w.Tick()
	require.Equal(t, []int64{2, 0}, w.Clock)
}

func TestCompare(t *testing.T) {
	labkit.Points(t, 10)
	cases := []struct {
		a, b []int64
		want clocks.Order
	}{
		{[]int64{1, 0, 0}, []int64{1, 1, 0}, clocks.Before},
		{[]int64{0, 0, 0}, []int64{0, 0, 1}, clocks.Before},
		{[]int64{2, 1, 3}, []int64{1, 1, 3}, clocks.After},
		{[]int64{1, 0, 0}, []int64{0, 1, 0}, clocks.Concurrent},
		{[]int64{3, 1, 0}, []int64{2, 2, 5}, clocks.Concurrent},
		{[]int64{2, 2}, []int64{2, 2}, clocks.Equal},
		{[]int64{1}, []int64{1, 1}, clocks.Before},
		{[]int64{1, 1}, []int64{1}, clocks.After},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, clocks.Compare(tc.a, tc.b), "Compare(%v, %v)", tc.a, tc.b)
	}
}

// Part 2: whole runs, checked by the causality checker.

func TestLamportBasic(t *testing.T) {
	labkit.Points(t, 10)
	labkit.Expect(t, labkit.Load(t, dir+"lamport-basic.yaml"))
}

func TestVectorBasic(t *testing.T) {
	labkit.Points(t, 10)
	labkit.Expect(t, labkit.Load(t, dir+"vector-basic.yaml"))
}

func TestClocksUnderFaults(t *testing.T) {
	labkit.Points(t, 10)
	labkit.Expect(t, labkit.Load(t, dir+"lamport-with-faults.yaml"))
	labkit.Expect(t, labkit.Load(t, dir+"vector-with-faults.yaml"))
}

// TestVectorClocksSeeConcurrency runs the same workload under both clocks:
// the vector run must recognise every concurrent pair, and the Lamport run
// shows how many of those pairs Lamport times present as ordered.
func TestVectorClocksSeeConcurrency(t *testing.T) {
	labkit.Points(t, 10)
	lam := causality(t, labkit.Expect(t, labkit.Load(t, dir+"lamport-concurrency.yaml")))
	vec := causality(t, labkit.Expect(t, labkit.Load(t, dir+"vector-concurrency.yaml")))
	conc := vec.Metrics["concurrent_pairs"]
	require.Positive(t, conc)
	assert.Equal(t, conc, vec.Metrics["vector_detected_concurrent"], "vector clocks must mark every concurrent pair concurrent")
	assert.Equal(t, conc, lam.Metrics["concurrent_pairs"], "both runs are the same run, event for event")
	t.Logf("%.0f concurrent pairs: vector clocks detect all of them; Lamport times tell %.0f of them apart as if ordered (%.0f%%)",
		conc, lam.Metrics["lamport_ordered_concurrent"], 100*lam.Metrics["lamport_false_order_ratio"])
}

func causality(t *testing.T, res *scenarios.Result) check.Result {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == "causality" {
			return c
		}
	}
	t.Fatalf("%s ran no causality check", res.Scenario.Path)
	return check.Result{}
}

// Part 3: many random fault schedules. A failure prints the seed and
// writes a replay file to a new temporary folder it names.

func TestLamportNemesis(t *testing.T) {
	labkit.Points(t, 20)
	labkit.Sweep(t, labkit.Load(t, dir+"lamport-nemesis.yaml"), labkit.Seeds(500))
}

func TestVectorNemesis(t *testing.T) {
	labkit.Points(t, 20)
	labkit.Sweep(t, labkit.Load(t, dir+"vector-nemesis.yaml"), labkit.Seeds(500))
}

// TestBrokenClocksAreCaught is not graded: it shows that the checker
// catches the deliberately broken variants (and the clock that forgets at
// a restart), whatever the state of your code.
func TestBrokenClocksAreCaught(t *testing.T) {
	for _, name := range []string{"lamport-nomerge", "vector-nomerge", "lamport-amnesia"} {
		t.Run(name, func(t *testing.T) {
			res := labkit.Expect(t, labkit.Load(t, dir+name+".yaml"))
			c := causality(t, res)
			require.Equal(t, check.Fail, c.Verdict)
			require.Len(t, c.Events, 2, "the first offending pair: %s", c.Detail)
			t.Logf("caught: %s", c.Detail)
		})
	}
}
