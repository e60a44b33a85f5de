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

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/metrics"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/pull"
	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/web"
)

// serveConfig is everything serve reads from flags and KPIMON_* variables.
type serveConfig struct {
	data, targets, asOf           string
	reportingFrom                 string
	listen, webConfig             string
	sources, inbox, inboxSchedule string
	grafanaURL, externalURL       string
	log                           promslog.Config
	secureCookies                 bool
	trustedProxies                string
	limits                        serveLimits
	memoryLimit                   string         // --memory.limit: "" automatic, 0 none
	reportLights                  present.Lights // statuses' lights on charts and /report
	reportFont                    string         // the PDF circular's font
	reportOffice                  report.Office  // the issuing office's fields for /report
	responseDays                  int            // working days a unit has to answer a supervision item
	calendar                      *kpi.Calendar  // public holidays and 调休 workdays of those days; nil: Monday to Friday
	onListen                      func(net.Addr) // tests learn the bound port
}

// defaultListen is where serve listens, and where status looks for it,
// unless KPIMON_LISTEN or --web.listen-address say otherwise.
const defaultListen = "127.0.0.1:9464"

func addServeCommand(c *cli) {
	var cfg serveConfig
	cmd := c.command("serve", "run the server: store, scheduler, API, web page, /metrics", `
Run kpimon: load the plan catalog into the store, serve the API, the
submitters' web page and /metrics, and pull figures on schedule.
Without flags it runs on the embedded catalog with its data in ./data.
Every setting can also be given as the KPIMON_* environment variable its
help names; the flag wins. The earlier flag names (--data, --listen,
--targets, --sources, --inbox, --inbox-schedule, --web-config, --log-level,
--secure-cookies) still work.`,
		"kpimon serve --storage.path /var/lib/kpimon --web.listen-address 0.0.0.0:9464 --inbox.path /srv/tjj-inbox")
	data := c.storageFlag(cmd)
	targets := c.targetsFlag(cmd, "Targets dir replacing the embedded catalog")
	asOf := c.env(cmd.Flag("as-of", "Evaluate as at the end of this date (2021-06-30) instead of now."), "KPIMON_AS_OF", "").PlaceHolder("DATE").String()
	reportingFrom := c.reportingFromFlag(cmd)
	webFlags := kingpinflag.AddFlags(cmd, defaultListen)
	c.env(cmd.GetFlag("web.listen-address"), "KPIMON_LISTEN", defaultListen)
	c.env(cmd.GetFlag("web.config.file"), "KPIMON_WEB_CONFIG", "")
	if f := cmd.GetFlag("web.systemd-socket"); f != nil {
		f.Hidden() // not supported: kpimon listens on one address
	}
	sources := c.env(cmd.Flag("pull.config.file", "YAML file declaring scheduled pulls (alias --sources)."), "KPIMON_SOURCES", "").PlaceHolder("FILE").String()
	inbox := c.env(cmd.Flag("inbox.path", "Inbox dir whose files are ingested on schedule (alias --inbox)."), "KPIMON_INBOX", "").PlaceHolder("DIR").String()
	inboxSchedule := c.env(cmd.Flag("inbox.schedule", "Cron spec for the inbox (alias --inbox-schedule)."), "KPIMON_INBOX_SCHEDULE", "@every 1m").PlaceHolder("SPEC").String()
	secureCookies := c.env(cmd.Flag("web.secure-cookies", "Mark web session cookies Secure: set it when kpimon is served over TLS; KPIMON_SECURE_COOKIES=1 or true (alias --secure-cookies)."), "KPIMON_SECURE_COOKIES", "").Bool()
	trustedProxies := c.env(cmd.Flag("web.trusted-proxies", "Reverse proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For header names the client: throttling, connection caps and the audit log then see each client apart. From any other peer the header is ignored."), "KPIMON_WEB_TRUSTED_PROXIES", "").PlaceHolder("CIDR,…").String()
	limits := addLimitFlags(c, cmd)
	lights := c.env(cmd.Flag("report.lights", "Lights of statuses on charts and in the circular, changes to the default: no_data=red,in_progress=green."), "KPIMON_REPORT_LIGHTS", "").PlaceHolder("STATUS=LIGHT,…").String()
	font := c.env(cmd.Flag("report.font", "TrueType font (.ttf or .ttc) with Chinese glyphs for the PDF circular (default: WenQuanYi Micro Hei if installed)."), "KPIMON_REPORT_FONT", "").PlaceHolder("FILE").String()
	officeFile := c.env(cmd.Flag("report.config.file", "YAML file of the issuing office's fields for /report's circular (.docx 版头, 文号, 主送, 抄送, 落款): see 'kpimon report --help'."), "KPIMON_REPORT_CONFIG_FILE", "").PlaceHolder("FILE").String()
	grafanaURL := c.env(cmd.Flag("grafana.url", "Grafana's root URL (its GF_SERVER_ROOT_URL), for the board links in alerts."), "KPIMON_GRAFANA_URL", "http://localhost:3000/").PlaceHolder("URL").String()
	externalURL := c.env(cmd.Flag("web.external-url", "The URL units reach kpimon at, for the submission link in alerts (default http://<listen address>/)."), "KPIMON_WEB_EXTERNAL_URL", "").PlaceHolder("URL").String()
	responseDays := c.env(cmd.Flag("supervision.response-days", "Working days a lead unit has to explain a red indicator (督办 answer deadline)."), "KPIMON_SUPERVISION_RESPONSE_DAYS", "5").PlaceHolder("DAYS").Int()
	calendarFile := c.env(cmd.Flag("supervision.calendar.file", "YAML file of public holidays and 调休 working weekends (holidays:, workdays:) for the 督办 answer deadline's working days. Without it working days are Monday to Friday, with no public holidays."), "KPIMON_SUPERVISION_CALENDAR_FILE", "").PlaceHolder("FILE").String()
	memLimit := c.env(cmd.Flag("memory.limit", "Soft memory limit of the Go runtime (GOMEMLIMIT), e.g. 900MiB; 0 for none. Default: GOMEMLIMIT if set, else 90% of the container's (cgroup's) memory limit if there is one, else none."), "KPIMON_MEMORY_LIMIT", "").PlaceHolder("SIZE").String()
	addLogFlags(c, cmd, &cfg.log)
	c.action(cmd, func(ctx context.Context) error {
		cfg.memoryLimit = *memLimit
		if *responseDays < 1 || *responseDays > 60 {
			return fmt.Errorf("--supervision.response-days %d: want 1 to 60 working days", *responseDays)
		}
		cfg.responseDays = *responseDays
		var err error
		if *calendarFile != "" {
			if cfg.calendar, err = supervision.ReadCalendar(*calendarFile); err != nil {
				return fmt.Errorf("--supervision.calendar.file: %w", err)
			}
		}
		if cfg.reportLights, err = present.ParseLights(*lights); err != nil {
			return fmt.Errorf("--report.lights: %w", err)
		}
		cfg.reportFont = *font
		if *officeFile != "" {
			if cfg.reportOffice, err = report.ReadOffice(*officeFile); err != nil {
				return fmt.Errorf("--report.config.file: %w", err)
			}
		}
		if len(*webFlags.WebListenAddresses) != 1 {
			return fmt.Errorf("--web.listen-address given %d times: kpimon listens on one address", len(*webFlags.WebListenAddresses))
		}
		if *webFlags.WebSystemdSocket {
			return errors.New("--web.systemd-socket: kpimon does not support systemd socket activation; use --web.listen-address")
		}
		cfg.listen, cfg.webConfig = (*webFlags.WebListenAddresses)[0], *webFlags.WebConfigFile
		cfg.data, cfg.targets, cfg.asOf, cfg.reportingFrom = *data, *targets, *asOf, *reportingFrom
		cfg.sources, cfg.inbox, cfg.inboxSchedule = *sources, *inbox, *inboxSchedule
		cfg.secureCookies = *secureCookies
		cfg.trustedProxies = *trustedProxies
		cfg.limits = limits()
		cfg.grafanaURL, cfg.externalURL = *grafanaURL, *externalURL
		return c.serve(ctx, c.e, cfg)
	})
}

