package ingest

import (
	"bytes"
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/semaphore"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// DefaultIngestMemory is the memory all submissions being read at once may
// hold together (--limits.ingest-memory): well under a small server's
// memory, and room for a million-figure submission.
const DefaultIngestMemory = 1 << 30

// DefaultIngestWait is how long a submission waits for its share of the
// budget before it is refused as busy.
const DefaultIngestWait = 2 * time.Minute

// What reading a submission may hold beyond its body, by format: the
// XLSX reader's buffers, an in-memory shared-strings table (at most
// sharedStringsInMemory of text and 4 bytes a string) and the widest row
// before the header; a decoder's buffers for CSV and JSON.
const (
	xlsxReadBytes = 2*sharedStringsInMemory + 4<<20
	textReadBytes = 1 << 20
	// obsBytes is what one good figure costs until it is stored, with
	// room to spare: its 40-byte record (figureList), its slot in the
	// duplicate index (a 16-byte key and an int, ~30 bytes presized).
	// The store writes in batches of a bounded size and keeps a summary
	// receipt, so it adds no per-figure cost; notes are charged with the
	// file's size (they are copies of its text). It was 512 when a figure
	// was a 160-byte kpi.Observation plus an outcome and the store held a
	// whole file's pages: an 800,000-row JSON of 63.5 MB, under the upload
	// limit, was refused as needing 1,030 MiB.
	obsBytes = 128
	// minRowBytes are the fewest bytes a figure takes in each format
	// (indicator, period and value), so a file's size bounds its figures.
	minCSVRowBytes  = 8
	minJSONRowBytes = 32
	minXLSXRowBytes = 48
)

// budget admits submissions while what they may hold fits the memory
// budget; the rest wait their turn (first come, first served) up to a bound.
type budget struct {
	sem   *semaphore.Weighted
	total int64
	wait  time.Duration
}

func newBudget(total int64, wait time.Duration) *budget {
	if total <= 0 {
		total = DefaultIngestMemory
	}
	if wait <= 0 {
		wait = DefaultIngestWait
	}
	return &budget{sem: semaphore.NewWeighted(total), total: total, wait: wait}
}

// acquire waits for n bytes of the budget; the returned func gives them back.
func (b *budget) acquire(ctx context.Context, u kpi.Upload, n int64) (func(), error) {
	if n > b.total {
		return nil, &kpi.Error{Code: kpi.EINVALID, Message: fmt.Sprintf(
			"%s 读取时可能需要 %d MiB 内存，超过导入内存上限 %d MiB：请拆分后分批提交\n"+
				"%s may need %d MiB to read, more than the whole ingest memory budget (limits.ingest-memory) of %d MiB: split it",
			name(u), n>>20, b.total>>20, name(u), n>>20, b.total>>20)}
	}
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &kpi.Error{Code: kpi.EUNAVAILABLE, Message: fmt.Sprintf(
			"正在读取的其他提交已占满导入内存上限（%d MiB），%s 等候 %s 后仍未轮到：请稍后重新提交\n"+
				"other submissions being read hold the whole ingest memory budget (limits.ingest-memory, %d MiB); %s waited %s: submit again later",
			b.total>>20, name(u), b.wait, b.total>>20, name(u), b.wait)}
	}
	return func() { b.sem.Release(n) }, nil
}

// charge is what reading u may hold at most: the reader's own buffers for
// its format, and a good figure's cost for as many figures as the file
// can hold (by its size) and the catalog can take (maxObs distinct
// indicator-periods), whichever is fewer, within the row limit; and that
// number of figures.
//
// xlsxFigures is checkXLSXRows' bound for an XLSX.
func charge(u kpi.Upload, l limits, maxObs, xlsxFigures int) (held int64, figures int) {
	var read int64
	var rows int
	switch detectFormat(u) {
	case FormatXLSX:
		read = xlsxReadBytes + 2*int64(l.maxCellBytes) + explanationsHeld
		rows = xlsxFigures
	case FormatJSON:
		// A field is decoded whole: at worst the body is one string; the
		// notes kept are copies of it.
		read = textReadBytes + 2*int64(len(u.Body))
		rows = len(u.Body)/minJSONRowBytes + 1
	default:
		// The notes kept are copies of the text: at most its size.
		read = textReadBytes + 4*int64(l.maxCellBytes) + int64(len(u.Body))
		if !utf8.Valid(bytes.TrimPrefix(u.Body, utf8BOM)) {
			read += 2 * int64(len(u.Body)) // decoded from GBK into a copy
		}
		rows = min(bytes.Count(u.Body, []byte{'\n'})+1, len(u.Body)/minCSVRowBytes+1)
	}
	held, figures = figuresCharge(rows, l, maxObs)
	return read + held, figures
}

// figuresCharge is what holding the good figures of a submission of rows
// rows costs until they are stored: a good figure's cost for each row,
// within the row limit and the catalog's maxObs distinct indicator-periods
// (-1: no bound); and that number of figures. Both the read files (charge)
// and the rows already decoded (IngestRows) are charged by it.
func figuresCharge(rows int, l limits, maxObs int) (held int64, figures int) {
	figures = min(rows, l.maxRows)
	if maxObs >= 0 {
		figures = min(figures, maxObs)
	}
	return int64(figures) * obsBytes, figures
}
