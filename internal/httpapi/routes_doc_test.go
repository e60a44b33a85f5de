package httpapi

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The package comment lists the API's routes; every route routes.go
// registers with a method must be in it, so the list cannot fall behind.
func TestPackageCommentListsEveryRoute(t *testing.T) {
	routes, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	server, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(server[:strings.Index(string(server), "package httpapi")])
	docLines := map[string][]string{} // method → the comment's lines for it
	for _, line := range strings.Split(doc, "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//"))
		if len(f) > 1 && (f[0] == "GET" || f[0] == "POST") {
			docLines[f[0]] = append(docLines[f[0]], line)
		}
	}
	registered := regexp.MustCompile(`mux\.Handle\("(GET|POST) ([^"]+)"`).FindAllStringSubmatch(string(routes), -1)
	if len(registered) < 10 {
		t.Fatalf("found %d routes in routes.go; the pattern no longer matches it", len(registered))
	}
	for _, m := range registered {
		method, path := m[1], m[2]
		listed := false
		for _, line := range docLines[method] {
			// "/healthz, /-/healthy": several paths share a line.
			for _, f := range strings.Fields(strings.ReplaceAll(line, ",", " ")) {
				listed = listed || f == path
			}
		}
		if !listed {
			t.Errorf("%s %s is registered in routes.go but not listed in the package comment of server.go", method, path)
		}
	}
}
