// Package notifyrelay passes Alertmanager's webhook notifications on to the
// units' real receivers and counts, per receiver, those that fail.
//
// Alertmanager counts failed notifications by integration only
// (alertmanager_notification_requests_failed_total{integration="webhook"}):
// the operator learns that some unit's receiver fails, not which. Upstream
// declined a receiver label (unbounded routes; prometheus/alertmanager
// #604, #2821). The relay sits between Alertmanager and the receivers it is
// configured with: Alertmanager posts a unit's notification to
// /relay/<receiver>, the relay posts the same body to that receiver's real
// URL and answers with its status (so Alertmanager retries as before), and
// counts kpimon_relay_notifications_total{receiver} and
// kpimon_relay_notifications_failed_total{receiver}. The receiver label
// takes only the names in the relay's file: a bounded set, fixed at start.
// The rule KpiReceiverFailing names the receiver to the operator.
//
// The relay forwards only to the URLs of its file, never to an address a
// request names, so it is no open proxy. It passes on the body and the
// headers Content-Type, Authorization (the credentials alertmanager.yml's
// http_config gives the receiver) and User-Agent.
package notifyrelay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// Limits on the relay's file and on one notification.
const (
	// MaxReceivers bounds the receivers of one file (and the label values).
	MaxReceivers = 1000
	// MaxBody bounds one notification's body: Alertmanager's webhook body
	// for a group of a few hundred alerts is well under a MiB.
	MaxBody = 8 << 20
	maxName = 200
	maxFile = 1 << 20
)

// Config is the relay's file: each receiver's name (as in
// alertmanager.yml) and the URL its notifications go to.
//
//	receivers:
//	  - name: 区科工信局
//	    url: https://oa.example.gov.cn/hooks/kegongxin
type Config struct {
	Receivers []Receiver `yaml:"receivers"`
}

// Receiver is one receiver of the relay's file.
type Receiver struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// ReadConfig reads and checks the relay's file.
func ReadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return Config{}, err
	}
	if len(b) > maxFile {
		return Config{}, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.check(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func (c Config) check() error {
	if len(c.Receivers) == 0 {
		return errors.New("no receivers")
	}
	if len(c.Receivers) > MaxReceivers {
		return fmt.Errorf("%d receivers, at most %d", len(c.Receivers), MaxReceivers)
	}
	seen := map[string]bool{}
	for i, r := range c.Receivers {
		if r.Name == "" || len(r.Name) > maxName || strings.ContainsAny(r.Name, "/\x00") {
			return fmt.Errorf("receiver %d: name %q: want 1 to %d bytes without /", i+1, r.Name, maxName)
		}
		if seen[r.Name] {
			return fmt.Errorf("receiver %q listed twice", r.Name)
		}
		seen[r.Name] = true
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("receiver %q: url %q: want an http or https URL", r.Name, r.URL)
		}
	}
	return nil
}

// Relay is the relay's HTTP handler.
type Relay struct {
	urls           map[string]string
	client         *http.Client
	logger         *slog.Logger
	total, failed  *prometheus.CounterVec
	forwardTimeout time.Duration
}

// Options configure a Relay.
type Options struct {
	Config     Config
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Timeout bounds one forward (default 30s).
	Timeout time.Duration
	// Transport is the client's transport (default http.DefaultTransport).
	Transport http.RoundTripper
}

// New returns a relay for o.Config's receivers, their counters registered
// with o.Registerer at 0.
func New(o Options) (*Relay, error) {
	if err := o.Config.check(); err != nil {
		return nil, err
	}
	r := &Relay{
		urls:   map[string]string{},
		client: &http.Client{Transport: o.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		logger: o.Logger,
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpimon_relay_notifications_total",
			Help: "Notifications Alertmanager posted to the relay for a receiver of its file.",
		}, []string{"receiver"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpimon_relay_notifications_failed_total",
			Help: "Notifications the relay could not deliver to the receiver's URL (no answer, or a status other than 2xx); Alertmanager retries them.",
		}, []string{"receiver"}),
		forwardTimeout: o.Timeout,
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	if r.forwardTimeout <= 0 {
		r.forwardTimeout = 30 * time.Second
	}
	for _, rc := range o.Config.Receivers {
		r.urls[rc.Name] = rc.URL
		r.total.WithLabelValues(rc.Name)
		r.failed.WithLabelValues(rc.Name)
	}
	for _, c := range []prometheus.Collector{r.total, r.failed} {
		if err := o.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("register relay counters: %w", err)
		}
	}
	return r, nil
}

// ServeHTTP relays POST /relay/<receiver>.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	name, ok := strings.CutPrefix(req.URL.Path, "/relay/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	target, ok := r.urls[name]
	if !ok {
		// An unknown name adds no series.
		http.Error(w, "no such receiver in the relay's file", http.StatusNotFound)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	if err != nil {
		http.Error(w, "body unreadable or over the limit", http.StatusRequestEntityTooLarge)
		return
	}
	r.total.WithLabelValues(name).Inc()
	status, err := r.forward(req.Context(), target, req.Header, body)
	if err != nil {
		r.failed.WithLabelValues(name).Inc()
		// The URL may carry a key: the log names the receiver and the host.
		r.logger.Warn("relay: notification not delivered", "receiver", name, "host", hostOf(target), "status", status, "err", err)
		// Alertmanager retries a 5xx and gives up on a 4xx, as it would
		// with the receiver itself.
		if status < 400 || status > 599 {
			status = http.StatusBadGateway
		}
		http.Error(w, "the receiver did not take the notification", status)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// forwarded are the request headers passed on: the body's type, and the
// credentials alertmanager.yml's http_config sets for the receiver.
var forwarded = []string{"Content-Type", "Authorization", "User-Agent"}

// forward posts body to target with the forwarded headers of h and returns
// its status, with an error when it did not answer 2xx.
func (r *Relay) forward(ctx context.Context, target string, h http.Header, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.forwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for _, k := range forwarded {
		if v := h.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may carry a key
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

func hostOf(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.Host
	}
	return ""
}
