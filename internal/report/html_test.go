package report_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/report"
)

func TestWriteHTML(t *testing.T) {
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	var b bytes.Buffer
	if err := report.WriteHTML(&b, c); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<h1 id="title">衡阳市雁峰区培育建设省级创新型区责任分工表指标进展情况通报</h1>`,
		"（截至2021年6月30日）", "二、较上期（2020年6月30日）变化", "三、需重点关注的指标", "四、责任单位排名",
		"<td>高新技术企业</td>", "需年均增加7家", "需年均下降4.2%", `<span class="light light-yellow"></span>黄灯`,
		"@page { size: A4;", ".task { break-before: page; }",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(html, `<section class="task"`); n != 6 {
		t.Errorf("task sections = %d, want 6", n)
	}
	// One chart per task and the status chart, all inline SVG.
	if n := strings.Count(html, "<svg "); n != 7 {
		t.Errorf("charts = %d, want 7", n)
	}
	if strings.Contains(html, "<script") || strings.Contains(html, " style=") {
		t.Error("HTML carries script or an inline style attribute")
	}
	// The one stylesheet hashes to StyleSource, so a strict CSP lets it in.
	css := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(html)
	if css == nil {
		t.Fatal("no <style>")
	}
	sum := sha256.Sum256([]byte(css[1]))
	if got, want := report.StyleSource(), "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'"; got != want {
		t.Errorf("StyleSource() = %s, want %s (the hash of the page's <style>)", got, want)
	}
}
