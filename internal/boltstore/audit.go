package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// defaultAuditLimit is how many entries Audit returns when the filter sets
// no limit.
const defaultAuditLimit = 1000

// AppendAudit records an entry that is not a side effect of another write
// (a refused submission, a denied request). Seq is assigned; a zero At is
// stamped with the store's clock.
func (s *Store) AppendAudit(ctx context.Context, e kpi.AuditEntry) error {
	if e.Action == "" {
		return kpi.Errorf(kpi.EINVALID, "append audit: the entry has no action")
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	return s.update(ctx, "append audit", func(tx *bolt.Tx) (bool, error) {
		err := newAuditWriter(tx, &arena{}).append(&e)
		return err == nil, err
	}, nil)
}

// Audit returns entries newest first: those about f.Object if set (through
// indexes, without scanning the whole log), at or after f.Since if set, at
// most f.Limit (default 1000). The store stamps its entries with its clock
// as it writes them, so the log is in time order and a walk of the whole
// log stops at the first entry older than f.Since.
func (s *Store) Audit(ctx context.Context, f kpi.AuditFilter) ([]kpi.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	var out []kpi.AuditEntry
	err := s.view(ctx, "audit", func(tx *bolt.Tx) error {
		out = nil
		log := tx.Bucket(bucketAudit)
		pend := readPending(tx) // entries of a submission not committed yet are skipped
		// take decodes one entry and reports whether the walk goes on.
		// The whole log is walked newest first and stops at the first
		// entry older than Since; an object's few entries are all checked.
		take := func(seq uint64, v []byte) (bool, error) {
			if pend.holds(seq) {
				return true, nil
			}
			e, err := decodeAudit(seq, v)
			if err != nil {
				return false, err
			}
			if !f.Since.IsZero() && e.At.Before(f.Since) {
				return f.Object != "", nil
			}
			out = append(out, e)
			return len(out) < limit, nil
		}
		if f.Object == "" {
			c := log.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				if len(k) != 8 {
					return fmt.Errorf("audit key %x: %w", k, errCorrupt)
				}
				if more, err := take(binary.BigEndian.Uint64(k), v); err != nil || !more {
					return err
				}
			}
			return nil
		}
		// The object's entries: those indexed by object, and those of the
		// figures of the indicator it names. Few per object: gather, sort.
		seqs, err := observationAuditSeqs(tx, f.Object)
		if err != nil {
			return err
		}
		prefix := append([]byte(f.Object), sep)
		c := tx.Bucket(bucketAuditObject).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue // an object whose name extends this one's after a NUL
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k[len(prefix):]))
		}
		slices.Sort(seqs)
		for i := len(seqs) - 1; i >= 0; i-- {
			v := log.Get(seqKey(nil, seqs[i]))
			if v == nil {
				return fmt.Errorf("audit entry %d indexed but missing: %w", seqs[i], errCorrupt)
			}
			if more, err := take(seqs[i], v); err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return out, nil
}
