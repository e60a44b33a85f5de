package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestOverviewStatusChart: the overview draws status counts per task as
// inline SVG; nothing reported yet, task 1's thirteen indicators are 未报送.
func TestOverviewStatusChart(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	p := c.get("/")
	wantStatus(t, "/", p, http.StatusOK)
	wantText(t, "/", p, `<section class="chart" id="status-chart"><svg`, ">任务1 推动企业技术创新</text>", ">未报送</text>", ">13</text>")
	p = c.get("/?status=achieved")
	wantStatus(t, "/?status=achieved", p, http.StatusOK)
	if strings.Contains(p.body, `id="status-chart"`) {
		t.Errorf("/?status=achieved matches nothing but draws a chart")
	}
}
