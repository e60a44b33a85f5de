package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestUnquotedCommaInCSV: a CSV number with an unquoted comma spills into
// the next cell; kpimon used to store its first part silently (1,5 → 1).
func TestUnquotedCommaInCSV(t *testing.T) {
	refused := []struct{ name, body, want string }{
		{"decimal comma, value last", "indicator,period,value\nrd_spending_share_gdp,2021,1,5\n", "1.5"},
		{"comma before a note", "indicator,period,value,note\nrd_spending_share_gdp,2021,1,5,年报\n", "1,5,年报"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "c.csv", Body: []byte(tt.body), Actor: operator, Source: "api"})
			var ke *kpi.Error
			if !errors.As(err, &ke) || len(ke.Problems) != 1 {
				t.Fatalf("Ingest = %v, want one problem", err)
			}
			if p := ke.Problems[0]; p.Field != "value" || !strings.Contains(p.Message+p.Value, tt.want) {
				t.Errorf("problem %+v, want it on the value, naming %q", p, tt.want)
			}
			if len(f.latest(t)) != 0 {
				t.Error("something was stored")
			}
		})
	}

	f := newFixture(t)
	body := "indicator,period,value\ndisposable_income_per_capita,2021,44,700\nhigh_tech_enterprises,2021,25,\n"
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "ok.csv", Body: []byte(body), Actor: operator, Source: "api"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for ref, obs := range f.latest(t) {
		got[ref.ID] = obs[len(obs)-1].Value
	}
	if got["disposable_income_per_capita"] != 44700 || got["high_tech_enterprises"] != 25 {
		t.Errorf("stored %v, want 44,700 read as 44700 and a trailing empty cell ignored", got)
	}
}
