package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A large submission is written in batches, one bbolt transaction each,
// so that memory holds one batch's dirty pages and not a million figures'
// (bbolt keeps every page a transaction touches, and the values put, until
// it commits). It stays atomic to readers:
//
//   - The first batch records in "meta" the range of audit sequence numbers
//     the submission takes (keyPending: first, last); each batch extends it.
//   - Every figure the submission writes carries its audit entry's
//     sequence number, so a reader knows a figure, or an audit entry, in
//     that range as not yet committed: it reads the period's previous
//     revision instead (moved to "history" by the write) or nothing, and
//     skips the entry.
//   - The last batch deletes the range in its own transaction: the whole
//     submission becomes visible at that one commit.
//
// A submission that fails half-way (an error, a cancelled context, a
// process killed) leaves the range behind; rollbackPending undoes its
// batches (also in bounded transactions) and is run by Open and before the
// next figure write. Writes are serialised by Store.writeMu for the whole
// submission, so no other write runs between its batches.

// DefaultBatchRows is how many figures one transaction of a submission
// writes (Options.BatchRows): about 10 MB of pages.
const DefaultBatchRows = 32768

var keyPending = []byte("pending_submission")

// pending is the audit sequence range of an uncommitted submission; the
// zero value is none.
type pending struct{ first, last uint64 }

func (p pending) none() bool { return p.first == 0 }

// holds reports whether seq belongs to the uncommitted submission.
func (p pending) holds(seq uint64) bool { return p.first != 0 && seq >= p.first && seq <= p.last }

// hides reports whether the stored figure v (at key) belongs to the
// uncommitted submission, so a reader skips it.
func (p pending) hides(key, v []byte) (bool, error) {
	if p.none() {
		return false, nil
	}
	_, _, seq, err := observationHead(v)
	if err != nil {
		return false, fmt.Errorf("key %q: %w", key, err)
	}
	return p.holds(seq), nil
}

func readPending(tx *bolt.Tx) pending {
	v := tx.Bucket(bucketMeta).Get(keyPending)
	if len(v) != 16 {
		return pending{}
	}
	return pending{first: binary.BigEndian.Uint64(v), last: binary.BigEndian.Uint64(v[8:])}
}

func writePending(tx *bolt.Tx, p pending) error {
	if p.none() {
		return tx.Bucket(bucketMeta).Delete(keyPending)
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), p.first)
	return tx.Bucket(bucketMeta).Put(keyPending, binary.BigEndian.AppendUint64(v, p.last))
}

// visibleLatest returns the revision of a period a reader sees given its
// latest value v: v itself, or when v is not committed yet the revision it
// superseded (from history), or nil when the period had none.
func visibleLatest(p pending, history *bolt.Bucket, key, v []byte) ([]byte, error) {
	var hk []byte
	for {
		_, rev, seq, err := observationHead(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if !p.holds(seq) {
			return v, nil
		}
		if rev <= 1 {
			return nil, nil
		}
		hk = appendUint32(append(hk[:0], key...), rev-1)
		if v = history.Get(hk); v == nil {
			return nil, fmt.Errorf("key %q: revision %d missing from history: %w", key, rev-1, errCorrupt)
		}
	}
}

// rollbackBatch bounds the keys one transaction of a rollback restores.
const rollbackBatch = 8192

// rollbackPending undoes an uncommitted submission, if one is recorded: each
// of its figures is replaced by the revision it superseded (or removed),
// its audit entries are deleted, then the record. Each step is a bounded
// transaction and can be run again after a crash. Called with writeMu held
// (or before the store is shared).
func (s *Store) rollbackPending(ctx context.Context) error {
	var p pending
	if err := s.db.View(func(tx *bolt.Tx) error { p = readPending(tx); return nil }); err != nil {
		return fmt.Errorf("roll back an unfinished submission: %w", err)
	}
	if p.none() {
		return nil
	}
	// Figures: walk "latest" in key order, restoring at most rollbackBatch
	// keys a transaction, from where the previous one stopped.
	var from []byte
	restored := 0
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("roll back an unfinished submission: %w", err)
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			latest, history := tx.Bucket(bucketLatest), tx.Bucket(bucketHistory)
			var keys [][]byte
			c := latest.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil && len(keys) < rollbackBatch; k, v = c.Next() {
				hidden, err := p.hides(k, v)
				if err != nil {
					return err
				}
				if hidden {
					keys = append(keys, bytes.Clone(k))
				}
			}
			if k == nil {
				done = true
			} else {
				from = bytes.Clone(k)
			}
			var a arena
			for _, key := range keys {
				if err := restorePeriod(p, latest, history, key, &a); err != nil {
					return err
				}
			}
			restored += len(keys)
			return nil
		})
		if err != nil {
			return fmt.Errorf("roll back an unfinished submission: %w", err)
		}
	}
	// Audit entries: the range, a bounded number a transaction; then the
	// record, which makes the store as it was before the submission.
	for seq := p.first; ; {
		err := s.db.Update(func(tx *bolt.Tx) error {
			log := tx.Bucket(bucketAudit)
			for n := 0; n < rollbackBatch && seq <= p.last; n++ {
				if err := log.Delete(seqKey(nil, seq)); err != nil {
					return err
				}
				seq++
			}
			if seq > p.last {
				return writePending(tx, pending{})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("roll back an unfinished submission: audit: %w", err)
		}
		if seq > p.last {
			break
		}
	}
	s.logger.Warn("rolled back an unfinished submission", "figures", restored, "audit_first", p.first, "audit_last", p.last)
	return nil
}

// restorePeriod puts back the newest committed revision of one period
// (or removes the period if it had none).
func restorePeriod(p pending, latest, history *bolt.Bucket, key []byte, a *arena) error {
	for {
		v := latest.Get(key)
		if v == nil {
			return nil
		}
		_, rev, seq, err := observationHead(v)
		if err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		if !p.holds(seq) {
			return nil
		}
		if rev <= 1 {
			return latest.Delete(key)
		}
		hk := appendUint32(bytes.Clone(key), rev-1)
		prev := history.Get(hk)
		if prev == nil {
			return fmt.Errorf("key %q: revision %d missing from history: %w", key, rev-1, errCorrupt)
		}
		if err := latest.Put(key, a.copy(prev)); err != nil {
			return err
		}
		if err := history.Delete(hk); err != nil {
			return err
		}
	}
}
