package report_test

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/report"
)

// floatNoise is a stored number with binary noise: 0.129999999999999 for
// 2.87 − 2.74, 5.520000000000003.
var floatNoise = regexp.MustCompile(`<v>-?\d+\.\d*(9{6,}|0{6,})\d*</v>`)

// TestXLSXNumbersWithoutNoise: gaps and figures are stored as people write
// them, not with the noise of the subtraction behind them.
func TestXLSXNumbersWithoutNoise(t *testing.T) {
	c := sampleCircular(t, report.Options{Previous: chinaDay(t, "2020-06-30")})
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, c); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	numbers := 0
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		x, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		numbers += strings.Count(string(x), "<v>")
		if noise := floatNoise.FindAllString(string(x), 5); len(noise) > 0 {
			t.Errorf("%s stores %v", f.Name, noise)
		}
	}
	if numbers < 100 {
		t.Errorf("%d values in the sheets, want the circular's figures", numbers)
	}
}
