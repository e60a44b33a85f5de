package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Office is what the issuing office sets once about its circulars
// (GB/T 9704 党政机关公文格式): who issues it, how it is numbered, who it
// goes to, who it is copied to, and the closing paragraph. It is read
// from a small YAML file (ReadOffice); every field may be left out.
type Office struct {
	// Issuer is the 发文机关标志 printed in red at the head, without 文件
	// (衡阳市雁峰区创新型区建设工作领导小组办公室).
	Issuer string `yaml:"issuer"`
	// NumberPattern is the 发文字号 with {year} and {n} (雁创办〔{year}〕{n}号);
	// empty: AgencyCode(Issuer)〔{year}〕{n}号.
	NumberPattern string `yaml:"number"`
	// Serial is the {n} of this circular.
	Serial int `yaml:"serial"`
	// Subject is the title's matter: 关于<Subject>工作进展情况的通报.
	Subject string `yaml:"subject"`
	// To is the 主送机关 (各责任单位).
	To string `yaml:"to"`
	// CC is the 抄送机关, the 版记's first line.
	CC string `yaml:"cc"`
	// Signature is the 落款 (the issuing office's name).
	Signature string `yaml:"signature"`
	// PrintedBy is the 印发机关.
	PrintedBy string `yaml:"printed_by"`
	// Date is the 成文日期 (2021-07-05); empty: the as-of date.
	Date string `yaml:"date"`
	// NextSteps are the 下步工作要求 paragraphs, each item one paragraph.
	NextSteps []string `yaml:"next_steps"`

	date time.Time
}

// maxOfficeFile bounds the office file read into memory.
const maxOfficeFile = 64 << 10

// ReadOffice reads an office file (YAML, the fields of Office); unknown
// fields are an error, so a misspelt key is not silently ignored.
func ReadOffice(file string) (Office, error) {
	f, err := os.Open(file)
	if err != nil {
		return Office{}, fmt.Errorf("office file: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(f, maxOfficeFile+1)); err != nil {
		return Office{}, fmt.Errorf("office file %s: %w", file, err)
	} else if n > maxOfficeFile {
		return Office{}, kpi.Errorf(kpi.EINVALID, "发文设置文件 %s 超过 %d KB", file, maxOfficeFile>>10)
	}
	return ParseOffice(buf.Bytes(), file)
}

// ParseOffice reads an office file's content; name is for messages.
func ParseOffice(b []byte, name string) (Office, error) {
	var o Office
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&o); err != nil && !errors.Is(err, io.EOF) {
		return Office{}, kpi.Errorf(kpi.EINVALID, "发文设置文件 %s 有误：%s", name, kpi.ExcerptN(err.Error(), 200))
	}
	if err := o.check(name); err != nil {
		return Office{}, err
	}
	return o, nil
}

func (o *Office) check(name string) error {
	if o.Date != "" {
		d, err := kpi.ParseDay(o.Date)
		if err != nil {
			return kpi.Errorf(kpi.EINVALID, "发文设置文件 %s：成文日期 date“%s”无效：%s", name, kpi.ExcerptN(o.Date, 40), kpi.DayForm)
		}
		o.date = d
	}
	if o.Serial < 0 {
		return kpi.Errorf(kpi.EINVALID, "发文设置文件 %s：序号 serial 不能为负", name)
	}
	if p := o.NumberPattern; p != "" && !strings.Contains(p, "{n}") {
		return kpi.Errorf(kpi.EINVALID, "发文设置文件 %s：文号 number“%s”须含序号 {n}（如 雁创办〔{year}〕{n}号）", name, kpi.ExcerptN(p, 60))
	}
	return nil
}

// Override sets o's fields from the non-empty fields of over (a run's
// flags over the file).
func (o Office) Override(over Office) Office {
	pick := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	pick(&o.Issuer, over.Issuer)
	pick(&o.NumberPattern, over.NumberPattern)
	pick(&o.Subject, over.Subject)
	pick(&o.To, over.To)
	pick(&o.CC, over.CC)
	pick(&o.Signature, over.Signature)
	pick(&o.PrintedBy, over.PrintedBy)
	if over.Date != "" {
		o.Date, o.date = over.Date, over.date
	}
	if over.Serial != 0 {
		o.Serial = over.Serial
	}
	if len(over.NextSteps) > 0 {
		o.NextSteps = over.NextSteps
	}
	return o
}

