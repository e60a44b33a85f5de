package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// statusRule matches a status word's rule in the page's stylesheets.
func statusRule(class string) *regexp.Regexp {
	return regexp.MustCompile(`\.` + class + ` \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{3,6}); \}`)
}

// statusColors follows the overview's link to the status words' colours
// and returns each status's background there.
func statusColors(t *testing.T, c *client, p page) map[kpi.Status]string {
	t.Helper()
	m := regexp.MustCompile(`<link rel="stylesheet" href="(/static/status\.css[^"]*)">`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page links no status stylesheet")
	}
	css := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	wantStatus(t, "GET "+m[1], css, 200)
	if ct := css.header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("status stylesheet Content-Type %q", ct)
	}
	colors := map[kpi.Status]string{}
	for _, s := range kpi.Statuses {
		class := "st-" + strings.ReplaceAll(string(s), "_", "-")
		rm := statusRule(class).FindStringSubmatch(css.body)
		if rm == nil {
			t.Errorf("status stylesheet has no .%s { background: …; color: …; } rule:\n%s", class, css.body)
			continue
		}
		colors[s] = rm[1]
	}
	return colors
}

// TestStatusColorsAreTheTable holds the web page's status words to kpimon's
// one colour table (present.Lights.StatusColor), which the circular and the
// boards use: on main the page showed 逾期未达标 dark red, the boards purple
// and the circular red.
func TestStatusColorsAreTheTable(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	colors := statusColors(t, c, c.get("/"))
	lights := present.DefaultLights()
	for s, got := range colors {
		if want := lights.StatusColor(s); got != want {
			t.Errorf("%s background %s, want %s (present's colour of %s)", s, got, want, s)
		}
	}
}

// TestStatusColorsFollowServeLights: with serve --report.lights no_data=red
// the circular lights a missing report red; the page's status words showed
// it grey, as style.css fixed the default table.
func TestStatusColorsFollowServeLights(t *testing.T) {
	lights, err := present.ParseLights("no_data=red")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureOptions{lights: lights})
	c := f.newClient(t)
	for _, path := range []string{"/", "/indicators/" + f.own.Plan + "/" + f.own.ID} {
		p := c.get(path)
		wantStatus(t, "GET "+path, p, 200)
		// Nothing is reported yet: every status word is 未报送.
		if !strings.Contains(p.body, `class="status st-no-data"`) && !strings.Contains(p.body, `class="status status-lg st-no-data"`) {
			t.Fatalf("GET %s shows no 未报送 status word", path)
		}
		colors := statusColors(t, c, p)
		want := lights.StatusColor(kpi.StatusNoData)
		if got := colors[kpi.StatusNoData]; got != want || got == present.DefaultLights().StatusColor(kpi.StatusNoData) {
			t.Errorf("GET %s: 未报送 coloured %s, want %s (red, as the circular lights it)", path, got, want)
		}
		if got, want := colors[kpi.StatusMissed], lights.StatusColor(kpi.StatusMissed); got != want {
			t.Errorf("GET %s: 逾期未达标 coloured %s, want %s", path, got, want)
		}
	}
}

// TestStatusTextReadable: dark backgrounds get white text, light ones the
// page's dark text, as style.css had them by hand for the default lights.
func TestStatusTextReadable(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	p := c.get("/")
	m := regexp.MustCompile(`href="(/static/status\.css[^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no status stylesheet link")
	}
	css := c.get(m[1]).body
	for class, want := range map[string]string{"st-achieved": "#fff", "st-missed": "#fff", "st-on-track": "#1f2328", "st-in-progress": "#1f2328", "st-no-data": "#1f2328", "st-insufficient-data": "#1f2328"} {
		rm := statusRule(class).FindStringSubmatch(css)
		if rm == nil || rm[2] != want {
			t.Errorf(".%s text colour %v, want %s", class, rm, want)
		}
	}
}