// addLogFlags adds promslog's --log.level and --log.format (logfmt or
// json) to cmd, with KPIMON_LOG_LEVEL and KPIMON_LOG_FORMAT.
func addLogFlags(c *cli, cmd *kingpin.CmdClause, cfg *promslog.Config) {
	cfg.Level = promslog.NewLevel()
	c.env(cmd.Flag(promslogflag.LevelFlagName, promslogflag.LevelFlagHelp+" (alias --log-level)"), "KPIMON_LOG_LEVEL", "info").
		HintOptions(promslog.LevelFlagOptions...).SetValue(namedValue{"--log.level (--log-level)", cfg.Level})
	cfg.Format = promslog.NewFormat()
	c.env(cmd.Flag(promslogflag.FormatFlagName, promslogflag.FormatFlagHelp), "KPIMON_LOG_FORMAT", "logfmt").
		HintOptions(promslog.FormatFlagOptions...).SetValue(namedValue{"--log.format", cfg.Format})
}

// clockFor returns the evaluation clock: the real one, or the end of the
// --as-of day in China time.
func clockFor(asOf string) (func() time.Time, error) {
	if asOf == "" {
		return time.Now, nil
	}
	end, err := kpi.ParseAsOf(asOf)
	if err != nil {
		return nil, fmt.Errorf("--as-of %q: want a day like 2021-06-30, years %d to %d", asOf, kpi.FirstYear, kpi.LastYear)
	}
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

// cleanTempDir empties the data directory's tmp/, where the ingester keeps
// a large workbook's shared strings while reading it, and returns it.
// Files there are unlinked as soon as they are created, so only a crash
// in between leaves one; the store's lock, taken before, means no other
// kpimon uses the directory.
func cleanTempDir(dataDir string) (string, error) {
	dir := filepath.Join(dataDir, "tmp")
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("empty the temporary directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the temporary directory: %w", err)
	}
	return dir, nil
}

