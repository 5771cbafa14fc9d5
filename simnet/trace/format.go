package trace

import (
	"fmt"
	"strings"
	"time"
)

// FormatTime prints a virtual time with fixed millisecond precision
// (12.345ms → "0.012345s"), so columns line up.
func FormatTime(d time.Duration) string {
	return fmt.Sprintf("%d.%06ds", d/time.Second, (d%time.Second)/time.Microsecond)
}

// Describe renders one event as a line of text with node names, the way
// `distlab trace` prints it.
func (t *Trace) Describe(e *Event) string {
	n, p := t.NodeName(e.Node), t.NodeName(e.Peer)
	var b strings.Builder
	switch e.Kind {
	case Send:
		fmt.Fprintf(&b, "%s → %s  send %s #%d", n, p, e.Name, e.Msg)
		if body := e.BodyJSON(); len(body) > 0 && string(body) != "{}" {
			fmt.Fprintf(&b, " %s", body)
		}
	case Deliver:
		fmt.Fprintf(&b, "%s ← %s  deliver %s #%d", n, p, e.Name, e.Msg)
	case Drop:
		fmt.Fprintf(&b, "%s → %s  DROP %s #%d (%s)", n, p, e.Name, e.Msg, e.Value)
	case Duplicate:
		fmt.Fprintf(&b, "%s → %s  duplicate %s #%d", n, p, e.Name, e.Msg)
	case TimerSet:
		fmt.Fprintf(&b, "%s  timer %s #%d set for %s", n, e.Name, e.Timer, e.Value)
	case TimerFire:
		fmt.Fprintf(&b, "%s  timer %s #%d fired", n, e.Name, e.Timer)
	case TimerCancel:
		fmt.Fprintf(&b, "%s  timer #%d cancelled", n, e.Timer)
	case Crash:
		fmt.Fprintf(&b, "%s  CRASH (%s)", n, e.Value)
	case Start:
		fmt.Fprintf(&b, "%s  start", n)
	case Restart:
		fmt.Fprintf(&b, "%s  restart", n)
	case Partition:
		fmt.Fprintf(&b, "PARTITION %s", t.DescribeGroups(e.Groups))
	case Heal:
		b.WriteString("HEAL")
	case Cut:
		fmt.Fprintf(&b, "CUT %s → %s", n, p)
	case Isolate:
		fmt.Fprintf(&b, "ISOLATE %s", n)
	case Rejoin:
		fmt.Fprintf(&b, "REJOIN %s", n)
	case State:
		fmt.Fprintf(&b, "%s  %s = %s", n, e.Name, e.Value)
	case Invoke:
		fmt.Fprintf(&b, "%s  invoke op%d %s", n, e.Op, e.Data)
	case Return:
		fmt.Fprintf(&b, "%s  return op%d %s", n, e.Op, e.Data)
	case Mark:
		fmt.Fprintf(&b, "%s  [%s]", n, e.Name)
		if len(e.Data) > 0 && string(e.Data) != "{}" && string(e.Data) != "null" {
			fmt.Fprintf(&b, " %s", e.Data)
		}
	case Log:
		fmt.Fprintf(&b, "%s  log: %s", n, e.Value)
	case Error:
		fmt.Fprintf(&b, "%s  ERROR: %s", n, e.Value)
	case End:
		b.WriteString("END of run")
	default:
		fmt.Fprintf(&b, "%s  %s", n, e.Kind)
	}
	return b.String()
}

// DescribeGroups renders partition components with node names:
// {n0,n1} | {n2,n3,n4}.
func (t *Trace) DescribeGroups(groups [][]NodeID) string {
	return t.DescribeGroupsSep(" | ", groups)
}

// DescribeGroupsSep is DescribeGroups with another separator between
// components, for narrow places.
func (t *Trace) DescribeGroupsSep(sep string, groups [][]NodeID) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		names := make([]string, len(g))
		for j, id := range g {
			names[j] = t.NodeName(id)
		}
		parts[i] = "{" + strings.Join(names, ",") + "}"
	}
	return strings.Join(parts, sep)
}

// CompactJSON shortens JSON for a one-line label: {"Term":1,"Seq":3} → {Term:1 Seq:3}.
func CompactJSON(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if i+1 < len(raw) && raw[i+1] == ':' {
					continue
				}
			}
			b.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			inStr = true
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			if j+1 < len(raw) && raw[j+1] == ':' {
				continue
			}
			b.WriteByte(c)
		case ',':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// HighlightBit is the visual convention for "the node that matters now",
// shared by the visualizer and the exports: a published role of leader
// (coordinator, primary), being in the critical section, holding the token.
// Each key has its own bit; ok is false for keys that play no part.
func HighlightBit(key, value string) (bit uint8, on bool, ok bool) {
	switch key {
	case "role":
		return 1, value == "leader" || value == "coordinator" || value == "primary", true
	case "cs":
		return 2, value == "inside" || value == "held" || value == "in", true
	case "token":
		return 4, value == "true", true
	}
	return 0, false, false
}
