package kpi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// UnmarshalJSON accepts a row whose value (and period) is a JSON number or
// a string, as people and programs write them.
func (r *Row) UnmarshalJSON(b []byte) error {
	var raw struct {
		Plan      string          `json:"plan"`
		Indicator string          `json:"indicator"`
		Name      string          `json:"name"`
		Period    json.RawMessage `json:"period"`
		Value     json.RawMessage `json:"value"`
		Unit      string          `json:"unit"`
		Note      string          `json:"note"`
		Confirm   Confirm         `json:"confirm"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = Row{Plan: raw.Plan, Indicator: raw.Indicator, Unit: raw.Unit, Note: raw.Note, Confirm: raw.Confirm}
	if r.Indicator == "" {
		r.Indicator = raw.Name
	}
	var err error
	if r.Period, err = scalarText(raw.Period); err != nil {
		return err
	}
	r.Value, err = scalarText(raw.Value)
	return err
}

// scalarText returns a JSON string's text or a number's literal; "" for null or absent.
func scalarText(m json.RawMessage) (string, error) {
	m = bytes.TrimSpace(m)
	if len(m) == 0 || string(m) == "null" {
		return "", nil
	}
	if m[0] == '"' {
		var s string
		err := json.Unmarshal(m, &s)
		return s, err
	}
	if _, err := strconv.ParseFloat(string(m), 64); err != nil {
		return "", fmt.Errorf("want a number or a string, got %s", m)
	}
	return string(m), nil
}
