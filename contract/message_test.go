package contract_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/contract"
	"distlab/simnet/trace"
)

// What a checker reads of a message.
type grant struct {
	Term    int64
	Granted bool
	Inner   struct{ Leader int32 }
	Items   []struct {
		Index int64 `json:"index"`
	}
}

// An algorithm's message type, with more than the checker reads.
type reply struct {
	Term    int64
	Granted bool
	Inner   struct {
		Leader uint8
		Zxid   int64
	}
	Items []struct {
		Index int64  `json:"index"`
		Cmd   string `json:"cmd"`
	}
	Extra string
}

var grantMsg = contract.Message[grant]{Names: []string{"Reply"}}

func TestMessageDecodesLiveAndFileBodies(t *testing.T) {
	body := reply{Term: 7, Granted: true, Extra: "x"}
	body.Inner.Leader, body.Inner.Zxid = 3, 9
	body.Items = append(body.Items, struct {
		Index int64  `json:"index"`
		Cmd   string `json:"cmd"`
	}{Index: 5, Cmd: "put"})
	live := trace.Event{Kind: trace.Send, Name: "Reply", Body: body}
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	file := trace.Event{Kind: trace.Send, Name: "Reply", Body: json.RawMessage(raw)}
	for name, e := range map[string]trace.Event{"live": live, "file": file} {
		t.Run(name, func(t *testing.T) {
			require.True(t, grantMsg.Is(&e))
			g, err := grantMsg.Decode(&e)
			require.NoError(t, err)
			assert.Equal(t, int64(7), g.Term)
			assert.True(t, g.Granted)
			assert.Equal(t, int32(3), g.Inner.Leader)
			require.Len(t, g.Items, 1)
			assert.Equal(t, int64(5), g.Items[0].Index)
		})
	}
	other := trace.Event{Kind: trace.Send, Name: "Ping", Body: body}
	assert.False(t, grantMsg.Is(&other))
	_, err = grantMsg.Decode(&other)
	assert.ErrorContains(t, err, `carries message "Ping", not one of Reply`)
	deliver := trace.Event{Kind: trace.Deliver, Name: "Reply", Body: body}
	assert.False(t, grantMsg.Is(&deliver), "a message is read where it is sent")
}

func TestConforms(t *testing.T) {
	require.NoError(t, contract.Conforms(grantMsg.Def(), reply{}))
	require.NoError(t, contract.Conforms(grantMsg.Def(), &reply{}))
	type noTerm struct{ Granted bool }
	assert.ErrorContains(t, contract.Conforms(grantMsg.Def(), noTerm{}), `has no field "Term"`)
	type wrongKind struct {
		Term    string
		Granted bool
	}
	assert.ErrorContains(t, contract.Conforms(grantMsg.Def(), wrongKind{}), "field Term is string, the contract reads int64")
	assert.ErrorContains(t, contract.Conforms(grantMsg.Def(), 3), "is not a struct message")
}

// Shapes of live messages that checkers read, with values chosen to be
// representable at both ends.
type (
	narrowInts struct {
		A int8
		B uint16
		C int32 `json:"c"`
		D uint64
		E int
	}
	wideInts struct {
		A int64
		B int64
		C int64 `json:"c"`
		D int64
		E int64
	}
	named  struct{ Leader string }
	onePtr struct{ P *int } // held in an interface's word itself
)

