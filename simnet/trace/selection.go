package trace

import "slices"

// MessageKinds are the kinds of event about one message.
var MessageKinds = KindsOf(Send, Deliver, Drop, Duplicate)

// Selection is what a run judged by its checks alone needs to record: some
// kinds of event and, of the message kinds, perhaps only some messages.
// The zero Selection records everything.
type Selection struct {
	// Kinds are the kinds recorded; zero means every kind.
	Kinds KindSet
	// Messages narrows a message kind (MessageKinds) to the messages of
	// these type names; a kind absent from the map keeps every message.
	Messages map[Kind][]string
}

// Records reports whether the selection records an event of kind k about
// a message of type name (name is ignored for other kinds).
func (s Selection) Records(k Kind, name string) bool {
	if s.Kinds != 0 && !s.Kinds.Has(k) {
		return false
	}
	names, narrowed := s.Messages[k]
	return !narrowed || !MessageKinds.Has(k) || slices.Contains(names, name)
}
