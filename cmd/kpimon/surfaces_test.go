package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// surfaceFigures are the series, revising the sample figures of
// 2021: a share just short of its target, a rate, a strict
// count, a share's change in points, a doubling, whole amounts.
const surfaceFigures = `指标编号,报告期,实际值
high_tech_industry_value_added_share,2021,32.96
invention_patents_per_10k,2021,12.96
tech_smes,2021,38
rd_spending_share_gdp,2021,2.1
enterprise_benefit_doubling,2018,50000
enterprise_benefit_doubling,2021,85000
disposable_income_per_capita,2021,38240
rd_personnel_per_10k_employed,2021,104.25
egov_extranet_coverage,2018,72.5
`

// surfaceText is one indicator's numbers as the API's text says them.
type surfaceText struct {
	ID, Plan, Name string
	Status         string
	Actual, Gap    string
	Required       string
}

// TestSurfacesPrintTheSameNumbers: the web page, the alert text, kpimon
// status, the PDF circular and its XLSX print the same figure, gap and
// required change for every indicator of one store.
func TestSurfacesPrintTheSameNumbers(t *testing.T) {
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for i, file := range []string{filepath.Join("..", "..", "internal", "report", "testdata", "figures-2019-2021.csv"), filepath.Join(dir, "series.csv")} {
		if i == 1 {
			if err := os.WriteFile(file, []byte(surfaceFigures), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, stderr, err := runKpimon(t, nil, "ingest", "--storage.path", data, file); err != nil {
			t.Fatalf("ingest %s: %v\n%s", file, err, stderr)
		}
	}
	url, stop := startServe(t, serveConfig{data: data, asOf: "2022-06-30", reportingFrom: "2019-01-01"})
	defer stop()
	ctx := context.Background()
	testkit.WaitFor(t, ctx, nil, "kpimon ready", func() error { return testkit.GetOK(ctx, url+"/readyz") })

	// The API's words: what every surface must print.
	var list struct {
		Indicators []struct {
			Plan, ID  string
			Indicator struct {
				Name, Unit string
				Max        *float64
			}
			Evaluation struct {
				Status    string
				Projected *float64
				Text      struct{ Actual, Gap, Required string }
			}
		}
	}
	getJSON(t, url+"/api/v1/indicators", &list)
	var want []surfaceText
	for _, in := range list.Indicators {
		// A share is projected within 0–100 % (一件事一次办: 35 % → 91 %
		// was projected at 146.7 %).
		if p := in.Evaluation.Projected; p != nil && in.Indicator.Unit == "%" && in.Indicator.Max == nil && (*p > 100 || *p < 0) {
			t.Errorf("%s: projected %v%%", in.ID, *p)
		}
		tx := in.Evaluation.Text
		want = append(want, surfaceText{ID: in.ID, Plan: in.Plan, Name: in.Indicator.Name, Status: in.Evaluation.Status, Actual: tx.Actual, Gap: tx.Gap, Required: tx.Required})
	}
	if len(want) != 80 {
		t.Fatalf("%d indicators, want the seed plan's 80", len(want))
	}
	byID, byName := map[string]surfaceText{}, map[string]surfaceText{}
	for _, w := range want {
		byID[w.ID], byName[w.Name] = w, w
	}
	// The cases are there, in the words the rule gives.
	for id, actual := range map[string]string{
		"high_tech_industry_value_added_share": "32.96%", "invention_patents_per_10k": "12.96件/万人", "disposable_income_per_capita": "38240元",
		"enterprise_benefit_doubling": "85000万元", "rd_personnel_per_10k_employed": "104.25人/万人", "tech_smes": "38家",
	} {
		if got := byID[id].Actual; got != actual {
			t.Errorf("%s: actual %q, want %q", id, got, actual)
		}
	}
	if got := byID["rd_spending_share_gdp"].Required; got != "需年均提高0.41个百分点" {
		t.Errorf("rd_spending_share_gdp: required %q, want 需年均提高0.41个百分点", got)
	}
	if got := byID["tech_smes"].Required; got != "需年均增加3家" {
		t.Errorf("tech_smes: required %q, want 需年均增加3家", got)
	}
	// A growth line that fell says by how much (203 → 196), not 差距0件
	// beside 不进反退; a done-or-not milestone's gap is in words, not 1.
	for id, gap := range map[string]string{
		"patent_grants": "2020年较上年下降7件", "three_regions_tech_talents": "2020年较上年未增长",
		"ip_commercialisation_pledge": "未完成", "industry_academia_cooperation": "已完成",
		// A continuing line with years never reported is not 已完成.
		"ip_judicial_trials": "无未完成年度",
		// One precision for the gap and the change per year beside it
		// (the 72.5 of 2018 is the baseline): not 4 beside 4.0.
		"egov_extranet_coverage": "4.0个百分点",
	} {
		if got := byID[id].Gap; got != gap {
			t.Errorf("%s: gap %q, want %q", id, got, gap)
		}
	}
	if got := byID["egov_extranet_coverage"].Required; got != "需年均提高4.0个百分点" {
		t.Errorf("egov_extranet_coverage: required %q, want 需年均提高4.0个百分点", got)
	}
	for _, w := range want {
		if bareNumber.MatchString(w.Gap) {
			t.Errorf("%s: gap %q has no unit", w.ID, w.Gap)
		}
		if failing[w.Status] && zeroGap.MatchString(w.Gap) {
			t.Errorf("%s: gap %q beside %s", w.ID, w.Gap, w.Status)
		}
		if g, r := amountOf.FindStringSubmatch(w.Gap), amountWords.FindStringSubmatch(w.Required); g != nil && r != nil && g[2] == r[2] && decimals(g[1]) != decimals(r[1]) {
			t.Errorf("%s: gap %q beside %q: one quantity in two precisions", w.ID, w.Gap, w.Required)
		}
	}

	t.Run("report duty in /report as in the API", func(t *testing.T) {
		// serve's --reporting.from reaches ?as_of= and the circular (issue
		// 19, item 3): as of 2023-06-30 the 2022 figures are overdue.
		var later struct {
			Indicators []struct {
				Evaluation struct {
					Overdue       bool
					NeverReported bool `json:"never_reported"`
				}
			}
		}
		getJSON(t, url+"/api/v1/indicators?as_of=2023-06-30", &later)
		owed := 0
		for _, in := range later.Indicators {
			if in.Evaluation.Overdue || in.Evaluation.NeverReported {
				owed++
			}
		}
		if owed < 10 {
			t.Fatalf("%d overdue as of 2023-06-30 with duty from 2019, want the 2022 lines", owed)
		}
		page := getText(t, url+"/report?format=html&as_of=2023-06-30")
		if want := "逾期未报送数据的" + strconv.Itoa(owed) + "项"; !strings.Contains(page, want) {
			t.Errorf("/report does not say %s", want)
		}
	})

	t.Run("web page", func(t *testing.T) {
		notes := 0
		for _, w := range want {
			page := html.UnescapeString(getText(t, url+"/indicators/"+w.Plan+"/"+w.ID))
			expectIn(t, "web page of "+w.ID, page, w.Actual, w.Gap, w.Required)
			// The deadline note is Chinese on the page.
			if strings.Contains(page, "names no year") || strings.Contains(page, "end year of its own") {
				t.Errorf("web page of %s shows the English deadline_note", w.ID)
			}
			if strings.Contains(page, "未写明") {
				notes++
			}
		}
		if notes == 0 {
			t.Errorf("no page shows a deadline note in Chinese (原文未写明年份…)")
		}
		if page := html.UnescapeString(getText(t, url+"/indicators/"+byID["one_thing_once_coverage"].Plan+"/one_thing_once_coverage")); !strings.Contains(page, "预测（100%）") {
			t.Errorf("the 一件事一次办 page does not project 100%%")
		}
	})

	t.Run("alert text", func(t *testing.T) {
		metrics := getText(t, url+"/metrics")
		alerted := 0
		for _, w := range want {
			desc := alertDescription(metrics, w.ID)
			if desc == "" {
				continue
			}
			alerted++
			if w.Actual != "" && !strings.Contains(desc, "实际："+w.Actual) {
				t.Errorf("alert of %s lacks 实际：%s:\n%s", w.ID, w.Actual, desc)
			}
			if w.Required != "" && !strings.Contains(desc, "进度要求："+w.Required) {
				t.Errorf("alert of %s lacks 进度要求：%s:\n%s", w.ID, w.Required, desc)
			}
			if strings.Contains(desc, "差距：") && !strings.Contains(desc, "差距："+w.Gap+"\n") {
				t.Errorf("alert of %s lacks 差距：%s:\n%s", w.ID, w.Gap, desc)
			}
		}
		if alerted < 10 {
			t.Errorf("%d indicators alerted, want the lagging and missed ones", alerted)
		}
	})

	t.Run("kpimon status", func(t *testing.T) {
		out, stderr, err := runKpimon(t, nil, "status", "--storage.path", data, "--server", url)
		if err != nil {
			t.Fatalf("status: %v\n%s", err, stderr)
		}
		rows := map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				rows[f[0]] = line
			}
		}
		for _, w := range want {
			expectIn(t, "status row of "+w.ID, rows[w.ID], w.Actual, w.Gap, w.Required)
		}
	})

	t.Run("PDF circular", func(t *testing.T) {
		pdf := filepath.Join(dir, "通报.pdf")
		if err := os.WriteFile(pdf, getBytes(t, url+"/report?format=pdf"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-raw", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		// Table cells wrap: compare without line breaks and spaces.
		text := strings.Join(strings.Fields(string(out)), "")
		// No "-0%", and every ratio with its one
		// decimal: 113.0% beside 116.7%, never 113%.
		if m := regexp.MustCompile(`-0(\.0)?%`).FindString(text); m != "" {
			t.Errorf("the PDF prints %q", m)
		}
		for _, w := range want {
			// Milestones are 已完成/未完成 in words; every figure and
			// required change stands in its task's table.
			expectIn(t, "PDF", text, w.Actual, w.Required)
		}
		// The lines needing attention say what failed, a fall by how much.
		if m := regexp.MustCompile(`差距0(?:[^.0-9]|$)`).FindString(text); m != "" {
			t.Errorf("the PDF prints %q", m)
		}
		expectIn(t, "PDF", text, "全区专利授权量（区市场监管局，2021年251件，目标逐年增长（2022年），2020年较上年下降7件）")
	})

	t.Run("XLSX circular", func(t *testing.T) {
		f, err := excelize.OpenReader(bytes.NewReader(getBytes(t, url+"/report?format=xlsx")))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("指标明细")
		if err != nil {
			t.Fatal(err)
		}
		col := columns(rows[0])
		seen := 0
		for _, r := range rows[1:] {
			w, ok := byName[cell(r, col["指标"])]
			if !ok {
				continue
			}
			seen++
			unit := cell(r, col["单位"])
			if a := cell(r, col["最新数据"]); w.Actual != "" && !doneOrNotWord(w.Actual) && a+unit != w.Actual {
				t.Errorf("XLSX %s: 最新数据 %q %s, want %q", w.ID, a, unit, w.Actual)
			}
			if got := cell(r, col["需年均变化说明"]); w.Required != "" && got != w.Required {
				t.Errorf("XLSX %s: 需年均变化说明 %q, want %q", w.ID, got, w.Required)
			}
			// The amount beside the words is the number the words say.
			if m := amountWords.FindStringSubmatch(w.Required); m != nil {
				// A share's cell says its amount is in points (0.04个百分点).
				if got := cell(r, col["需年均变化量"]); strings.TrimSuffix(strings.TrimPrefix(got, "-"), "个百分点") != m[1] ||
					(unit == "%") != strings.HasSuffix(got, "个百分点") {
					t.Errorf("XLSX %s: 需年均变化量 %q, want %s as %q says", w.ID, got, m[1], w.Required)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("XLSX lists %d of the %d indicators", seen, len(want))
		}
		att, err := f.GetRows("需重点关注指标")
		if err != nil {
			t.Fatal(err)
		}
		acol := columns(att[0])
		for _, r := range att[1:] {
			w, ok := byName[cell(r, acol["指标"])]
			if !ok || w.Gap == "" {
				continue
			}
			// An amount in the number cell, words as they are.
			g := cell(r, acol["差距"])
			if unit := cell(r, acol["单位"]); g != w.Gap && g+unit != w.Gap && g+"个百分点" != w.Gap {
				t.Errorf("XLSX %s: 差距 %q %s, want %q", w.ID, g, unit, w.Gap)
			}
		}
	})
}

// expectIn checks that text holds every non-empty want.
func expectIn(t *testing.T, where, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if w != "" && !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("%s lacks %q", where, w)
		}
	}
}

var (
	amountWords = regexp.MustCompile(`^需年均(?:增加|减少|提高|降低)([0-9.]+)(.*)$`)
	amountOf    = regexp.MustCompile(`^([0-9.]+)(.+)$`)
	bareNumber  = regexp.MustCompile(`^[0-9.]+$`)
	zeroGap     = regexp.MustCompile(`^0(?:[^.0-9]|$)`)
	failing     = map[string]bool{"lagging": true, "off_track": true, "deteriorating": true, "missed": true}
)

// decimals is how many decimals a printed number has.
func decimals(n string) int {
	if i := strings.IndexByte(n, '.'); i >= 0 {
		return len(n) - i - 1
	}
	return 0
}

var descriptionLabel = regexp.MustCompile(`description="((?:[^"\\]|\\.)*)"`)

// alertDescription returns the description of the alert text /metrics
// carries for indicator id, unquoted; "" when it has none.
func alertDescription(metrics, id string) string {
	for _, line := range strings.Split(metrics, "\n") {
		if !strings.HasPrefix(line, "kpi_status{") || !strings.Contains(line, `indicator="`+id+`"`) {
			continue
		}
		if m := descriptionLabel.FindStringSubmatch(line); m != nil {
			var s string
			if err := json.Unmarshal([]byte(`"`+m[1]+`"`), &s); err == nil {
				return s
			}
		}
	}
	return ""
}

func getBytes(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return b
}

func getText(t *testing.T, url string) string { return string(getBytes(t, url)) }

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal(getBytes(t, url), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func columns(header []string) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		m[h] = i
	}
	return m
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func doneOrNotWord(s string) bool { return s == "已完成" || s == "未完成" }
