package ingest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

var now = time.Date(2022, 6, 1, 0, 0, 0, 0, kpi.China)

var catalog = kpi.Catalog{
	Plans: []kpi.Plan{{ID: "yf", Title: "雁峰区", Region: "雁峰区", Source: "test", StartYear: 2019, EndYear: 2022}},
	Indicators: []kpi.Indicator{
		{ID: "high_tech_enterprises", Plan: "yf", Name: "高新技术企业", Task: 1, LeadUnits: []string{"区科工信局"}, CoUnits: []string{"区统计局"},
			Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"},
		{ID: "rd_spending_share_gdp", Plan: "yf", Name: "全社会R&D经费支出占地区GDP比重", Task: 6, LeadUnits: []string{"区科工信局"},
			Unit: "%", Kind: kpi.KindAtLeast, Target: 2.51, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"},
		{ID: "disposable_income_per_capita", Plan: "yf", Name: "居民人均可支配收入", Task: 2, LeadUnits: []string{"区发改局", "区人社局"},
			Unit: "元", Kind: kpi.KindAtLeast, Target: 44700, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"},
		{ID: "safe_yanfeng", Plan: "yf", Name: "平安雁峰建设", Task: 6, LeadUnits: []string{"区委政法委"},
			Unit: "项", Kind: kpi.KindMilestone, Target: 1, Deadline: 2022, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"},
		{ID: "patent_grants_q", Plan: "yf", Name: "专利授权量（季度）", Task: 3, LeadUnits: []string{"区市场监管局"},
			Unit: "件", Kind: kpi.KindIncrease, Deadline: 2022, Frequency: kpi.Quarterly, DueDays: 30, Measure: kpi.MeasureLevel, SourceText: "s"},
	},
}

var operator = kpi.Actor{Name: "tjj", All: true, Remote: "test"}

type fixture struct {
	store kpi.Store
	ing   *ingest.Ingester
	reg   *prometheus.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, ingest.Options{})
}

// newFixtureWith is newFixture with the ingester's options (Store, Now and
// Registerer are the fixture's).
func newFixtureWith(t *testing.T, opts ingest.Options) *fixture {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(context.Background(), catalog, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opts.Store, opts.Now, opts.Registerer = st, func() time.Time { return now }, reg
	ing, err := ingest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, ing: ing, reg: reg}
}

func (f *fixture) latest(t *testing.T) map[kpi.Ref][]kpi.Observation {
	t.Helper()
	l, err := f.store.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (f *fixture) value(t *testing.T, id string, p kpi.Period) (float64, bool) {
	t.Helper()
	for _, o := range f.latest(t)[kpi.Ref{Plan: "yf", ID: id}] {
		if o.Period == p {
			return o.Value, true
		}
	}
	return 0, false
}

func TestIngestFormats(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("指标编号,报告期,实际值,单位,备注\nhigh_tech_enterprises,2021年,28,家,统计公报\n居民人均可支配收入,2021,\"41,200\",元,\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		up    kpi.Upload
		wants map[string]float64 // indicator → 2021 value
	}{
		{"GBK CSV with Chinese headers", kpi.Upload{Name: "2021年报.csv", Body: []byte(gbk)},
			map[string]float64{"high_tech_enterprises": 28, "disposable_income_per_capita": 41200}},
		{"UTF-8 CSV with BOM and English headers", kpi.Upload{Name: "2021.csv", Body: append([]byte{0xEF, 0xBB, 0xBF}, "indicator,period,value,extra\nrd_spending_share_gdp, 2021 ,2.1%,x\nsafe_yanfeng,2021,完成,\n"...)},
			map[string]float64{"rd_spending_share_gdp": 2.1, "safe_yanfeng": 1}},
		{"JSON array with numbers", kpi.Upload{Name: "2021.json", Body: []byte(`[{"indicator":"high_tech_enterprises","period":2021,"value":29},{"indicator":"高新技术企业","period":"2020","value":"25"}]`)},
			map[string]float64{"high_tech_enterprises": 29}},
		{"Excel's Unicode text: UTF-16LE with BOM, tab-separated", kpi.Upload{Name: "2021.txt", Body: utf16LE("\ufeff指标名称\t报告期\t实际值\r\n高新技术企业\t2021年\t28\r\n居民人均可支配收入\t2021\t\"41,200\"\r\n")},
			map[string]float64{"high_tech_enterprises": 28, "disposable_income_per_capita": 41200}},
		{"UTF-16BE with BOM", kpi.Upload{Name: "2021.csv", Body: utf16BE("\ufeff指标编号,报告期,实际值\nhigh_tech_enterprises,2021,28\n")},
			map[string]float64{"high_tech_enterprises": 28}},
		{"a total row and a footnote below the figures", kpi.Upload{Name: "合计.csv", Body: []byte("指标名称,报告期,实际值\n高新技术企业,2021,28\n合  计,2021,28\n注：本表为快报数,,\n")},
			map[string]float64{"high_tech_enterprises": 28}},
		{"headers of statistical tables", kpi.Upload{Name: "统计表.csv", Body: []byte("指标名称,年度,本期数\n高新技术企业,2021年末,28\n")},
			map[string]float64{"high_tech_enterprises": 28}},
		{"title rows above the header", kpi.Upload{Name: "2021.csv", Body: []byte("雁峰区2021年指标数据报送表,,\n填报单位：区科工信局,,\n\n指标编号,报告期,实际值\nhigh_tech_enterprises,2021,28\n")},
			map[string]float64{"high_tech_enterprises": 28}},
		{"full-width digits, no extension", kpi.Upload{Name: "upload", ContentType: "text/csv", Body: []byte("指标名称,报告期,实际值\n居民人均可支配收入,２０２１年,４４，７００\n")},
			map[string]float64{"disposable_income_per_capita": 44700}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.up.Actor, tt.up.Source = operator, "upload"
			res, err := f.ing.Ingest(context.Background(), tt.up)
			if err != nil {
				t.Fatalf("Ingest: %v", err)
			}
			if res.Added == 0 {
				t.Fatalf("Ingest added nothing: %+v", res)
			}
			for id, want := range tt.wants {
				got, ok := f.value(t, id, kpi.YearPeriod(2021))
				if !ok || got != want {
					t.Errorf("%s 2021 = %v (stored %v), want %v", id, got, ok, want)
				}
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	f := newFixture(t)
	x := writeTemplate(t, f)
	rows, err := x.GetRows(ingest.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(catalog.Indicators)+1 {
		t.Fatalf("template has %d rows, want a header and %d indicators", len(rows), len(catalog.Indicators))
	}
	wantHeader := []string{"计划", "指标编号", "指标名称", "单位", "目标值", "截止年份", "责任单位", "报告期", "实际值", "备注"}
	if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
		t.Errorf("template header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{ingest.TemplateSheet, ingest.ExplanationSheet, "说明"}, x.GetSheetList()); diff != "" {
		t.Errorf("template sheets (-want +got):\n%s", diff)
	}
	if style, err := x.GetCellStyle(ingest.TemplateSheet, "H2"); err != nil {
		t.Fatal(err)
	} else if s, err := x.GetStyle(style); err != nil || s.NumFmt != 49 {
		t.Errorf("报告期 cell number format = %v (%v), want 49 (text), so Excel keeps 2021-06 as typed", s, err)
	}
	// Fill two rows the way a submitter does: period and value only.
	for i, r := range rows[1:] {
		switch r[1] {
		case "high_tech_enterprises":
			x.SetCellValue(ingest.TemplateSheet, cell(8, i+2), "2021年")
			x.SetCellValue(ingest.TemplateSheet, cell(9, i+2), 27)
		case "rd_spending_share_gdp":
			x.SetCellValue(ingest.TemplateSheet, cell(8, i+2), "2021")
			x.SetCellValue(ingest.TemplateSheet, cell(9, i+2), "2.3")
		}
	}
	var filled bytes.Buffer
	if _, err := x.WriteTo(&filled); err != nil {
		t.Fatal(err)
	}
	res, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "模板.xlsx", Body: filled.Bytes(), Actor: operator, Source: "upload"})
	if err != nil {
		t.Fatalf("Ingest filled template: %v", err)
	}
	if res.Added != 2 {
		t.Errorf("added %d, want 2 (empty rows skipped)", res.Added)
	}
	if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); v != 27 {
		t.Errorf("high_tech_enterprises 2021 = %v, want 27", v)
	}
}

func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

func TestIngestRejects(t *testing.T) {
	const head = "指标编号,报告期,实际值,单位\n"
	tests := []struct {
		name        string
		body        string
		wantRow     int
		wantColumn  string
		wantField   string
		wantMessage string // a fragment of the Chinese message
	}{
		{"unknown indicator suggests", head + "high_tech_enterprise,2021,28,\n", 2, "指标编号", "indicator", "high_tech_enterprises"},
		{"unit differs", head + "high_tech_enterprises,2021,28,个\n", 2, "单位", "unit", "单位与指标不符"},
		{"percent above 100", head + "rd_spending_share_gdp,2021,251,\n", 2, "实际值", "value", "百分比超出"},
		{"negative count", head + "high_tech_enterprises,2021,-1,\n", 2, "实际值", "value", "不能为负"},
		{"fractional count", head + "high_tech_enterprises,2021,28.5,\n", 2, "实际值", "value", "整数"},
		{"quarter for an annual indicator", head + "high_tech_enterprises,2021-Q3,28,\n", 2, "报告期", "period", "年度"},
		{"annual for a quarterly indicator", head + "patent_grants_q,2021,28,\n", 2, "报告期", "period", "季度"},
		{"before the plan", head + "high_tech_enterprises,2015,28,\n", 2, "报告期", "period", "报告期早于规划起始年（2019年）"},
		{"not begun yet", head + "patent_grants_q,2022-Q3,28,\n", 2, "报告期", "period", "尚未开始"},
		{"after the plan, not begun yet", head + "high_tech_enterprises,2023,28,\n", 2, "报告期", "period", "尚未开始"},
		{"period not understood", head + "high_tech_enterprises,去年,28,\n", 2, "报告期", "period", "无法识别"},
		// A date that ends no year or quarter: which period to write.
		{"a mid-year date for an annual indicator", head + "high_tech_enterprises,2021-06-30,28,\n", 2, "报告期", "period", "应为：2021，或年末日期 2021-12-31"},
		{"a date for an annual indicator says the year end", head + "high_tech_enterprises,2021-06-30,28,\n", 2, "报告期", "period", "日期只有年末（12月31日）才代表该年"},
		{"a mid-quarter date for a quarterly indicator", head + "patent_grants_q,2021-08-15,28,\n", 2, "报告期", "period", "应为：2021-Q3，或季末日期 2021-09-30"},
		{"duplicate rows", head + "high_tech_enterprises,2021,28,\nhigh_tech_enterprises,2021年,29,\n", 3, "报告期", "period", "重复"},
		{"empty value", head + "high_tech_enterprises,2021,,\n", 2, "实际值", "value", "缺少实际值"},
		{"non-numeric", head + "high_tech_enterprises,2021,二十八,\n", 2, "实际值", "value", "不是数字：只填阿拉伯数字"},
		// The common slips say how to write the figure.
		{"a unit typed after full-width digits", head + "high_tech_enterprises,2021,２１家,\n", 2, "实际值", "value", "不是数字：只填数字，不要带单位（应填 21）"},
		{"a 万 multiplier", head + "disposable_income_per_capita,2021,3.8万,\n", 2, "实际值", "value", "不要用“万”，请换算为以“元”计的数字（应填 38000）"},
		{"a small 万 without float noise", head + "disposable_income_per_capita,2021,0.0021万元,\n", 2, "实际值", "value", "（应填 21）"},
		{"the English line says annually", head + "high_tech_enterprises,2021-06-30,28,\n", 2, "报告期", "period", "reported annually"},
		{"NaN", head + "high_tech_enterprises,2021,NaN,\n", 2, "实际值", "value", "NaN"},
		{"infinite", head + "high_tech_enterprises,2021,Inf,\n", 2, "实际值", "value", "无穷"},
		// Digits beyond a float64 are a number too large, not "NaN or infinity".
		{"exponent beyond float64", head + "high_tech_enterprises,2021,1e999,\n", 2, "实际值", "value", "超出合理范围"},
		{"400 digits", head + "high_tech_enterprises,2021," + strings.Repeat("9", 400) + ",\n", 2, "实际值", "value", "超出合理范围"},
		// The limit in Chinese counting, not "1e+15".
		{"beyond the plausible limit", head + "disposable_income_per_capita,2021,2000000000000000,\n", 2, "实际值", "value", "绝对值不超过 1000万亿"},
		{"milestone not 0 or 1", head + "safe_yanfeng,2021,2,\n", 2, "实际值", "value", "1 或 0"},
		{"percent sign on a count", head + "high_tech_enterprises,2021,28%,\n", 2, "实际值", "value", "不是百分比"},
		{"missing header", "a,b,c\n1,2,3\n", 1, "", "", "表头"},
		{"no rows", head, 0, "", "", "没有任何数据行"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			// A good row beside the bad one: nothing at all may be written.
			body := tt.body
			if strings.HasPrefix(body, head) && tt.name != "no rows" {
				body += "disposable_income_per_capita,2021,41000,元\n"
			}
			_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "bad.csv", Body: []byte(body), Actor: operator, Source: "upload"})
			var ke *kpi.Error
			if !errors.As(err, &ke) || ke.Code != kpi.EINVALID {
				t.Fatalf("Ingest error = %v, want *kpi.Error EINVALID", err)
			}
			if len(f.latest(t)) != 0 {
				t.Errorf("a rejected submission wrote figures: %v", f.latest(t))
			}
			p := ke.Problems[0]
			if p.Row != tt.wantRow || p.Column != tt.wantColumn || p.Field != tt.wantField || p.File != "bad.csv" {
				t.Errorf("problem at file %q row %d column %q field %q, want bad.csv row %d column %q field %q (%v)",
					p.File, p.Row, p.Column, p.Field, tt.wantRow, tt.wantColumn, tt.wantField, p)
			}
			if !strings.Contains(p.Message+p.Expected, tt.wantMessage) && !strings.Contains(p.Text(), tt.wantMessage) {
				t.Errorf("problem %q does not mention %q", p.String(), tt.wantMessage)
			}
			chineseThenEnglish(t, "error message", ke.Message, "bad.csv")
			for _, p := range ke.Problems {
				chineseThenEnglish(t, "problem message", p.Message, p.Value, p.Indicator)
				noEnglishInChinese(t, "problem expected", p.Expected, p.Value, p.Indicator)
			}
		})
	}
}

// catalogID is an indicator id such as high_tech_enterprises, which a
// Chinese message may name (a suggestion).
var catalogID = regexp.MustCompile(`[a-z][a-z0-9]*(_[a-z0-9]+)+`)

// periodForm is a quarter as submitters write it: 2021-Q3.
var periodForm = regexp.MustCompile(`\d{4}-Q\d`)

// chineseThenEnglish checks a message to submitters: a Chinese line with no
// English in it (no ASCII letters except ids and what it quotes from the
// input), then the English on its own line.
func chineseThenEnglish(t *testing.T, what, msg string, quoted ...string) {
	t.Helper()
	_, en, ok := strings.Cut(msg, "\n")
	if !ok || strings.TrimSpace(en) == "" {
		t.Errorf("%s %q: no English on its own line after the Chinese", what, msg)
	}
	noEnglishInChinese(t, what, msg, quoted...)
}

// noEnglishInChinese checks that the Chinese line of msg (its first) has no
// ASCII letters except ids, period forms and what it quotes from the input.
func noEnglishInChinese(t *testing.T, what, msg string, quoted ...string) {
	t.Helper()
	zh := kpi.ChineseLine(msg)
	if strings.Contains(zh, " / ") {
		t.Errorf("%s %q: Chinese and English interleaved on one line", what, msg)
	}
	rest := catalogID.ReplaceAllString(zh, "")
	rest = periodForm.ReplaceAllString(rest, "")
	for _, q := range quoted {
		if q != "" {
			rest = strings.ReplaceAll(rest, q, "")
		}
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }); i >= 0 {
		t.Errorf("%s: Chinese line %q has English letters (%q)", what, zh, rest[i:])
	}
}

// TestRejectedValueMessageIsChinese is the README's example of a rejected
// figure: the Chinese line of every message has no English words in it.
func TestRejectedValueMessageIsChinese(t *testing.T) {
	f := newFixture(t)
	body := "indicator,period,value\nhigh_tech_enterprises,2022,abc\n"
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "bad.csv", Body: []byte(body), Actor: operator, Source: "upload"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || len(ke.Problems) != 1 {
		t.Fatalf("Ingest error = %v, want *kpi.Error EINVALID with one problem", err)
	}
	p := ke.Problems[0]
	if want := "不是数字：只填阿拉伯数字，如 21 或 3.5\nnot a number: write digits only, e.g. 21 or 3.5"; p.Message != want {
		t.Errorf("problem message = %q, want %q", p.Message, want)
	}
	if got := kpi.ChineseLine(ke.Message); got != "bad.csv 有 1 处问题，整份未写入，请修改后重新提交" {
		t.Errorf("Chinese line of the error message = %q", got)
	}
	chineseThenEnglish(t, "error message", ke.Message, "bad.csv")
	chineseThenEnglish(t, "problem message", p.Message, p.Value)
	chineseThenEnglish(t, "problem expected", p.Expected, p.Value)
	if p.Expected != "数值\na number" {
		t.Errorf("problem expected = %q, want %q", p.Expected, "数值\na number")
	}
}

// Files that are no CSV, XLSX or JSON are named for what they are, with
// how to make them readable, instead of being read as a CSV whose
// "header" is quoted back as mojibake.
func TestUnreadableFilesSaidWhatTheyAre(t *testing.T) {
	ole2 := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0, 0x3E, 0, 3, 0, 0xFE, 0xFF}
	zipOnly := []byte("PK\x03\x04\x14\x00\x00\x00 cut short")
	for _, tc := range []struct {
		name, file string
		body       []byte
		want       string // a fragment of the Chinese message
	}{
		{"Excel 97-2003", "2021年报.xls", ole2, "另存为” Excel 工作簿（.xlsx）"},
		{"password-protected xlsx", "加密.xlsx", ole2, "取消密码"},
		{"a sign-in page pulled instead of the file", "latest.csv", []byte("\n  <!DOCTYPE html>\n<html><head><title>登录</title></head></html>"), "这是网页（HTML）"},
		{"PDF", "通报.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "这是 PDF 文件"},
		{"binary", "photo.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "不是表格文件"},
		{"truncated xlsx", "半个.xlsx", zipOnly, "可能不完整或已损坏"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: tc.file, Body: tc.body, Actor: operator, Source: "upload"})
			var ke *kpi.Error
			if !errors.As(err, &ke) || len(ke.Problems) != 1 {
				t.Fatalf("Ingest error = %v, want one problem", err)
			}
			p := ke.Problems[0]
			if !strings.Contains(kpi.ChineseLine(p.Message), tc.want) || p.Value != "" {
				t.Errorf("problem = %+v, want a Chinese message with %q and no quoted value", p, tc.want)
			}
			// Product and format names are how Chinese users say them too.
			chineseThenEnglish(t, "problem message", p.Message, ".xlsx", ".xls", ".et", "Excel", "WPS", "XLSX", "CSV", "PDF", "UTF-8", "GBK", "HTML")
		})
	}
}

