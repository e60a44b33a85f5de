package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// statusStyles is the stylesheet that colours the status words (.st-*)
// from the server's lights, so a district that lights no_data red
// (serve --report.lights) sees it red on the page as in the circular.
// Its URL carries a hash of the rules: a restart with other lights is not
// hidden by a browser's cached copy.
type statusStyles struct {
	css []byte
	url string
}

func newStatusStyles(ls present.Lights) statusStyles {
	var b strings.Builder
	b.WriteString("/* status words, coloured as the circular and the boards colour them (present.Lights.StatusColor) */\n")
	for _, s := range kpi.Statuses {
		bg := ls.StatusColor(s)
		fmt.Fprintf(&b, ".%s { background: %s; color: %s; }\n", statusClass(s), bg, textOn(bg))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return statusStyles{css: []byte(b.String()), url: "/static/status.css?v=" + hex.EncodeToString(sum[:6])}
}

func (st statusStyles) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(st.css)
	})
}

// textColor is the page's dark text colour; white goes on dark backgrounds.
const textColor = "#1f2328"

// textOn returns the text colour that reads best on the background bg
// ("#rrggbb"): white or textColor, whichever contrasts more (WCAG).
func textOn(bg string) string {
	l := luminance(bg)
	if (1.05)/(l+0.05) >= (l+0.05)/(luminance(textColor)+0.05) {
		return "#fff"
	}
	return textColor
}

// luminance is the WCAG relative luminance of "#rrggbb".
func luminance(hexColor string) float64 {
	var r, g, b int
	if _, err := fmt.Sscanf(hexColor, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return 0
	}
	lin := func(c int) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
