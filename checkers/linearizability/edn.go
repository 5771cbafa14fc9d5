package linearizability

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A small reader for the part of EDN that Jepsen histories use: maps,
// vectors, lists, sets, keywords, symbols, strings, numbers, nil and
// booleans; commas are white space, ";" starts a comment, "#_" discards the
// next value and other tags (#inst, #jepsen.history.Op) are read through.

type (
	ednKeyword string // :type is ednKeyword("type")
	ednSymbol  string
	ednVector  []any // vectors, lists and sets alike
	ednMap     []ednPair
	ednPair    struct{ key, value any }
)

// get returns the value of a keyword key.
func (m ednMap) get(key string) (any, bool) {
	for _, p := range m {
		if k, ok := p.key.(ednKeyword); ok && string(k) == key {
			return p.value, true
		}
	}
	return nil, false
}

type ednReader struct {
	s   string
	pos int
}

func (r *ednReader) skip() {
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		switch {
		case c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			r.pos++
		case c == ';':
			for r.pos < len(r.s) && r.s[r.pos] != '\n' {
				r.pos++
			}
		default:
			return
		}
	}
}

func (r *ednReader) errorf(format string, args ...any) error {
	return fmt.Errorf("column %d: %s", r.pos+1, fmt.Sprintf(format, args...))
}

// atEnd reports whether only white space is left.
func (r *ednReader) atEnd() bool {
	r.skip()
	return r.pos >= len(r.s)
}

// read reads one value.
func (r *ednReader) read() (any, error) {
	r.skip()
	if r.pos >= len(r.s) {
		return nil, r.errorf("the value ends too early")
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		r.pos++
		items, err := r.readUntil('}')
		if err != nil {
			return nil, err
		}
		if len(items)%2 != 0 {
			return nil, r.errorf("a map needs an even number of forms")
		}
		m := make(ednMap, 0, len(items)/2)
		for i := 0; i < len(items); i += 2 {
			m = append(m, ednPair{items[i], items[i+1]})
		}
		return m, nil
	case c == '[':
		r.pos++
		items, err := r.readUntil(']')
		return ednVector(items), err
	case c == '(':
		r.pos++
		items, err := r.readUntil(')')
		return ednVector(items), err
	case c == '#':
		r.pos++
		if r.pos < len(r.s) && r.s[r.pos] == '{' {
			r.pos++
			items, err := r.readUntil('}')
			return ednVector(items), err
		}
		if r.pos < len(r.s) && r.s[r.pos] == '_' {
			r.pos++
			if _, err := r.read(); err != nil {
				return nil, err
			}
			return r.read()
		}
		if _, err := r.read(); err != nil { // the tag
			return nil, err
		}
		return r.read()
	case c == '"':
		return r.readString()
	case c == ':':
		r.pos++
		return ednKeyword(r.token()), nil
	case c == '\\':
		r.pos++
		return r.token(), nil
	case c == '}' || c == ']' || c == ')':
		return nil, r.errorf("unexpected %q", c)
	}
	tok := r.token()
	switch tok {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return nil, r.errorf("unexpected %q", r.s[r.pos])
	}
	if tok[0] >= '0' && tok[0] <= '9' || len(tok) > 1 && (tok[0] == '-' || tok[0] == '+') && tok[1] >= '0' && tok[1] <= '9' {
		num := strings.TrimSuffix(strings.TrimSuffix(tok, "N"), "M")
		if i, err := strconv.ParseInt(num, 10, 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			return f, nil
		}
		return num, nil // a big integer: kept as its digits
	}
	return ednSymbol(tok), nil
}

func (r *ednReader) readUntil(close byte) ([]any, error) {
	var items []any
	for {
		r.skip()
		if r.pos >= len(r.s) {
			return nil, r.errorf("missing %q", close)
		}
		if r.s[r.pos] == close {
			r.pos++
			return items, nil
		}
		v, err := r.read()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
}

func (r *ednReader) token() string {
	start := r.pos
	for r.pos < len(r.s) {
		c := rune(r.s[r.pos])
		if unicode.IsSpace(c) || strings.ContainsRune(",{}[]()\";", c) {
			break
		}
		r.pos++
	}
	return r.s[start:r.pos]
}

func (r *ednReader) readString() (string, error) {
	var b strings.Builder
	r.pos++ // the opening quote
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		r.pos++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if r.pos >= len(r.s) {
				break
			}
			e := r.s[r.pos]
			r.pos++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'u':
				if r.pos+4 <= len(r.s) {
					if n, err := strconv.ParseUint(r.s[r.pos:r.pos+4], 16, 32); err == nil {
						b.WriteRune(rune(n))
						r.pos += 4
						continue
					}
				}
				return "", r.errorf("bad \\u escape")
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", r.errorf("unterminated string")
}
