package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// pageNames are the templates in templates/, each combined with layout.html.
var pageNames = []string{"overview", "indicator", "submit", "signin", "password", "error", "supervision"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"join": func(s []string) string { return strings.Join(s, "、") },
		// phrases splits a target's words before its bracket, so each
		// part stays whole on a line: 较基期压缩10%以上 | （≤13.5工作日）.
		"phrases": func(s string) []string {
			if i := strings.Index(s, "（"); i > 0 {
				return []string{s[:i], s[i:]}
			}
			return []string{s}
		},
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// base is what the layout needs on every page.
type base struct {
	Title  string
	Nav    string // overview, submit, signin: the highlighted link
	Viewer *viewerView
	CSRF   string // the session's CSRF token, for the sign-out button
	// StatusCSS is the URL of the status words' colours (lights.go).
	StatusCSS string
	// StyleCSS is the stylesheet's URL, versioned by its content.
	StyleCSS string
}

// viewerView is the signed-in unit as the layout shows it.
type viewerView struct {
	Name  string
	Units []string
	All   bool
	// User is set for a person signed in with a password (not a token):
	// the page offers to change it.
	User bool
	// Waiting counts the supervision items waiting for the viewer: a
	// unit's to answer, the office's to review.
	Waiting int
}

func (s *server) base(v *viewer, title, nav string) base {
	b := base{Title: title, Nav: nav, StatusCSS: s.styles.url, StyleCSS: s.styleURL}
	if v != nil {
		b.Viewer = &viewerView{Name: v.token.Name, Units: v.token.Units, All: v.token.All, User: v.user != nil, Waiting: v.waiting}
		b.CSRF = v.session.csrf
	}
	return b
}

type errorPage struct {
	base
	Heading string
	Message string
	// SignIn is where the 登录 link leads: back to the page of the form
	// when a signed-out form was refused.
	SignIn string
	// Typed is what was typed into a form refused for want of a session,
	// shown to be copied (never a password, a token or the CSRF field).
	Typed []typedField
}

// typedField is one field of a refused form, as typed.
type typedField struct {
	Label, Value string
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	v := viewerFrom(r.Context())
	s.render(w, r, status, "error", errorPage{base: s.base(v, heading, ""), Heading: heading, Message: message, SignIn: "/signin"})
}

func (s *server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "页面不存在",
			"没有这个页面："+r.URL.Path+"。请从指标一览重新进入。")
	})
}

// statusClass is the CSS class that colours a status.
func statusClass(st kpi.Status) string {
	return "st-" + strings.ReplaceAll(string(st), "_", "-")
}

// formatBytes prints a size limit in MB.
func formatBytes(n int64) string {
	return present.Plain(float64(n)/(1<<20)) + " MB"
}

func indicatorURL(ref kpi.Ref) string {
	return "/indicators/" + url.PathEscape(ref.Plan) + "/" + url.PathEscape(ref.ID)
}

// submitURL opens the entry form with the indicator chosen.
func submitURL(ref kpi.Ref) string {
	return "/submit?indicator=" + url.QueryEscape(ref.Plan+"/"+ref.ID) + "#entry"
}
