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
