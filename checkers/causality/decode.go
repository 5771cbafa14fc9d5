package causality

import "strconv"

// decodeFast reads the usual shape of a clock mark — {"kind":"…",
// "lamport":N} and/or "vector":[…], in any order — without reflection,
// because decoding is most of the checker's time. It reports false on
// anything else (other keys, escapes, floats), and the caller falls back
// to encoding/json, so it only has to be right on what it accepts.
func decodeFast(b []byte, p *payload, lam *int64, vbuf *[]int64) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, j, ok := readString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		switch string(key) {
		case "kind":
			s, j, ok := readString(b, i)
			if !ok {
				return false
			}
			p.Kind, i = kindString(s), j
		case "lamport":
			n, j, ok := readInt(b, i)
			if !ok {
				return false
			}
			*lam, p.Lamport, i = n, lam, j
		case "vector":
			if i >= len(b) || b[i] != '[' {
				return false
			}
			i = skipSpace(b, i+1)
			v := (*vbuf)[:0]
			if v == nil {
				v = []int64{} // present, even if empty
			}
			if i < len(b) && b[i] == ']' {
				p.Vector, i = v, i+1
				break
			}
			for {
				n, j, ok := readInt(b, i)
				if !ok {
					return false
				}
				v = append(v, n)
				i = skipSpace(b, j)
				if i < len(b) && b[i] == ',' {
					i = skipSpace(b, i+1)
					continue
				}
				if i < len(b) && b[i] == ']' {
					i++
					break
				}
				return false
			}
			*vbuf, p.Vector = v, v
		default:
			return false
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return skipSpace(b, i+1) == len(b)
		}
		return false
	}
}

// kindString interns the three kinds so that decoding does not allocate.
func kindString(s []byte) string {
	switch string(s) {
	case kindLocal:
		return kindLocal
	case kindSend:
		return kindSend
	case kindRecv:
		return kindRecv
	}
	return string(s)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// readString reads a plain ASCII string (no escapes, no control
// characters) starting at b[i] == '"'.
func readString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, i, false
		case c == '"':
			return b[i+1 : j], j + 1, true
		}
	}
	return nil, i, false
}

// readInt reads a JSON integer (no fraction, exponent or leading zero).
func readInt(b []byte, i int) (int64, int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	start := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == start || (b[start] == '0' && j > start+1) || (j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E')) {
		return 0, i, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return 0, i, false
	}
	return n, j, true
}
