package marketplace

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// maxRepairDepth bounds object and array nesting in the tolerant reader, so
// that a hostile body cannot exhaust the stack.
const maxRepairDepth = 64

// maxRepairNotes caps the repairs described per JSON text.
const maxRepairNotes = 10

// errNotRepairable is returned by repairJSON for anything it does not fix.
var errNotRepairable = errors.New("not repairable JSON")

// repairJSON is a small, tolerant JSON reader for bodies that encoding/json
// rejects. It fixes exactly two slips and nothing else:
//
//   - a missing comma between object members or array elements, as in the
//     test lead of the marketplace lead management FAQ, and
//   - a trailing comma before "}" or "]".
//
// Everything else (unquoted keys, single quotes, comments, truncated input,
// stray characters) is an error. It returns the repaired text, which keeps
// the input's white space (an inserted comma goes right after the value
// before it), and a description of each repair naming its position
// ("missing comma at line 14, column 5"); past maxRepairNotes repairs, a
// last entry only counts the rest ("25 more repairs").
func repairJSON(in []byte) ([]byte, []string, error) {
	r := &repairer{in: in, out: make([]byte, 0, len(in)+8)}
	r.space()
	if err := r.value(); err != nil {
		return nil, nil, err
	}
	r.space()
	if r.pos != len(r.in) {
		return nil, nil, errNotRepairable
	}
	if r.more > 0 {
		r.fixes = append(r.fixes, fmt.Sprintf("%d more repairs", r.more))
	}
	return r.out, r.fixes, nil
}

type repairer struct {
	in    []byte
	pos   int
	out   []byte
	depth int
	fixes []string
	more  int // repairs beyond maxRepairNotes
}

func (r *repairer) peek() byte {
	if r.pos < len(r.in) {
		return r.in[r.pos]
	}
	return 0
}

// space copies JSON white space.
func (r *repairer) space() {
	for r.pos < len(r.in) {
		switch r.in[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.out = append(r.out, r.in[r.pos])
			r.pos++
		default:
			return
		}
	}
}

// fix records a repair at byte offset at. Only the first maxRepairNotes
// are described (finding a line and column costs a scan of the input); the
// rest are counted.
func (r *repairer) fix(what string, at int) {
	if len(r.fixes) < maxRepairNotes {
		line, col := position(r.in, at)
		r.fixes = append(r.fixes, fmt.Sprintf("%s at line %d, column %d", what, line, col))
	} else {
		r.more++
	}
}

func (r *repairer) value() error {
	switch c := r.peek(); {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		return r.string()
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	default:
		return errNotRepairable
	}
}

func startsValue(c byte) bool {
	switch c {
	case '{', '[', '"', 't', 'f', 'n', '-':
		return true
	}
	return '0' <= c && c <= '9'
}

func (r *repairer) enter() error {
	r.depth++
	if r.depth > maxRepairDepth {
		return errNotRepairable
	}
	return nil
}

func (r *repairer) object() error { return r.container('{', '}') }

func (r *repairer) array() error { return r.container('[', ']') }

// container copies an object ('{') or an array ('['): its members or
// elements, separated by commas, inserting a missing one and dropping a
// trailing one.
func (r *repairer) container(open, closer byte) error {
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	object := open == '{'
	r.out = append(r.out, open)
	r.pos++
	r.space()
	if r.peek() == closer {
		r.out = append(r.out, closer)
		r.pos++
		return nil
	}
	for {
		if object {
			if err := r.key(); err != nil {
				return err
			}
		}
		if err := r.value(); err != nil {
			return err
		}
		end := len(r.out)
		r.space()
		switch c := r.peek(); {
		case c == closer:
			r.out = append(r.out, closer)
			r.pos++
			return nil
		case c == ',':
			if r.trailingComma(closer) {
				return nil
			}
		case object && c == '"', !object && startsValue(c) && separated(r.out, end):
			r.fix("missing comma", r.pos)
			r.out = slices.Insert(r.out, end, ',')
		default:
			return errNotRepairable
		}
	}
}

// key copies an object member's name, the colon and the white space
// around it.
func (r *repairer) key() error {
	if r.peek() != '"' {
		return errNotRepairable
	}
	if err := r.string(); err != nil {
		return err
	}
	r.space()
	if r.peek() != ':' {
		return errNotRepairable
	}
	r.out = append(r.out, ':')
	r.pos++
	r.space()
	return nil
}

// trailingComma copies the comma at r.pos and the white space after it. If
// closer follows, it drops the comma, copies closer and reports true.
func (r *repairer) trailingComma(closer byte) bool {
	comma, at := r.pos, len(r.out)
	r.out = append(r.out, ',')
	r.pos++
	r.space()
	if r.peek() != closer {
		return false
	}
	r.fix("trailing comma", comma)
	r.out = slices.Delete(r.out, at, at+1)
	r.out = append(r.out, closer)
	r.pos++
	return true
}

// separated reports whether the value that ends just before out[end] is
// clearly over, so that a value following it is a new element: either white space
// follows it or it ends with a closing quote or bracket. This keeps "01",
// "1-2" or "truefalse" errors rather than turning them into two elements.
func separated(out []byte, end int) bool {
	if end < len(out) {
		return true
	}
	switch out[end-1] {
	case '"', '}', ']':
		return true
	}
	return false
}

// string copies a string literal, checking its escapes as strictly as
// encoding/json does. Invalid UTF-8 is copied as is.
func (r *repairer) string() error {
	start := r.pos
	r.pos++ // opening quote
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		switch {
		case c == '"':
			r.pos++
			r.out = append(r.out, r.in[start:r.pos]...)
			return nil
		case c < 0x20:
			return errNotRepairable
		case c == '\\':
			if r.pos+1 >= len(r.in) {
				return errNotRepairable
			}
			switch r.in[r.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				r.pos += 2
			case 'u':
				if r.pos+6 > len(r.in) {
					return errNotRepairable
				}
				for _, h := range r.in[r.pos+2 : r.pos+6] {
					if !isHex(h) {
						return errNotRepairable
					}
				}
				r.pos += 6
			default:
				return errNotRepairable
			}
		default:
			r.pos++
		}
	}
	return errNotRepairable
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (r *repairer) literal(word string) error {
	if len(r.in)-r.pos < len(word) || string(r.in[r.pos:r.pos+len(word)]) != word {
		return errNotRepairable
	}
	r.out = append(r.out, word...)
	r.pos += len(word)
	return nil
}

// number copies a number, following the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (r *repairer) number() error {
	start := r.pos
	if r.peek() == '-' {
		r.pos++
	}
	switch c := r.peek(); {
	case c == '0':
		r.pos++
	case '1' <= c && c <= '9':
		r.digits()
	default:
		return errNotRepairable
	}
	if r.peek() == '.' {
		r.pos++
		if r.digits() == 0 {
			return errNotRepairable
		}
	}
	if c := r.peek(); c == 'e' || c == 'E' {
		r.pos++
		if c := r.peek(); c == '+' || c == '-' {
			r.pos++
		}
		if r.digits() == 0 {
			return errNotRepairable
		}
	}
	r.out = append(r.out, r.in[start:r.pos]...)
	return nil
}

func (r *repairer) digits() int {
	n := 0
	for r.pos < len(r.in) && '0' <= r.in[r.pos] && r.in[r.pos] <= '9' {
		r.pos++
		n++
	}
	return n
}

// position converts a byte offset in data to a 1-based line and column; the
// column counts characters (invalid UTF-8 bytes count one each).
func position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}
