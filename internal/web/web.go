// Package web serves the submitters' web page: the list of indicators with
// their status, one page per indicator with its history, and the 报送数据
// page where a signed-in unit downloads the XLSX template, uploads a filled
// file or enters one figure by hand.
//
// The page is plain HTML from html/template with one embedded stylesheet; it
// needs no JavaScript. Units sign in with their access token and get a
// cookie session held in memory; every form carries a per-session CSRF token
// and cross-origin POSTs are refused.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/supervision"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are what the web page needs.
type Options struct {
	Store    kpi.Store
	States   kpi.StateService
	Ingester kpi.Ingester
	// Template writes the XLSX submission template.
	Template func(ctx context.Context, w io.Writer) error
	// UnitTemplate writes the template with only the indicators actor may
	// submit for, offered to a signed-in unit; nil: Template for everyone.
	UnitTemplate func(ctx context.Context, w io.Writer, actor kpi.Actor) error
	Logger       *slog.Logger
	// SecureCookies marks cookies Secure even on plain HTTP requests: set
	// it behind a TLS-terminating proxy. Requests that come over TLS get
	// Secure cookies anyway.
	SecureCookies bool
	// Now is the wall clock for sessions; time.Now when nil. The evaluation
	// clock is the StateService's.
	Now func() time.Time
	// MaxUploadBytes limits an uploaded file; 10 MiB when zero.
	MaxUploadBytes int64
	// SessionTTL is how long a session lives without use; 8 hours when zero.
	SessionTTL time.Duration
	// Lights colours the charts and the status words by status as the
	// circular does (serve --report.lights); nil: present.DefaultLights.
	Lights present.Lights
	// ReportFont is the font of /report's PDF; empty: report.FindFont.
	ReportFont string
	// ReportOffice is the issuing office's fields of /report's circular.
	ReportOffice report.Office
	// Access checks sign-ins and slows down guessing; one on Store with
	// Now when nil. Share the API's so both count the same failures.
	Access *access.Authenticator
	// Accounts keeps users and sessions; Store when it is one (bbolt is).
	Accounts kpi.AccountStore
	// Supervision serves explanations and supervision items (督办); nil:
	// the pages show none and /supervision answers 404.
	Supervision *supervision.Service
	// ReportingFrom is serve's --reporting.from: /report's circulars count
	// report duty from it, as States does.
	ReportingFrom time.Time
}

const (
	defaultMaxUpload  = 10 << 20
	defaultSessionTTL = 8 * time.Hour
)

// server holds the dependencies of the handlers.
type server struct {
	store         kpi.Store
	states        kpi.StateService
	ingester      kpi.Ingester
	template      func(ctx context.Context, w io.Writer) error
	unitTmpl      func(ctx context.Context, w io.Writer, actor kpi.Actor) error
	logger        *slog.Logger
	now           func() time.Time
	maxUpload     int64
	sessions      *sessionStore
	accounts      kpi.AccountStore
	access        *access.Authenticator
	secure        bool
	lights        present.Lights
	styles        statusStyles // the status words' colours, from lights
	font          string
	office        report.Office
	reports       chan struct{} // slots for circulars being made (maxReports)
	pages         map[string]*template.Template
	superv        *supervision.Service
	reportingFrom time.Time
	names         indicatorIndex // the catalog's indicators by ref, per catalog generation
	styleURL      string         // /static/style.css?v=<hash of the file>
}

// New returns the handler of the web page: the routes of routes.go.
func New(opts Options) (http.Handler, error) {
	if opts.Store == nil || opts.States == nil || opts.Ingester == nil || opts.Template == nil {
		return nil, errors.New("web.New: Store, States, Ingester and Template are required")
	}
	s := &server{
		store:         opts.Store,
		states:        opts.States,
		ingester:      opts.Ingester,
		template:      opts.Template,
		logger:        opts.Logger,
		now:           opts.Now,
		maxUpload:     opts.MaxUploadBytes,
		secure:        opts.SecureCookies,
		lights:        opts.Lights,
		unitTmpl:      opts.UnitTemplate,
		font:          opts.ReportFont,
		office:        opts.ReportOffice,
		reports:       make(chan struct{}, maxReports),
		superv:        opts.Supervision,
		reportingFrom: opts.ReportingFrom,
	}
	if s.lights == nil {
		s.lights = present.DefaultLights()
	}
	s.styles = newStatusStyles(s.lights)
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxUpload <= 0 {
		s.maxUpload = defaultMaxUpload
	}
	ttl := opts.SessionTTL
	if ttl <= 0 {
		ttl = defaultSessionTTL
	}
	s.accounts = opts.Accounts
	if s.accounts == nil {
		as, ok := opts.Store.(kpi.AccountStore)
		if !ok {
			return nil, errors.New("web.New: Accounts is required (the store keeps no users or sessions)")
		}
		s.accounts = as
	}
	s.sessions = newSessionStore(s.accounts, ttl, s.now, s.logger)
	s.access = opts.Access
	if s.access == nil {
		s.access = access.New(access.Options{Store: s.store, Accounts: s.accounts, Now: s.now, Logger: s.logger})
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	// The stylesheet's URL carries its hash: browsers keep it an hour, and
	// an upgraded page must not be drawn with the old rules.
	css, err := fs.ReadFile(static, "style.css")
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	sum := sha256.Sum256(css)
	s.styleURL = "/static/style.css?v=" + hex.EncodeToString(sum[:6])
	return s.routes(static), nil
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.logger.Error("web: unknown page", "page", page)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.logger.Error("web: render page", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "内部错误，请稍后再试", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
