package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// A store that cannot write (a full disk, a failing one, a file size
// limit) answers every write with EUNAVAILABLE and this message; the
// transaction is rolled back whole, so nothing is half-written. Writable
// reports the state for /readyz until a write succeeds again.
const writeFailedMessage = "数据存储暂时无法写入（磁盘已满或出错），本次未写入任何数据；请稍后重试，并请通知系统管理员\n" +
	"the store cannot write just now (disk full or failing); nothing was written: try again later and tell the operator"

// probeInterval spaces the probe writes of an unwritable store, and
// follows a failed write before the first probe.
const probeInterval = 10 * time.Second

// probeBytes is what a probe writes: more than one page, so a probe on a
// disk with no room to grow the file fails as real writes do.
const probeBytes = 256 << 10

var keyProbe = []byte("write-probe")

// spaceProbeBytes is what CheckSpace writes beside the store file: a write
// into the store can land in pages the file already holds, so only a new
// file shows whether the disk has room for the store to grow.
const spaceProbeBytes = 1 << 20

// notWritable is what readiness says of a store that cannot write: no
// path, no system error (those go to the log).
var notWritable = &kpi.Error{Code: kpi.EUNAVAILABLE,
	Message: "数据存储无法写入（磁盘已满或出错）\nthe store cannot write (disk full or failing): the server log has the details"}

// writeHealth remembers the last failed write until a write succeeds.
type writeHealth struct {
	mu        sync.Mutex
	failed    error // nil while writes succeed
	lastProbe time.Time
}

// set records the outcome of a write at now: a failure also postpones the
// next probe, so a small probe does not declare ready at once a store that
// just failed a large write.
func (h *writeHealth) set(err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = err
	if err != nil {
		h.lastProbe = now
	}
}

// writeFailed turns a failed begin or commit into EUNAVAILABLE, keeping the
// cause in the chain for the log, and remembers it.
func (s *Store) writeFailed(what string, err error) error {
	s.health.set(err, s.now())
	s.logger.Error("store cannot write", "op", what, "err", err)
	return fmt.Errorf("%s: %w: %w", what, &kpi.Error{Code: kpi.EUNAVAILABLE, Message: writeFailedMessage}, err)
}

// Writable reports whether the store can write: nil, or the last write
// failure (an EUNAVAILABLE *kpi.Error whose message names no path, with
// the cause in the chain). While writes fail it probes now and then (at
// most every 10 s): a file beside the store and a write into it, so the
// store becomes ready again once there is room.
func (s *Store) Writable(ctx context.Context) error {
	s.health.mu.Lock()
	failed := s.health.failed
	due := failed != nil && s.now().Sub(s.health.lastProbe) >= probeInterval
	if due {
		s.health.lastProbe = s.now()
	}
	s.health.mu.Unlock()
	if failed == nil {
		return nil
	}
	if !due {
		return fmt.Errorf("%w: %w", notWritable, failed)
	}
	if err := s.CheckSpace(ctx); err != nil {
		return err
	}
	err := s.update(ctx, "write probe", func(tx *bolt.Tx) (bool, error) {
		return true, tx.Bucket(bucketMeta).Put(keyProbe, make([]byte, probeBytes))
	}, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", notWritable, err)
	}
	return nil
}

// CheckSpace writes and removes a 1 MiB file beside the store, synced to
// disk, and reports whether it could; a failure makes Writable report the
// store unwritable until a later probe succeeds. serve calls it at start:
// a restart on a still-full disk is not ready, although the store file has
// room for small writes in pages it already holds.
func (s *Store) CheckSpace(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := writeSpaceProbe(filepath.Dir(s.path))
	if err != nil {
		s.health.set(err, s.now())
		s.logger.Error("store cannot write: no room beside the store file", "err", err)
		return fmt.Errorf("%w: %w", notWritable, err)
	}
	return nil
}

func writeSpaceProbe(dir string) (err error) {
	f, err := os.CreateTemp(dir, ".space-probe-*")
	if err != nil {
		return fmt.Errorf("space probe: %w", err)
	}
	defer func() {
		err = errors.Join(err, f.Close(), os.Remove(f.Name()))
	}()
	buf := make([]byte, 64<<10)
	for n := 0; n < spaceProbeBytes; n += len(buf) {
		if _, err := f.Write(buf); err != nil {
			return fmt.Errorf("space probe: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("space probe: %w", err)
	}
	return nil
}
