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
		`<h1 id="title">关于培育建设省级创新型区<br>工作进展情况的通报</h1>`,
		`<p class="number">雁峰办〔2021〕1号</p>`, `<p class="to">各责任单位：</p>`,
		"（截至2021年6月30日）", "<h2>二、较上期（2020年6月30日）变化</h2>", "<h2>三、存在问题</h2>", "<h2>四、责任单位排名</h2>",
		"<h2>六、下步工作要求</h2>", `<h3 id="task-6" class="task">（六）任务6 创新环境建设</h3>`,
		"<td>高新技术企业</td>", "需年均增加7家", "需年均下降4.2%", `<span class="light light-yellow"></span>黄灯`,
		"@page { size: A4;", `<div class="scroll"><table class="wide">`,
		// On a phone the 责任单位 and 需年均变化 columns keep room instead
		// of one character a line, and a lamp stays beside its word.
		`<td class="unit">区科工信局</td>`, "table.wide td.unit { min-width: 6.5em; }",
		`<td class="change">需年均增加7家</td>`, "table.wide td.change { min-width: 8em; }",
		`<td class="lamp"><span class="light light-yellow"></span>黄灯</td>`, "table.wide td.lamp { white-space: nowrap; }",
		`<p class="signature">衡阳市雁峰区培育建设省级创新型区工作领导小组办公室</p>`, `<p class="cc">抄送：区委办公室`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(html, `class="task"`); n != 6 {
		t.Errorf("task headings = %d, want 6", n)
	}
	if strings.Contains(html, "返回首页") {
		t.Error("a circular written offline links back to a site")
	}
	// One chart per task (task 6's whole, on a screen) and the tasks' status chart, all inline SVG.
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
