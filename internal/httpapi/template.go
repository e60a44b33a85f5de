package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

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
		h.Set("Content-Disposition", contentDisposition(templateFileNameASCII, templateFileName))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		if _, err := buf.WriteTo(w); err != nil {
			d.Logger.DebugContext(r.Context(), "write template", "err", err)
		}
	})
}

// contentDisposition names an attachment with an ASCII fallback and the
// UTF-8 name in RFC 5987 form, which every current browser reads.
func contentDisposition(ascii, utf8Name string) string {
	return fmt.Sprintf(`attachment; filename=%q; filename*=UTF-8''%s`, ascii, rfc5987Escape(utf8Name))
}

// rfc5987Escape percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
