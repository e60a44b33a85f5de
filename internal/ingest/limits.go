package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Defaults of the input limits. They are sized for the million-row files
// of BENCHMARKS.md (a 16 MB XLSX whose parts unzip to about 200 MB) with
// room to spare, and keep one submission's memory bounded whatever it
// claims to hold.
const (
	// DefaultMaxUnzippedBytes bounds what an XLSX unzips to, all parts together.
	DefaultMaxUnzippedBytes = 512 << 20
	// DefaultMaxCellBytes bounds one cell, value or XML tag: Excel itself
	// holds at most 32,767 characters in a cell.
	DefaultMaxCellBytes = 128 << 10
	// DefaultMaxCells bounds the cells of one sheet.
	DefaultMaxCells = 50_000_000
	// maxInMemoryPart bounds the parts other than worksheets and shared
	// strings (styles, the workbook, relationships): they are small in any
	// workbook Excel or WPS writes, and a large one is not a data sheet.
	maxInMemoryPart = 16 << 20
)

// limits bound one submission while it is read.
type limits struct {
	maxRows          int
	maxUnzippedBytes int64
	maxCellBytes     int
	maxCells         int
	tempDir          string // for a large XLSX's shared strings; "" is the system's
	// precheck: checkXLSX already ran on the submission, with this result.
	precheck bool
	checked  error
}

func (l limits) withDefaults() limits {
	if l.maxRows <= 0 {
		l.maxRows = DefaultMaxRows
	}
	if l.maxUnzippedBytes <= 0 {
		l.maxUnzippedBytes = DefaultMaxUnzippedBytes
	}
	if l.maxCellBytes <= 0 {
		l.maxCellBytes = DefaultMaxCellBytes
	}
	if l.maxCells <= 0 {
		l.maxCells = DefaultMaxCells
	}
	return l
}

// ErrLimit is wrapped by every refusal of an input over a limit, for errors.Is.
var ErrLimit = errors.New("input over a limit")

// limitError is a refusal that names the limit, in Chinese and English.
type limitError struct {
	zh, en string
}

func (e *limitError) Error() string { return e.zh + "\n" + e.en }

// limitAdvice is err's message with advice appended to each of its lines
// when err is a limitError, else err's message and then the advice.
func limitAdvice(err error, zh, en string) string {
	var le *limitError
	if errors.As(err, &le) {
		return le.zh + "：" + zh + "\n" + le.en + ": " + en
	}
	return err.Error() + "：" + zh + "\n" + en
}
func (e *limitError) Unwrap() error { return ErrLimit }

func overLimit(zh, en string, args ...any) *limitError {
	return &limitError{zh: fmt.Sprintf(zh, args...), en: fmt.Sprintf(en, args...)}
}

// checkXLSX looks at an XLSX before it is read (openXLSX): the central
// directory's sizes first (nothing unzipped), then every part streamed
// through a scanner that stops at the first cell, value or tag longer than
// the limit, and at the first byte beyond what the directory declared
// (archive/zip refuses to read past the declared size). Memory stays at
// one read buffer whatever the file holds.
func checkXLSX(body []byte, l limits) error {
	_, err := checkXLSXRows(body, l)
	return err
}

// checkXLSXRows is checkXLSX that also bounds the figures the workbook
// can hold: a figure takes a row and at least three cells (indicator,
// period, value), so no sheet holds more than the fewer of its rows and a
// third of its cells.
func checkXLSXRows(body []byte, l limits) (figures int, err error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return 0, nil // not a zip: openXLSX says so in its own words
	}
	var total uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		if total > uint64(l.maxUnzippedBytes) || size > uint64(l.maxUnzippedBytes) {
			return 0, overLimit("XLSX 解压后超过 %d MiB 的上限（%s 单独即有 %d MiB）",
				"the XLSX unzips to more than the limit of %d MiB (%s alone is %d MiB)",
				l.maxUnzippedBytes>>20, kpi.ExcerptN(f.Name, 60), size>>20)
		}
		if !streamedPart(f.Name) && size > maxInMemoryPart {
			return 0, overLimit("XLSX 中的 %s 解压后有 %d MiB，超过 %d MiB 的上限",
				"the XLSX part %s unzips to %d MiB, over the limit of %d MiB",
				kpi.ExcerptN(f.Name, 60), size>>20, maxInMemoryPart>>20)
		}
	}
	buf := make([]byte, 64<<10)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		sc := &xmlScanner{maxRun: l.maxCellBytes, maxCells: l.maxCells, countCells: strings.HasPrefix(f.Name, "xl/worksheets/")}
		if err := scanPart(f, sc, buf); err != nil {
			return 0, err
		}
		if sc.countCells {
			figures = max(figures, min(sc.rows, sc.cells/3))
		}
	}
	return figures, nil
}

