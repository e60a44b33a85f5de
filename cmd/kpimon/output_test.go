package main

import (
	"strings"
	"testing"
)

// Every -o json prints the same way: "R&D" as written (status escaped it to
// R\u0026D while targets list did not), and an empty list as [].
func TestJSONOutputOneWay(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{
		{"status", "--data", data, "-o", "json"},
		{"targets", "list", "-o", "json"},
	} {
		out, errs, err := runKpimon(t, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errs)
		}
		if !strings.Contains(out, "全社会R&D经费支出占地区GDP比重") || strings.Contains(out, `\u0026`) {
			t.Errorf("%v: want R&D unescaped, got %.300q…", args, out)
		}
		if !strings.HasPrefix(out, "[\n  {\n    \"") {
			t.Errorf("%v: want an indented array, got %.40q", args, out)
		}
	}
	for _, cmd := range []string{"token", "user"} {
		out, errs, err := runKpimon(t, nil, cmd, "list", "--data", t.TempDir(), "-o", "json")
		if err != nil {
			t.Fatalf("%s list: %v\n%s", cmd, err, errs)
		}
		if out != "[]\n" {
			t.Errorf("%s list -o json without a store = %q, want []", cmd, out)
		}
	}
}
