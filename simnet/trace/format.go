package trace

import (
	"fmt"
	"strings"
	"time"
)

// FormatTime prints a virtual time in seconds with microsecond precision
// (12.345ms → "0.012345s"), so columns line up.
func FormatTime(d time.Duration) string {
	return fmt.Sprintf("%d.%06ds", d/time.Second, (d%time.Second)/time.Microsecond)
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