// streamedPart reports whether the part may be large: a worksheet, or the
// shared strings (which go to a table on disk when large).
func streamedPart(name string) bool {
	return strings.HasPrefix(name, "xl/worksheets/") || name == "xl/sharedStrings.xml"
}

func scanPart(f *zip.File, sc *xmlScanner, buf []byte) error {
	rc, err := f.Open()
	if err != nil {
		return nil // openXLSX reports an unreadable part in its own words
	}
	defer rc.Close()
	for {
		n, err := rc.Read(buf)
		if serr := sc.scan(buf[:n]); serr != nil {
			return fmt.Errorf("%s: %w", f.Name, serr)
		}
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum):
			return overLimit("XLSX 中的 %s 与其声明的大小或校验和不符（文件已损坏或被篡改）",
				"the XLSX part %s does not match its declared size or checksum (damaged or forged)", kpi.ExcerptN(f.Name, 60))
		case err != nil:
			return nil // a damaged deflate stream: the reader reports it
		}
	}
}

// xmlScanner measures the runs of an XML stream between '<' and '>' (tags)
// and between '>' and '<' (text: a cell's value, a shared string), and
// counts cell elements, without decoding anything.
type xmlScanner struct {
	maxRun, maxCells int
	countCells       bool

	inTag bool
	run   int      // bytes of the current tag or text
	head  [16]byte // a tag's first bytes, to spot <c …> and <row …>
	cells int
	rows  int
}

func (s *xmlScanner) scan(b []byte) error {
	for len(b) > 0 {
		if !s.inTag {
			i := bytes.IndexByte(b, '<')
			if i < 0 {
				s.run += len(b)
				return s.checkRun()
			}
			s.run += i
			if err := s.checkRun(); err != nil {
				return err
			}
			s.inTag, s.run = true, 0
			b = b[i+1:]
			continue
		}
		i := bytes.IndexByte(b, '>')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		for k := 0; k < len(part) && s.run+k < len(s.head); k++ {
			s.head[s.run+k] = part[k]
		}
		s.run += len(part)
		if err := s.checkRun(); err != nil {
			return err
		}
		if i < 0 {
			return nil
		}
		if s.countCells {
			if name := s.tagName(); string(name) == "c" {
				if s.cells++; s.cells > s.maxCells {
					return overLimit("工作表超过 %d 个单元格的上限", "the sheet has more than the limit of %d cells", s.maxCells)
				}
			} else if string(name) == "row" {
				s.rows++
			}
		}
		s.inTag, s.run, s.head = false, 0, [16]byte{}
		b = b[i+1:]
	}
	return nil
}

// tagName is the local name of the tag just read (its prefix removed), as
// far as head holds it.
func (s *xmlScanner) tagName() []byte {
	h := s.head[:min(s.run, len(s.head))]
	if i := bytes.IndexAny(h, " \t\r\n/"); i >= 0 {
		h = h[:i]
	} else if s.run > len(s.head) {
		return nil // longer than any name looked for
	}
	if i := bytes.IndexByte(h, ':'); i >= 0 {
		h = h[i+1:]
	}
	return h
}

func (s *xmlScanner) checkRun() error {
	if s.run > s.maxRun {
		return overLimit("单元格内容超过 %d KiB 的上限（Excel 的单元格最多 32767 个字符）",
			"a cell, value or tag is longer than the limit of %d KiB (an Excel cell holds at most 32,767 characters)", s.maxRun>>10)
	}
	return nil
}
