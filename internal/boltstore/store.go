// Package boltstore implements kpi.Store on a bbolt file: plans, indicators
// with every version of their definition, observations with every revision,
// access tokens and the audit log.
//
// Concurrency: a *Store is safe for concurrent use by many goroutines. Reads
// run in bbolt read transactions beside at most one writer and see a
// consistent snapshot: a reader sees a whole submission or none of it.
// Writes are serialised; each call is one transaction, so a submission or a
// catalog sync is stored whole or not at all (a large submission is several
// transactions that readers see as one: staging.go). Latest and Catalog serve
// copies of a cached snapshot until a write changes it (cache.go); the
// figures and unit lists inside are shared and must not be modified.
//
// Backups: Backup writes a consistent copy of the file while the store
// stays in use (bbolt's tx.WriteTo); the copy opens like any kpimon.db.
//
// Only one process may open the file at a time: bbolt holds an exclusive
// lock on it, and the process that holds it writes its PID to kpimon.pid
// beside the file so a second one can say who is in the way.
//
// Layout (see keys.go for the key formats):
//
//	meta          schema version
//	plans         plan id → plan (JSON), with a removed flag
//	indicators    plan/id → the newest version of the definition
//	versions      plan/id/version → every version of the definition
//	latest        plan/id/period → the newest revision of the figure
//	history       plan/id/period/revision → the older revisions
//	audit         seq → entry
//	audit_object  object/seq → nothing (index for AuditFilter.Object of
//	              entries not written by AddObservations)
//	tokens        name → token (JSON, with its hash)
//	token_hashes  hash → name
//	explanations, supervision, supervision_open: see supervision.go
//	sources       source name → last success and failure (sources.go)
//
// The newest revision of each period lives in "latest" and moves to
// "history" when a newer one arrives, so Latest is one sequential scan of
// one bucket and a new figure costs one write there. Each stored figure
// carries the sequence number of its observation.* audit entry, so those
// entries are found per indicator without an index entry per figure (a
// million-figure submission writes two keys per figure, not four).
// "indicators" duplicates the newest version of each definition so that
// Catalog is one scan.
package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// SchemaVersion is the layout this binary reads and writes. A file written
// with a higher one is refused; a lower one would be migrated on open.
const SchemaVersion = 1

// PIDFile is the name of the file beside the database that names the
// process holding it.
const PIDFile = "kpimon.pid"

var (
	bucketMeta        = []byte("meta")
	bucketPlans       = []byte("plans")
	bucketIndicators  = []byte("indicators")
	bucketVersions    = []byte("versions")
	bucketLatest      = []byte("latest")
	bucketHistory     = []byte("history")
	bucketAudit       = []byte("audit")
	bucketAuditObject = []byte("audit_object")
	bucketTokens      = []byte("tokens")
	bucketTokenHashes = []byte("token_hashes")
	bucketUsers       = []byte("users")
	bucketSessions    = []byte("sessions")

	allBuckets = [][]byte{
		bucketMeta, bucketPlans, bucketIndicators, bucketVersions, bucketLatest,
		bucketHistory, bucketAudit, bucketAuditObject, bucketTokens, bucketTokenHashes,
		bucketUsers, bucketSessions,
		bucketExplanations, bucketSupervision, bucketSupervisionOpen, // supervision.go
		bucketSources, // sources.go
	}

	keySchema = []byte("schema")
)

// Fill percentages for buckets written mostly at their end: pages are split
// fuller, so a large submission makes fewer, fuller pages.
const (
	appendFill = 1.0 // audit: strictly increasing keys
	mostlyFill = 0.9 // keys of one submission cluster by indicator
)

// initialMmapSize is the address space mapped at open: 1 GiB, enough for
// the national scale without remapping. It is not allocated on disk.
const initialMmapSize = 1 << 30

// Options configure Open. Zero fields take their defaults.
type Options struct {
	// Timeout is how long Open waits for another holder of the file to
	// let go before it gives up with EUNAVAILABLE. Default 1s.
	Timeout time.Duration
	// Now is the clock stamped on writes. Default time.Now.
	Now func() time.Time
	// Logger receives open and close events. Default: discard.
	Logger *slog.Logger
	// BatchRows is how many figures one transaction of a large submission
	// writes (staging.go). Default DefaultBatchRows.
	BatchRows int
}

