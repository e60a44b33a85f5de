package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
)

// The supervision routes (督办): explanations of an indicator and the
// review of supervision items. Unit tokens explain and list their own
// indicators' items only; review takes a supervisor or --all token.

// ExplanationsResponse is GET /api/v1/indicators/{plan}/{id}/explanations.
type ExplanationsResponse struct {
	Explanations []kpi.Explanation     `json:"explanations"`
	Items        []kpi.SupervisionItem `json:"items"`
}

// SupervisionResponse is GET /api/v1/supervision.
type SupervisionResponse struct {
	AsOf  string                `json:"as_of"`
	Items []kpi.SupervisionItem `json:"items"`
}

// ReviewRequest is the body of POST /api/v1/supervision/{id}/review.
type ReviewRequest struct {
	Action  string `json:"action"` // review (已审阅) or return (退回)
	Comment string `json:"comment"`
}

// maxSupervisionBody bounds an explanation or review body: a few thousand
// characters of text.
const maxSupervisionBody = 64 << 10

func pathRef(r *http.Request) kpi.Ref {
	return kpi.Ref{Plan: r.PathValue("plan"), ID: r.PathValue("id")}
}

func handleExplanationsPost(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, maxSupervisionBody)
		in, err := decode[kpi.ExplanationInput](r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		e, err := d.Supervision.Explain(r.Context(), pathRef(r), in, actor)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, http.StatusCreated, e)
	})
}

func handleExplanationsGet(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		ref := pathRef(r)
		if _, err := d.Store.Indicator(r.Context(), ref); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		ex, err := d.Supervision.Explanations(r.Context(), ref)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		items, err := d.Supervision.Items(r.Context(), supervision.Filter{Ref: &ref, Units: supervision.ItemUnits(actor)})
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, http.StatusOK, ExplanationsResponse{Explanations: nonNil(ex), Items: nonNil(items)})
	})
}

func handleSupervisionList(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		q := r.URL.Query()
		f := supervision.Filter{Units: supervision.ItemUnits(actor), Open: q.Get("open") == "1" || q.Get("open") == "true"}
		if u := q.Get("unit"); u != "" {
			if f.Units != nil && !slices.Contains(f.Units, u) {
				f.Units = []string{}
			} else {
				f.Units = []string{u}
			}
		}
		items, err := d.Supervision.Items(r.Context(), f)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if st := q.Get("state"); st != "" {
			kept := items[:0]
			for _, it := range items {
				if string(it.State) == st {
					kept = append(kept, it)
				}
			}
			items = kept
		}
		respond(w, r, d.Logger, http.StatusOK, SupervisionResponse{AsOf: d.Supervision.Now().Format("2006-01-02T15:04:05Z07:00"), Items: nonNil(items)})
	})
}

func handleSupervisionReview(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		id, err := strconv.ParseUint(r.PathValue("item"), 10, 64)
		if err != nil {
			writeError(w, r, d.Logger, kpi.Errorf(kpi.ENOTFOUND, "没有这个督办事项\nno supervision item %q", r.PathValue("item")))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxSupervisionBody)
		req, err := decode[ReviewRequest](r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		it, err := d.Supervision.Review(r.Context(), id, req.Action, req.Comment, actor)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, http.StatusOK, it)
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
