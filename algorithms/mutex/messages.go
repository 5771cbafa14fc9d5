package mutex

// Request asks for the critical section: to the coordinator (central) or to
// every peer (Ricart-Agrawala, with the request's Lamport timestamp TS).
// Req identifies the request (see reqID) so answers and duplicates can be
// matched.
type Request struct {
	Req int64
	TS  int64 `json:",omitempty"`
}

// Grant is the coordinator's permission to enter.
type Grant struct{ Req int64 }

// Release tells the coordinator the node has left.
type Release struct{ Req int64 }

// ReleaseAck confirms a Release; sent only when retransmission is on, so a
// lost Release is sent again.
type ReleaseAck struct{ Req int64 }

// Reply is a Ricart-Agrawala peer's agreement to request Req.
type Reply struct{ Req int64 }

// Token is the ring's one permission to enter. Seq grows at every pass;
// a node ignores a token it has already seen, so a duplicated message
// cannot make a second token. Gen is zero for the original token and grows
// when a token is regenerated.
type Token struct {
	Gen int64 `json:",omitempty"`
	Seq int64
}

// TokenAck confirms a Token (only when the ring's AckTimeout is set).
type TokenAck struct {
	Gen int64 `json:",omitempty"`
	Seq int64
}

// Hello announces that a restarted ring node is back.
type Hello struct{}
