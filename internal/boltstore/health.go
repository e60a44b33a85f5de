package boltstore

import (
	"context"
	"fmt"
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
// failure. While writes fail it tries a probe write now and then (at most
// every 10 s), so the store becomes ready again once there is room.
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
		return fmt.Errorf("the store cannot write: %w", failed)
	}
	err := s.update(ctx, "write probe", func(tx *bolt.Tx) (bool, error) {
		return true, tx.Bucket(bucketMeta).Put(keyProbe, make([]byte, probeBytes))
	}, nil)
	if err != nil {
		return fmt.Errorf("the store cannot write: %w", err)
	}
	return nil
}
