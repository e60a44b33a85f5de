package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// numbersView is what an officer reads of an evaluation: the status and
// the numbers in words.
type numbersView struct {
	Status kpi.Status
	Actual string
	Gap    string
	// Required and Achieved are the changes per year in words.
	Required, Achieved string
}

// TestNumbersThroughTheAPI: what the API's text says of figures that
// miss narrowly, of bars and shares, of both pace bases and of float
// noise, figures uploaded as a unit would and read back as of a day.
func TestNumbersThroughTheAPI(t *testing.T) {
	st := seedStore(t)
	from2019 := time.Date(2019, 1, 1, 0, 0, 0, 0, kpi.China)
	srv := seedServer(t, st, "2023-06-30", from2019)
	upload(t, srv, strings.Join([]string{
		"指标编号,报告期,实际值",
		// ≥33 %, missed by 0.04 points.
		"high_tech_industry_value_added_share,2019,30", "high_tech_industry_value_added_share,2020,31.5",
		"high_tech_industry_value_added_share,2021,32.5", "high_tech_industry_value_added_share,2022,32.96",
		// ≥13 件/万人, missed by 0.04.
		"invention_patents_per_10k,2019,11", "invention_patents_per_10k,2022,12.96",
		// 突破40家: 38 a year before the deadline.
		"tech_smes,2019,30", "tech_smes,2020,34", "tech_smes,2021,38",
		// 新增“四上企业”40家左右 (cumulative): 37 in all.
		"new_above_scale_enterprises,2019,10", "new_above_scale_enterprises,2020,12", "new_above_scale_enterprises,2021,15",
		// A share: 2.10 % toward 2.51 %.
		"rd_spending_share_gdp,2019,1.9", "rd_spending_share_gdp,2020,2.0", "rd_spending_share_gdp,2021,2.1",
		// Doubling 50000 (2018) by 2022: 85000 in 2021.
		"enterprise_benefit_doubling,2018,50000", "enterprise_benefit_doubling,2021,85000",
		// Whole amounts.
		"disposable_income_per_capita,2019,35000", "disposable_income_per_capita,2021,38240",
		// 逐年增长, flat in 2020.
		"patent_applications,2019,300", "patent_applications,2020,300",
		// 2.45 − 2.3 is 0.15000000000000013 in floating point.
		"above_scale_rd_spending_to_revenue,2019,2.2", "above_scale_rd_spending_to_revenue,2020,2.3",
	}, "\n")+"\n")

	tests := []struct {
		name, id, day string
		want          numbersView
	}{
		{
			name: "a share just short of ≥33% is not printed as 33", id: "high_tech_industry_value_added_share", day: "2023-06-30",
			want: numbersView{Status: kpi.StatusMissed, Actual: "32.96%", Gap: "0.04个百分点", Achieved: "年均提高0.99个百分点"},
		},
		{
			name: "a rate just short of 13 is not printed as 13", id: "invention_patents_per_10k", day: "2023-06-30",
			want: numbersView{Status: kpi.StatusMissed, Actual: "12.96件/万人", Gap: "0.04件/万人", Achieved: "年均增长5.6%"},
		},
		{
			name: "突破40家 at 38 needs 3 more, not 2", id: "tech_smes", day: "2022-06-30",
			want: numbersView{Status: kpi.StatusOnTrack, Actual: "38家", Gap: "3家", Required: "需年均增加3家", Achieved: "年均增加4家"},
		},
		{
			name: "40家左右 at 37 needs 1 more", id: "new_above_scale_enterprises", day: "2022-06-30",
			want: numbersView{Status: kpi.StatusOnTrack, Actual: "37家", Gap: "1家", Required: "需年均增加1家", Achieved: "年均增加12.3家"},
		},
		{
			name: "a share changes in points", id: "rd_spending_share_gdp", day: "2022-06-30",
			want: numbersView{Status: kpi.StatusOffTrack, Actual: "2.10%", Gap: "0.41个百分点", Required: "需年均提高0.41个百分点", Achieved: "年均提高0.10个百分点"},
		},
		{
			name: "growing faster than required is on track", id: "enterprise_benefit_doubling", day: "2022-06-30",
			want: numbersView{Status: kpi.StatusOnTrack, Actual: "85000万元", Gap: "15000万元", Required: "需年均增长17.6%", Achieved: "年均增长19.3%"},
		},
		{
			name: "whole amounts without .0", id: "disposable_income_per_capita", day: "2022-06-30",
			want: numbersView{Status: kpi.StatusOffTrack, Actual: "38240元", Gap: "6460元", Required: "需年均增长16.9%", Achieved: "年均增长4.5%"},
		},
		{
			name: "a flat growth line says what failed, not 差距0件", id: "patent_applications", day: "2021-06-30",
			want: numbersView{Status: kpi.StatusLagging, Actual: "300件", Gap: "2020年较上年未增长"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evaluations[evaluationWithText](t, srv, "as_of="+tt.day)[tt.id]
			got := numbersView{Status: ev.Status, Actual: ev.Text.Actual, Gap: ev.Text.Gap, Required: ev.Text.Required, Achieved: ev.Text.Achieved}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GET /api/v1/indicators?as_of=%s, %s (-want +got):\n%s", tt.day, tt.id, diff)
			}
		})
	}

	t.Run("a figure after the plan is kept and the receipt says so", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/uploads?name=late.csv",
			strings.NewReader("指标编号,报告期,实际值\nhigh_tech_enterprises,2022,31\nhigh_tech_enterprises,2023,33\n"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+seedSecret)
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantStatus(t, resp, http.StatusCreated)
		res := decodeBody[kpi.SubmissionResult](t, resp)
		got := map[string]string{}
		for _, o := range res.Outcomes {
			got[o.Observation.Period.String()] = o.Name + " " + o.Value + " " + o.Note
		}
		want := map[string]string{"2022": "高新技术企业 31家 ", "2023": "高新技术企业 33家 超出目标期限（2022年），计入报送记录，不计入达标判断"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("receipt (-want +got):\n%s", diff)
		}
	})

	t.Run("no float noise in the raw numbers", func(t *testing.T) {
		resp, err := srv.Client().Get(srv.URL + "/api/v1/indicators?as_of=2021-06-30")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "00000000") || strings.Contains(string(b), "99999999") {
			i := max(strings.Index(string(b), "00000000"), strings.Index(string(b), "99999999"))
			t.Errorf("the API carries float noise: …%s…", string(b)[max(0, i-80):min(len(b), i+20)])
		}
		ev := evaluations[evaluationWithText](t, srv, "as_of=2021-06-30")["above_scale_rd_spending_to_revenue"]
		if ev.Gap == nil || *ev.Gap != 0.15 {
			t.Errorf("gap = %s, want 0.15", show(ev.Gap))
		}
	})
}

// evaluationWithText is an evaluation with its numbers in words.
type evaluationWithText struct {
	Status kpi.Status `json:"status"`
	Gap    *float64   `json:"gap"`
	Text   struct {
		Target, Actual, Gap, Required, Achieved string
	} `json:"text"`
}
