package pull

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

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
}

// Scheduler runs every source on its cron schedule.
type Scheduler struct {
	opts Options
	cron *cron.Cron
	jobs map[string]*job
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
		opts: opts,
		cron: cron.New(
			cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
			cron.WithLocation(loc),
			cron.WithLogger(cl),
		),
		jobs: map[string]*job{},
	}
	for _, src := range opts.Sources {
		if ps := src.check(); len(ps) > 0 {
			return nil, &kpi.Error{Code: kpi.EINVALID, Message: "source " + src.Name + ": " + ps[0].String(), Problems: ps}
		}
		j := &job{src: src, s: s}
		spec := src.Schedule
		if src.TimeZone != DefaultTimeZone {
			spec = "CRON_TZ=" + src.TimeZone + " " + spec
		}
		if _, err := s.cron.AddJob(spec, j); err != nil {
			return nil, fmt.Errorf("source %s: schedule %q: %w", src.Name, src.Schedule, err)
		}
		s.jobs[src.Name] = j
	}
	return s, nil
}

// Start runs the schedules in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and waits for running jobs, or for ctx.
func (s *Scheduler) Stop(ctx context.Context) error {
	select {
	case <-s.cron.Stop().Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
}

// RunNow runs one source at once, outside its schedule, and returns what
// the run did. Used by tests and operators.
func (s *Scheduler) RunNow(ctx context.Context, name string) (RunReport, error) {
	j, ok := s.jobs[name]
	if !ok {
		return RunReport{}, kpi.Errorf(kpi.ENOTFOUND, "no source named %q", name)
	}
	return j.run(ctx)
}

// RunReport says what one run of a source did.
type RunReport struct {
	Ingested []string // files (or URLs) stored
	Rejected []string // files refused whole, moved to failed/
	Skipped  []string // unchanged, or not settled yet
}

type job struct {
	src      Source
	s        *Scheduler
	memState httpState // without a StateDir
}

// Run is called by cron; errors are logged here, once.
func (j *job) Run() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	rep, err := j.run(ctx)
	log := j.s.opts.Logger.With("source", j.src.Name)
	if err != nil {
		log.Error("pull failed", "err", err)
		return
	}
	if len(rep.Ingested)+len(rep.Rejected) > 0 {
		log.Info("pull done", "ingested", len(rep.Ingested), "rejected", len(rep.Rejected), "skipped", len(rep.Skipped))
	}
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