// Store is a kpi.Store on a bbolt file.
type Store struct {
	db      *bolt.DB
	path    string
	pidPath string
	now     func() time.Time
	logger  *slog.Logger
	// gen is the transaction id of the last commit that changed figures
	// or the catalog (Generation); changed is closed and replaced at each
	// such commit (Changed).
	gen        atomic.Uint64
	catalogGen atomic.Uint64 // CatalogGeneration
	// supervisionGen is SupervisionGeneration.
	supervisionGen atomic.Uint64
	changedMu      sync.Mutex
	changed        chan struct{}
	// latestRefs is how many indicators the last Latest read: the size
	// hint for the next one's map.
	latestRefs atomic.Int64

	// writeMu serialises writes with their after-commit work (bbolt
	// serialises the transactions alone), so caches see commits in order.
	writeMu   sync.Mutex
	figureLog figureLog
	catalog   catalogCache

	health writeHealth // Writable

	batchRows int
	// batchCommitted, set by tests, runs after each batch of a staged
	// submission commits but the last.
	batchCommitted func()

	closeOnce sync.Once
	closeErr  error
}

var (
	_ kpi.Store              = (*Store)(nil)
	_ kpi.AccountStore       = (*Store)(nil)
	_ kpi.CatalogGenerations = (*Store)(nil)

	_ kpi.SupervisionGenerations = (*Store)(nil)
)

// Open opens (creating it if needed) the store at path, typically
// <datadir>/kpimon.db; the directory is created too. If another process
// (or another Open in this one) holds the file, Open waits opts.Timeout and
// then returns an *kpi.Error with code EUNAVAILABLE naming its PID. A file
// written by a newer kpimon is refused the same way.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = batchRowsDefault()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open store: create data dir: %w", err)
	}
	s := &Store{
		path:    path,
		pidPath: filepath.Join(dir, PIDFile),
		now:     opts.Now,
		logger:  opts.Logger,
		changed: make(chan struct{}),

		batchRows: opts.BatchRows,
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.Timeout,
		// The freelist is kept as a map (fast to allocate from in large
		// files) and written on commit: this store frees few pages, and
		// rebuilding it instead would scan the whole file on every open
		// (0.6 s for 1.8M figures, against 2 ms).
		FreelistType: bolt.FreelistMapType,
		// Growing the map mid-transaction copies every dirty node; start
		// with address space (not disk) for a large store.
		InitialMmapSize: initialMmapSize,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, s.inUseError()
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
		return nil, kpi.Errorf(kpi.EUNAVAILABLE, "open store %s: %v: not a kpimon data file, or a damaged one (move it aside, or restore a backup)", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.db = db
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	// A submission a crash stopped half-way is undone before anyone reads.
	if err := s.rollbackPending(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Written only while we hold bbolt's lock, so it never names a process
	// that does not hold it (unless that one crashed, and then the lock is free).
	if err := os.WriteFile(s.pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o640); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: write %s: %w", s.pidPath, err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		s.gen.Store(uint64(tx.ID()))
		s.catalogGen.Store(uint64(tx.ID()))
		s.supervisionGen.Store(uint64(tx.ID()))
		s.figureLog.start(uint64(tx.ID()))
		return nil
	}); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.logger.Info("store opened", "path", path, "schema", SchemaVersion)
	return s, nil
}

// inUseError explains that another process holds the file.
func (s *Store) inUseError() error {
	dir := filepath.Dir(s.path)
	const hint = "is kpimon serve running? stop it, or use the HTTP API"
	b, err := os.ReadFile(s.pidPath)
	if err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return kpi.Errorf(kpi.EUNAVAILABLE, "data dir %s in use by PID %d (%s)", dir, pid, hint)
		}
	}
	return kpi.Errorf(kpi.EUNAVAILABLE, "data dir %s in use by another process (%s)", dir, hint)
}