// SetDate sets the 成文日期 from 2021-07-05.
func (o *Office) SetDate(s string) error {
	d, err := kpi.ParseDay(s)
	if err != nil {
		return kpi.Errorf(kpi.EINVALID, "成文日期“%s”无效：%s", kpi.ExcerptN(s, 40), kpi.DayForm)
	}
	o.Date, o.date = s, d
	return nil
}

// withDefaults fills the fields left empty from the plan: the subject is
// the plan's title without its region and 责任分工表, the issuer that
// subject's 工作领导小组办公室.
func (o Office) withDefaults(plan kpi.Plan) Office {
	// The title names the region or its tail (衡阳市雁峰区 of 湖南省衡阳市雁峰区).
	region := ""
	for i := range plan.Region {
		if tail := plan.Region[i:]; tail != "" && strings.HasPrefix(plan.Title, tail) {
			region = tail
			break
		}
	}
	subject := strings.TrimSuffix(strings.TrimPrefix(plan.Title, region), "责任分工表")
	if subject == "" {
		subject = plan.Title
	}
	if o.Subject == "" {
		o.Subject = subject
	}
	if o.Issuer == "" {
		o.Issuer = region + subject + "工作领导小组办公室"
	}
	if o.NumberPattern == "" {
		o.NumberPattern = AgencyCode(o.Issuer) + "〔{year}〕{n}号"
	}
	if o.Serial == 0 {
		o.Serial = 1
	}
	if o.To == "" {
		o.To = "各责任单位"
	}
	if o.CC == "" {
		o.CC = "区委办公室，区人大常委会办公室，区政府办公室，区政协办公室"
	}
	if o.Signature == "" {
		o.Signature = o.Issuer
	}
	if o.PrintedBy == "" {
		o.PrintedBy = o.Issuer
	}
	if len(o.NextSteps) == 0 {
		o.NextSteps = DefaultNextSteps
	}
	return o
}

// AgencyCode is the 发文机关代字 a 文号 starts with when the office file
// sets none: the issuer's county-level name without its 区/县/市 (雁峰 of
// 衡阳市雁峰区), then 办 for an office (…办公室) or else the first
// character of the issuing body's name (雁峰科 for 衡阳市雁峰区科技局).
// An office with a registered code sets it (number: 雁创办〔{year}〕{n}号).
func AgencyCode(issuer string) string {
	// The leading place names are short (湖南省, 衡阳市, 雁峰区): take them
	// one by one down to the county level.
	rs := []rune(issuer)
	place, body := "", issuer
	for start := 0; start < len(rs); {
		i := start + 1
		for i < len(rs) && i-start <= 4 && !strings.ContainsRune("省市区县", rs[i]) {
			i++
		}
		if i >= len(rs) || i-start > 4 {
			break
		}
		place, body = string(rs[start:i]), string(rs[i+1:])
		start = i + 1
		if rs[i] == '区' || rs[i] == '县' {
			break
		}
	}
	if place == "" {
		return ""
	}
	switch {
	case strings.HasSuffix(body, "办公室"):
		return place + "办"
	case body != "":
		return place + string([]rune(body)[:1])
	}
	return place
}

// DefaultNextSteps is the 下步工作要求 when the office file gives none.
var DefaultNextSteps = []string{
	"各责任单位要对照目标任务，逐项梳理进度滞后和红灯指标，分析原因，制定措施，明确时限，确保按期完成。",
	"各责任单位要按时报送指标数据，对逾期未报的数据于本通报印发后5个工作日内补报；数据有误的，及时修订。",
	"亮红灯指标的牵头单位要在规定时限内提交情况说明，配合单位要主动对接，形成工作合力。",
}

// DocNumber is the 发文字号 of a circular issued in at's year.
func (o Office) DocNumber(at time.Time) string {
	year := o.dateOr(at).Year()
	n := strings.ReplaceAll(o.NumberPattern, "{year}", strconv.Itoa(year))
	return strings.ReplaceAll(n, "{n}", strconv.Itoa(o.Serial))
}

// dateOr is the 成文日期: the office's date when set, else at's day.
func (o Office) dateOr(at time.Time) time.Time {
	if !o.date.IsZero() {
		return o.date
	}
	return at.In(kpi.China)
}
