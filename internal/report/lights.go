package report

import "github.com/yanfeng/kpimon/internal/present"

// The lights and their colours live in internal/present (present.Lights),
// one table for the circular, the web page and the boards; these names
// keep the report package's API.

// Light is the lamp a circular shows beside an indicator (红灯/黄灯/绿灯).
type Light = present.Light

// The lights.
const (
	Green  = present.Green
	Yellow = present.Yellow
	Red    = present.Red
	None   = present.None
)

// LightOrder is the order lights are counted and listed in.
var LightOrder = present.LightOrder

// Lights maps each status to its light (present.Lights).
type Lights = present.Lights

// DefaultLights returns the default mapping (present.DefaultLights).
func DefaultLights() Lights { return present.DefaultLights() }

// ParseLights returns DefaultLights changed by spec (present.ParseLights).
func ParseLights(spec string) (Lights, error) { return present.ParseLights(spec) }