func serve(ctx context.Context, e *env, c serveConfig) error {
	logCfg := c.log
	logCfg.Writer = e.stderr
	logger := promslog.New(&logCfg)
	now, err := clockFor(c.asOf)
	if err != nil {
		return err
	}
	memLimit, err := setMemoryLimit(c.memoryLimit, e.getenv, memlimit.FromCgroup, logger)
	if err != nil {
		return err
	}
	logger.Info("memory limit", "bytes", memLimit.bytes, "limit_from", memLimit.source)
	reportingFrom, err := parseReportingFrom(c.reportingFrom)
	if err != nil {
		return err
	}
	// The targets files are read (not parsed) before the store opens, so
	// a missing dir fails first; syncTargets parses them only if they or
	// the stored catalog changed.
	digest, err := targetsDigest(c.targets)
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

	proxies, err := httpapi.ParseTrustedProxies(c.trustedProxies)
	if err != nil {
		return fmt.Errorf("--web.trusted-proxies: %w", err)
	}

	store, err := openStore(c.data, time.Second, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	// A restart on a still-full disk must not look ready: the store file
	// has room for small writes in pages it holds, the disk may have none.
	// /readyz answers 503 until a later probe finds room.
	if err := store.CheckSpace(ctx); err != nil {
		logger.Error("no room to write in the data dir: not ready until there is", "data", c.data, "err", err)
	}
	if err := syncTargets(ctx, store, c.targets, digest, logger); err != nil {
		return err
	}

	// The server's readers of every state use the evaluation only; the
	// indicator page and API read one indicator's figures (State).
	states := kpi.NewStates(store, kpi.StatesOptions{Now: now, ReportingFrom: reportingFrom, FiguresOnDemand: true})
	links := metrics.Links{GrafanaURL: c.grafanaURL, WebURL: c.externalURL}
	if links.WebURL == "" {
		links.WebURL = "http://" + c.listen + "/"
	}
	collector := metrics.NewCollector(states, metrics.Options{Logger: logger, BuildVersion: version, Links: links})
	reg := metrics.NewRegistry(collector)
	if err := metrics.RegisterLinks(reg, links); err != nil {
		return err
	}
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
	// Supervision items open and close as indicators turn red and back,
	// after every write and as the clock moves; under --as-of they are
	// history and stay as they were.
	superv := supervision.New(supervision.Options{Store: store, States: states, Red: supervision.RedLights(c.reportLights),
		ResponseDays: c.responseDays, Calendar: c.calendar, Now: time.Now, Frozen: c.asOf != "", Logger: logger})
	logCalendar(logger, c.calendar, time.Now())
	supervCtx, stopSuperv := context.WithCancel(ctx)
	supervDone := make(chan struct{})
	go func() {
		defer close(supervDone)
		superv.Run(supervCtx, store.Changed, time.Minute)
	}()
	defer func() {
		stopSuperv()
		<-supervDone
	}()
	if err := metrics.RegisterSupervision(reg, superv, logger); err != nil {
		return err
	}
	tempDir, err := cleanTempDir(c.data)
	if err != nil {
		return err
	}
	ing, err := ingest.New(c.limits.ingestOptions(ingest.Options{Store: store, Logger: logger, Registerer: reg, TempDir: tempDir, Explainer: superv}))
	if err != nil {
		return err
	}
	template := ing.WriteTemplate
	// Every source's ingest counters exist at 0 from the start, so the
	// first run of each is counted (increase() needs a sample before it).
	ing.Announce(ingest.ServerSources...)
	for _, src := range sources {
		ing.Announce(src.Label())
	}

	// The ingester also counts runs that fail before it sees a file (a URL
	// that does not answer), so KpiSourceFailing fires for them too.
	sched, err := pull.New(pull.Options{Ingester: ing, FailureRecorder: ing, Sources: sources, Logger: logger,
		StateDir: filepath.Join(c.data, "pull"), Getenv: e.getenv, MaxFileBytes: c.limits.fileBytes, Registerer: reg})
	if err != nil {
		return err
	}
	sched.Start(ctx)
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			logger.Warn("scheduler did not stop in time", "err", err)
		}
	}()

	// One authenticator for the API and the web page: both count the same
	// failures per client. Its folded refusal counts are written at exit.
	auth := access.New(access.Options{Store: store, Accounts: store, Now: time.Now, Logger: logger, Registerer: reg})
	defer func() {
		if err := auth.Flush(context.Background()); err != nil {
			logger.Error("audit folded refusals", "err", err)
		}
	}()
	ui, err := web.New(web.Options{Store: store, States: states, Ingester: ing, Template: template, Logger: logger,
		SecureCookies: c.secureCookies, Access: auth, Now: time.Now, MaxUploadBytes: c.limits.uploadBytes,
		Lights: c.reportLights, ReportFont: c.reportFont, ReportOffice: c.reportOffice, UnitTemplate: ing.WriteTemplateFor, Supervision: superv, ReportingFrom: reportingFrom})
	if err != nil {
		return err
	}
	// Everything is loaded before the listener opens, but the first
	// rendering of /metrics (seconds at a province's size) is made in the
	// background: /readyz is 503 until a scrape can be answered from it,
	// and while the store cannot write (a full disk) until a probe write
	// succeeds.
	handler := httpapi.NewServer(httpapi.Deps{
		Store: store, States: states, Ingester: ing, Template: template, Backup: store.Backup,
		Metrics: metrics.NewHandler(collector, reg, logger), UI: ui, Logger: logger,
		Access: auth, Now: time.Now, MaxBodyBytes: c.limits.uploadBytes, MaxRows: int(c.limits.rows), ReportingFrom: reportingFrom,
		// A full disk is named first: it is the operator's to fix, while
		// the first rendering of /metrics only takes a moment.
		Ready: func() error {
			if err := store.Writable(ctx); err != nil {
				return err
			}
			return collector.Ready()
		},
		Supervision:    superv,
		TrustedProxies: proxies,
		MinBodyRate:    c.limits.bodyRate,
	})
	logger.Info("kpimon serving", "listen", c.listen, "data", c.data, "as_of", c.asOf, "sources", len(sources))
	// Shutdown order: HTTP stops first (ListenAndServe returns), then the
	// deferred scheduler stop cancels running pulls (they run under ctx) and
	// waits for them, then the store closes.
	err = httpapi.ListenAndServe(ctx, httpapi.ServeOptions{Addr: c.listen, WebConfigFile: c.webConfig, Handler: handler, Logger: logger, OnListen: c.onListen,
		Conns: httpapi.ConnLimits{Total: c.limits.conns, PerClient: c.limits.connsPerClient, TrustedProxies: proxies}})
	logger.Info("kpimon stopping")
	return err
}

