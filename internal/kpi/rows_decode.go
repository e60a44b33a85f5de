package kpi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrTooManyRows is EachRow's refusal of more rows than allowed.
var ErrTooManyRows = errors.New("too many rows")

// DefaultMaxRows bounds one submission when no other limit is given.
const DefaultMaxRows = 2_000_000

// EachRow reads JSON rows — an array [{indicator, period, value}, …] or
// an object {"rows": [...]} — one element at a time, so a body of a
// million empty objects is refused (ErrTooManyRows) at maxRows + 1 instead of
// decoded whole first.
func EachRow(r io.Reader, maxRows int, each func(Row)) error {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read JSON: %w", err)
	}
	inObject := false
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		if err := findRows(dec); err != nil {
			return err
		}
		inObject = true
	default:
		return fmt.Errorf("want an array of rows or an object with \"rows\", found %s", tokenKind(tok))
	}
	n := 0
	for dec.More() {
		if n == maxRows {
			return fmt.Errorf("more than %d rows: %w", maxRows, ErrTooManyRows)
		}
		var row Row
		if err := dec.Decode(&row); err != nil {
			return fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
		each(row)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return fmt.Errorf("read JSON: %w", err)
	}
	if inObject { // the object's other fields, and its closing }
		if err := skipFields(dec); err != nil {
			return err
		}
	}
	// Nothing may follow: "[…] junk" is not JSON, and a body cut short
	// after the rows ("{"rows":[…],") is not a whole submission.
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("read JSON: %w", err)
		}
		return fmt.Errorf("read JSON: %s after the end of the rows", tokenKind(tok))
	}
	return nil
}

// skipFields reads the rest of an object after its "rows" array, up to and
// including the closing brace.
func skipFields(dec *json.Decoder) error {
	for dec.More() {
		if _, err := dec.Token(); err != nil { // the key
			return fmt.Errorf("read JSON: %w", err)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("read JSON: %w", err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return fmt.Errorf("read JSON: %w", err)
	}
	return nil
}

// findRows advances dec to the array of the object's "rows" field,
// skipping other fields.
func findRows(dec *json.Decoder) error {
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fmt.Errorf("read JSON: %w", err)
		}
		if key == "rows" {
			tok, err := dec.Token()
			if err != nil {
				return fmt.Errorf("read JSON: %w", err)
			}
			if tok != json.Delim('[') {
				return fmt.Errorf(`"rows" must be an array, found %s`, tokenKind(tok))
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("read JSON: %w", err)
		}
	}
	return fmt.Errorf(`the object has no "rows" array`)
}

// tokenKind names a JSON token without quoting it: a submitter's string
// may be megabytes long.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return string(t)
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	return "null"
}

// Confirm is a row's confirmation that an implausible-looking figure is
// right: true in JSON, or a word people write in a 确认 column (是, 确认,
// 已核实, yes, true, 1).
type Confirm bool

// ParseConfirm reads a confirmation as typed in a cell.
func ParseConfirm(s string) Confirm {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "确认", "已确认", "核实", "已核实", "属实", "y", "yes", "true", "1", "✓", "√":
		return true
	}
	return false
}

// UnmarshalJSON accepts true/false, a number (1/0) or a string ParseConfirm reads.
func (c *Confirm) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*c = Confirm(t)
	case float64:
		*c = t == 1
	case string:
		*c = ParseConfirm(t)
	case nil:
		*c = false
	default:
		return fmt.Errorf("confirm: want true or false")
	}
	return nil
}