func TestXLSXProblemsNameSheetRowColumn(t *testing.T) {
	f := newFixture(t)
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "报送")
	x.SetSheetRow("报送", "A1", &[]any{"备注", "指标编号", "报告期", "实际值"})
	x.SetSheetRow("报送", "A2", &[]any{"", "high_tech_enterprises", "2021", 28})
	x.SetSheetRow("报送", "A4", &[]any{"", "high_tech_enterprises", "2020", "abc"})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "b.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 {
		t.Fatalf("Ingest error = %v, want one problem", err)
	}
	p := ke.Problems[0]
	if p.Sheet != "报送" || p.Row != 4 || p.Column != "D" || p.Value != "abc" {
		t.Errorf("problem %+v, want sheet 报送 row 4 column D value abc", p)
	}
}

func TestRevisions(t *testing.T) {
	f := newFixture(t)
	submit := func(v string) kpi.SubmissionResult {
		t.Helper()
		res, err := f.ing.IngestRows(context.Background(), []kpi.Row{{Indicator: "high_tech_enterprises", Period: "2021", Value: v}}, kpi.Upload{Actor: operator, Source: "api"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := submit("25"); r.Added != 1 {
		t.Errorf("first = %+v, want added", r)
	}
	if r := submit("25"); r.Unchanged != 1 {
		t.Errorf("same again = %+v, want unchanged", r)
	}
	if r := submit("26"); r.Revised != 1 {
		t.Errorf("different = %+v, want revised", r)
	}
	obs, err := f.store.Observations(context.Background(), kpi.Ref{Plan: "yf", ID: "high_tech_enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].Value != 25 || obs[1].Value != 26 || obs[1].Revision != 2 || obs[1].SubmittedBy != "tjj" || obs[1].Source != "api" {
		t.Errorf("revisions %+v, want 25 then 26 (revision 2) by tjj from api", obs)
	}
}

func TestForbiddenUnit(t *testing.T) {
	f := newFixture(t)
	unit := kpi.Actor{Name: "swj", Units: []string{"区市场监管局"}, Remote: "127.0.0.1"}
	rows := []kpi.Row{{Indicator: "patent_grants_q", Period: "2021-Q4", Value: "12"}, {Indicator: "high_tech_enterprises", Period: "2021", Value: "28"}}
	_, err := f.ing.IngestRows(context.Background(), rows, kpi.Upload{Actor: unit, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EFORBIDDEN {
		t.Fatalf("IngestRows error = %v, want EFORBIDDEN", err)
	}
	if len(ke.Problems) != 1 || ke.Problems[0].Indicator != "high_tech_enterprises" || !strings.Contains(ke.Problems[0].Message, "区市场监管局") {
		t.Errorf("problems %+v, want one naming high_tech_enterprises and 区市场监管局", ke.Problems)
	}
	// The problem quotes the cell as the unit wrote it, not the catalog,
	// and names the indicator it was read as and who reports it.
	if p := ke.Problems[0]; p.Value != "high_tech_enterprises" || !strings.HasPrefix(p.Message, "无权报送指标“高新技术企业”（high_tech_enterprises）：区市场监管局 不是其责任单位或配合单位，该指标由区科工信局") {
		t.Errorf("problem %+v, want the cell high_tech_enterprises and the indicator named", p)
	}
	// A file naming the indicator by its name: that cell, as written.
	_, err = f.ing.Ingest(context.Background(), kpi.Upload{Name: "b.csv", Actor: unit, Source: "upload",
		Body: []byte("指标名称,报告期,实际值\n高新技术企业,2021,28\n")})
	if !errors.As(err, &ke) || ke.Code != kpi.EFORBIDDEN || len(ke.Problems) != 1 || ke.Problems[0].Value != "高新技术企业" || ke.Problems[0].Row != 2 || ke.Problems[0].Column != "指标名称" {
		t.Errorf("by name: %v, want the cell 高新技术企业 at row 2, column 指标名称", err)
	}
	if len(f.latest(t)) != 0 {
		t.Error("a refused submission wrote figures")
	}
	audit, err := f.store.Audit(context.Background(), kpi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) == 0 || audit[0].Action != "access.denied" || audit[0].Actor != "swj" {
		t.Errorf("newest audit entry %+v, want access.denied by swj", audit[0])
	}
	// The unit's own indicator alone goes through.
	if _, err := f.ing.IngestRows(context.Background(), rows[:1], kpi.Upload{Actor: unit, Source: "api"}); err != nil {
		t.Errorf("own indicator refused: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.ing.IngestRows(context.Background(), []kpi.Row{{Indicator: "high_tech_enterprises", Period: "2021", Value: "28"}}, kpi.Upload{Actor: operator, Source: "api"})
	f.ing.IngestRows(context.Background(), []kpi.Row{{Indicator: "nope", Period: "2021", Value: "28"}}, kpi.Upload{Actor: operator, Source: "api"})
	f.ing.RecordFailure("pull:tjj")
	for _, tc := range []struct {
		source, result string
		want           float64
	}{{"api", "ok", 1}, {"api", "rejected", 1}, {"pull:tjj", "error", 1}} {
		got := testkit.MustMetric(t, f.reg, "kpi_ingest_runs_total", "source", tc.source, "result", tc.result)
		if got != tc.want {
			t.Errorf("kpi_ingest_runs_total{source=%q,result=%q} = %v, want %v", tc.source, tc.result, got, tc.want)
		}
	}
}

func TestRowJSON(t *testing.T) {
	var rows []kpi.Row
	if err := json.Unmarshal([]byte(`[{"indicator":"a","period":2021,"value":1.5},{"name":"名","period":"2021-Q3","value":"33%"}]`), &rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Period != "2021" || rows[0].Value != "1.5" || rows[1].Indicator != "名" || rows[1].Value != "33%" {
		t.Errorf("decoded %+v", rows)
	}
	if err := json.Unmarshal([]byte(`[{"indicator":"a","period":"2021","value":true}]`), &rows); err == nil {
		t.Error("a boolean value decoded without error")
	}
}

// TestIngestAfterThePlan: a figure of a period after the plan is kept
// (it counts for the report duty) and the receipt says it is beyond the
// target's deadline; one such row no longer refuses the whole file (issue
// 19, item 8).
func TestIngestAfterThePlan(t *testing.T) {
	f := newFixture(t)
	later := time.Date(2024, 6, 30, 0, 0, 0, 0, kpi.China)
	ing, err := ingest.New(ingest.Options{Store: f.store, Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ing.Ingest(context.Background(), kpi.Upload{Name: "figures.csv", Source: "test", Actor: kpi.Actor{Name: "tjj", All: true},
		Body: []byte("指标编号,报告期,实际值\nhigh_tech_enterprises,2022,30\nhigh_tech_enterprises,2023,35\n")})
	if err != nil {
		t.Fatalf("a file with a 2023 row was refused: %v", err)
	}
	if res.Added != 2 {
		t.Errorf("added %d figures, want 2", res.Added)
	}
	notes := map[string]string{}
	for _, o := range res.Outcomes {
		notes[o.Observation.Period.String()] = o.Name + " " + o.Value + " " + o.Note
	}
	want := map[string]string{
		"2022": "高新技术企业 30家 ",
		"2023": "高新技术企业 35家 超出目标期限（2022年），计入报送记录，不计入达标判断",
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("receipt names, values and notes (-want +got):\n%s", diff)
	}
}

// utf16LE and utf16BE encode s (a BOM included if s starts with one).
func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16BE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// TestXLSXFormulaCells: a formula's computed value is the figure; a
// formula with none (a workbook written by a program and never opened in
// Excel or WPS) and an error value are refused saying so and how to fix
// it, not "missing value" or "not a number".
func TestXLSXFormulaCells(t *testing.T) {
	const head = `<row r="1"><c t="inlineStr"><is><t>指标编号</t></is></c><c t="inlineStr"><is><t>报告期</t></is></c><c t="inlineStr"><is><t>实际值</t></is></c></row>` +
		`<row r="2"><c t="inlineStr"><is><t>high_tech_enterprises</t></is></c><c><v>2021</v></c><c><f>10+11</f><v>21</v></c></row>`
	workbook := func(rows string) []byte {
		parts := map[string]string{
			"_rels/.rels":                `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
			"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="报送" sheetId="1" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
			"xl/worksheets/sheet1.xml":   `<worksheet><sheetData>` + head + rows + `</sheetData></worksheet>`,
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range parts {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		return buf.Bytes()
	}
	f := newFixture(t)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "f.xlsx", Actor: operator, Source: "upload", Body: workbook(
		`<row r="3"><c t="inlineStr"><is><t>high_tech_enterprises</t></is></c><c><v>2020</v></c><c><f>SUM(D1:D9)</f></c></row>` +
			`<row r="4"><c t="inlineStr"><is><t>high_tech_enterprises</t></is></c><c><v>2019</v></c><c t="e"><f>1/0</f><v>#DIV/0!</v></c></row>` +
			`<row r="5"><c t="inlineStr"><is><t>rd_spending_share_gdp</t></is></c><c><v>2021</v></c><c><f t="shared" si="0"/></c></row>` +
			// excelize keeps the formula's '=' in <f>.
			`<row r="6"><c t="inlineStr"><is><t>rd_spending_share_gdp</t></is></c><c><v>2020</v></c><c><f>=1+1</f></c></row>`)})
	var ke *kpi.Error
	if !errors.As(err, &ke) {
		t.Fatalf("Ingest error = %v, want *kpi.Error", err)
	}
	type want struct{ value, message string }
	wants := map[int]want{3: {"=SUM(D1:D9)", "公式没有计算结果"}, 4: {"#DIV/0!", "单元格是错误值 #DIV/0!"}, 5: {"=", "公式没有计算结果"}, 6: {"=1+1", "公式没有计算结果"}}
	if len(ke.Problems) != len(wants) {
		t.Fatalf("problems %v, want rows 3 to 6", ke.Problems)
	}
	for _, p := range ke.Problems {
		if w, ok := wants[p.Row]; !ok || p.Value != w.value || !strings.HasPrefix(p.Message, w.message) || p.Column != "C" {
			t.Errorf("problem %+v, want column C value %q and %q", p, w.value, w.message)
		}
	}
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "g.xlsx", Actor: operator, Source: "upload", Body: workbook("")}); err != nil {
		t.Fatalf("Ingest of a computed formula: %v", err)
	}
	if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); v != 21 {
		t.Errorf("high_tech_enterprises 2021 = %v, want the formula's computed 21", v)
	}
}

// TestTitleRowsAboveTheHeader: an XLSX sheet with a title and 填报单位
// above its header reads from the header on; with more title rows than
// a table has, or no header at all, the first row is named.
func TestTitleRowsAboveTheHeader(t *testing.T) {
	book := func(titles int, header bool) []byte {
		x := excelize.NewFile()
		for i := 1; i <= titles; i++ {
			x.SetCellValue("Sheet1", cell(1, i), fmt.Sprintf("标题行 %d", i))
		}
		if header {
			x.SetSheetRow("Sheet1", cell(1, titles+1), &[]any{"指标编号", "报告期", "实际值"})
		}
		x.SetSheetRow("Sheet1", cell(1, titles+2), &[]any{"high_tech_enterprises", 2021, 28})
		var buf bytes.Buffer
		x.WriteTo(&buf)
		return buf.Bytes()
	}
	f := newFixture(t)
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "t.xlsx", Body: book(3, true), Actor: operator, Source: "upload"}); err != nil {
		t.Fatalf("Ingest with 3 title rows: %v", err)
	}
	if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); v != 28 {
		t.Errorf("high_tech_enterprises 2021 = %v, want 28", v)
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		row    int
		quoted string
	}{
		{"six title rows", book(6, true), 1, "标题行 1"},
		{"no header", book(2, false), 1, "标题行 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "t.xlsx", Body: tc.body, Actor: operator, Source: "upload"})
			var ke *kpi.Error
			if !errors.As(err, &ke) || len(ke.Problems) != 1 || ke.Problems[0].Row != tc.row || ke.Problems[0].Value != tc.quoted ||
				!strings.HasPrefix(ke.Problems[0].Message, "缺少必需的表头") {
				t.Errorf("Ingest = %v, want the missing header named at row %d quoting %q", err, tc.row, tc.quoted)
			}
		})
	}
}

// TestWideTable: the bureau's own layout — 指标名称 then a column per
// year — is read as a figure per filled cell; a problem names the cell's
// column and quotes it.
func TestWideTable(t *testing.T) {
	f := newFixture(t)
	csv := "雁峰区主要指标完成情况,,,\n指标名称,单位,2019年,2020年,2021年\n高新技术企业,家,20,24,\n居民人均可支配收入,元,,\"41,200\",44000\n"
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "wide.csv", Body: []byte(csv), Actor: operator, Source: "upload"}); err != nil {
		t.Fatalf("Ingest wide CSV: %v", err)
	}
	for _, w := range []struct {
		id     string
		period kpi.Period
		want   float64
	}{
		{"high_tech_enterprises", kpi.YearPeriod(2019), 20},
		{"high_tech_enterprises", kpi.YearPeriod(2020), 24},
		{"disposable_income_per_capita", kpi.YearPeriod(2020), 41200},
		{"disposable_income_per_capita", kpi.YearPeriod(2021), 44000},
	} {
		if got, ok := f.value(t, w.id, w.period); !ok || got != w.want {
			t.Errorf("%s %v = %v (stored %v), want %v", w.id, w.period, got, ok, w.want)
		}
	}
	if _, ok := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); ok {
		t.Errorf("high_tech_enterprises 2021 stored from an empty cell")
	}

	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", 2020, "2021年"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"high_tech_enterprises", 25, "abc"})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "wide.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 {
		t.Fatalf("Ingest wide XLSX with a bad cell = %v, want one problem", err)
	}
	if p := ke.Problems[0]; p.Row != 2 || p.Column != "C" || p.Value != "abc" || p.Field != "value" {
		t.Errorf("problem %+v, want row 2 column C value abc", p)
	}
}

