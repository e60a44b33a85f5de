package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestIndicatorsAsOf: GET /api/v1/indicators?as_of= evaluates as at the
// end of that day (kpimon status --as-of asks it while serve holds the
// store), and the list carries the plans of its indicators.
func TestIndicatorsAsOf(t *testing.T) {
	f := newFixture(t, fixtureOptions{secondPlan: true})
	type list struct {
		AsOf       time.Time  `json:"as_of"`
		Plans      []kpi.Plan `json:"plans"`
		Indicators []struct {
			Plan string `json:"plan"`
			ID   string `json:"id"`
		} `json:"indicators"`
	}
	now := decodeBody[list](t, f.do(http.MethodGet, "/api/v1/indicators", "", nil))
	if !now.AsOf.Equal(testNow) {
		t.Errorf("as_of = %v, want the server's clock %v", now.AsOf, testNow)
	}
	then := decodeBody[list](t, f.do(http.MethodGet, "/api/v1/indicators?as_of=2021-06-30&plan="+planA, "", nil))
	if want := time.Date(2021, 6, 30, 23, 59, 59, 0, kpi.China); !then.AsOf.Equal(want) {
		t.Errorf("as_of=2021-06-30: as_of = %v, want %v", then.AsOf, want)
	}
	if len(then.Plans) != 1 || then.Plans[0].ID != planA || then.Plans[0].Title != "雁峰区创新型区建设" || then.Plans[0].StartYear != 2020 {
		t.Errorf("plans = %+v, want plan A alone, whole", then.Plans)
	}
	if len(then.Indicators) != 2 {
		t.Errorf("as_of with plan=%s lists %d indicators, want 2", planA, len(then.Indicators))
	}
	// The server's own clock is untouched by a request as of another day.
	if again := decodeBody[list](t, f.do(http.MethodGet, "/api/v1/indicators", "", nil)); !again.AsOf.Equal(testNow) {
		t.Errorf("after an as_of request, as_of = %v, want %v", again.AsOf, testNow)
	}
	for _, bad := range []string{"2021/06/30", "yesterday", "2021-13-01", "1899-12-31", "2201-01-01"} {
		wantError(t, f.do(http.MethodGet, "/api/v1/indicators?as_of="+bad, "", nil), http.StatusBadRequest, kpi.EINVALID)
	}
}
