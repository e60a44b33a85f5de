package present

import (
	"fmt"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// The one colour table of kpimon: every status has a light (绿灯/黄灯/红灯/
// 未评价, changed by --report.lights) and a colour derived from it
// (StatusColor). The circular, the web page's charts and status words
// (internal/web/lights.go, from serve's lights) and the Grafana
// boards (DefaultLights, as generated) all colour a status from here, so
// 逾期未达标 is one colour everywhere.

// Light is the lamp a circular shows beside an indicator (红灯/黄灯/绿灯).
type Light string

const (
	Green  Light = "green"
	Yellow Light = "yellow"
	Red    Light = "red"
	// None: not judged (nothing or too little reported); shown grey.
	None Light = "none"
)

// LightOrder is the order lights are counted and listed in.
var LightOrder = []Light{Green, Yellow, Red, None}

// Word is the light's name in a circular.
func (l Light) Word() string {
	switch l {
	case Green:
		return "绿灯"
	case Yellow:
		return "黄灯"
	case Red:
		return "红灯"
	}
	return "未评价"
}

// Color is the light's colour on charts and in the circular.
func (l Light) Color() string {
	switch l {
	case Green:
		return "#2e7d32"
	case Yellow:
		return "#f9a825"
	case Red:
		return "#c62828"
	}
	return "#9e9e9e"
}

// Lights maps each status to its light. The default (DefaultLights):
//
//	绿灯 green:  achieved 已达标, on_track 正常推进
//	黄灯 yellow: lagging 进度滞后, in_progress 推进中
//	红灯 red:    off_track 严重滞后, deteriorating 不进反退, missed 逾期未达标
//	未评价 none: insufficient_data 数据不足, no_data 未报送
//
// A district that lights a missing report red says so with ParseLights
// ("no_data=red"), from `kpimon report --lights` or `serve --report.lights`.
type Lights map[kpi.Status]Light

// DefaultLights returns the default mapping (see Lights).
func DefaultLights() Lights {
	return Lights{
		kpi.StatusAchieved:         Green,
		kpi.StatusOnTrack:          Green,
		kpi.StatusLagging:          Yellow,
		kpi.StatusInProgress:       Yellow,
		kpi.StatusOffTrack:         Red,
		kpi.StatusDeteriorating:    Red,
		kpi.StatusMissed:           Red,
		kpi.StatusInsufficientData: None,
		kpi.StatusNoData:           None,
	}
}

// Of returns the status's light; None for a status the map lacks.
func (ls Lights) Of(s kpi.Status) Light {
	if l, ok := ls[s]; ok {
		return l
	}
	return None
}

// ParseLights returns DefaultLights changed by spec, a comma-separated list
// of status=light pairs: "no_data=red,in_progress=green". Lights may be
// named green/yellow/red/none or 绿/黄/红/无.
func ParseLights(spec string) (Lights, error) {
	ls := DefaultLights()
	for _, pair := range strings.Split(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		status, light, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("lights %q: want status=light, e.g. no_data=red", pair)
		}
		st := kpi.Status(strings.TrimSpace(status))
		if _, known := ls[st]; !known {
			return nil, fmt.Errorf("lights %q: unknown status %q (one of %s)", pair, st, statusList())
		}
		l, err := parseLight(strings.TrimSpace(light))
		if err != nil {
			return nil, fmt.Errorf("lights %q: %w", pair, err)
		}
		ls[st] = l
	}
	return ls, nil
}

func parseLight(s string) (Light, error) {
	switch s {
	case "green", "绿", "绿灯":
		return Green, nil
	case "yellow", "黄", "黄灯":
		return Yellow, nil
	case "red", "红", "红灯":
		return Red, nil
	case "none", "无", "grey", "gray":
		return None, nil
	}
	return "", fmt.Errorf("unknown light %q (green, yellow, red or none)", s)
}

func statusList() string {
	var names []string
	for _, s := range kpi.Statuses {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// StatusColor is the colour of a status ("#rrggbb") on a chart, a board
// or the web page: its light's colour, lighter for the second and third
// status sharing that light (in prominence order), so a stacked bar tells
// 已达标 from 正常推进 and both are green.
func (ls Lights) StatusColor(s kpi.Status) string {
	light := ls.Of(s)
	shade := 0
	for _, other := range prominence {
		if other == s {
			break
		}
		if ls.Of(other) == light {
			shade++
		}
	}
	return lighten(light.Color(), []float64{0, 0.4, 0.6, 0.75}[min(shade, 3)])
}

// lighten mixes the colour "#rrggbb" with white by share.
func lighten(hex string, share float64) string {
	var r, g, b int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return hex
	}
	mix := func(c int) int { return c + int(float64(255-c)*share+0.5) }
	return fmt.Sprintf("#%02x%02x%02x", mix(r), mix(g), mix(b))
}

// prominence orders the statuses that share a light: the first has the
// light's own colour, the lamp the circular prints. A red or yellow light's
// colour goes to its most serious status (逾期未达标 is as red as its lamp,
// not the palest of three reds), a green light's to the best (已达标).
var prominence = []kpi.Status{
	kpi.StatusAchieved, kpi.StatusOnTrack,
	kpi.StatusMissed, kpi.StatusDeteriorating, kpi.StatusOffTrack,
	kpi.StatusLagging, kpi.StatusInProgress,
	kpi.StatusNoData, kpi.StatusInsufficientData,
}
