package web_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// TestStatusColorsAreTheTable holds the web page's status words to kpimon's
// one colour table (present.Lights.StatusColor with the default lights),
// which the circular and the boards use: on main the page showed
// 逾期未达标 dark red, the boards purple and the circular red.
func TestStatusColorsAreTheTable(t *testing.T) {
	css, err := os.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	lights := present.DefaultLights()
	for _, s := range kpi.Statuses {
		class := "st-" + strings.ReplaceAll(string(s), "_", "-")
		m := regexp.MustCompile(`\.` + class + ` \{ background: (#[0-9a-f]{6});`).FindSubmatch(css)
		if m == nil {
			t.Errorf("style.css has no .%s { background: #rrggbb; } rule", class)
			continue
		}
		if got, want := string(m[1]), lights.StatusColor(s); got != want {
			t.Errorf(".%s background %s, want %s (present's colour of %s)", class, got, want, s)
		}
	}
}
