package ingest

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unicode"
	"unicode/utf8"
)

// sharedStringsInMemory is the largest sharedStrings part (unzipped) whose
// strings are kept in memory; a larger one goes to a table on disk. The
// table in memory costs its text plus 4 bytes a string.
const sharedStringsInMemory = 8 << 20

// nonBlankBit marks, in a string's end offset, that it holds something
// other than white space (a part is far below 2 GiB).
const nonBlankBit = 1 << 31

// sharedStrings is a workbook's table of strings, read once from its part
// and looked up by index as the sheet is read, so only the strings of the
// cells kept are ever Go strings. A small table lives in memory (its text
// in one block); a large one in a temporary file in the data directory,
// unlinked as soon as it is created, so a crash leaves nothing behind.
type sharedStrings struct {
	n    int
	text []byte   // in memory: every string, end to end
	ends []uint32 // in memory: where each ends in text (| nonBlankBit)

	file  *os.File // on disk: the text, then the ends (4 bytes each)
	index int64    // on disk: where the ends begin
	buf   [8]byte
}

// noStrings is the table of a workbook without a sharedStrings part.
var noStrings = &sharedStrings{}

// readSharedStrings reads the part into a table, in memory when small.
func readSharedStrings(f *zip.File, tempDir string, l limits) (*sharedStrings, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := newStringsBuilder(f.UncompressedSize64, tempDir)
	if err != nil {
		return nil, err
	}
	defer b.closeEnds()
	fail := func(err error) (*sharedStrings, error) {
		b.s.close()
		return nil, err
	}
	var (
		tok                 = newXMLTokens(rc, l.maxCellBytes)
		inSI, inT, phonetic bool
		cur                 []byte
	)
	for {
		kind, err := tok.next()
		if err != nil {
			return fail(xmlError(f.Name, err, l))
		}
		if kind == tokEOF {
			break
		}
		switch {
		case kind == tokStart && tok.is("si"):
			inSI, cur = true, cur[:0]
		case kind == tokStart && tok.is("rPh"): // phonetic guide: not the cell's text
			phonetic = true
		case kind == tokEnd && tok.is("rPh"):
			phonetic = false
		case kind == tokStart && tok.is("t"):
			inT = inSI && !phonetic
		case kind == tokEnd && tok.is("t"):
			inT = false
		case kind == tokText && inT:
			cur = tok.appendText(cur)
			if len(cur) > l.maxCellBytes {
				return fail(cellTooLong(l))
			}
		case kind == tokEnd && tok.is("si"):
			inSI = false
			if err := b.add(cur); err != nil {
				return fail(err)
			}
		}
	}
	if err := b.finish(); err != nil {
		return fail(err)
	}
	return b.s, nil
}

// stringsBuilder fills a table as its strings are read: in memory, or
// (a part larger than sharedStringsInMemory) the text in the table's
// file and the ends in a second one, copied after the text at the end.
type stringsBuilder struct {
	s    *sharedStrings
	disk *bufio.Writer // nil: in memory
	ends *os.File
	endW *bufio.Writer
	size int64 // bytes of text so far
}

func newStringsBuilder(partSize uint64, tempDir string) (*stringsBuilder, error) {
	b := &stringsBuilder{s: &sharedStrings{}}
	if partSize <= sharedStringsInMemory {
		b.s.text = make([]byte, 0, min(int(partSize), sharedStringsInMemory))
		return b, nil
	}
	var err error
	if b.s.file, err = tempFile(tempDir); err != nil {
		return nil, err
	}
	if b.ends, err = tempFile(tempDir); err != nil {
		b.s.close()
		return nil, err
	}
	b.disk, b.endW = bufio.NewWriterSize(b.s.file, 64<<10), bufio.NewWriterSize(b.ends, 64<<10)
	return b, nil
}

