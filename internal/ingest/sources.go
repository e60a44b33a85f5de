package ingest

// ServerSources are the sources the server itself takes submissions from,
// whatever its configuration: the JSON API, API file uploads and the web
// page.
var ServerSources = []string{"api", "upload", "web"}

// Announce creates the run and row counters and the duration histogram of
// each source at zero, before its first submission. Without the zero, a
// counter's first sample is already 1 and increase() cannot see that first
// run: the 数据报送 board would count one run too few and a first rejected
// submission not at all. The last-success and last-failure gauges stay
// absent until something happens (a 0 would read as 1970).
func (ing *Ingester) Announce(sources ...string) {
	for _, src := range sources {
		for _, r := range []string{"ok", "rejected", "error"} {
			ing.m.runs.WithLabelValues(src, r)
		}
		for _, r := range []string{"added", "revised", "unchanged", "rejected"} {
			ing.m.rows.WithLabelValues(src, r)
		}
		ing.m.duration.WithLabelValues(src)
	}
}
