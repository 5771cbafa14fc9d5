package tui

import (
	"fmt"
	"sort"
	"strings"

	"distlab/simnet/trace"
)

// searchState is the last search: its text as typed (the note echoes it so)
// and the rows that match it, found once per search and kept until the
// rows change.
type searchState struct {
	query   string
	matches []int32 // row indexes, in order
	rows    int     // len(rows) when matches was computed; -1 stale
}

func (s *searchState) invalidate() { s.rows = -1 }

// find moves the cursor to the next (dir +1) or previous (-1) row whose
// text contains q, case-insensitively, wrapping; it may reveal rows past
// the playhead. The note says which match of how many it is.
func (m *Model) find(q string, dir int) {
	q = strings.TrimSpace(q)
	if q == "" {
		m.note = "nothing to search for yet (/ starts a search)"
		return
	}
	s := &m.search
	if s.query != q || s.rows != len(m.rows) {
		s.query, s.rows = q, len(m.rows)
		s.matches = s.matches[:0]
		low := strings.ToLower(q)
		for r := range m.rows {
			if strings.Contains(strings.ToLower(m.searchText(r)), low) {
				s.matches = append(s.matches, int32(r))
			}
		}
	}
	if len(s.matches) == 0 {
		m.note = "no match for “" + q + "”"
		return
	}
	// the first match after (before) the cursor, wrapping
	k := sort.Search(len(s.matches), func(k int) bool { return int(s.matches[k]) > m.cursor })
	if dir < 0 {
		k = sort.Search(len(s.matches), func(k int) bool { return int(s.matches[k]) >= m.cursor }) - 1
		if k < 0 {
			k = len(s.matches) - 1
		}
	} else if k == len(s.matches) {
		k = 0
	}
	m.move(int(s.matches[k]))
	m.note = fmt.Sprintf("“%s”: match %d of %d (N next, P previous)", q, k+1, len(s.matches))
}

func (m *Model) searchText(r int) string {
	e := m.ix.tr.At(int(m.rows[r]))
	return m.ix.tr.NodeName(e.Node) + " " + m.ix.tr.NodeName(e.Peer) + " " + e.Kind.String() + " " + m.rowText(r)
}

// nodeOfRow is the node the selected row is about: the receiver of a
// message, the node that crashed, published…
func (m *Model) nodeOfRow() trace.NodeID {
	ev := m.cursorEvent()
	if ev < 0 {
		return trace.None
	}
	e := m.ix.tr.At(ev)
	return e.Node
}
