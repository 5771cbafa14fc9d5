package trace

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Describer words events: one line each, with node names and message bodies
// in compact JSON. It is the one wording of events, shared by `distlab
// trace`, the visualizer, the exports and checkers' details, so an event
// reads the same everywhere. It indexes the trace as it goes (the body of
// a delivered message comes from its send; a second delivery is marked
// as a duplicate), and follows a trace that grows.
//
//	d := trace.NewDescriber(tr)
//	d.Actor, d.IDs = true, true
//	fmt.Println(d.Event(42)) // "n1  Vote #17 n0→n1 {Term:2}"
type Describer struct {
	// Actor prefixes events that happen at one node with its name (for
	// lists of events; a diagram shows the node by where it draws).
	Actor bool
	// IDs adds message, timer and operation ids.
	IDs bool

	tr        *Trace
	n         int     // events indexed
	sendOf    []int32 // message id → index of its Send, -1 none yet
	delivered []uint8 // message id → deliveries seen (saturating)
	dup       []uint64
}

// NewDescriber indexes tr's events so far.
func NewDescriber(tr *Trace) *Describer {
	d := &Describer{tr: tr}
	d.Extend()
	return d
}

// Extend indexes events added since the last call.
func (d *Describer) Extend() {
	for i := d.n; i < d.tr.Len(); i++ {
		e := d.tr.At(i)
		if i/64 >= len(d.dup) {
			d.dup = append(d.dup, 0)
		}
		switch e.Kind {
		case Send:
			d.growMsg(e.Msg)
			d.sendOf[e.Msg] = int32(i)
		case Deliver:
			d.growMsg(e.Msg)
			if d.delivered[e.Msg] > 0 {
				d.dup[i/64] |= 1 << (i % 64)
			}
			if d.delivered[e.Msg] < 255 {
				d.delivered[e.Msg]++
			}
		}
	}
	d.n = d.tr.Len()
}

func (d *Describer) growMsg(id int64) {
	if id < 0 {
		return
	}
	for int64(len(d.sendOf)) <= id {
		d.sendOf = append(d.sendOf, -1)
		d.delivered = append(d.delivered, 0)
	}
}

// SendOf is the index of message id's Send event, or -1.
func (d *Describer) SendOf(id int64) int {
	if id <= 0 || id >= int64(len(d.sendOf)) {
		return -1
	}
	return int(d.sendOf[id])
}

// Body is message id's body as JSON (nil when its send is unknown).
func (d *Describer) Body(id int64) json.RawMessage {
	if i := d.SendOf(id); i >= 0 {
		return d.tr.At(i).BodyJSON()
	}
	return nil
}

// Duplicate reports whether event i is a second (or later) delivery of its
// message.
func (d *Describer) Duplicate(i int) bool {
	return i >= 0 && i/64 < len(d.dup) && d.dup[i/64]&(1<<(i%64)) != 0
}

// Event words event i.
func (d *Describer) Event(i int) string {
	if i >= d.n {
		d.Extend()
	}
	e := d.tr.At(i)
	return d.describe(&e, i)
}

// Of words an event that need not be in the trace (a Deliver's body is
// then looked up by message id).
func (d *Describer) Of(e *Event) string { return d.describe(e, e.Index) }

func (d *Describer) describe(e *Event, i int) string {
	name := d.tr.NodeName
	var b strings.Builder
	actor := func() {
		if d.Actor && e.Node != None {
			b.WriteString(name(e.Node))
			b.WriteString("  ")
		}
	}
	msg := func() {
		b.WriteString(e.Name)
		if d.IDs {
			b.WriteString(" #")
			b.WriteString(strconv.FormatInt(e.Msg, 10))
		}
	}
	withJSON := func(raw []byte) {
		if s := CompactJSON(raw); s != "" {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	op := func(verb string) {
		actor()
		b.WriteString(verb)
		b.WriteString(" #")
		b.WriteString(strconv.FormatInt(e.Op, 10))
		withJSON(e.DataJSON())
	}
	switch e.Kind {
	case Send:
		actor()
		b.WriteString("send ")
		msg()
		b.WriteString(" →" + name(e.Peer))
		withJSON(e.BodyJSON())
	case Deliver:
		msg()
		b.WriteString(" " + name(e.Peer) + "→" + name(e.Node))
		withJSON(d.Body(e.Msg))
		if d.Duplicate(i) {
			b.WriteString(" (duplicate)")
		}
	case Drop:
		b.WriteString("lost ")
		msg()
		b.WriteString(" " + name(e.Node) + "→" + name(e.Peer) + ": " + e.Value)
	case Duplicate:
		b.WriteString("network duplicates ")
		msg()
		b.WriteString(" " + name(e.Node) + "→" + name(e.Peer))
	case TimerSet:
		actor()
		b.WriteString("set timer " + e.Name + " +" + e.Value)
	case TimerFire:
		actor()
		b.WriteString("timer " + e.Name)
		if d.IDs {
			b.WriteString(" #" + strconv.FormatInt(e.Timer, 10))
		}
	case TimerCancel:
		actor()
		b.WriteString("cancel timer #" + strconv.FormatInt(e.Timer, 10))
	case Crash:
		b.WriteString("CRASH " + name(e.Node) + " (" + firstLine(e.Value) + ")")
	case Start:
		b.WriteString("start " + name(e.Node))
	case Restart:
		b.WriteString("restart " + name(e.Node))
	case Pause:
		b.WriteString("PAUSE " + name(e.Node) + " for " + e.Value)
	case Resume:
		b.WriteString("resume " + name(e.Node))
	case Partition:
		b.WriteString("partition " + d.tr.DescribeGroupsSep("|", e.Groups))
	case Heal:
		b.WriteString("heal: every link back")
	case Cut:
		b.WriteString("cut " + name(e.Node) + "→" + name(e.Peer))
	case Isolate:
		b.WriteString("isolate " + name(e.Node))
	case Rejoin:
		b.WriteString("rejoin " + name(e.Node))
	case State:
		actor()
		b.WriteString(e.Name + "=" + e.Value)
	case Mark:
		actor()
		b.WriteString("★ " + e.Name)
		withJSON(e.DataJSON())
	case Invoke:
		op("invoke")
	case Return:
		op("return")
	case Log:
		actor()
		b.WriteString(firstLine(e.Value))
	case Error:
		actor()
		b.WriteString("ERROR " + firstLine(e.Value))
	case End:
		b.WriteString("■ end of the run")
	default:
		actor()
		b.WriteString(e.Kind.String())
	}
	return b.String()
}

// firstLine cuts text at its first line break (every wording is one line).
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return strings.ReplaceAll(s, "\r", "")
}
