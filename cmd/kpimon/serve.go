package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/metrics"
	"github.com/yanfeng/kpimon/internal/pull"
	"github.com/yanfeng/kpimon/internal/web"
)

// serveConfig is everything serve reads from flags and KPIMON_* variables.
type serveConfig struct {
	data, listen, targets, asOf   string
	sources, inbox, inboxSchedule string
	webConfig, logLevel           string
	secureCookies                 bool
	onListen                      func(net.Addr) // tests learn the bound port
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	var c serveConfig
	fs := newFlagSet(e, "serve", "serve [flags]", `
Run kpimon: load the plan catalog into the store, serve the API, the
submitters' web page and /metrics, and pull figures on schedule.
Without flags it runs on the embedded catalog with its data in ./data.
Every flag can also be set as a KPIMON_* environment variable.`,
		"kpimon serve --data /var/lib/kpimon --listen 0.0.0.0:9464 --inbox /srv/tjj-inbox")
	fs.StringVar(&c.data, "data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	fs.StringVar(&c.listen, "listen", envOr(e, "KPIMON_LISTEN", "127.0.0.1:9464"), "`address` to listen on (KPIMON_LISTEN)")
	fs.StringVar(&c.targets, "targets", envOr(e, "KPIMON_TARGETS", ""), "targets `dir` replacing the embedded catalog (KPIMON_TARGETS)")
	fs.StringVar(&c.asOf, "as-of", envOr(e, "KPIMON_AS_OF", ""), "evaluate as at the end of this `date` (2021-06-30) instead of now (KPIMON_AS_OF)")
	fs.StringVar(&c.sources, "sources", envOr(e, "KPIMON_SOURCES", ""), "YAML `file` declaring scheduled pulls (KPIMON_SOURCES)")
	fs.StringVar(&c.inbox, "inbox", envOr(e, "KPIMON_INBOX", ""), "inbox `dir` whose files are ingested on schedule (KPIMON_INBOX)")
	fs.StringVar(&c.inboxSchedule, "inbox-schedule", envOr(e, "KPIMON_INBOX_SCHEDULE", "@every 1m"), "cron `spec` for the inbox (KPIMON_INBOX_SCHEDULE)")
	fs.StringVar(&c.webConfig, "web-config", envOr(e, "KPIMON_WEB_CONFIG", ""), "exporter-toolkit web config `file` for TLS and basic auth (KPIMON_WEB_CONFIG)")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "KPIMON_LOG_LEVEL", "info"), "log `level`: debug, info, warn, error (KPIMON_LOG_LEVEL)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", envOr(e, "KPIMON_SECURE_COOKIES", "") == "true", "mark web session cookies Secure (behind TLS) (KPIMON_SECURE_COOKIES)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q: see 'kpimon help serve'", fs.Args())
	}
	return serve(ctx, e, c)
}

