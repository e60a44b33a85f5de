// Package ingest turns submissions of actual figures — XLSX, CSV (UTF-8 or
// GBK) and JSON — into stored observations. A submission is parsed, then
// checked as a whole against the catalog and the submitter's units, and
// stored at once (one store write, seen whole or not at all): any problem
// rejects it whole and nothing is written. It also writes the XLSX template submitters fill in.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// DefaultMaxRows bounds one submission.
const DefaultMaxRows = kpi.DefaultMaxRows

// Store is what an Ingester needs of the store: the catalog to check rows
// against, a place for figures, the audit log for refusals, and the
// generation its index of the catalog is keyed by.
type Store interface {
	Catalog(ctx context.Context) (kpi.Catalog, error)
	AddObservations(ctx context.Context, sub kpi.Submission) (kpi.SubmissionResult, error)
	AppendAudit(ctx context.Context, e kpi.AuditEntry) error
	kpi.Generations
}

// Options configures an Ingester.
type Options struct {
	Store  Store
	Now    func() time.Time // default time.Now: stamps submissions, bounds periods
	Logger *slog.Logger
	// Registerer, when set, gets the kpi_ingest_* metrics.
	Registerer prometheus.Registerer
	MaxRows    int // default DefaultMaxRows
	// MaxUnzippedBytes bounds what an XLSX unzips to; default DefaultMaxUnzippedBytes.
	MaxUnzippedBytes int64
	// MaxCellBytes bounds one cell or field; default DefaultMaxCellBytes.
	MaxCellBytes int
	// MaxProblems bounds the problems a refusal lists (the rest are
	// counted by kind); default kpi.DefaultMaxProblems.
	MaxProblems int
	// MaxOutcomes bounds the figures a receipt lists one by one (the rest
	// are counted per plan); default kpi.DefaultMaxOutcomes.
	MaxOutcomes int
	// IngestMemory is the memory all submissions being read and stored at
	// once may hold (each is charged what its format and size may make it
	// hold; the rest wait); default DefaultIngestMemory.
	IngestMemory int64
	// IngestWait bounds how long a submission waits for its share of
	// IngestMemory before it is refused as busy; default DefaultIngestWait.
	IngestWait time.Duration
	// TempDir holds the temporary files of large XLSX submissions (the
	// data directory's tmp/, emptied at start); empty: the system's.
	TempDir string
	// Explainer files the explanations of a workbook's 情况说明 sheet
	// (supervision.Service); nil: a file with such rows is refused.
	Explainer Explainer
}

// Ingester implements kpi.Ingester on a Store. Safe for concurrent use.
type Ingester struct {
	store  Store
	now    func() time.Time
	log    *slog.Logger
	limits limits
	// maxProblems and maxOutcomes bound what a refusal and a receipt echo.
	maxProblems, maxOutcomes int
	m                        *ingestMetrics
	// sources, when the store keeps them, remembers each source's last
	// success and failure across restarts; the metrics start from it.
	sources kpi.SourceStateStore
	budget  *budget
	explain Explainer

	mu    sync.Mutex
	ix    *index
	ixGen uint64
}

var _ kpi.Ingester = (*Ingester)(nil)

