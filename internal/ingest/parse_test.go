package ingest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestXLSXRowsHint(t *testing.T) {
	tests := []struct {
		name      string
		dimension string // "" leaves excelize's default
		maxRows   int
		want      func(size int) int
	}{
		{"no dimension written", "", 1000, func(int) int { return 0 }},
		{"dimension within the file size", "A1:C3", 1000, func(int) int { return 3 }},
		{"huge claim bounded by file size", "A1:C1048576", 2_000_000, func(size int) int { return size / 8 }},
		{"bounded by max rows", "A1:C1048576", 2, func(int) int { return 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := excelize.NewFile()
			x.SetSheetRow("Sheet1", "A1", &[]any{"indicator", "period", "value"})
			if tt.dimension != "" {
				if err := x.SetSheetDimension("Sheet1", tt.dimension); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := x.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, want := xlsxRowsHint(f, "Sheet1", buf.Len(), tt.maxRows), tt.want(buf.Len())
			if got != want {
				t.Errorf("xlsxRowsHint(%q) = %d, want %d", tt.dimension, got, want)
			}
		})
	}
}
