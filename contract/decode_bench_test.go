package contract_test

import (
	"testing"

	"distlab/contract"
	"distlab/simnet/trace"
)

type benchEntry struct {
	Term, Index int64
	Cmd         struct{ Op, Key, Value string }
}

type benchAppend struct {
	Term, PrevLogIndex, PrevLogTerm, LeaderCommit int64
	Entries                                       []benchEntry
}

type benchEntryFields struct{ Term, Index int64 }

type benchAppendFields struct {
	Term, PrevLogIndex, PrevLogTerm, LeaderCommit int64
	Entries                                       []benchEntryFields
}

var benchAppendMsg = contract.Message[benchAppendFields]{Names: []string{"AppendEntries"}}

// BenchmarkDecodeInto reads an AppendEntries of two entries the way the
// Raft log checks do, into a destination they keep.
func BenchmarkDecodeInto(b *testing.B) {
	body := &benchAppend{Term: 3, PrevLogIndex: 7, PrevLogTerm: 2, LeaderCommit: 6,
		Entries: []benchEntry{{Term: 3, Index: 8}, {Term: 3, Index: 9}}}
	e := trace.Event{Kind: trace.Send, Name: "AppendEntries", Body: body}
	var into benchAppendFields
	b.ReportAllocs()
	for b.Loop() {
		if err := benchAppendMsg.DecodeInto(&e, &into); err != nil {
			b.Fatal(err)
		}
	}
}
