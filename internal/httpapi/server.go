// Package httpapi serves kpimon over HTTP: the JSON API submitters and
// boards use, health and readiness probes, /metrics, and the web page
// mounted beside them.
//
//	GET  /healthz, /-/healthy         200 while the process runs
//	GET  /readyz, /-/ready            200 when ready, else 503
//	GET  /metrics                     Prometheus exposition
//	POST /api/v1/observations         JSON rows: [{indicator, period, value, note}] or {"rows": [...]}
//	POST /api/v1/uploads              a CSV, XLSX or JSON file: raw body (?name=, ?sheet=) or multipart field "file"
//	GET  /api/v1/indicators           every indicator with its evaluation (?plan= ?task= ?unit= ?status=)
//	GET  /api/v1/indicators/{id}      one indicator: target, figures with revisions, versions, evaluation (?plan=)
//	GET  /api/v1/audit                the audit log, newest first (?object= ?since= ?limit=); needs an --all token
//	GET  /api/v1/template.xlsx        the XLSX template submitters fill in
//	GET  /api/v1/backup               a consistent copy of the store (bbolt file); needs an --all token
//	POST /api/v1/indicators/{plan}/{id}/explanations  a unit's 情况说明: {reason, measures, expected_by}
//	GET  /api/v1/indicators/{plan}/{id}/explanations  its explanations and supervision items (token)
//	GET  /api/v1/supervision          supervision items (督办), a unit token's own only (?open=1 ?unit= ?state=)
//	POST /api/v1/supervision/{item}/review  {action: review|return, comment}: supervisor or --all token
//	everything else                   the web page
//
// Writes need a token, sent as "Authorization: Bearer <token>" or, when a
// web config file's basic auth takes the Authorization header, as
// "X-Kpimon-Token: <token>". Reads of indicators are open; the audit log and
// backups need a token for every indicator (--all). Errors are JSON:
// {"error": {"code": "invalid", "message": "...", "problems": [...]}}.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
)

// DefaultMaxBodyBytes limits request bodies when Deps.MaxBodyBytes is zero:
// a filled-in template of a whole plan is a few hundred kilobytes.
const DefaultMaxBodyBytes = 32 << 20

// Deps is everything the HTTP API needs. Metrics, UI and Template may be
// nil: their routes then answer 404.
type Deps struct {
	Store    kpi.Store
	States   kpi.StateService
	Ingester kpi.Ingester
	// Template writes the XLSX template submitters fill in.
	Template func(ctx context.Context, w io.Writer) error
	// Backup writes a consistent copy of the store (GET /api/v1/backup).
	Backup  func(ctx context.Context, w io.Writer) (int64, error)
	Metrics http.Handler
	// UI serves every path no API route claims (the submitters' web page).
	UI     http.Handler
	Logger *slog.Logger
	// Ready reports whether the server can take traffic; nil means ready.
	Ready        func() error
	MaxBodyBytes int64
	// MaxRows bounds the rows of one POST /api/v1/observations, the
	// ingester's own limit (serve's --limits.rows for both);
	// kpi.DefaultMaxRows when zero.
	MaxRows int
	// MinBodyRate is the slowest (bytes per second, on average after the
	// first 10 s) a request body may arrive; DefaultMinBodyRate when zero.
	MinBodyRate int64
	// Access checks tokens and slows down failing clients; one on Store
	// with Now when nil. Share it with the web page so both count the
	// same failures.
	Access *access.Authenticator
	// Now is the wall clock of audit entries; time.Now when nil.
	Now func() time.Time
	// Supervision serves explanations and supervision items; nil: those
	// routes answer 404.
	Supervision *supervision.Service
	// ReportingFrom is serve's --reporting.from, the report duty of a
	// request as of another day (?as_of=) starts from, as States' does.
	ReportingFrom time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (--web.trusted-proxies); from anyone else it is ignored.
	TrustedProxies []netip.Prefix
}

// NewServer returns the whole HTTP handler: routes wrapped in panic
// recovery, request logging and a body size limit.
func NewServer(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Access == nil {
		d.Access = access.New(access.Options{Store: d.Store, Now: d.Now, Logger: d.Logger})
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.MaxRows <= 0 {
		d.MaxRows = kpi.DefaultMaxRows
	}
	if d.MinBodyRate <= 0 {
		d.MinBodyRate = DefaultMinBodyRate
	}
	mux := http.NewServeMux()
	addRoutes(mux, d)
	var h http.Handler = mux
	h = limitBody(d.MaxBodyBytes, d.Logger)(h)
	h = bodyRate(d.MinBodyRate, d.Logger)(h)
	h = recoverPanics(d.Logger)(h)
	h = logRequests(d.Logger)(h)
	h = clientAddress(d.TrustedProxies)(h)
	h = noSniff(h)
	return h
}
