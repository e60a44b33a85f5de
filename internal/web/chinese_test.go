package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// englishWord is a Latin word of three letters or more in a page's text.
var englishWord = regexp.MustCompile(`[A-Za-z]{3,}`)

// pageWords lists the Latin words of a page's text (not its markup, styles
// or scripts) other than the names that are written in Latin letters and
// names, the user's or the path's, the page echoes.
func pageWords(body string, names ...string) []string {
	text := regexp.MustCompile(`(?s)<(style|script|svg)\b.*?</(style|script|svg)>`).ReplaceAllString(body, " ")
	text = html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(text, " "))
	allowed := map[string]bool{"kpimon": true, "GDP": true, "XLSX": true, "CSV": true, "PDF": true, "Excel": true}
	for _, n := range names {
		allowed[n] = true
	}
	var out []string
	for _, w := range englishWord.FindAllString(text, -1) {
		if !allowed[w] {
			out = append(out, w)
		}
	}
	return out
}

// TestSignInAndSubmitInChinese: the sign-in page, the header, the submit
// page and the error page speak Chinese only ("登录 Sign in", "报送数据
// Submit figures", "页面不存在 Not found" interleaved English before).
func TestSignInAndSubmitInChinese(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c := f.newClient(t)
	pages := map[string]page{"/signin": c.get("/signin"), "/nope": c.get("/nope")}
	c.signIn(testSecrets[unitName])
	pages["/ signed in"] = c.get("/")
	pages["/submit"] = c.get("/submit")
	for path, p := range pages {
		if p.status != http.StatusOK && p.status != http.StatusNotFound {
			t.Errorf("GET %s = %d", path, p.status)
		}
		if words := pageWords(p.body, unitName, "nope"); len(words) > 0 {
			t.Errorf("%s shows English %q", path, strings.Join(words, " "))
		}
	}
}
