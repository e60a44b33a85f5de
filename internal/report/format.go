package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Format is a file format the circular is written in.
type Format string

const (
	FormatHTML Format = "html"
	FormatXLSX Format = "xlsx"
	FormatPDF  Format = "pdf"
	FormatDOCX Format = "docx"
)

// ParseFormat reads a format name (html, xlsx, pdf); EINVALID otherwise.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimPrefix(s, "."))); f {
	case FormatHTML, FormatXLSX, FormatPDF, FormatDOCX:
		return f, nil
	case "htm":
		return FormatHTML, nil
	}
	return "", kpi.Errorf(kpi.EINVALID, "不支持的格式“%s”，可用 html、xlsx、pdf 或 docx", kpi.ExcerptN(s, 20))
}

// FormatOf is the format a file name asks for by its extension.
func FormatOf(name string) (Format, error) { return ParseFormat(filepath.Ext(name)) }

// ContentType is the format's media type.
func (f Format) ContentType() string {
	switch f {
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatPDF:
		return "application/pdf"
	case FormatDOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	return "text/html; charset=utf-8"
}

// FileName is the circular's file name in the format: 进展情况通报-2021-06-30.pdf,
// with the unit when it is one unit's.
func (f Format) FileName(c Circular) string {
	name := "进展情况通报-" + c.AsOf.In(kpi.China).Format("2006-01-02")
	if c.Unit != "" {
		name += "-" + c.Unit
	}
	return name + "." + string(f)
}

// Write writes the circular in format f.
func Write(w io.Writer, c Circular, f Format, pdf PDFOptions) error {
	switch f {
	case FormatHTML:
		return WriteHTML(w, c)
	case FormatXLSX:
		return WriteXLSX(w, c)
	case FormatPDF:
		return WritePDF(w, c, pdf)
	case FormatDOCX:
		return WriteDOCX(w, c, DOCXOptions(pdf))
	}
	return fmt.Errorf("report: unknown format %q", f)
}
