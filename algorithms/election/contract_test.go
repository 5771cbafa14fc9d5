package election

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlab/contract"
	ec "distlab/contract/election"
)

// The checkers read these messages by their fields (contract/election):
// ZAB's and Bully's message types must carry them.
func TestMessagesCarryWhatTheCheckersRead(t *testing.T) {
	cases := []struct {
		def contract.MessageDef
		msg any
	}{
		{ec.ZabNotification.Def(), Notification{}},
		{ec.ZabLeading.Def(), Ping{}},
		{ec.BullyLeading.Def(), Heartbeat{}},
		{ec.BullyLeading.Def(), Victory{}},
	}
	for _, c := range cases {
		assert.NoError(t, contract.Conforms(c.def, c.msg), "%T as %v", c.msg, c.def.Names)
	}
	// The states the checkers read by number.
	assert.Equal(t, ec.ZabLooking, int(Looking))
	assert.Equal(t, ec.ZabObserving, int(Observing))
}