// TestHiddenFirstSheetSkipped: a workbook whose first sheet is a hidden
// lookup list is read from the first sheet the submitter sees.
func TestHiddenFirstSheetSkipped(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "代码表")
	x.SetSheetRow("代码表", "A1", &[]any{"单位代码", "单位名称"})
	x.NewSheet("数据")
	x.SetSheetRow("数据", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.SetSheetRow("数据", "A2", &[]any{"high_tech_enterprises", "2021", 27})
	x.SetActiveSheet(1)
	if err := x.SetSheetVisible("代码表", false); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f := newFixture(t)
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "h.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"}); err != nil {
		t.Fatalf("Ingest with a hidden first sheet: %v", err)
	}
	if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); v != 27 {
		t.Errorf("high_tech_enterprises 2021 = %v, want 27 from the visible sheet", v)
	}
}

// TestFiguresOnALaterSheet: unnamed, the figures are read from the first
// sheet with a header (an instructions sheet or an empty Sheet1 first);
// with no header anywhere, the first sheet's problem is told.
func TestFiguresOnALaterSheet(t *testing.T) {
	for _, first := range []string{"填报说明", "Sheet1"} {
		t.Run(first, func(t *testing.T) {
			x := excelize.NewFile()
			x.SetSheetName("Sheet1", first)
			if first != "Sheet1" {
				for i := 1; i <= 8; i++ {
					x.SetCellValue(first, cell(1, i), fmt.Sprintf("第%d条：请按模板填写。", i))
				}
			}
			x.NewSheet("数据")
			x.SetSheetRow("数据", "A1", &[]any{"指标编号", "报告期", "实际值"})
			x.SetSheetRow("数据", "A2", &[]any{"high_tech_enterprises", "2021", 26})
			var buf bytes.Buffer
			x.WriteTo(&buf)
			f := newFixture(t)
			if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "s.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"}); err != nil {
				t.Fatalf("Ingest: %v", err)
			}
			if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(2021)); v != 26 {
				t.Errorf("high_tech_enterprises 2021 = %v, want 26 from sheet 数据", v)
			}
		})
	}
	t.Run("no header anywhere", func(t *testing.T) {
		x := excelize.NewFile()
		x.SetCellValue("Sheet1", "A1", "封面")
		x.NewSheet("其他")
		x.SetCellValue("其他", "A1", "备用")
		var buf bytes.Buffer
		x.WriteTo(&buf)
		f := newFixture(t)
		_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "s.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"})
		var ke *kpi.Error
		if !errors.As(err, &ke) || len(ke.Problems) != 1 || ke.Problems[0].Sheet != "Sheet1" || ke.Problems[0].Value != "封面" {
			t.Errorf("Ingest = %v, want the first sheet's missing header", err)
		}
	})
}

