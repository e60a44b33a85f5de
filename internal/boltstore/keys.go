package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Keys sort the way readers want to walk them:
//
//	indicators:            plan 0x00 id
//	versions:              plan 0x00 id 0x00 version uint32 BE
//	latest:                plan 0x00 id 0x00 period
//	history:               plan 0x00 id 0x00 period revision uint32 BE
//	audit:                 seq uint64 BE
//	audit_object:          object 0x00 seq uint64 BE
//
// Ids never contain 0x00 (SyncCatalog refuses them), so 0x00 ends a name and
// every indicator's keys are one contiguous range after its plan's.
//
// A period is 4 bytes: year uint16 BE, frequency (0 annual, 1 quarterly,
// 2 monthly), number within the year (0, quarter or month). Within one
// frequency keys sort chronologically; within a year the annual figure comes
// first, then quarters, then months.
const periodKeyLen = 4

const sep = 0x00

func appendRefKey(b []byte, plan, id string) []byte {
	b = append(b, plan...)
	b = append(b, sep)
	return append(b, id...)
}

func appendPeriodKey(b []byte, p kpi.Period) []byte {
	var freq, n byte
	switch {
	case p.Quarter != 0:
		freq, n = 1, byte(p.Quarter)
	case p.Month != 0:
		freq, n = 2, byte(p.Month)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(p.Year))
	return append(b, freq, n)
}

func decodePeriodKey(b []byte) (kpi.Period, error) {
	if len(b) != periodKeyLen {
		return kpi.Period{}, fmt.Errorf("period key %x: %w", b, errCorrupt)
	}
	p := kpi.Period{Year: int(binary.BigEndian.Uint16(b))}
	switch b[2] {
	case 0:
	case 1:
		p.Quarter = int(b[3])
	case 2:
		p.Month = int(b[3])
	default:
		return kpi.Period{}, fmt.Errorf("period key %x: %w", b, errCorrupt)
	}
	return p, nil
}

// appendPeriodText appends p's canonical text (2021, 2021-Q3, 2021-06), as
// p.String does, without allocating.
func appendPeriodText(b []byte, p kpi.Period) []byte {
	b = appendPadded(b, p.Year, 4)
	switch {
	case p.Quarter != 0:
		b = append(b, "-Q"...)
		b = strconv.AppendInt(b, int64(p.Quarter), 10)
	case p.Month != 0:
		b = append(b, '-')
		b = appendPadded(b, p.Month, 2)
	}
	return b
}

func appendPadded(b []byte, v, width int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(v), 10)
	for len(b)-start < width {
		b = append(b, 0)
		copy(b[start+1:], b[start:])
		b[start] = '0'
	}
	return b
}

// appendObsKey returns plan 0x00 id 0x00 period.
func appendObsKey(b []byte, plan, id string, p kpi.Period) []byte {
	b = appendRefKey(b, plan, id)
	b = append(b, sep)
	return appendPeriodKey(b, p)
}

// splitObsKey splits a latest key (revision absent) or history key
// (withRevision) into its parts; plan and id alias k.
func splitObsKey(k []byte, withRevision bool) (plan, id []byte, p kpi.Period, rev int, err error) {
	i := bytes.IndexByte(k, sep)
	if i < 0 {
		return nil, nil, p, 0, fmt.Errorf("observation key %q: %w", k, errCorrupt)
	}
	plan, rest := k[:i], k[i+1:]
	j := bytes.IndexByte(rest, sep)
	if j < 0 {
		return nil, nil, p, 0, fmt.Errorf("observation key %q: %w", k, errCorrupt)
	}
	id, rest = rest[:j], rest[j+1:]
	if withRevision {
		if len(rest) != periodKeyLen+4 {
			return nil, nil, p, 0, fmt.Errorf("observation key %q: %w", k, errCorrupt)
		}
		rev = int(binary.BigEndian.Uint32(rest[periodKeyLen:]))
		rest = rest[:periodKeyLen]
	}
	p, err = decodePeriodKey(rest)
	return plan, id, p, rev, err
}

func appendUint32(b []byte, v int) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

func seqKey(b []byte, seq uint64) []byte { return binary.BigEndian.AppendUint64(b, seq) }

// arena hands out byte slices carved from large chunks. bbolt keeps the
// value slices given to Put until the transaction ends (it copies keys), so
// they cannot be reused; carving them from chunks avoids an allocation per row of a large
// submission.
type arena struct{ chunk []byte }

const arenaChunk = 1 << 20

// copy returns a copy of b that stays valid for the arena's life.
func (a *arena) copy(b []byte) []byte {
	if len(b) > cap(a.chunk)-len(a.chunk) {
		size := arenaChunk
		if len(b) > size {
			size = len(b)
		}
		a.chunk = make([]byte, 0, size)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}