// New returns an Ingester.
func New(opts Options) (*Ingester, error) {
	if opts.Store == nil {
		return nil, errors.New("ingest: no store")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newIngestMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	l := limits{maxRows: opts.MaxRows, maxUnzippedBytes: opts.MaxUnzippedBytes, maxCellBytes: opts.MaxCellBytes, tempDir: opts.TempDir}.withDefaults()
	ing := &Ingester{store: opts.Store, now: opts.Now, log: opts.Logger, limits: l,
		maxProblems: opts.MaxProblems, maxOutcomes: opts.MaxOutcomes, m: m, budget: newBudget(opts.IngestMemory, opts.IngestWait), explain: opts.Explainer}
	if ss, ok := opts.Store.(kpi.SourceStateStore); ok {
		ing.sources = ss
		// A few keys, read once at start-up: a source failing before a
		// restart is still failing after it, and the boards still show
		// when each source last succeeded.
		states, err := ss.SourceStates(context.Background())
		if err != nil {
			return nil, fmt.Errorf("ingest: read source states: %w", err)
		}
		for _, st := range states {
			m.restore(st)
		}
	}
	return ing, nil
}

// result counts one run of source. A success or a run kpimon could not
// carry out (a store or catalog error) also stamps the source's last
// success or failure; a refusal does not (see reject).
func (ing *Ingester) result(ctx context.Context, source, result string, start, end time.Time) {
	ing.m.result(source, result, start, end)
	switch result {
	case "ok":
		ing.stamp(ctx, source, end, true)
	case "error":
		ing.stamp(ctx, source, end, false)
	}
}

// stamp sets the source's last success or failure, in the gauges and where
// the store keeps source states (a failure to store it is logged: the
// submission's own outcome stands).
func (ing *Ingester) stamp(ctx context.Context, source string, at time.Time, ok bool) {
	ing.m.stamp(source, at, ok)
	if ing.sources == nil {
		return
	}
	if err := ing.sources.RecordSourceRun(context.WithoutCancel(ctx), source, at, ok); err != nil {
		ing.log.Error("record source state", "ingest_source", source, "err", err)
	}
}

// Ingest parses and stores a file. Its rows are checked as they are read,
// so memory holds the good figures and a bounded list of problems, never
// the file's rows; it waits for its share of the ingest memory budget.
func (ing *Ingester) Ingest(ctx context.Context, u kpi.Upload) (kpi.SubmissionResult, error) {
	start := ing.now()
	ix, err := ing.index(ctx)
	if err != nil {
		ing.result(ctx, u.Source, "error", start, ing.now())
		return kpi.SubmissionResult{}, err
	}
	// An XLSX is looked over first (sizes, runs, cells: one read buffer),
	// which also bounds the figures it can hold for its charge.
	l, xlsxFigures := ing.limits, 0
	if detectFormat(u) == FormatXLSX {
		xlsxFigures, l.checked = checkXLSXRows(u.Body, l)
		l.precheck = true
	}
	held, figures := charge(u, l, ix.maxObs(ing.now()), xlsxFigures)
	release, err := ing.budget.acquire(ctx, u, held)
	if err != nil {
		return kpi.SubmissionResult{}, ing.refuseBusy(ctx, u, start, err)
	}
	defer release()
	c := ix.checker(u, ing.now(), ing.maxProblems, figures)
	var ex explanationSet
	if problems := parse(u, l, c.add, &ex); len(problems) > 0 {
		return kpi.SubmissionResult{}, ing.reject(ctx, u, start, c.rows, ing.problemsError(kpi.EINVALID,
			fmt.Sprintf("文件 %s 无法读取，未写入任何数据\n%s could not be read; nothing was written", kpi.Excerpt(u.Name), kpi.Excerpt(u.Name)), problems...))
	}
	if len(ex.rows) > 0 {
		if err := c.checkExplanations(ctx, ing.explain, ex.rows, ex.cols); err != nil {
			ing.result(ctx, u.Source, "error", start, ing.now())
			return kpi.SubmissionResult{}, fmt.Errorf("check the explanations of %s: %w", name(u), err)
		}
	}
	return ing.store1(ctx, c, u, start)
}

// IngestRows stores rows already decoded (the JSON API).
func (ing *Ingester) IngestRows(ctx context.Context, in []kpi.Row, u kpi.Upload) (kpi.SubmissionResult, error) {
	start := ing.now()
	if len(in) > ing.limits.maxRows {
		return kpi.SubmissionResult{}, ing.reject(ctx, u, start, len(in), &kpi.Error{Code: kpi.EINVALID,
			Message: "行数过多\ntoo many rows", Problems: []kpi.Problem{tooMany(u, ing.limits.maxRows)}})
	}
	ix, err := ing.index(ctx)
	if err != nil {
		ing.result(ctx, u.Source, "error", start, ing.now())
		return kpi.SubmissionResult{}, err
	}
	held, figures := figuresCharge(len(in), ing.limits, ix.maxObs(ing.now()))
	release, err := ing.budget.acquire(ctx, u, held)
	if err != nil {
		return kpi.SubmissionResult{}, ing.refuseBusy(ctx, u, start, err)
	}
	defer release()
	cols := jsonColumns()
	c := ix.checker(u, ing.now(), ing.maxProblems, figures)
	for i, r := range in {
		r.Line = i + 1
		rw := row{Row: r, col: cols}
		if problems := longFields(&rw, u, ing.limits); len(problems) > 0 {
			return kpi.SubmissionResult{}, ing.reject(ctx, u, start, len(in), ing.problemsError(kpi.EINVALID,
				"字段过长，未写入任何数据\na field is too long; nothing was written", problems...))
		}
		c.add(&rw)
	}
	return ing.store1(ctx, c, u, start)
}

// refuseBusy counts and logs a submission refused for the memory budget.
func (ing *Ingester) refuseBusy(ctx context.Context, u kpi.Upload, start time.Time, err error) error {
	var ke *kpi.Error
	if errors.As(err, &ke) {
		return ing.reject(ctx, u, start, 0, ke)
	}
	ing.result(ctx, u.Source, "error", start, ing.now())
	return err
}

func (ing *Ingester) store1(ctx context.Context, c *checker, u kpi.Upload, start time.Time) (kpi.SubmissionResult, error) {
	obs, invalid, forbidden := c.done()
	rows := c.rows
	switch {
	case invalid.Len() > 0:
		for _, p := range forbidden.Problems() {
			invalid.Add(p)
		}
		n := kpi.Thousands(invalid.Len() + forbidden.Len() - len(forbidden.Problems()))
		return kpi.SubmissionResult{}, ing.reject(ctx, u, start, rows, invalid.Fill(&kpi.Error{Code: kpi.EINVALID,
			Message: fmt.Sprintf("%s 有 %s 处问题，整份未写入，请修改后重新提交\n%s has %s problem(s); nothing was written: fix them and submit again",
				name(u), n, name(u), n)}))
	case forbidden.Len() > 0:
		return kpi.SubmissionResult{}, ing.reject(ctx, u, start, rows, forbidden.Fill(&kpi.Error{Code: kpi.EFORBIDDEN,
			Message: fmt.Sprintf("%s 含有 %s 无权报送的指标，整份未写入\n%s names indicators %s may not submit for; nothing was written",
				name(u), unitsText(u.Actor), name(u), u.Actor.Name)}))
	}
	var res kpi.SubmissionResult
	if len(obs) > 0 || len(c.expl) == 0 {
		var err error
		res, err = ing.store.AddObservations(ctx, kpi.Submission{Actor: u.Actor, Source: u.Source, File: u.Name, At: ing.now(), Figures: obs,
			MaxOutcomes: ing.receiptOutcomes()})
		obs, c.obs = nil, nil // stored: the receipt's work need not keep them
		if err != nil {
			ing.result(ctx, u.Source, "error", start, ing.now())
			ing.log.Error("store submission", "ingest_source", u.Source, "file", u.Name, "err", err)
			return kpi.SubmissionResult{}, fmt.Errorf("store %s: %w", name(u), err)
		}
	}
	// The explanations were checked with the figures; only a store
	// failure can stop them now, and it is reported as one.
	for i, e := range c.expl {
		if _, err := ing.explain.FileExplanation(ctx, e, u.Actor); err != nil {
			ing.result(ctx, u.Source, "error", start, ing.now())
			ing.log.Error("file explanation", "ingest_source", u.Source, "file", u.Name, "filed", i, "of", len(c.expl), "err", err)
			return kpi.SubmissionResult{}, fmt.Errorf("store %s: figures stored, %d of %d explanations filed: %w", name(u), i, len(c.expl), err)
		}
	}
	ing.result(ctx, u.Source, "ok", start, ing.now())
	ing.m.rows.WithLabelValues(u.Source, "added").Add(float64(res.Added))
	ing.m.rows.WithLabelValues(u.Source, "revised").Add(float64(res.Revised))
	ing.m.rows.WithLabelValues(u.Source, "unchanged").Add(float64(res.Unchanged))
	ing.log.Info("submission stored", "ingest_source", u.Source, "file", u.Name, "actor", u.Actor.Name,
		"added", res.Added, "revised", res.Revised, "unchanged", res.Unchanged, "took", ing.now().Sub(start))
	res = res.Summary(ing.maxOutcomes)
	res.Explanations = len(c.expl)
	for i := range res.Outcomes {
		o := &res.Outcomes[i]
		if ind := c.ix.inPlan[planKey{plan: o.Observation.Plan, key: o.Observation.Indicator}]; ind != nil {
			o.Name, o.Value, o.Note = ind.Name, present.Reported(*ind, o.Observation.Value), present.FigureNote(*ind, o.Observation.Period)
		}
	}
	return res, nil
}

// receiptOutcomes is how many figures a receipt lists one by one.
func (ing *Ingester) receiptOutcomes() int {
	if ing.maxOutcomes > 0 {
		return ing.maxOutcomes
	}
	return kpi.DefaultMaxOutcomes
}

func name(u kpi.Upload) string {
	if u.Name != "" {
		return kpi.Excerpt(u.Name)
	}
	return "提交 submission"
}

// reject counts, logs and audits a refused submission and returns err.
func (ing *Ingester) reject(ctx context.Context, u kpi.Upload, start time.Time, rows int, err *kpi.Error) error {
	end := ing.now()
	ing.result(ctx, u.Source, "rejected", start, end)
	ing.m.rows.WithLabelValues(u.Source, "rejected").Add(float64(rows))
	// A refusal is answered to whoever sent the file (the HTTP answer, the
	// inbox's failed/ report), so it is not the source failing: the
	// operator's KpiSourceFailing would page about a submitter's typo for
	// weeks. Where nobody but the operator can hear it (a pulled URL), it is.
	if u.Unanswered {
		ing.stamp(ctx, u.Source, end, false)
	}
	action := kpi.ActionSubmissionReject
	if err.Code == kpi.EFORBIDDEN {
		action = kpi.ActionAccessDenied
	}
	detail := fmt.Sprintf("%d problem(s)", len(err.Problems)+err.More)
	if len(err.Problems) > 0 {
		detail += "; first: " + kpi.ExcerptN(err.Problems[0].String(), 400)
	}
	if aerr := ing.store.AppendAudit(ctx, kpi.AuditEntry{At: ing.now(), Actor: u.Actor.Name, Remote: u.Actor.Remote,
		Action: action, Object: kpi.Excerpt(u.Name), Detail: detail}); aerr != nil {
		ing.log.Error("audit a refused submission", "ingest_source", u.Source, "err", aerr)
	}
	ing.log.Warn("submission refused", "ingest_source", u.Source, "file", kpi.Excerpt(u.Name), "actor", u.Actor.Name, "code", err.Code, "problems", len(err.Problems))
	return err
}

// problemsError returns an error of the code listing problems within the
// echo bounds.
func (ing *Ingester) problemsError(code, msg string, problems ...kpi.Problem) *kpi.Error {
	l := kpi.ProblemList{Max: ing.maxProblems}
	for _, p := range problems {
		l.Add(p)
	}
	return l.Fill(&kpi.Error{Code: code, Message: msg})
}

// RecordFailure counts a run that failed before the ingester saw a file
// (a URL that did not answer), so the ingest metrics show it.
func (ing *Ingester) RecordFailure(source string) {
	now := ing.now()
	ing.result(context.Background(), source, "error", now, now)
}

// index returns the lookup tables of the current catalog, rebuilt only
// when the catalog changed: by the store's CatalogGeneration where it has
// one (a province's index is 180,000 indicators; a figure write need not
// rebuild it), else its Generation.
func (ing *Ingester) index(ctx context.Context) (*index, error) {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	gen := ing.store.Generation()
	if cg, ok := ing.store.(kpi.CatalogGenerations); ok {
		gen = cg.CatalogGeneration()
	}
	if ing.ix != nil && ing.ixGen == gen {
		return ing.ix, nil
	}
	cat, err := ing.store.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	ing.ix, ing.ixGen = newIndex(cat), gen
	return ing.ix, nil
}

// ingestMetrics are the kpi_ingest_* metrics of DESIGN.md.
type ingestMetrics struct {
	runs        *prometheus.CounterVec
	rows        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	lastFailure *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
}

func newIngestMetrics(reg prometheus.Registerer) (*ingestMetrics, error) {
	m := &ingestMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kpi_ingest_runs_total",
			Help: "Submissions handled, by source (api, upload, web, inbox, pull:<name>, cli) and result (ok, rejected, error)."}, []string{"source", "result"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kpi_ingest_rows_total",
			Help: "Figures handled, by source and result (added, revised, unchanged, rejected)."}, []string{"source", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kpi_ingest_last_success_timestamp_seconds",
			Help: "When a submission from the source was last stored."}, []string{"source"}),
		lastFailure: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kpi_ingest_last_failure_timestamp_seconds",
			Help: "When a run of the source last failed: kpimon could not fetch, read or store it, or refused a pulled file (refusals answered to their sender count only in kpi_ingest_runs_total)."}, []string{"source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kpi_ingest_duration_seconds",
			Help:    "Time to parse, check and store one submission.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60}}, []string{"source"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.runs, m.rows, m.lastSuccess, m.lastFailure, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register ingest metrics: %w", err)
			}
		}
	}
	return m, nil
}

// restore sets the last success and failure of a source from its stored
// state, as at start-up.
func (m *ingestMetrics) restore(st kpi.SourceState) {
	if !st.LastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(st.Source).Set(float64(st.LastSuccess.UnixNano()) / 1e9)
	}
	if !st.LastFailure.IsZero() {
		m.lastFailure.WithLabelValues(st.Source).Set(float64(st.LastFailure.UnixNano()) / 1e9)
	}
}

func (m *ingestMetrics) result(source, result string, start, end time.Time) {
	m.runs.WithLabelValues(source, result).Inc()
	m.duration.WithLabelValues(source).Observe(end.Sub(start).Seconds())
}

func (m *ingestMetrics) stamp(source string, at time.Time, ok bool) {
	ts := float64(at.UnixNano()) / 1e9
	if ok {
		m.lastSuccess.WithLabelValues(source).Set(ts)
	} else {
		m.lastFailure.WithLabelValues(source).Set(ts)
	}
}
