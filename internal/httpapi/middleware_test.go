package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/httpapi"
)

func TestRequestLog(t *testing.T) {
	tests := []struct {
		name, path string
		want       map[string]any
		wantBefore string // a line logged before the request's, if any
	}{
		{"probe logs at debug", "/healthz", map[string]any{"level": "DEBUG", "msg": "http request", "method": "GET", "path": "/healthz", "status": 200.0}, ""},
		{"other requests at info", "/api/v1/nothing", map[string]any{"level": "INFO", "msg": "http request", "method": "GET", "path": "/api/v1/nothing", "status": 404.0}, ""},
		{"panics at error, then the request", "/boom", map[string]any{"level": "INFO", "msg": "http request", "method": "GET", "path": "/boom", "status": 500.0}, `"level":"ERROR","msg":"handler panicked"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			h := httpapi.NewServer(httpapi.Deps{Logger: logger, UI: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })})
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tt.path, nil))

			lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
			if tt.wantBefore != "" && (len(lines) < 2 || !bytes.Contains(lines[len(lines)-2], []byte(tt.wantBefore))) {
				t.Errorf("log = %s, want a line with %s before the request's", buf.Bytes(), tt.wantBefore)
			}
			var got map[string]any
			if err := json.Unmarshal(lines[len(lines)-1], &got); err != nil {
				t.Fatalf("log line %q: %v", lines[len(lines)-1], err)
			}
			for _, k := range []string{"time", "duration", "bytes", "remote"} {
				if _, ok := got[k]; !ok {
					t.Errorf("log line lacks %q: %v", k, got)
				}
				delete(got, k)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request log (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNoSniffEverywhere: before, API JSON went out without
// X-Content-Type-Options, so a browser could sniff a figure's note as HTML.
func TestNoSniffEverywhere(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, tc := range []struct{ method, path, token string }{
		{http.MethodGet, "/api/v1/indicators", ""},
		{http.MethodGet, "/api/v1/indicators/nope", ""},
		{http.MethodPost, "/api/v1/observations", ""},
		{http.MethodPost, "/api/v1/observations", "wrong"},
		{http.MethodGet, "/api/v1/template.xlsx", ""},
		{http.MethodGet, "/metrics", ""},
		{http.MethodGet, "/readyz", ""},
		{http.MethodGet, "/healthz", ""},
		{http.MethodGet, "/anything-else", ""},
	} {
		resp := f.do(tc.method, tc.path, tc.token, nil)
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options = %q, want nosniff", tc.method, tc.path, resp.StatusCode, got)
		}
	}
}
