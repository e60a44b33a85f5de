package metrics

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
)

// The stored exposition is raw deflate data that a scrape frames as ONE
// gzip member (RFC 1952): a 10-byte header, the stored data, the live part
// compressed per request and closed with the final block, then the CRC-32
// and length of the whole text. Several concatenated gzip members are valid
// gzip too, but libcurl (curl --compressed) and other clients stop after
// the first member and silently drop the rest.
//
// Segments of the text are compressed apart, in parallel (as pigz does):
// each ends with a sync flush (an empty stored block) so it stops on a
// byte boundary without being the final block, and such segments
// concatenate into one deflate stream. Each segment's CRC-32 is computed
// beside it and the CRCs are combined (crc32Combine), so the text is never
// held uncompressed.

// deflated is the CRC-32 (IEEE) and length of a text.
type deflated struct {
	crc uint32
	n   int64
}

// deflatedSegments is compressed text in sync-flushed segments, not yet
// final, with the CRC-32 and length of the whole text.
type deflatedSegments struct {
	segments []*segment
	crc      uint32
	n        int64
}

// gzipHeader is a gzip member header: deflate, no flags, no time, no extra
// flags, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalEmptyBlock is a final stored deflate block of no bytes: what ends a
// stream whose last block was sync-flushed.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// writeGzip writes one gzip member holding stored's text followed by tail:
// stored as it is, tail compressed here.
func writeGzip(w io.Writer, stored deflatedSegments, tail []byte) error {
	if _, err := w.Write(gzipHeader); err != nil {
		return err
	}
	for _, s := range stored.segments {
		if _, err := w.Write(s.data); err != nil {
			return err
		}
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
func (d deflatedSegments) inflate() io.ReadCloser {
	rs := make([]io.Reader, 0, len(d.segments)+1)
	for _, s := range d.segments {
		rs = append(rs, bytes.NewReader(s.data))
	}
	rs = append(rs, bytes.NewReader(finalEmptyBlock))
	return flate.NewReader(io.MultiReader(rs...))
}

// compressor compresses segments at BestSpeed, each ending on a sync
// flush, reusing one flate writer (making one allocates about 1 MB).
type compressor struct {
	fw *flate.Writer
}

func newCompressor() *compressor { return &compressor{} }

func (c *compressor) deflate(text []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(text)/8 + 64)
	if c.fw == nil {
		fw, err := flate.NewWriter(&out, flate.BestSpeed)
		if err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
		c.fw = fw
	} else {
		c.fw.Reset(&out)
	}
	if _, err := c.fw.Write(text); err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	if err := c.fw.Flush(); err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	return out.Bytes(), nil
}

// crc32Combine returns the CRC-32 (IEEE) of A followed by B from crcA,
// crcB and the length of B, as zlib's crc32_combine does: appending lenB
// zero bytes to A is a linear map on the CRC register over GF(2), applied
// here as the product of the operators for the powers of two in lenB
// (zeroBytes). A rendering combines one CRC per segment (some 1,200 at
// 180,000 indicators); squaring the operators anew for each took most of
// a write's rendering.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	ops := zeroBytes()
	for k := 0; lenB != 0; k, lenB = k+1, lenB>>1 {
		if lenB&1 != 0 {
			crcA = gf2Times(&ops[k], crcA)
		}
	}
	return crcA ^ crcB
}

// zeroBytes returns the operators on the CRC register for appending 2^k
// zero bytes, k = 0…62.
var zeroBytes = sync.OnceValue(func() *[63][32]uint32 {
	var ops [63][32]uint32
	var odd, even [32]uint32
	odd[0] = 0xedb88320 // the reversed IEEE polynomial: one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd)   // two zero bits
	gf2Square(&odd, &even)   // four zero bits
	gf2Square(&ops[0], &odd) // eight: one zero byte
	for k := 1; k < len(ops); k++ {
		gf2Square(&ops[k], &ops[k-1])
	}
	return &ops
})

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
