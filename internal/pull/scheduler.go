package pull

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Options configures a Scheduler.
type Options struct {
	Ingester kpi.Ingester
	Sources  []Source
	Logger   *slog.Logger
	// StateDir keeps what each http source last fetched (ETag,
	// Last-Modified, content hash), so restarts do not ingest twice.
	StateDir string
	Client   *http.Client     // default: a client with no global timeout (each source has its own)
	Now      func() time.Time // default time.Now
	// FailureRecorder, when set, is told about runs that fail before the
	// ingester sees them (a URL that does not answer), so the ingest
	// metrics show them.
	FailureRecorder interface{ RecordFailure(source string) }
	// Getenv expands ${VAR} in http headers; serve passes the environment
	// run was given. Default: no variables (every ${VAR} is empty).
	Getenv func(string) string
	// MaxFileBytes bounds one inbox file or pulled body; DefaultMaxFileBytes when 0.
	MaxFileBytes int64
	// Registerer, when set, gets the kpi_inbox_* gauges of the folder
	// sources (files waiting, the oldest's time and when it was due).
	Registerer prometheus.Registerer
}

// DefaultMaxFileBytes bounds an inbox file or a pulled body: room for the
// million-row files of BENCHMARKS.md.
const DefaultMaxFileBytes = 64 << 20

// runTimeout bounds one run of a source, however it was started.
const runTimeout = 30 * time.Minute

// Scheduler runs every source on its cron schedule. Runs happen under the
// context given to Start: Stop cancels it and waits for them, so the store
// is never closed beside a running pull.
type Scheduler struct {
	opts Options
	cron *cron.Cron
	jobs map[string]*job

	loc *time.Location // schedules without CRON_TZ are read in it

	ctx    context.Context // the runs' context, from Start
	cancel context.CancelFunc
	// readFile reads an inbox file of at most max bytes; tests replace it
	// to simulate a file that cannot be read.
	readFile func(path string, max int64) ([]byte, error)
}

func (s *Scheduler) maxFileBytes() int64 {
	if s.opts.MaxFileBytes > 0 {
		return s.opts.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

// New checks the sources and prepares their jobs; Start runs them.
func New(opts Options) (*Scheduler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.StateDir != "" {
		if err := os.MkdirAll(opts.StateDir, 0o750); err != nil {
			return nil, fmt.Errorf("pull state dir: %w", err)
		}
	}
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		return nil, fmt.Errorf("load time zone %s: %w", DefaultTimeZone, err)
	}
	cl := cronLogger{opts.Logger}
	s := &Scheduler{
		opts:     opts,
		loc:      loc,
		readFile: readFileCapped,
		cron: cron.New(
			cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
			cron.WithLocation(loc),
			cron.WithLogger(cl),
		),
		jobs: map[string]*job{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, src := range opts.Sources {
		src = src.withDefaults()
		if ps := append(src.check(), src.unsetVariables(opts.Getenv)...); len(ps) > 0 {
			return nil, &kpi.Error{Code: kpi.EINVALID, Message: "source " + src.Name + ": " + ps[0].String(), Problems: ps}
		}
		j := &job{src: src, s: s, busy: make(chan struct{}, 1)}
		spec := src.Schedule
		if src.TimeZone != DefaultTimeZone {
			spec = "CRON_TZ=" + src.TimeZone + " " + spec
		}
		id, err := s.cron.AddJob(spec, j)
		if err != nil {
			return nil, fmt.Errorf("source %s: schedule %q: %w", src.Name, src.Schedule, err)
		}
		j.schedule = s.cron.Entry(id).Schedule
		s.jobs[src.Name] = j
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(newWaitingCollector(s)); err != nil {
			return nil, fmt.Errorf("register inbox metrics: %w", err)
		}
	}
	return s, nil
}

// Start runs the schedules in the background; runs see ctx (and are
// cancelled with it, or by Stop).
func (s *Scheduler) Start(ctx context.Context) {
	s.cancel()
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.cron.Start()
}

// Stop stops scheduling, cancels running jobs and waits for them to
// return, or for ctx.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop().Done()
	s.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
}

// errStillRunning: a run was asked for while the source's last run goes on.
var errStillRunning = kpi.Errorf(kpi.ECONFLICT, "the source's previous run is still going; skipped")

// RunReport says what one run of a source did.
type RunReport struct {
	Ingested []string // files (or URLs) stored
	Rejected []string // files refused whole, moved to failed/
	Skipped  []string // unchanged, or not settled yet
	// Changed files were written to while they were read: left in place
	// for the next run to take whole (what was stored of them stands).
	Changed []string
	// Unreadable files could not be read; they were moved to failed/ when
	// possible, and the rest of the folder went on.
	Unreadable []string
}

type job struct {
	src      Source
	s        *Scheduler
	memState httpState     // without a StateDir
	busy     chan struct{} // held by the running run: one run of a source at a time
	schedule cron.Schedule // when it runs, for the inbox gauges' due time
}

// Run is called by cron; errors are logged here, once.
func (j *job) Run() {
	ctx, cancel := context.WithTimeout(j.s.ctx, runTimeout)
	defer cancel()
	rep, err := j.runOnce(ctx)
	log := j.s.opts.Logger.With("ingest_source", j.src.Name)
	if err == errStillRunning {
		log.Warn("pull skipped: the previous run is still going")
		return
	}
	if err != nil {
		log.Error("pull failed", "err", err)
		return
	}
	if len(rep.Ingested)+len(rep.Rejected) > 0 {
		log.Info("pull done", "ingested", len(rep.Ingested), "rejected", len(rep.Rejected), "skipped", len(rep.Skipped))
	}
}

// runOnce runs the source unless a run of it is going on already (cron's
// SkipIfStillRunning covers only the scheduled runs).
func (j *job) runOnce(ctx context.Context) (RunReport, error) {
	select {
	case j.busy <- struct{}{}:
	default:
		return RunReport{}, errStillRunning
	}
	defer func() { <-j.busy }()
	return j.run(ctx)
}

func (j *job) run(ctx context.Context) (RunReport, error) {
	var rep RunReport
	var err error
	switch j.src.Type {
	case TypeDir:
		rep, err = j.runDir(ctx)
	case TypeHTTP:
		rep, err = j.runHTTP(ctx)
	}
	if err != nil && j.s.opts.FailureRecorder != nil {
		j.s.opts.FailureRecorder.RecordFailure(j.src.sourceLabel())
	}
	return rep, err
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
