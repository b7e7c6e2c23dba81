package csvimport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// peekSize is how much of the file is looked at to choose the encoding,
// the line ending and the delimiter.
const peekSize = 64 << 10

// input is the file after its encoding and its "sep=" line are dealt with.
type input struct {
	r     *bufio.Reader
	comma rune
	// skipped is the number of lines consumed before the header (a "sep="
	// line), so that line numbers stay those of the file.
	skipped int64
	// notes describe what was detected, for the mapping report.
	notes []string
}

// openInput detects a byte order mark (UTF-8, or UTF-16, which is
// transcoded), old Mac line endings (CR only, turned into LF), an Excel
// "sep=;" first line, and otherwise sniffs the delimiter from the header
// line: the most frequent of ',', ';', TAB and '|' outside quotes (',' on a
// tie). comma overrides the sniffing when non-zero.
func openInput(r io.Reader, comma rune) (*input, error) {
	br := bufio.NewReaderSize(r, peekSize)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	in := &input{}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		big := head[0] == 0xFE
		_, _ = br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, big: big}, peekSize)
		in.notes = append(in.notes, "UTF-16 text, read as UTF-8")
	}

	peek, err := br.Peek(peekSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.IndexByte(peek, '\n') < 0 && bytes.IndexByte(peek, '\r') >= 0 {
		br = bufio.NewReaderSize(&crReader{r: br}, peekSize)
		in.notes = append(in.notes, "lines end with CR only")
		if peek, err = br.Peek(peekSize); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}

	// Excel's "sep=X" line names the delimiter.
	line := firstLine(peek)
	if t := bytes.TrimRight(line, "\r\n"); len(t) >= 5 && bytes.EqualFold(t[:4], []byte("sep=")) {
		if c, size := utf8.DecodeRune(t[4:]); 4+size == len(t) && c != utf8.RuneError && c != '"' {
			_, _ = br.Discard(len(line))
			in.skipped = 1
			if comma == 0 {
				comma = c
			}
			peek, _ = br.Peek(peekSize)
			line = firstLine(peek)
		}
	}
	if comma == 0 {
		comma = sniff(line)
	}
	in.r, in.comma = br, comma
	return in, nil
}

// firstLine returns the bytes up to and including the first LF outside
// quotes, or all of b.
func firstLine(b []byte) []byte {
	quoted := false
	for i, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return b[:i+1]
			}
		}
	}
	return b
}

// sniff picks the delimiter of a header line.
func sniff(line []byte) rune {
	var n [4]int
	cands := [4]rune{',', ';', '\t', '|'}
	quoted := false
	for _, c := range line {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		for i, d := range cands {
			if rune(c) == d {
				n[i]++
			}
		}
	}
	best := 0
	for i := range cands {
		if n[i] > n[best] {
			best = i
		}
	}
	return cands[best]
}

// utf16Reader transcodes UTF-16 (after its byte order mark) to UTF-8.
// Unpaired surrogates and a dangling last byte become U+FFFD.
type utf16Reader struct {
	r       *bufio.Reader
	big     bool
	pending []byte // UTF-8 not yet returned
	back    int    // a code unit read ahead, plus one; 0 when there is none
	err     error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.pending) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.pending)
	u.pending = u.pending[n:]
	return n, nil
}

func (u *utf16Reader) unit() (rune, error) {
	if u.back > 0 {
		c := rune(u.back - 1)
		u.back = 0
		return c, nil
	}
	var b [2]byte
	if _, err := io.ReadFull(u.r, b[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return utf8.RuneError, nil
		}
		return 0, err
	}
	if u.big {
		return rune(b[0])<<8 | rune(b[1]), nil
	}
	return rune(b[1])<<8 | rune(b[0]), nil
}

// fill decodes up to 1024 code units.
func (u *utf16Reader) fill() {
	buf := u.pending[:0]
	for range 1024 {
		r, err := u.unit()
		if err != nil {
			u.err = err
			break
		}
		switch {
		case r >= 0xD800 && r < 0xDC00: // a high surrogate: its pair should follow
			lo, err := u.unit()
			switch {
			case err != nil:
				u.err = err
				r = utf8.RuneError
			case lo >= 0xDC00 && lo < 0xE000:
				r = utf16.DecodeRune(r, lo)
			default:
				u.back = int(lo) + 1
				r = utf8.RuneError
			}
		case r >= 0xDC00 && r < 0xE000:
			r = utf8.RuneError
		}
		buf = utf8.AppendRune(buf, r)
		if u.err != nil {
			break
		}
	}
	u.pending = buf
}

// crReader turns every CR into LF (files from old Mac spreadsheets).
type crReader struct{ r io.Reader }

func (c *crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// errRecordTooLarge stops a file with a runaway record, usually a quote
// that is never closed.
var errRecordTooLarge = errors.New("record too large")

// guard caps how far the CSV reader may read past the end of the last
// record, so that memory stays bounded whatever the file holds. It keeps
// the bytes it handed out since the last discard, so that a record the CSV
// reader rejects can be kept as written.
type guard struct {
	r     io.Reader
	n     int64 // bytes read
	limit int64 // n may not pass this
	buf   []byte
	base  int64 // the offset of buf[0]
}

func (g *guard) Read(p []byte) (int, error) {
	if g.n >= g.limit {
		return 0, errRecordTooLarge
	}
	if rest := g.limit - g.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.r.Read(p)
	g.buf = append(g.buf, p[:n]...)
	g.n += int64(n)
	return n, err
}

// text returns the bytes from offset from to offset to, as far as they
// are still kept. The slice is valid until the next discard.
func (g *guard) text(from, to int64) []byte {
	from, to = max(from, g.base), min(to, g.base+int64(len(g.buf)))
	if from >= to {
		return nil
	}
	return g.buf[from-g.base : to-g.base]
}

// discardAt is how many bytes may be forgotten before they are dropped: a
// copy of what follows them (at most a read-ahead) is then cheap.
const discardAt = 32 << 10

// discard forgets the bytes before offset to.
func (g *guard) discard(to int64) {
	k := min(to-g.base, int64(len(g.buf)))
	if k < discardAt && k < int64(len(g.buf)) {
		return
	}
	n := copy(g.buf, g.buf[k:])
	g.buf = g.buf[:n]
	g.base += k
}

// cp1252 is Windows-1252 from 0x80 to 0x9F; the other bytes above 0x7F are
// Latin-1.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

// fixEncoding returns s unchanged when it is UTF-8; otherwise each byte
// that is not part of a UTF-8 sequence is read as Windows-1252, the
// encoding of spreadsheets saved as "CSV" by older Excel versions.
func fixEncoding(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+len(s)/4)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			c := s[i]
			if c >= 0x80 && c < 0xA0 {
				r = cp1252[c-0x80]
			} else {
				r = rune(c)
			}
			size = 1
		}
		b = utf8.AppendRune(b, r)
		i += size
	}
	return string(b)
}
