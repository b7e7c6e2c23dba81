package simulate

import (
	"strings"
	"unicode/utf8"
)

// A small ordered JSON writer. Microsoft's bodies have a fixed key order
// and come from .NET serialisers, which differ in indentation and in
// whether they escape non-ASCII text; encoding/json can do neither.

// obj is a JSON object with ordered members.
type obj []kv

type kv struct {
	k string
	v any // string, num, null, bool, obj, []any
}

// num is a JSON number written as is.
type num string

// null is JSON null.
type null struct{}

type jsonStyle struct {
	indent string // "" for compact
	// ascii escapes non-ASCII characters and <, >, &, ', + as \uXXXX,
	// like System.Text.Json's default encoder.
	ascii bool
}

func encodeJSON(v any, st jsonStyle) []byte {
	b := make([]byte, 0, 512)
	return appendValue(b, v, st, 0)
}

func appendValue(b []byte, v any, st jsonStyle, depth int) []byte {
	// An object's members and an array's elements are written alike, each
	// on a line of its own when indenting.
	var members obj
	var elems []any
	brackets := "[]"
	switch x := v.(type) {
	case string:
		return appendString(b, x, st.ascii)
	case num:
		return append(b, x...)
	case null:
		return append(b, "null"...)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case obj:
		members, brackets = x, "{}"
	case []any:
		elems = x
	default:
		panic("simulate: unsupported JSON value")
	}
	n := max(len(members), len(elems))
	if n == 0 {
		return append(b, brackets...)
	}
	b = append(b, brackets[0])
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = newline(b, st, depth+1)
		if members == nil {
			b = appendValue(b, elems[i], st, depth+1)
			continue
		}
		b = appendString(b, members[i].k, st.ascii)
		b = append(b, ':')
		if st.indent != "" {
			b = append(b, ' ')
		}
		b = appendValue(b, members[i].v, st, depth+1)
	}
	b = newline(b, st, depth)
	return append(b, brackets[1])
}

func newline(b []byte, st jsonStyle, depth int) []byte {
	if st.indent == "" {
		return b
	}
	b = append(b, '\n')
	for range depth {
		b = append(b, st.indent...)
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

func appendString(b []byte, s string, ascii bool) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = appendU(b, r)
		case ascii && (r >= utf8.RuneSelf || strings.ContainsRune("<>&'+", r)):
			if r > 0xFFFF {
				r -= 0x10000
				b = appendU(b, 0xD800+(r>>10))
				b = appendU(b, 0xDC00+(r&0x3FF))
			} else {
				b = appendU(b, r)
			}
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}