// TestHeaderOverTwoRows: a header split over two rows — 指标名称 merged
// down, 实际完成情况 merged across above the years — is read as one.
func TestHeaderOverTwoRows(t *testing.T) {
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "雁峰区主要指标完成情况")
	x.MergeCell("Sheet1", "A1", "D1")
	x.SetSheetRow("Sheet1", "A2", &[]any{"指标名称", "单位", "实际完成情况"})
	x.MergeCell("Sheet1", "A2", "A3")
	x.MergeCell("Sheet1", "B2", "B3")
	x.MergeCell("Sheet1", "C2", "D2")
	x.SetSheetRow("Sheet1", "C3", &[]any{"2020年", "2021年"})
	x.SetSheetRow("Sheet1", "A4", &[]any{"高新技术企业", "家", 24, 27})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f := newFixture(t)
	if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "two.xlsx", Body: buf.Bytes(), Actor: operator, Source: "upload"}); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	for year, want := range map[int]float64{2020: 24, 2021: 27} {
		if v, _ := f.value(t, "high_tech_enterprises", kpi.YearPeriod(year)); v != want {
			t.Errorf("high_tech_enterprises %d = %v, want %v", year, v, want)
		}
	}
	csv := "指标名称,实际完成情况,\n,2020年,2021年\n科技型中小企业,30,\n"
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "two.csv", Body: []byte(csv), Actor: operator, Source: "upload"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 || ke.Problems[0].Column != "指标名称" || ke.Problems[0].Row != 3 {
		t.Errorf("Ingest of a two-row CSV header naming an indicator outside the catalog = %v, want its one problem at row 3, column 指标名称 (the header read over two rows)", err)
	}
}

