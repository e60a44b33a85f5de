package present

import (
	"math"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestGap(t *testing.T) {
	share := kpi.Indicator{Kind: kpi.KindAtLeast, Target: 29.4, Unit: "%"}
	tests := []struct {
		name string
		ind  kpi.Indicator
		gap  *float64
		want string
	}{
		{"percentage points", share, num(29.4 - 22.0), "7.4个百分点"},
		{"a count", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, num(14), "14家"},
		{"a ratio", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.331, Unit: "吨标准煤/万元"}, num(0.361 - 0.331), "0.030吨标准煤/万元"},
		{"a percent milestone", kpi.Indicator{Kind: kpi.KindMilestone, Target: 100, Unit: "%"}, num(40), "40%"},
		{"none", share, nil, Missing},
		{"not a number", share, num(math.NaN()), Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Gap(tt.ind, tt.gap); got != tt.want {
				t.Errorf("Gap(%v) = %q, want %q", tt.gap, got, tt.want)
			}
		})
	}
}
