package notifyrelay

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRelay posts notifications through the relay to receivers that take
// them, refuse them (500, 400) or do not answer, and reads the counters:
// failures are counted for the receiver that failed only, Alertmanager is
// answered the receiver's status (so it retries a 5xx and not a 4xx), and a
// name not in the file adds no series and reaches nobody.
func TestRelay(t *testing.T) {
	var got []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.URL.Path+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("Authorization")+" "+string(b))
		switch r.URL.Path {
		case "/down":
			http.Error(w, "down", http.StatusInternalServerError)
		case "/bad":
			http.Error(w, "bad", http.StatusBadRequest)
		}
	}))
	defer sink.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	reg := prometheus.NewRegistry()
	r, err := New(Options{Registerer: reg, Config: Config{Receivers: []Receiver{
		{Name: "区科工信局", URL: sink.URL + "/ok"},
		{Name: "区发改局", URL: sink.URL + "/down"},
		{Name: "区商务局", URL: sink.URL + "/bad"},
		{Name: "区财政局", URL: gone.URL + "/x"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	post := func(name string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/relay/"+url.PathEscape(name), strings.NewReader(`{"receiver":"`+name+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer unit-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, want := range map[string]int{"区科工信局": 200, "区发改局": 500, "区商务局": 400, "区财政局": 502, "区未知局": 404} {
		if status := post(name); status != want {
			t.Errorf("POST /relay/%s = %d, want %d", name, status, want)
		}
	}
	if len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), `/ok application/json Bearer unit-key {"receiver":"区科工信局"}`) {
		t.Errorf("receivers got %q: want the body and headers as posted at /ok, /down and /bad", got)
	}
	for name, want := range map[string]float64{"区科工信局": 0, "区发改局": 1, "区商务局": 1, "区财政局": 1} {
		if n := testutil.ToFloat64(r.failed.WithLabelValues(name)); n != want {
			t.Errorf("failed{receiver=%q} = %v, want %v", name, n, want)
		}
		if n := testutil.ToFloat64(r.total.WithLabelValues(name)); n != 1 {
			t.Errorf("total{receiver=%q} = %v, want 1", name, n)
		}
	}
	if n := testutil.CollectAndCount(r.failed); n != 4 {
		t.Errorf("%d failed series, want one per receiver of the file (4): an unknown name adds none", n)
	}
	resp, err := http.Get(srv.URL + "/relay/" + url.PathEscape("区科工信局"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}
	big, err := http.Post(srv.URL+"/relay/"+url.PathEscape("区科工信局"), "application/json", strings.NewReader(strings.Repeat("x", MaxBody+1)))
	if err != nil {
		t.Fatal(err)
	}
	big.Body.Close()
	if big.StatusCode != http.StatusRequestEntityTooLarge || len(got) != 3 {
		t.Errorf("a body over %d bytes: %d and %d forwards, want 413 and none", MaxBody, big.StatusCode, len(got)-3)
	}
}

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ text, err string }{
		"ok":        {"receivers:\n  - name: 区科工信局\n    url: https://oa.example.gov.cn/hook\n", ""},
		"empty":     {"receivers: []\n", "no receivers"},
		"twice":     {"receivers:\n  - {name: a, url: http://x/}\n  - {name: a, url: http://y/}\n", "listed twice"},
		"no scheme": {"receivers:\n  - {name: a, url: x.example/hook}\n", "http or https"},
		"slash":     {"receivers:\n  - {name: a/b, url: http://x/}\n", "without /"},
		"unknown":   {"receivers:\n  - {name: a, url: http://x/, token: t}\n", "token"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".yml")
			if err := os.WriteFile(p, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadConfig(p)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("ReadConfig: %v, want %q", err, tc.err)
			}
		})
	}
}

// TestShippedRelayFile reads alertmanager/relay.yml: valid, and naming
// every receiver whose webhook alertmanager.yml sends through the relay.
func TestShippedRelayFile(t *testing.T) {
	c, err := ReadConfig(filepath.Join("..", "..", "alertmanager", "relay.yml"))
	if err != nil {
		t.Fatal(err)
	}
	am, err := os.ReadFile(filepath.Join("..", "..", "alertmanager", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range c.Receivers {
		names[r.Name] = true
	}
	n := 0
	for _, line := range strings.Split(string(am), "\n") {
		_, rest, ok := strings.Cut(line, "url: http://notify-relay:9465/relay/")
		if !ok {
			continue
		}
		n++
		name, _, _ := strings.Cut(rest, " ")
		if !names[name] {
			t.Errorf("alertmanager.yml relays %s, which relay.yml does not list", name)
		}
	}
	if n != len(c.Receivers) {
		t.Errorf("alertmanager.yml relays %d receivers, relay.yml lists %d", n, len(c.Receivers))
	}
}
