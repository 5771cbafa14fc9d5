package trace

import (
	"sort"
	"time"
)

// Stats counts what happened in a run.
type Stats struct {
	Events      int            `json:"events"`
	VirtualTime time.Duration  `json:"virtual_time_ns"`
	Messages    MessageStats   `json:"messages"`
	Nodes       []NodeStats    `json:"nodes"`
	Kinds       map[string]int `json:"kinds"`
}

// MessageStats counts messages in total and by type.
type MessageStats struct {
	Sent       int                   `json:"sent"`
	Delivered  int                   `json:"delivered"`
	Dropped    int                   `json:"dropped"`
	Duplicated int                   `json:"duplicated"`
	DropReason map[string]int        `json:"drop_reasons,omitempty"`
	ByType     map[string]*TypeStats `json:"by_type"`
}

// TypeStats counts one message type.
type TypeStats struct {
	Sent       int `json:"sent"`
	Delivered  int `json:"delivered"`
	Dropped    int `json:"dropped"`
	Duplicated int `json:"duplicated"`
}

// NodeStats counts one node's activity.
type NodeStats struct {
	Name      string `json:"name"`
	Sent      int    `json:"sent"`
	Received  int    `json:"received"`
	Timers    int    `json:"timers_fired"`
	Crashes   int    `json:"crashes"`
	Restarts  int    `json:"restarts"`
	Marks     int    `json:"marks"`
	Panicked  bool   `json:"panicked,omitempty"`
	Operation int    `json:"operations,omitempty"` // client invocations
}

// Summarize counts a trace's events.
func Summarize(t *Trace) Stats {
	s := Stats{Events: t.Len(), VirtualTime: t.End(), Kinds: map[string]int{},
		Messages: MessageStats{ByType: map[string]*TypeStats{}, DropReason: map[string]int{}}}
	s.Nodes = make([]NodeStats, len(t.Header.Nodes))
	for i, n := range t.Header.Nodes {
		s.Nodes[i].Name = n
	}
	node := func(id NodeID) *NodeStats {
		if id >= 0 && int(id) < len(s.Nodes) {
			return &s.Nodes[id]
		}
		return &NodeStats{}
	}
	typ := func(name string) *TypeStats {
		ts := s.Messages.ByType[name]
		if ts == nil {
			ts = &TypeStats{}
			s.Messages.ByType[name] = ts
		}
		return ts
	}
	for _, e := range t.All() {
		s.Kinds[e.Kind.String()]++
		switch e.Kind {
		case Send:
			s.Messages.Sent++
			typ(e.Name).Sent++
			node(e.Node).Sent++
		case Deliver:
			s.Messages.Delivered++
			typ(e.Name).Delivered++
			node(e.Node).Received++
		case Drop:
			s.Messages.Dropped++
			s.Messages.DropReason[e.Value]++
			typ(e.Name).Dropped++
		case Duplicate:
			s.Messages.Duplicated++
			typ(e.Name).Duplicated++
		case TimerFire:
			node(e.Node).Timers++
		case Crash:
			node(e.Node).Crashes++
			if e.Stack != "" {
				node(e.Node).Panicked = true
			}
		case Restart:
			node(e.Node).Restarts++
		case Mark:
			node(e.Node).Marks++
		case Invoke:
			node(e.Node).Operation++
		}
	}
	return s
}

// TypeNames lists the message types in s, sorted.
func (s *Stats) TypeNames() []string {
	names := make([]string, 0, len(s.Messages.ByType))
	for n := range s.Messages.ByType {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