// TestLiveDecodeAgreesWithJSON: reading a live message's fields (by their
// offsets, or through reflect) gives what decoding the JSON that a trace
// file holds gives, for every shape: integers of other sizes and signs,
// nested structs, lists, pointers to messages, and a struct an interface
// holds in its word.
func TestLiveDecodeAgreesWithJSON(t *testing.T) {
	full := reply{Term: -7, Granted: true, Extra: "x"}
	full.Inner.Leader, full.Inner.Zxid = 200, 9
	for i := range 3 {
		full.Items = append(full.Items, struct {
			Index int64  `json:"index"`
			Cmd   string `json:"cmd"`
		}{Index: int64(i*10 - 5), Cmd: "put"})
	}
	agree(t, grantMsg, full)
	agree(t, grantMsg, &full)
	agree(t, grantMsg, reply{})
	agree(t, contract.Message[wideInts]{Names: []string{"Reply"}}, narrowInts{A: -3, B: 65535, C: -2e9, D: 1 << 40, E: -1})
	agree(t, contract.Message[narrowInts]{Names: []string{"Reply"}}, wideInts{A: -3, B: 65535, C: -2e9, D: 1 << 40, E: -1})
	agree(t, contract.Message[named]{Names: []string{"Reply"}}, struct{ Leader, Other string }{"n1", "x"})
	n := 4
	agree(t, contract.Message[struct{ P int }]{Names: []string{"Reply"}}, onePtr{&n})
}

func agree[T any](t *testing.T, m contract.Message[T], body any) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	live := trace.Event{Kind: trace.Send, Name: "Reply", Body: body}
	file := trace.Event{Kind: trace.Send, Name: "Reply", Body: json.RawMessage(raw)}
	got, err := m.Decode(&live)
	require.NoError(t, err)
	want, err := m.Decode(&file)
	require.NoError(t, err)
	assert.Equal(t, want, got, "%T read from %s", body, raw)
}

// DecodeInto gives what Decode gives, whatever the destination held
// before: longer or shorter lists, fields the next message lacks (an
// empty list may come back empty rather than nil: it keeps its memory).
func TestDecodeIntoOverwritesWhatWasThere(t *testing.T) {
	type item struct {
		Index int64 `json:"index"`
		Cmd   string
	}
	type wide struct {
		Term  int64
		Note  string
		Items []item
	}
	type narrow struct {
		Term  int32
		Items []struct{ Index uint16 }
	}
	m := contract.Message[wide]{Names: []string{"M"}}
	long := wide{Term: 3, Note: "n", Items: []item{{1, "a"}, {2, "b"}, {3, "c"}}}
	bodies := []any{long, narrow{Term: 4, Items: []struct{ Index uint16 }{{7}}}, wide{Term: 5}, &long}
	var into wide
	for _, b := range bodies {
		e := trace.Event{Kind: trace.Send, Name: "M", Body: b}
		want, err := m.Decode(&e)
		require.NoError(t, err)
		require.NoError(t, m.DecodeInto(&e, &into))
		got := into
		if len(got.Items) == 0 {
			assert.Empty(t, want.Items)
			got.Items = want.Items
		}
		assert.Equal(t, want, got, "%+v", b)
	}
}

// A check that keeps its destination allocates nothing per message once
// its lists are long enough, and the list it reads is not the sender's.
func TestDecodeIntoReusesItsLists(t *testing.T) {
	type entry struct{ Term, Index int64 }
	type appendFields struct {
		Term    int64
		Entries []entry
	}
	type sent struct {
		Term    int64
		Entries []struct {
			Term, Index int64
			Cmd         string
		}
	}
	body := &sent{Term: 2}
	for i := range 8 {
		body.Entries = append(body.Entries, struct {
			Term, Index int64
			Cmd         string
		}{2, int64(i + 1), "put"})
	}
	m := contract.Message[appendFields]{Names: []string{"AppendEntries"}}
	e := trace.Event{Kind: trace.Send, Name: "AppendEntries", Body: body}
	var into appendFields
	require.NoError(t, m.DecodeInto(&e, &into))
	allocs := testing.AllocsPerRun(100, func() { _ = m.DecodeInto(&e, &into) })
	assert.Zero(t, allocs)
	assert.Len(t, into.Entries, 8)
	body.Entries[0].Term = 9
	assert.Equal(t, int64(2), into.Entries[0].Term, "the entries read are a copy")
	dec := testing.AllocsPerRun(100, func() { _, _ = m.Decode(&e) })
	assert.LessOrEqual(t, dec, 2.0, "Decode allocates the list it returns (and reflect's header for it), not its T")
}