func catalogOrigin(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return strings.TrimSuffix(dir, "/")
}

// logCatalogChanges logs one line per plan that changed, with counts by
// action; each change is logged at debug. (A first start logged 80 lines.)
func logCatalogChanges(ctx context.Context, logger *slog.Logger, changes []kpi.CatalogChange) {
	var plans []string
	counts := map[string]map[string]int{}
	for _, ch := range changes {
		logger.DebugContext(ctx, "catalog change", "plan", ch.Ref.Plan, "indicator", ch.Ref.ID, "action", ch.Action, "detail", ch.Detail)
		if counts[ch.Ref.Plan] == nil {
			counts[ch.Ref.Plan] = map[string]int{}
			plans = append(plans, ch.Ref.Plan)
		}
		counts[ch.Ref.Plan][ch.Action]++
	}
	for _, p := range plans {
		c := counts[p]
		attrs := []any{"plan", p}
		if c[kpi.ActionPlanAdd] > 0 {
			attrs = append(attrs, "plan_added", true)
		}
		if c[kpi.ActionPlanRemove] > 0 {
			attrs = append(attrs, "plan_removed", true)
		}
		if c[kpi.ActionPlanChange] > 0 {
			attrs = append(attrs, "plan_changed", true)
		}
		attrs = append(attrs, "targets_added", c[kpi.ActionTargetAdd], "targets_changed", c[kpi.ActionTargetChange], "targets_removed", c[kpi.ActionTargetRemove])
		logger.InfoContext(ctx, "catalog changes", attrs...)
	}
}

// logCalendar says at start which working days answer deadlines count,
// and warns when the calendar names no day of the current year: its
// holidays would then be counted as working days.
func logCalendar(logger *slog.Logger, cal *kpi.Calendar, now time.Time) {
	years := supervision.CalendarYears(cal)
	switch {
	case cal == nil:
		logger.Info("supervision deadlines count Monday to Friday; no public holidays (--supervision.calendar.file)")
	case !supervision.CalendarNamesYear(cal, now.In(kpi.China).Year()):
		logger.Warn("supervision calendar names no day of this year: its public holidays count as working days", "years", years)
	default:
		logger.Info("supervision calendar", "years", years)
	}
}
