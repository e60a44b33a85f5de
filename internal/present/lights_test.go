package present

import (
	"slices"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestStatusColorLampFirst: the most serious status of a red or yellow
// light, and the best of a green one, is coloured as the circular's lamp;
// the others sharing the light are lighter, and no two statuses look alike.
// On main 逾期未达标 was the palest of three reds (#e8a9a9) on the boards
// and the web page beside the circular's red lamp (#c62828), and 进度滞后
// paler than 推进中.
func TestStatusColorLampFirst(t *testing.T) {
	ls := DefaultLights()
	for s, want := range map[kpi.Status]string{
		kpi.StatusMissed:   Red.Color(),
		kpi.StatusLagging:  Yellow.Color(),
		kpi.StatusAchieved: Green.Color(),
		kpi.StatusNoData:   None.Color(),
	} {
		if got := ls.StatusColor(s); got != want {
			t.Errorf("StatusColor(%s) = %s, want its lamp's %s", s, got, want)
		}
	}
	var seen []string
	for _, s := range kpi.Statuses {
		c := ls.StatusColor(s)
		if slices.Contains(seen, c) {
			t.Errorf("StatusColor(%s) = %s, the colour of another status", s, c)
		}
		seen = append(seen, c)
	}
	if len(prominence) != len(kpi.Statuses) {
		t.Errorf("prominence lists %d statuses, kpi.Statuses %d: every status needs a place", len(prominence), len(kpi.Statuses))
	}
}