// TestPeriodEndDates: a period written as the date it ends is that period,
// in CSV text and in an Excel date cell: 2021-12-31 is the year 2021 of an
// annual indicator (on main it was read as the month 2021-12 and refused),
// a quarter's last day its quarter. Another date is refused saying which
// period to write.
func TestPeriodEndDates(t *testing.T) {
	t.Run("CSV", func(t *testing.T) {
		f := newFixture(t)
		body := "指标编号,报告期,实际值\nhigh_tech_enterprises,2021-12-31,28\nhigh_tech_enterprises,2020年12月31日,25\npatent_grants_q,2021/9/30,7\n"
		if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "d.csv", Body: []byte(body), Actor: operator, Source: "upload"}); err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		for _, c := range []struct {
			id   string
			p    kpi.Period
			want float64
		}{{"high_tech_enterprises", kpi.Period{Year: 2021}, 28}, {"high_tech_enterprises", kpi.Period{Year: 2020}, 25}, {"patent_grants_q", kpi.Period{Year: 2021, Quarter: 3}, 7}} {
			if got, ok := f.value(t, c.id, c.p); !ok || got != c.want {
				t.Errorf("%s %v = %v (stored %v), want %v", c.id, c.p, got, ok, c.want)
			}
		}
	})
	xlsx := func(t *testing.T, rows ...[]any) []byte {
		t.Helper()
		x := excelize.NewFile()
		x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
		dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yyyy, how Excel shows a typed date
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			x.SetSheetRow("Sheet1", cell(1, i+2), &r)
			x.SetCellStyle("Sheet1", cell(2, i+2), cell(2, i+2), dateStyle)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	t.Run("XLSX date cells", func(t *testing.T) {
		f := newFixture(t)
		body := xlsx(t, []any{"high_tech_enterprises", day(2021, 12, 31), 28}, []any{"patent_grants_q", day(2021, 6, 30), 5})
		if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "d.xlsx", Body: body, Actor: operator, Source: "upload"}); err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		if got, ok := f.value(t, "high_tech_enterprises", kpi.Period{Year: 2021}); !ok || got != 28 {
			t.Errorf("high_tech_enterprises 2021 = %v (stored %v), want 28", got, ok)
		}
		if got, ok := f.value(t, "patent_grants_q", kpi.Period{Year: 2021, Quarter: 2}); !ok || got != 5 {
			t.Errorf("patent_grants_q 2021-Q2 = %v (stored %v), want 5", got, ok)
		}
	})
	t.Run("XLSX mid-year date for an annual indicator", func(t *testing.T) {
		f := newFixture(t)
		body := xlsx(t, []any{"high_tech_enterprises", day(2021, 6, 30), 28})
		_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "d.xlsx", Body: body, Actor: operator, Source: "upload"})
		var ke *kpi.Error
		if !errors.As(err, &ke) || len(ke.Problems) != 1 {
			t.Fatalf("Ingest error = %v, want one problem", err)
		}
		p := ke.Problems[0]
		const want = "第 2 行 B 列：该指标按年度报送，日期只有年末（12月31日）才代表该年（填写的是“2021-06-30”，应为：2021，或年末日期 2021-12-31）"
		if p.Field != "period" || !strings.Contains(p.Text(), want) {
			t.Errorf("problem %q, want it to contain %q", p.Text(), want)
		}
	})
}
