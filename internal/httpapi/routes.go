package httpapi

import "net/http"

// addRoutes is the one place that lists every route of the server.
func addRoutes(mux *http.ServeMux, d Deps) {
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /-/healthy", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(d.Ready, d.Logger))
	mux.Handle("GET /-/ready", handleReadyz(d.Ready, d.Logger))
	mux.Handle("GET /metrics", orNotFound(d.Metrics))

	auth := requireToken(d.Access, d.Logger)
	mux.Handle("POST /api/v1/observations", auth(handleObservationsPost(d)))
	mux.Handle("POST /api/v1/uploads", auth(handleUploadsPost(d)))
	mux.Handle("GET /api/v1/indicators", handleIndicatorsList(d))
	mux.Handle("GET /api/v1/indicators/{id}", handleIndicatorGet(d))
	mux.Handle("GET /api/v1/audit", auth(requireAll(d, "the audit log")(handleAuditList(d))))
	mux.Handle("GET /api/v1/template.xlsx", handleTemplate(d))
	mux.Handle("GET /api/v1/backup", auth(requireAll(d, "backup")(handleBackup(d))))

	if d.Supervision != nil {
		mux.Handle("POST /api/v1/indicators/{plan}/{id}/explanations", auth(handleExplanationsPost(d)))
		mux.Handle("GET /api/v1/indicators/{plan}/{id}/explanations", auth(handleExplanationsGet(d)))
		mux.Handle("GET /api/v1/supervision", auth(handleSupervisionList(d)))
		mux.Handle("POST /api/v1/supervision/{item}/review", auth(handleSupervisionReview(d)))
		mux.Handle("/api/v1/indicators/{plan}/{id}/explanations", handleMethodNotAllowed(d.Logger, http.MethodGet, http.MethodPost))
		mux.Handle("/api/v1/supervision", handleMethodNotAllowed(d.Logger, http.MethodGet))
		mux.Handle("/api/v1/supervision/{item}/review", handleMethodNotAllowed(d.Logger, http.MethodPost))
	}

	// A known API path with the wrong method gets a JSON 405, any other
	// API path a JSON 404, rather than the web page.
	mux.Handle("/api/v1/observations", handleMethodNotAllowed(d.Logger, http.MethodPost))
	mux.Handle("/api/v1/uploads", handleMethodNotAllowed(d.Logger, http.MethodPost))
	mux.Handle("/api/v1/indicators", handleMethodNotAllowed(d.Logger, http.MethodGet))
	mux.Handle("/api/v1/indicators/{id}", handleMethodNotAllowed(d.Logger, http.MethodGet))
	mux.Handle("/api/v1/audit", handleMethodNotAllowed(d.Logger, http.MethodGet))
	mux.Handle("/api/v1/template.xlsx", handleMethodNotAllowed(d.Logger, http.MethodGet))
	mux.Handle("/api/v1/backup", handleMethodNotAllowed(d.Logger, http.MethodGet))
	mux.Handle("/api/", handleAPINotFound(d.Logger))

	mux.Handle("/", orNotFound(d.UI))
}
