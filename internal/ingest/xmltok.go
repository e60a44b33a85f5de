package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlToken kinds.
const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText
)

// xmlTokens reads the XML of an XLSX part one token at a time, for the
// few element kinds a workbook's parts use. It is not a validating parser:
// encoding/xml allocates a token per element and reads a sheet of a
// million rows, or a table of 25 million shared strings, many times slower,
// which turns a small hostile file into a minute of CPU. Memory stays at
// the read buffer plus the longest tag or text run, which maxRun bounds.
type xmlTokens struct {
	r      *bufio.Reader
	maxRun int

	kind      int
	name      []byte // local name of a start or end tag (prefix removed)
	attrs     []byte // a start tag's attributes, raw
	selfClose bool   // <x/>: no end token follows
	text      []byte // raw text (entities not yet decoded)
	cdata     bool   // text came from a CDATA section: no entities

	buf []byte
	tag []byte
}

func newXMLTokens(r io.Reader, maxRun int) *xmlTokens {
	return &xmlTokens{r: bufio.NewReaderSize(r, 64<<10), maxRun: maxRun}
}

var errRunTooLong = errors.New("xml run too long")

// readUntil reads up to and including delim into t.buf, refusing a run
// longer than maxRun.
func (t *xmlTokens) readUntil(delim byte) ([]byte, error) {
	t.buf = t.buf[:0]
	for {
		b, err := t.r.ReadSlice(delim)
		if len(t.buf)+len(b) > t.maxRun+16 {
			return nil, errRunTooLong
		}
		if err == bufio.ErrBufferFull {
			t.buf = append(t.buf, b...)
			continue
		}
		if len(t.buf) == 0 {
			return b, err // b is the reader's buffer: valid until the next read
		}
		t.buf = append(t.buf, b...)
		return t.buf, err
	}
}

// next reads the next token; text between tags is reported only when
// not empty.
func (t *xmlTokens) next() (int, error) {
	if t.selfClose {
		t.selfClose = false
		t.kind = tokEnd
		return tokEnd, nil
	}
	for {
		c, err := t.r.ReadByte()
		if err == io.EOF {
			t.kind = tokEOF
			return tokEOF, nil
		}
		if err != nil {
			return tokEOF, err
		}
		if c != '<' {
			t.r.UnreadByte()
			b, err := t.readUntil('<')
			if err != nil && err != io.EOF {
				return tokEOF, err
			}
			if err == nil {
				t.r.UnreadByte()
				b = b[:len(b)-1]
			}
			t.kind, t.text, t.cdata = tokText, b, false
			return tokText, nil
		}
		b, err := t.readTag()
		if err != nil {
			return tokEOF, err
		}
		switch {
		case len(b) == 0:
			return tokEOF, errors.New("empty tag")
		case b[0] == '?': // <?xml …?>, processing instructions
			continue
		case b[0] == '!':
			if bytes.HasPrefix(b, []byte("![CDATA[")) {
				text, err := t.finish(b, "]]")
				if err != nil {
					return tokEOF, err
				}
				t.kind, t.text, t.cdata = tokText, text[len("![CDATA["):len(text)-2], true
				return tokText, nil
			}
			if bytes.HasPrefix(b, []byte("!--")) {
				if _, err := t.finish(b, "--"); err != nil {
					return tokEOF, err
				}
			}
			continue // <!DOCTYPE …>: no DTD is applied
		case b[0] == '/':
			t.kind, t.name = tokEnd, localName(bytes.TrimSpace(b[1:]))
			return tokEnd, nil
		}
		if b[len(b)-1] == '/' {
			t.selfClose = true
			b = b[:len(b)-1]
		}
		i := bytes.IndexAny(b, " \t\r\n")
		if i < 0 {
			i = len(b)
		}
		t.kind, t.name, t.attrs = tokStart, localName(b[:i]), b[i:]
		return tokStart, nil
	}
}

// readTag reads after '<' up to the '>' that ends the tag (a '>' inside a
// quoted attribute value does not) and returns what is between. The quote
// state is carried across reads, so a long tag costs one pass.
func (t *xmlTokens) readTag() ([]byte, error) {
	t.tag = t.tag[:0]
	var q byte
	for {
		b, err := t.r.ReadSlice('>')
		for _, c := range b {
			switch {
			case q != 0 && c == q:
				q = 0
			case q == 0 && (c == '"' || c == '\''):
				q = c
			}
		}
		t.tag = append(t.tag, b...)
		if len(t.tag) > t.maxRun+16 {
			return nil, errRunTooLong
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return nil, io.ErrUnexpectedEOF
		case err != nil:
			return nil, err
		}
		if q == 0 {
			return t.tag[:len(t.tag)-1], nil
		}
	}
}

// finish reads on until the tag body b (without its '>') ends with end,
// for comments and CDATA sections, which may hold '>'.
func (t *xmlTokens) finish(b []byte, end string) ([]byte, error) {
	for !bytes.HasSuffix(b, []byte(end)) {
		b = append(b, '>') // the '>' read last belongs to the content
		for {
			more, err := t.r.ReadSlice('>')
			b = append(b, more...)
			if len(b) > t.maxRun+16 {
				return nil, errRunTooLong
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			if err != nil {
				return nil, err
			}
			break
		}
		b = b[:len(b)-1] // the '>' this read stopped at
	}
	return b, nil
}

func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// is reports whether the current tag's local name is name.
func (t *xmlTokens) is(name string) bool { return string(t.name) == name }

// attr returns the raw value of the current start tag's attribute whose
// local name is name, and whether it was there.
func (t *xmlTokens) attr(name string) ([]byte, bool) {
	a := t.attrs
	for {
		a = bytes.TrimLeft(a, " \t\r\n")
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		key := bytes.TrimSpace(a[:eq])
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return nil, false
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return nil, false
		}
		val := a[1 : 1+end]
		a = a[2+end:]
		if string(localName(key)) == name && (name != "id" || bytes.IndexByte(key, ':') >= 0) {
			return val, true
		}
	}
}

// appendText appends the current text token to dst, entities decoded.
func (t *xmlTokens) appendText(dst []byte) []byte {
	if t.cdata {
		return append(dst, t.text...)
	}
	return appendUnescaped(dst, t.text)
}

// appendUnescaped decodes the five named entities and character
// references; anything else is kept as written.
func appendUnescaped(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		semi := bytes.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			dst = append(dst, '&')
			s = s[1:]
			continue
		}
		ent := string(s[1:semi])
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				dst = append(dst, s[:semi+1]...)
				s = s[semi+1:]
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		s = s[semi+1:]
	}
}

func charRef(ent string) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' || ent[1] == 'X' {
		n, err = strconv.ParseUint(ent[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(ent[1:], 10, 32)
	}
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true
}
