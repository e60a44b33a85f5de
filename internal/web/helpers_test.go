package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
	"github.com/yanfeng/kpimon/internal/web"
)

// testNow is the evaluation clock of every test: mid-2022, the plan's last year.
var testNow = time.Date(2022, 6, 30, 12, 0, 0, 0, kpi.China)

// The units the test tokens stand for.
const (
	unitScience = "区科工信局"
	unitName    = "kgxj" // token of 区科工信局
)

// testSecrets are the tokens the test store holds, by name.
var testSecrets = map[string]string{
	unitName:  "kpm_test-science-bureau",
	"revoked": "kpm_test-revoked",
}

type fixture struct {
	t       *testing.T
	store   *boltstore.Store
	server  *httptest.Server
	o       fixtureOptions
	handler *handlerHolder
	cat     kpi.Catalog
	// own is an indicator 区科工信局 leads; foreign one it may not submit for.
	own, foreign kpi.Indicator
}

type fixtureOptions struct {
	secureCookies bool
	// tls serves the page over HTTPS.
	tls       bool
	maxUpload int64
	// extra indicators, copies of the first one led by 区科工信局
	extraIndicators int
	// lights as serve's --report.lights; nil: the default
	lights present.Lights
}

// testPassword is the password of the user unitName.
const testPassword = "correct horse battery staple"

// testPasswordHash is testPassword's argon2id hash, computed once: each
// hash takes a good part of a second.
var testPasswordHash = sync.OnceValues(func() (string, error) {
	return access.New(access.Options{}).HashPassword(context.Background(), testPassword)
})

// handlerHolder serves whichever handler it holds: a restart swaps it.
type handlerHolder struct{ h atomic.Pointer[http.Handler] }

func (hh *handlerHolder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*hh.h.Load()).ServeHTTP(w, r)
}

// serve puts a new web page on st behind the fixture's server: nothing of
// the previous one is kept in memory.
func (f *fixture) serve(st *boltstore.Store) {
	f.t.Helper()
	ing, err := ingest.New(ingest.Options{Store: st, Explainer: supervision.New(supervision.Options{Store: st, Now: func() time.Time { return testNow }})})
	if err != nil {
		f.t.Fatalf("new ingester: %v", err)
	}
	h, err := web.New(web.Options{
		Store:          st,
		States:         kpi.NewStates(st, kpi.StatesOptions{Now: func() time.Time { return testNow }}),
		Ingester:       ing,
		Template:       ing.WriteTemplate,
		UnitTemplate:   ing.WriteTemplateFor,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		SecureCookies:  f.o.secureCookies,
		MaxUploadBytes: f.o.maxUpload,
		Lights:         f.o.lights,
	})
	if err != nil {
		f.t.Fatalf("web.New: %v", err)
	}
	f.handler.h.Store(&h)
}

// restart closes the store and opens it again under a new web page, as a
// restart of kpimon does; the server keeps its address, so browsers keep
// their cookies.
func (f *fixture) restart() {
	f.t.Helper()
	path := f.store.Path()
	if err := f.store.Close(); err != nil {
		f.t.Fatalf("close store: %v", err)
	}
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		f.t.Fatalf("reopen store: %v", err)
	}
	f.t.Cleanup(func() { st.Close() })
	f.store = st
	f.serve(st)
}

// newFixture serves the page over a real bbolt store with the embedded
// catalog, the real ingester and the real evaluation.
func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatalf("load default catalog: %v", err)
	}
	for i := range o.extraIndicators {
		ind := cat.Indicators[0]
		ind.ID = fmt.Sprintf("%s_copy%04d", ind.ID, i)
		cat.Indicators = append(cat.Indicators, ind)
	}
	st := testkit.Store(t, cat, []kpi.Token{
		{Name: unitName, Hash: kpi.HashToken(testSecrets[unitName]), Units: []string{unitScience}, CreatedAt: testNow},
		{Name: "revoked", Hash: kpi.HashToken(testSecrets["revoked"]), All: true, CreatedAt: testNow},
	}, "revoked")
	// The store's order (plan, task, id) is the order pages list them in.
	if cat, err = st.Catalog(context.Background()); err != nil {
		t.Fatalf("read catalog: %v", err)
	}
	// A person of 区科工信局 signs in with a password under the name of
	// the unit's token (users and tokens have names of their own).
	hash, err := testPasswordHash()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(context.Background(), kpi.User{Name: unitName, Unit: unitScience, PasswordHash: hash, CreatedAt: testNow},
		kpi.Actor{Name: "operator"}); err != nil {
		t.Fatal(err)
	}
	holder := &handlerHolder{}
	srv := httptest.NewUnstartedServer(holder)
	if o.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	f := &fixture{t: t, store: st, server: srv, cat: cat, o: o, handler: holder}
	f.serve(st)
	actor := kpi.Actor{Units: []string{unitScience}}
	for _, ind := range cat.Indicators {
		switch {
		case f.own.ID == "" && ind.Kind == kpi.KindAtLeast && len(ind.LeadUnits) > 0 && ind.LeadUnits[0] == unitScience:
			f.own = ind
		case f.foreign.ID == "" && !actor.MaySubmitFor(ind):
			f.foreign = ind
		}
	}
	if f.own.ID == "" || f.foreign.ID == "" {
		t.Fatalf("default catalog has no indicator led by %s or none outside it", unitScience)
	}
	return f
}

// client is one browser-like visitor: it keeps cookies and does not follow
// redirects, so tests see them.
type client struct {
	t    *testing.T
	f    *fixture
	http *http.Client
}

func (f *fixture) newClient(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	hc := *f.server.Client() // a copy: each visitor has its own cookies
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, f: f, http: &hc}
}

// page is a response with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL.Path, err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.f.server.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a urlencoded form; header pairs follow.
func (c *client) post(path string, form url.Values, header ...string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.f.server.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the form posting to action on the page at
// path (the header's sign-out form carries one too).
func (c *client) csrf(path, action string) string {
	c.t.Helper()
	p := c.get(path)
	_, form, ok := strings.Cut(p.body, `action="`+action+`"`)
	if !ok {
		c.t.Fatalf("GET %s (status %d): no form posting to %s", path, p.status, action)
	}
	m := csrfRE.FindStringSubmatch(form)
	if m == nil {
		c.t.Fatalf("GET %s (status %d): no CSRF field in the form posting to %s", path, p.status, action)
	}
	return m[1]
}

// signIn signs the client in with the secret and checks it worked.
func (c *client) signIn(secret string) {
	c.t.Helper()
	p := c.post("/signin", url.Values{"csrf_token": {c.csrf("/signin", "/signin")}, "token": {secret}, "next": {"/submit"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/submit" {
		c.t.Fatalf("sign in: status %d, Location %q; want 303 to /submit\n%s", p.status, p.header.Get("Location"), p.body)
	}
}

// wantStatus fails the test unless the page has the status; it shows the body.
func wantStatus(t *testing.T, what string, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("%s: status = %d, want %d\n%s", what, p.status, want, p.body)
	}
}

// wantText fails the test unless the page's text holds every string.
func wantText(t *testing.T, what string, p page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s: page lacks %q\n%s", what, w, p.body)
		}
	}
}

// multipartFile builds a multipart form with one file and the CSRF token.
func multipartFile(t *testing.T, csrf, name string, body []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		if err := w.WriteField("csrf_token", csrf); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}