// add appends one string.
func (b *stringsBuilder) add(cur []byte) error {
	end := uint32(b.size + int64(len(cur)))
	if b.size+int64(len(cur)) >= nonBlankBit {
		return overLimit("XLSX 的共享字符串过长", "the XLSX's shared strings are too long")
	}
	if !isBlank(cur) {
		end |= nonBlankBit
	}
	b.size += int64(len(cur))
	b.s.n++
	if b.disk == nil {
		b.s.text = append(b.s.text, cur...)
		b.s.ends = append(b.s.ends, end)
		return nil
	}
	if _, err := b.disk.Write(cur); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	binary.LittleEndian.PutUint32(b.s.buf[:4], end)
	if _, err := b.endW.Write(b.s.buf[:4]); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	return nil
}

// finish puts the ends after the text in the table's file.
func (b *stringsBuilder) finish() error {
	if b.disk == nil {
		return nil
	}
	if err := b.endW.Flush(); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	if _, err := b.ends.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	if _, err := io.Copy(b.disk, b.ends); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	if err := b.disk.Flush(); err != nil {
		return fmt.Errorf("write shared strings: %w", err)
	}
	b.s.index = b.size
	return nil
}

// closeEnds closes the file of the ends (unlinked: it goes with it).
func (b *stringsBuilder) closeEnds() {
	if b.ends != nil {
		b.ends.Close()
	}
}

// tempFile creates a file in dir (the system's when empty) and unlinks
// it at once: it lives as long as it is open, and not after a crash.
func tempFile(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, TempPattern)
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("unlink temporary file: %w", err)
	}
	return f, nil
}

// TempPattern names the ingester's temporary files (os.CreateTemp), so
// that start-up can remove any a crash left between creation and unlink.
const TempPattern = "kpimon-ingest-*"

func (s *sharedStrings) close() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}

// bounds returns where string i lies in the text and whether it is blank.
func (s *sharedStrings) bounds(i int) (start, end int64, blank bool, err error) {
	if i < 0 || i >= s.n {
		return 0, 0, true, nil // Excel and excelize read a missing string as empty
	}
	var prev, cur uint32
	if s.file == nil {
		cur = s.ends[i]
		if i > 0 {
			prev = s.ends[i-1]
		}
	} else {
		at, b := s.index+4*int64(i), s.buf[4:8]
		if i > 0 {
			at, b = at-4, s.buf[:8]
		}
		if _, err := s.file.ReadAt(b, at); err != nil {
			return 0, 0, true, fmt.Errorf("read shared strings: %w", err)
		}
		if i > 0 {
			prev = binary.LittleEndian.Uint32(s.buf[:4])
		}
		cur = binary.LittleEndian.Uint32(s.buf[4:8])
	}
	return int64(prev &^ nonBlankBit), int64(cur &^ nonBlankBit), cur&nonBlankBit == 0, nil
}

// get returns up to maxBytes of string i (cut at a rune boundary) and
// whether the whole string is blank.
func (s *sharedStrings) get(i, maxBytes int) (string, bool, error) {
	start, end, blank, err := s.bounds(i)
	if err != nil || blank {
		return "", blank, err
	}
	end = min(end, start+int64(maxBytes))
	if s.file == nil {
		return cutRunes(string(s.text[start:end])), false, nil
	}
	b := make([]byte, end-start)
	if _, err := s.file.ReadAt(b, start); err != nil {
		return "", false, fmt.Errorf("read shared strings: %w", err)
	}
	return cutRunes(string(b)), false, nil
}

// cutRunes drops a rune cut in half at the end.
func cutRunes(s string) string {
	for i := 0; i < utf8.UTFMax && len(s) > 0; i++ {
		if r, _ := utf8.DecodeLastRuneInString(s); r != utf8.RuneError {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

func isBlank(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if !unicode.IsSpace(r) {
			return false
		}
		b = b[n:]
	}
	return true
}

func cellTooLong(l limits) error {
	return overLimit("单元格内容超过 %d KiB 的上限（Excel 的单元格最多 32767 个字符）",
		"a cell is longer than the limit of %d KiB (an Excel cell holds at most 32,767 characters)", l.maxCellBytes>>10)
}
