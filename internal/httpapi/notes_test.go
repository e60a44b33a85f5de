package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestSameFigureWithNewNote: a figure re-sent with the same value and a new
// note (a bureau's 核定) is stored as the next revision with its note, the
// receipt counts it revised and marks it note_revised; the same value with
// no note changes nothing. The indicator shows both notes, the latest
// revision is the confirmed one, and the evaluation is as before.
func TestSameFigureWithNewNote(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	type detail struct {
		Latest  kpi.Observation `json:"latest"`
		Periods []struct {
			Revisions []kpi.Observation `json:"revisions"`
		} `json:"periods"`
		Evaluation struct {
			Status    kpi.Status `json:"status"`
			Actual    *float64   `json:"actual"`
			PaceRatio *float64   `json:"pace_ratio"`
		} `json:"evaluation"`
	}
	get := func() detail {
		t.Helper()
		resp := f.do(http.MethodGet, "/api/v1/indicators/high_tech_enterprises", "", nil)
		wantStatus(t, resp, http.StatusOK)
		return decodeBody[detail](t, resp)
	}
	post := func(note string, status int, want [3]int) receipt {
		t.Helper()
		body := `[{"indicator":"high_tech_enterprises","period":"2020","value":"16"` + note + `}]`
		resp := f.postJSON("/api/v1/observations", testSecrets["tjj"], body)
		wantStatus(t, resp, status)
		r := decodeBody[receipt](t, resp)
		if got := [3]int{r.Added, r.Revised, r.Unchanged}; got != want || len(r.Outcomes) != 1 {
			t.Fatalf("note %s: receipt added, revised, unchanged = %v (%d outcomes), want %v", note, got, len(r.Outcomes), want)
		}
		return r
	}

	post(`,"note":"初报"`, http.StatusCreated, [3]int{1, 0, 0})
	before := get()
	if before.Evaluation.Actual == nil || *before.Evaluation.Actual != 16 {
		t.Fatalf("evaluation before: actual %v, want 16", before.Evaluation.Actual)
	}
	r := post(`,"note":"统计局核定"`, http.StatusCreated, [3]int{0, 1, 0})
	if o := r.Outcomes[0]; !o.NoteRevised || o.Observation.Revision != 2 || o.Observation.Note != "统计局核定" {
		t.Errorf("outcome %+v: want revision 2 with the new note, note_revised", o)
	}
	post(``, http.StatusOK, [3]int{0, 0, 1})
	post(`,"note":"统计局核定"`, http.StatusOK, [3]int{0, 0, 1})

	after := get()
	var notes []string
	for _, p := range after.Periods {
		for _, o := range p.Revisions {
			notes = append(notes, o.Note)
		}
	}
	if diff := cmp.Diff([]string{"初报", "统计局核定"}, notes); diff != "" {
		t.Errorf("notes of the revisions (-want +got):\n%s", diff)
	}
	if after.Latest.Revision != 2 || after.Latest.Note != "统计局核定" || after.Latest.Value != 16 {
		t.Errorf("latest = %+v, want revision 2, 16, 统计局核定", after.Latest)
	}
	if diff := cmp.Diff(before.Evaluation, after.Evaluation); diff != "" {
		t.Errorf("a note-only revision changed the evaluation (-before +after):\n%s", diff)
	}
}
