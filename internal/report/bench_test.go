package report_test

import (
	"io"
	"testing"

	"github.com/yanfeng/kpimon/internal/report"
)

// The sample circular written as PDF and as .docx (its charts drawn as
// PNG pictures).
func BenchmarkWriteCircular(b *testing.B) {
	c := sampleCircular(b, report.Options{})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if err := report.WritePDF(io.Discard, c, report.PDFOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("docx", func(b *testing.B) {
		for b.Loop() {
			if err := report.WriteDOCX(io.Discard, c, report.DOCXOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
