package present

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// notChanges are fields that identify a plan or an indicator: a new value
// is another plan or indicator, never a change of one.
// loaded_at is the store's record of when a plan was first loaded, not
// part of its definition.
var notChanges = map[string]bool{"id": true, "plan": true, "loaded_at": true}

// TestChangesCoverEveryField fails when a field of kpi.Plan or
// kpi.Indicator is added without a line in PlanChanges or IndicatorChanges:
// a change to it would drop out of the audit log and `targets diff`.
func TestChangesCoverEveryField(t *testing.T) {
	t.Run("indicator", func(t *testing.T) {
		coverEveryField(t, kpi.Indicator{}, func(o, n any) string {
			return IndicatorChanges(o.(kpi.Indicator), n.(kpi.Indicator))
		})
	})
	t.Run("plan", func(t *testing.T) {
		coverEveryField(t, kpi.Plan{}, func(o, n any) string {
			return PlanChanges(o.(kpi.Plan), n.(kpi.Plan))
		})
	})
}

func coverEveryField(t *testing.T, zero any, changes func(o, n any) string) {
	t.Helper()
	typ := reflect.TypeOf(zero)
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = f.Name
		}
		if notChanges[name] {
			continue
		}
		changed := reflect.New(typ).Elem()
		if !setNonZero(changed.Field(i)) {
			t.Errorf("field %s (%s): the test cannot fill a %s; teach setNonZero", f.Name, name, f.Type)
			continue
		}
		got := changes(zero, changed.Interface())
		if !strings.HasPrefix(got, name+" ") {
			t.Errorf("changing only %s gives detail %q, want it to start with %q: add the field to change.go", f.Name, got, name+" ")
		}
	}
}

// setNonZero gives v a value different from its zero value.
func setNonZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Float64, reflect.Float32:
		v.SetFloat(0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if !setNonZero(s.Index(0)) {
			return false
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if !setNonZero(p.Elem()) {
			return false
		}
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2023, 6, 30, 0, 0, 0, 0, kpi.China)))
			return true
		}
		for i := range v.NumField() {
			if v.Field(i).CanSet() && setNonZero(v.Field(i)) {
				return true
			}
		}
		return false
	default:
		return false
	}
	return true
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		ind  kpi.Indicator
		want string
	}{
		{kpi.Indicator{Name: "万元GDP综合能耗", Kind: kpi.KindAtMost, Target: 0.331, Unit: "吨标准煤/万元", Deadline: 2022}, "万元GDP综合能耗：≤0.331吨标准煤/万元，2022年"},
		{kpi.Indicator{Name: "全区专利申请量", Kind: kpi.KindIncrease, Unit: "件", Deadline: 2022}, "全区专利申请量：逐年增长，2022年"},
		{kpi.Indicator{Name: "平安雁峰建设", Kind: kpi.KindMilestone, Target: 1, Unit: "项", Deadline: 2022}, "平安雁峰建设：完成，2022年"},
	}
	for _, tt := range tests {
		t.Run(tt.ind.Name, func(t *testing.T) {
			if got := Describe(tt.ind); got != tt.want {
				t.Errorf("Describe() = %q, want %q", got, tt.want)
			}
		})
	}
}
