package contract

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The shapes Raft's contract reads get a flat plan (TestLiveDecodeAgreesWithJSON
// checks what the plans read); a field they cannot read sends the whole
// message to reflect.
func TestFlatPlans(t *testing.T) {
	type entryFields struct{ Index, Term int64 }
	type appendFields struct {
		Term, PrevLogIndex int64
		Entries            []entryFields
	}
	type cmd struct{ Op, Key string }
	type entry struct {
		Term  int64
		Index int32
		Cmd   cmd
	}
	type appendEntries struct {
		Term         int64
		PrevLogIndex int64
		Entries      []entry
	}
	assert.NotNil(t, compileFlat(reflect.TypeFor[appendFields](), reflect.TypeFor[appendEntries]()))
	type withMap struct{ Term map[string]int }
	assert.Nil(t, compileFlat(reflect.TypeFor[appendFields](), reflect.TypeFor[withMap]()))
	type onePointer struct{ P *int }
	assert.True(t, pointerShaped(reflect.TypeFor[onePointer]()))
	assert.False(t, pointerShaped(reflect.TypeFor[appendEntries]()))
	_, _, ok := flatSource(onePointer{})
	assert.False(t, ok, "an interface holds a pointer-shaped struct in its word: not read through it")
}
