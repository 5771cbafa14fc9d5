package causality

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

var decodeInputs = []string{
	`{"kind":"send","lamport":3}`,
	`{"lamport":-2, "kind" : "recv"}`,
	`{"kind":"local","vector":[1,0,2]}`,
	`{"kind":"local","vector":[]}`,
	`{"kind":"local","vector":[ 1 , 2 ],"lamport":0}`,
	`{}`,
	`{"kind":"lo\"cal","lamport":1}`,
	`{"kind":"local","lamport":1.5}`,
	`{"kind":"local","vector":null}`,
	`{"kind":"local","other":1}`,
	`{"kind":"local","lamport":99999999999999999999}`,
	`[1]`,
	`{"kind":"local",}`,
	`{"kind":"local"} x`,
}

// TestDecodeFastAgreesWithJSON: whatever the fast path accepts, it reads
// as encoding/json would.
func TestDecodeFastAgreesWithJSON(t *testing.T) {
	for _, in := range decodeInputs {
		checkDecode(t, in)
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, in := range decodeInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkDecode(t, in) })
}

func checkDecode(t *testing.T, in string) {
	var fast payload
	var lam int64
	var buf []int64
	if !decodeFast([]byte(in), &fast, &lam, &buf) {
		return
	}
	var slow payload
	err := json.Unmarshal([]byte(in), &slow)
	if !assert.NoError(t, err, "fast path accepted %s", in) {
		return
	}
	assert.Equal(t, slow.Kind, fast.Kind, in)
	assert.Equal(t, slow.Lamport != nil, fast.Lamport != nil, in)
	if slow.Lamport != nil && fast.Lamport != nil {
		assert.Equal(t, *slow.Lamport, *fast.Lamport, in)
	}
	assert.Equal(t, slow.Vector != nil, fast.Vector != nil, in)
	assert.Equal(t, len(slow.Vector), len(fast.Vector), in)
	for i := range slow.Vector {
		assert.Equal(t, slow.Vector[i], fast.Vector[i], in)
	}
}