// init checks the schema version, then creates every bucket. The check runs
// first, in a read transaction, so a newer file is left untouched.
func (s *Store) init() error {
	var stored uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if v := meta.Get(keySchema); len(v) == 8 {
				stored = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open store: read schema: %w", err)
	}
	if stored > SchemaVersion {
		return kpi.Errorf(kpi.EUNAVAILABLE,
			"store %s was written by a newer kpimon (schema %d, this binary knows %d); upgrade kpimon",
			s.path, stored, SchemaVersion)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		// Schema migrations from stored to SchemaVersion go here.
		if stored != SchemaVersion {
			v := binary.BigEndian.AppendUint64(nil, SchemaVersion)
			return tx.Bucket(bucketMeta).Put(keySchema, v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	return nil
}

// Close removes the PID file and closes the database. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// Remove the PID file while the lock is still ours, so it is never
		// the next holder's file that goes.
		if err := os.Remove(s.pidPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.logger.Warn("remove pid file", "path", s.pidPath, "err", err)
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close store %s: %w", s.path, err)
			return
		}
		s.logger.Info("store closed", "path", s.path)
	})
	return s.closeErr
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Generation increases with every committed write that changes what is
// evaluated: figures or the catalog, or the supervision items and
// explanations kpi.States carries beside the evaluation. Audit entries, tokens and any other
// bookkeeping leave it alone, so derived views (kpi.States, the /metrics
// rendering, ingest's index) are not rebuilt for them. It starts from the
// file's last transaction id, so it differs between runs on the same file.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// CatalogGeneration increases with every committed change of the catalog
// (kpi.CatalogGenerations): kpi.States then re-evaluates after a figure
// write only the indicators whose figures changed.
func (s *Store) CatalogGeneration() uint64 { return s.catalogGen.Load() }

// Changed returns a channel that is closed when the next write changing
// Generation commits. Take it before reading the store, so no change slips
// between the read and the wait:
//
//	ch := store.Changed()
//	... read, derive ...
//	<-ch // something changed since
func (s *Store) Changed() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.changed
}

// evaluatedChanged records that commit txID changed figures or the catalog:
// it advances Generation and wakes Changed's waiters. Called after the
// commit, under writeMu, so generations only grow.
func (s *Store) evaluatedChanged(txID uint64) {
	s.gen.Store(txID)
	s.changedMu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.changedMu.Unlock()
}

// Backup writes a consistent copy of the whole database to w while reads
// and writes go on (a bbolt hot backup: one read transaction's snapshot,
// via tx.WriteTo). The copy is itself a kpimon.db that Open accepts.
// It returns the number of bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", s.path, err)
	}
	return n, nil
}

// update runs fn in a write transaction. fn reports whether it wrote
// anything: if not, the transaction is rolled back, so a write that changes
// nothing costs no fsync. After a commit, committed (if not nil) runs with
// the transaction's id, still serialised with other writes; a write that
// changes figures or the catalog calls evaluatedChanged there (update alone
// leaves Generation alone: audit, token and account writes do not count).
func (s *Store) update(ctx context.Context, what string, fn func(tx *bolt.Tx) (bool, error), committed func(txID uint64)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.Begin(true)
	if err != nil {
		return s.writeFailed(what+": begin", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it only reports ErrTxClosed
	changed, err := fn(tx)
	if err != nil {
		return err
	}
	if !changed {
		return nil
	}
	id := uint64(tx.ID())
	killPoint(what, "before-commit")
	if err := tx.Commit(); err != nil {
		return s.writeFailed(what+": commit", err)
	}
	killPoint(what, "after-commit")
	s.health.set(nil, time.Time{})
	if committed != nil {
		committed(id)
	}
	return nil
}

// view runs fn in a read transaction.
func (s *Store) view(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return s.db.View(fn)
}

// auditWriter appends entries to the audit log and its object index inside
// one write transaction. bbolt copies keys but keeps values until the
// transaction ends, so values are carved from an arena.
type auditWriter struct {
	log, byObject *bolt.Bucket
	a             *arena
	key, val      []byte
}

func newAuditWriter(tx *bolt.Tx, a *arena) *auditWriter {
	w := &auditWriter{log: tx.Bucket(bucketAudit), byObject: tx.Bucket(bucketAuditObject), a: a}
	w.log.FillPercent = appendFill
	w.byObject.FillPercent = mostlyFill
	return w
}

var emptyValue = []byte{}

// append stores e, setting its Seq, and indexes it by object.
func (w *auditWriter) append(e *kpi.AuditEntry) error {
	seq, err := w.log.NextSequence()
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e.Seq = seq
	if err := w.put(e); err != nil {
		return err
	}
	if e.Object == "" {
		return nil
	}
	w.key = append(w.key[:0], e.Object...)
	w.key = append(w.key, sep)
	w.key = binary.BigEndian.AppendUint64(w.key, seq)
	if err := w.byObject.Put(w.key, emptyValue); err != nil {
		return fmt.Errorf("audit index: %w", err)
	}
	return nil
}

// put stores e under e.Seq, taken from w.log.NextSequence, without
// indexing it: AddObservations' entries are found through the figures.
func (w *auditWriter) put(e *kpi.AuditEntry) error {
	w.val = appendAudit(w.val[:0], e)
	if err := w.log.Put(seqKey(w.key[:0], e.Seq), w.a.copy(w.val)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