func newLogger(e *env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

// clockFor returns the evaluation clock: the real one, or the end of the
// --as-of day in China time.
func clockFor(asOf string) (func() time.Time, error) {
	if asOf == "" {
		return time.Now, nil
	}
	d, err := time.ParseInLocation("2006-01-02", asOf, kpi.China)
	if err != nil {
		return nil, fmt.Errorf("--as-of %q: want a date like 2021-06-30", asOf)
	}
	end := d.AddDate(0, 0, 1).Add(-time.Second)
	return func() time.Time { return end }, nil
}

func loadCatalog(dir string) (kpi.Catalog, error) {
	if dir == "" {
		return catalog.Default()
	}
	return catalog.LoadDir(dir)
}

// storePath is the store's file in a data dir.
func storePath(dataDir string) string { return filepath.Join(dataDir, "kpimon.db") }

// storeExists reports whether a data dir holds a store yet. Any error but
// "not there" counts as there, so opening it reports that error.
func storeExists(dataDir string) bool {
	_, err := os.Stat(storePath(dataDir))
	return !errors.Is(err, os.ErrNotExist)
}

func openStore(dataDir string, timeout time.Duration, logger *slog.Logger) (*boltstore.Store, error) {
	return boltstore.Open(storePath(dataDir), boltstore.Options{Timeout: timeout, Logger: logger})
}

func serve(ctx context.Context, e *env, c serveConfig) error {
	logger, err := newLogger(e, c.logLevel)
	if err != nil {
		return err
	}
	now, err := clockFor(c.asOf)
	if err != nil {
		return err
	}
	cat, err := loadCatalog(c.targets)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	var sources []pull.Source
	if c.sources != "" {
		cfg, err := pull.LoadConfig(c.sources)
		if err != nil {
			return err
		}
		sources = cfg.Sources
	}
	if c.inbox != "" {
		src, err := pull.InboxSource(c.inbox, c.inboxSchedule)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}

	store, err := openStore(c.data, time.Second, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	changes, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: catalogOrigin(c.targets)})
	if err != nil {
		return fmt.Errorf("load catalog into the store: %w", err)
	}
	for _, ch := range changes {
		logger.Info("catalog change", "plan", ch.Ref.Plan, "indicator", ch.Ref.ID, "action", ch.Action, "detail", ch.Detail)
	}
	logger.Info("catalog loaded", "plans", len(cat.Plans), "indicators", len(cat.Indicators), "changes", len(changes), "source", catalogOrigin(c.targets))

	states := kpi.NewStates(store, kpi.StatesOptions{Now: now})
	collector := metrics.NewCollector(states, metrics.Options{Logger: logger, BuildVersion: version})
	reg := metrics.NewRegistry(collector)
	// Render /metrics in the background as soon as a write changing figures
	// or targets commits, or a new day starts; scrapes are served the last
	// complete rendering meanwhile (seconds of work at national size).
	prerenderCtx, stopPrerender := context.WithCancel(ctx)
	prerendered := make(chan struct{})
	go func() {
		defer close(prerendered)
		collector.Prerender(prerenderCtx, metrics.PrerenderOptions{Changed: store.Changed, Interval: 5 * time.Second})
	}()
	// Stopped and waited for before the store closes (defers run in reverse).
	defer func() {
		stopPrerender()
		<-prerendered
	}()
	ing, err := ingest.New(ingest.Options{Store: store, Logger: logger, Registerer: reg})
	if err != nil {
		return err
	}
	template := ing.WriteTemplate

	// The ingester also counts runs that fail before it sees a file (a URL
	// that does not answer), so KpiIngestFailing fires for them too.
	sched, err := pull.New(pull.Options{Ingester: ing, FailureRecorder: ing, Sources: sources, Logger: logger, StateDir: filepath.Join(c.data, "pull")})
	if err != nil {
		return err
	}
	sched.Start()
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			logger.Warn("scheduler did not stop in time", "err", err)
		}
	}()

	ui, err := web.New(web.Options{Store: store, States: states, Ingester: ing, Template: template, Logger: logger, SecureCookies: c.secureCookies})
	if err != nil {
		return err
	}
	// Everything is loaded before the listener opens, so whoever can reach
	// /readyz finds the server ready (Deps.Ready nil).
	handler := httpapi.NewServer(httpapi.Deps{
		Store: store, States: states, Ingester: ing, Template: template, Backup: store.Backup,
		Metrics: metrics.NewHandler(collector, reg, logger), UI: ui, Logger: logger,
	})
	logger.Info("kpimon serving", "listen", c.listen, "data", c.data, "as_of", c.asOf, "sources", len(sources))
	// Shutdown order: HTTP stops first (ListenAndServe returns), then the
	// deferred scheduler stop waits for running jobs, then the store closes.
	err = httpapi.ListenAndServe(ctx, httpapi.ServeOptions{Addr: c.listen, WebConfigFile: c.webConfig, Handler: handler, Logger: logger, OnListen: c.onListen})
	logger.Info("kpimon stopping")
	return err
}

func catalogOrigin(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return strings.TrimSuffix(dir, "/")
}
