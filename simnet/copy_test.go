package simnet

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type copyLeaf struct {
	Tags []string
	N    int
}

type copyList struct {
	Val  int
	Next *copyList
}

type copyAll struct {
	Ptr    *copyLeaf
	Leaves []copyLeaf
	ByName map[string]copyLeaf
	Any    any
	Arr    [2][]int
	List   *copyList
	Nested [][]int
	Plain  string
}

// TestDeepCopySharesNothing changes every reference-holding part of the
// original after copying: the copy must not see any of it — whether the
// copy's memory came from the allocator or from a thin run's arena.
func TestDeepCopySharesNothing(t *testing.T) {
	for _, a := range []*arena{nil, {}} {
		testDeepCopySharesNothing(t, func(v any) any { return infoOf(v).copyIn(v, a) })
	}
}

func testDeepCopySharesNothing(t *testing.T, deepCopy func(any) any) {
	orig := copyAll{
		Ptr:    &copyLeaf{Tags: []string{"a"}, N: 1},
		Leaves: []copyLeaf{{Tags: []string{"b"}}},
		ByName: map[string]copyLeaf{"x": {Tags: []string{"c"}}},
		Any:    []int{1, 2},
		Arr:    [2][]int{{1}, {2}},
		List:   &copyList{Val: 1, Next: &copyList{Val: 2}},
		Nested: [][]int{{1, 2}, {3}},
		Plain:  "p",
	}
	got := deepCopy(orig).(copyAll)
	require.Equal(t, orig, got, "the copy is equal")

	orig.Ptr.Tags[0], orig.Ptr.N = "changed", 9
	orig.Leaves[0].Tags[0] = "changed"
	orig.ByName["x"].Tags[0] = "changed"
	orig.ByName["y"] = copyLeaf{}
	orig.Any.([]int)[0] = 9
	orig.Arr[0][0] = 9
	orig.List.Next.Val = 9
	orig.Nested[0][0] = 9

	assert.Equal(t, copyLeaf{Tags: []string{"a"}, N: 1}, *got.Ptr)
	assert.Equal(t, "b", got.Leaves[0].Tags[0])
	assert.Equal(t, map[string]copyLeaf{"x": {Tags: []string{"c"}}}, got.ByName)
	assert.Equal(t, []int{1, 2}, got.Any)
	assert.Equal(t, 1, got.Arr[0][0])
	assert.Equal(t, 2, got.List.Next.Val)
	assert.Equal(t, [][]int{{1, 2}, {3}}, got.Nested)
}

func TestDeepCopyKeepsNils(t *testing.T) {
	got := deepCopy(copyAll{}).(copyAll)
	assert.Nil(t, got.Ptr)
	assert.Nil(t, got.Leaves)
	assert.Nil(t, got.ByName)
	assert.Nil(t, got.Any)
	assert.Equal(t, copyLeaf{N: 3}, deepCopy(copyLeaf{N: 3}))
}

// Types an interface holds directly (one pointer word) are copied too.
func TestDeepCopyOfPointerShapedTypes(t *testing.T) {
	type onePointer struct{ P *int }
	n := 1
	got := deepCopy(onePointer{P: &n}).(onePointer)
	n = 2
	assert.Equal(t, 1, *got.P)

	m := map[string][]int{"a": {1}}
	gm := deepCopy(m).(map[string][]int)
	m["a"][0] = 9
	assert.Equal(t, map[string][]int{"a": {1}}, gm)

	p := &copyLeaf{Tags: []string{"x"}}
	gp := deepCopy(p).(*copyLeaf)
	p.Tags[0] = "changed"
	assert.Equal(t, "x", gp.Tags[0])
}

// An empty list stays empty, not nil (its JSON is [], not null), and a
// list's copy has the original's length: appending to one leaves the other.
func TestDeepCopyKeepsEmptyLists(t *testing.T) {
	orig := copyLeaf{Tags: make([]string, 0, 4)}
	got := deepCopy(orig).(copyLeaf)
	assert.NotNil(t, got.Tags)
	assert.Empty(t, got.Tags)

	orig = copyLeaf{Tags: []string{"a", "b"}}
	got = deepCopy(orig).(copyLeaf)
	assert.Len(t, got.Tags, 2)
	got.Tags = append(got.Tags, "c")
	got.Tags[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, orig.Tags)
}

// Copying a message whose only reference is a list of plain entries (an
// AppendEntries) allocates the message and the list's array, nothing more.
func TestDeepCopyOfAListAllocatesTheArrayOnly(t *testing.T) {
	type entry struct {
		Term, Index int64
		Op, Key     string
	}
	type appendEntries struct {
		Term, Commit int64
		Entries      []entry
	}
	m := appendEntries{Term: 2, Entries: []entry{{2, 1, "put", "k"}, {2, 2, "get", "k"}}}
	var sent any = m
	ti := infoOf(sent)
	deepCopy(sent) // plans the copy
	assert.Equal(t, 2.0, testing.AllocsPerRun(100, func() { _ = ti.copyOf(sent) }))
}

// BenchmarkCopyAppendEntries copies a message shaped like Raft's
// AppendEntries with three entries, as the simulator does at send and at
// delivery.
func BenchmarkCopyAppendEntries(b *testing.B) {
	type command struct{ Op, Key, Value string }
	type entry struct {
		Term, Index int64
		Cmd         command
	}
	type appendEntries struct {
		Term, PrevLogIndex, PrevLogTerm, LeaderCommit int64
		Entries                                       []entry
	}
	var m any = appendEntries{Term: 2, Entries: []entry{{2, 1, command{"put", "k", "v"}}, {2, 2, command{}}, {2, 3, command{}}}}
	ti := infoOf(m)
	b.ReportAllocs()
	for b.Loop() {
		_ = ti.copyOf(m)
	}
}

// Copies carved from an arena stay whole: many of them, over several
// blocks, through collections, each list with no room to grow into its
// neighbour's memory.
func TestArenaCopiesStayApart(t *testing.T) {
	type entry struct {
		Term int64
		Key  string
	}
	type appendEntries struct {
		Term    int64
		Entries []entry
		Nested  [][]int
	}
	a := &arena{}
	var copies []appendEntries
	for i := range 2000 {
		orig := appendEntries{Term: int64(i), Entries: []entry{{int64(i), fmt.Sprint("k", i)}, {int64(i + 1), "v"}}, Nested: [][]int{{i}}}
		var m any = orig
		got := infoOf(m).copyIn(m, a).(appendEntries)
		orig.Entries[0].Key, orig.Nested[0][0] = "changed", -1
		copies = append(copies, got)
		if i%500 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, c := range copies {
		require.Equal(t, appendEntries{Term: int64(i), Entries: []entry{{int64(i), fmt.Sprint("k", i)}, {int64(i + 1), "v"}}, Nested: [][]int{{i}}}, c, "copy %d", i)
		require.Equal(t, len(c.Entries), cap(c.Entries), "copy %d: no room to grow into another copy", i)
	}
	copies[0].Entries = append(copies[0].Entries, entry{Term: 99})
	assert.Equal(t, int64(1), copies[1].Entries[0].Term, "appending to one copy leaves the next alone")
	assert.Greater(t, len(a.slabs), 1, "the copies used the arena")
}
