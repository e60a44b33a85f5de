// Package province tests kpimon's province set-up end to end (see
// docs/province.md): one kpimon and one Prometheus per district, each
// Prometheus adding the district's region and level as external labels and
// remote-writing into one VictoriaMetrics, and the province board of
// internal/boards reading it. Its benchmark measures VictoriaMetrics and
// Prometheus holding a province's series. It has tests only.
package province
