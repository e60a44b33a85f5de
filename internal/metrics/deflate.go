package metrics

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// The stored exposition is raw deflate data that a scrape frames as ONE
// gzip member (RFC 1952): a 10-byte header, the stored data, the live part
// compressed per request and closed with the final block, then the CRC-32
// and length of the whole text. Several concatenated gzip members are valid
// gzip too, but libcurl (curl --compressed) and other clients stop after
// the first member and silently drop the rest.
//
// Blocks of the text are compressed in parallel (as pigz does): each ends
// with a sync flush (an empty stored block) so it stops on a byte boundary
// without being the final block, and such blocks concatenate into one
// deflate stream. Each block's CRC-32 is computed beside it and the CRCs
// are combined (crc32Combine), so the text is never held uncompressed.

// deflated is compressed text that is not yet final, with the CRC-32
// (IEEE) and length of the text it holds.
type deflated struct {
	data []byte
	crc  uint32
	n    int64
}

// append joins d and e: e's text follows d's.
func (d deflated) append(e deflated) deflated {
	return deflated{
		data: append(d.data, e.data...),
		crc:  crc32Combine(d.crc, e.crc, e.n),
		n:    d.n + e.n,
	}
}

// gzipHeader is a gzip member header: deflate, no flags, no time, no extra
// flags, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalEmptyBlock is a final stored deflate block of no bytes: what ends a
// stream whose last block was sync-flushed.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// writeGzip writes one gzip member holding stored's text followed by tail:
// stored as it is, tail compressed here.
func writeGzip(w io.Writer, stored deflated, tail []byte) error {
	if _, err := w.Write(gzipHeader); err != nil {
		return err
	}
	if _, err := w.Write(stored.data); err != nil {
		return err
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := fw.Write(tail); err != nil {
		return err
	}
	if err := fw.Close(); err != nil { // the final block
		return err
	}
	n := stored.n + int64(len(tail))
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32Combine(stored.crc, crc32.ChecksumIEEE(tail), int64(len(tail))))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(n)) // ISIZE is the length mod 2^32
	_, err = w.Write(trailer[:])
	return err
}

// inflate returns a reader of d's text.
func (d deflated) inflate() io.ReadCloser {
	return flate.NewReader(io.MultiReader(bytes.NewReader(d.data), bytes.NewReader(finalEmptyBlock)))
}

// parallelDeflate compresses what is written to it in blocks of
// deflateBlock bytes, each on its own goroutine (at most workers at a
// time), and joins them in order. Each block loses the dictionary of the
// previous one, which costs well under 1% at this block size.
type parallelDeflate struct {
	block  int
	buf    []byte
	sem    chan struct{}
	blocks []chan deflateResult
}

type deflateResult struct {
	d   deflated
	err error
}

const deflateBlock = 4 << 20

// newParallelDeflate compresses blocks of block bytes (deflateBlock if 0)
// on at most workers goroutines.
func newParallelDeflate(workers, block int) *parallelDeflate {
	if block <= 0 {
		block = deflateBlock
	}
	return &parallelDeflate{block: block, sem: make(chan struct{}, max(1, workers))}
}

func (p *parallelDeflate) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if p.buf == nil {
			p.buf = make([]byte, 0, p.block)
		}
		k := min(len(b), p.block-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == p.block {
			p.flush()
		}
	}
	return n, nil
}

func (p *parallelDeflate) flush() {
	block := p.buf
	p.buf = nil
	done := make(chan deflateResult, 1)
	p.blocks = append(p.blocks, done)
	p.sem <- struct{}{}
	go func() {
		defer func() { <-p.sem }()
		d, err := deflateBlockOf(block)
		done <- deflateResult{d, err}
	}()
}

// deflateBlockOf compresses text at BestSpeed, ending on a sync flush.
func deflateBlockOf(text []byte) (deflated, error) {
	var out bytes.Buffer
	out.Grow(len(text)/16 + 64)
	fw, err := flate.NewWriter(&out, flate.BestSpeed)
	if err == nil {
		_, err = fw.Write(text)
	}
	if err == nil {
		err = fw.Flush()
	}
	if err != nil {
		return deflated{}, fmt.Errorf("deflate: %w", err)
	}
	return deflated{data: out.Bytes(), crc: crc32.ChecksumIEEE(text), n: int64(len(text))}, nil
}

// Close compresses what is left and returns the joined blocks.
func (p *parallelDeflate) Close() (deflated, error) {
	if len(p.buf) > 0 {
		p.flush()
	}
	results := make([]deflateResult, len(p.blocks))
	size := 0
	var err error
	for i, b := range p.blocks {
		results[i] = <-b
		size += len(results[i].d.data)
		if results[i].err != nil && err == nil {
			err = results[i].err
		}
	}
	if err != nil {
		return deflated{}, err
	}
	out := deflated{data: make([]byte, 0, size), crc: 0}
	for _, r := range results {
		out = out.append(r.d)
	}
	return out, nil
}

// crc32Combine returns the CRC-32 (IEEE) of A followed by B from crcA,
// crcB and the length of B, as zlib's crc32_combine does: appending lenB
// zero bytes to A is a linear map on the CRC register, applied by
// repeated squaring of the one-zero-bit operator over GF(2).
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32 // operators for 2^k zero bits
	odd[0] = 0xedb88320      // the reversed IEEE polynomial: one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // first pass: one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}
