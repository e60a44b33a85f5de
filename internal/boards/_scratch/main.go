// scratch stand-in for kpimon while ingest is unwritten. NOT COMMITTED.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/metrics"
)

func main() {
	if os.Args[1] == "token" {
		fmt.Println("created\nsecret123")
		return
	}
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", "", "")
	data := fs.String("data", "", "")
	targets := fs.String("targets", "", "")
	fs.String("log-level", "", "")
	fs.String("as-of", "", "")
	fs.Parse(os.Args[2:])
	ctx := context.Background()
	os.MkdirAll(*data, 0o755)
	st, err := boltstore.Open(filepath.Join(*data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		panic(err)
	}
	cat, err := catalog.LoadDir(*targets)
	if err != nil {
		panic(err)
	}
	if _, err := st.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog"}); err != nil {
		panic(err)
	}
	states := &svc{st: st}
	reg := metrics.NewRegistry(metrics.NewCollector(states, metrics.Options{}))
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kpi_ingest_runs_total"}, []string{"source", "result"})
	rows := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kpi_ingest_rows_total"}, []string{"source", "result"})
	ls := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kpi_ingest_last_success_timestamp_seconds"}, []string{"source"})
	lf := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kpi_ingest_last_failure_timestamp_seconds"}, []string{"source"})
	dur := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kpi_ingest_duration_seconds"}, []string{"source"})
	reg.MustRegister(runs, rows, ls, lf, dur)
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/metrics", metrics.Handler(reg, nil))
	mux.HandleFunc("POST /api/v1/observations", func(w http.ResponseWriter, r *http.Request) {
		var in []kpi.Row
		json.NewDecoder(r.Body).Decode(&in)
		var obs []kpi.Observation
		for _, row := range in {
			if _, err := st.Indicator(ctx, kpi.Ref{Plan: row.Plan, ID: row.Indicator}); err != nil {
				runs.WithLabelValues("api", "rejected").Inc()
				rows.WithLabelValues("api", "rejected").Add(float64(len(in)))
				lf.WithLabelValues("api").SetToCurrentTime()
				w.WriteHeader(422)
				return
			}
			p, _ := kpi.ParsePeriod(row.Period)
			v, _ := strconv.ParseFloat(row.Value, 64)
			obs = append(obs, kpi.Observation{Plan: row.Plan, Indicator: row.Indicator, Period: p, Value: v})
		}
		if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "x", All: true}, Source: "api", At: time.Now(), Observations: obs}); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		runs.WithLabelValues("api", "ok").Inc()
		rows.WithLabelValues("api", "accepted").Add(float64(len(in)))
		ls.WithLabelValues("api").SetToCurrentTime()
		dur.WithLabelValues("api").Set(0.01)
	})
	panic(http.ListenAndServe(*listen, mux))
}

type svc struct{ st *boltstore.Store }

func (s *svc) Now() time.Time                                            { return time.Now() }
func (s *svc) State(ctx context.Context, ref kpi.Ref) (kpi.State, error) { return kpi.State{}, nil }
func (s *svc) States(ctx context.Context) ([]kpi.State, error) {
	cat, err := s.st.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := s.st.Latest(ctx)
	if err != nil {
		return nil, err
	}
	var out []kpi.State
	for _, ind := range cat.Indicators {
		p, _ := cat.Plan(ind.Plan)
		obs := latest[ind.Ref()]
		out = append(out, kpi.State{Plan: p, Indicator: ind, Latest: obs, Evaluation: kpi.Evaluate(p, ind, obs, time.Now())})
	}
	return out, nil
}
