package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
)

const (
	xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// templateFileName is what the browser saves the template as.
	templateFileName = "kpimon-指标实际值报送模板.xlsx"
	// templateFileNameASCII is for clients that do not read RFC 5987.
	templateFileNameASCII = "kpimon-template.xlsx"
)

// handleTemplate serves the XLSX template submitters fill in.
func handleTemplate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Template == nil {
			writeError(w, r, d.Logger, kpi.Errorf(kpi.ENOTFOUND, "模板不可用\nthe template is not available on this server"))
			return
		}
		// Written to memory first, so a failure is still a clean JSON error.
		var buf bytes.Buffer
		if err := d.Template(r.Context(), &buf); err != nil {
			writeError(w, r, d.Logger, fmt.Errorf("write template: %w", err))
			return
		}
		h := w.Header()
		h.Set("Content-Type", xlsxContentType)
		h.Set("Content-Disposition", httpfile.Attachment(templateFileNameASCII, templateFileName))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		if _, err := buf.WriteTo(w); err != nil {
			d.Logger.DebugContext(r.Context(), "write template", "err", err)
		}
	})
}
