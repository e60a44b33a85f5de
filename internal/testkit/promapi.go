package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Prom is the one reader of the Prometheus HTTP API (VictoriaMetrics
// serves the same one) for the real-stack tests and cmd/kpibench: client_golang's
// api/prometheus/v1 client on base (http://127.0.0.1:9090), with a few
// helpers that turn its answers into plain samples.
type Prom struct{ promv1.API }

// NewProm returns a reader of the Prometheus HTTP API at base.
func NewProm(base string) (Prom, error) {
	c, err := api.NewClient(api.Config{Address: base})
	if err != nil {
		return Prom{}, fmt.Errorf("prometheus API client for %s: %w", base, err)
	}
	return Prom{promv1.NewAPI(c)}, nil
}

// Sample is one series' value at one time.
type Sample struct {
	Metric map[string]string
	Value  float64
	Time   time.Time
}

// Query evaluates expr now: the samples of an instant vector, or a scalar as
// one sample without labels.
func (p Prom) Query(ctx context.Context, expr string) ([]Sample, error) {
	v, _, _, err := p.API.Query(ctx, expr, time.Now())
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	switch v := v.(type) {
	case model.Vector:
		out := make([]Sample, len(v))
		for i, s := range v {
			out[i] = Sample{Metric: labels(s.Metric), Value: float64(s.Value), Time: s.Timestamp.Time()}
		}
		return out, nil
	case *model.Scalar:
		return []Sample{{Metric: map[string]string{}, Value: float64(v.Value), Time: v.Timestamp.Time()}}, nil
	}
	return nil, fmt.Errorf("query %s: result type %s, want vector or scalar", expr, v.Type())
}

// QueryRange evaluates expr every step over [end-span, end]: each series'
// samples, oldest first.
func (p Prom) QueryRange(ctx context.Context, expr string, end time.Time, span, step time.Duration) ([][]Sample, error) {
	v, _, _, err := p.API.QueryRange(ctx, expr, promv1.Range{Start: end.Add(-span), End: end, Step: step})
	if err != nil {
		return nil, fmt.Errorf("query range %s: %w", expr, err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query range %s: result type %s, want matrix", expr, v.Type())
	}
	out := make([][]Sample, len(m))
	for i, s := range m {
		metric := labels(s.Metric)
		for _, pt := range s.Values {
			out[i] = append(out[i], Sample{Metric: metric, Value: float64(pt.Value), Time: pt.Timestamp.Time()})
		}
	}
	return out, nil
}

// Series returns the label sets of the series matching selector since since.
func (p Prom) Series(ctx context.Context, selector string, since time.Time) ([]map[string]string, error) {
	sets, _, _, err := p.API.Series(ctx, []string{selector}, since, time.Now())
	if err != nil {
		return nil, fmt.Errorf("series %s: %w", selector, err)
	}
	out := make([]map[string]string, len(sets))
	for i, s := range sets {
		out[i] = labels(model.Metric(s))
	}
	return out, nil
}

// LabelValues returns the values label takes in the series matching
// selector since since (what Grafana's label_values(selector, label) offers).
func (p Prom) LabelValues(ctx context.Context, selector, label string, since time.Time) ([]string, error) {
	vals, _, _, err := p.API.LabelValues(ctx, label, []string{selector}, since, time.Now())
	if err != nil {
		return nil, fmt.Errorf("label values %s of %s: %w", label, selector, err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out, nil
}

func labels(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// PromGet reads an endpoint of the Prometheus API family that client_golang
// does not know (VictoriaMetrics' /api/v1/series/count): it GETs base+path
// with params and decodes the data of a "success" answer into out. The
// answer is read up to 64 MiB; an error quotes at most 300 bytes of it.
func PromGet(ctx context.Context, base, path string, params url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?"+params.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: status %d, body %.300q: %w", path, resp.StatusCode, body, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Data, out)
}
