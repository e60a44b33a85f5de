package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// The letterhead and the closing are one outline (Circular.Letterhead,
// Circular.Closing) that the PDF, the .docx and the HTML page all print,
// in its order: 版头, title, 主送 … 落款, 成文日期, 抄送, 印发机关, 印发日期.
func TestLetterheadAndClosingInEveryForm(t *testing.T) {
	pdftotext := testkit.LookPath(t, "poppler-utils", "pdftotext")
	needFont(t)
	office, err := report.ParseOffice([]byte(`
issuer: 衡阳市雁峰区科技创新工作领导小组办公室
number: 雁科创办〔{year}〕{n}号
serial: 7
date: 2021-07-09
to: 各镇街道
cc: 区委督查室
signature: 雁峰区科创办
printed_by: 雁峰区科创办秘书科
`), "office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCircular(t, report.Options{Office: office})
	h, cl := c.Letterhead(), c.Closing()
	want := append(append([]string{h.Issuer, h.Number}, h.Title...), h.To, cl.Signature, cl.Date, cl.CC, cl.PrintedBy, cl.Printed)
	if got := strings.Join(want, "|"); got != "衡阳市雁峰区科技创新工作领导小组办公室|雁科创办〔2021〕7号|关于培育建设省级创新型区|工作进展情况的通报|各镇街道：|雁峰区科创办|2021年7月9日|抄送：区委督查室。|雁峰区科创办秘书科|2021年7月9日印发" {
		t.Errorf("letterhead and closing = %s", got)
	}

	var html bytes.Buffer
	if err := report.WriteHTML(&html, c); err != nil {
		t.Fatal(err)
	}
	inOrder(t, "HTML", regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html.String(), ""), want)

	var pdf bytes.Buffer
	if err := report.WritePDF(&pdf, c, report.PDFOptions{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(file, pdf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command(pdftotext, "-raw", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	inOrder(t, "PDF", string(raw), want)

	var docx bytes.Buffer
	if err := report.WriteDOCX(&docx, c, report.DOCXOptions{}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(docx.Bytes()), int64(docx.Len()))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var text strings.Builder
	dec := xml.NewDecoder(f)
	inT := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inT = e.Name.Local == "t"
		case xml.EndElement:
			inT = false
		case xml.CharData:
			if inT {
				text.Write(e)
			}
		}
	}
	inOrder(t, ".docx", text.String(), want)
}

// inOrder fails unless text holds each of parts, in order, with white
// space and line breaks ignored.
func inOrder(t *testing.T, form, text string, parts []string) {
	t.Helper()
	text = strings.Join(strings.Fields(text), "")
	at := 0
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), "")
		i := strings.Index(text[at:], p)
		if i < 0 {
			t.Errorf("%s: %q missing after position %d (or out of order)", form, p, at)
			continue
		}
		at += i + len(p)
	}
}
