// Package pull brings figures in on a schedule: files dropped into an inbox
// folder, and files fetched from a URL. Each source runs as a cron job
// (robfig/cron/v3) and hands what it finds to a kpi.Ingester.
package pull

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without zoneinfo

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Source types.
const (
	TypeDir  = "dir"
	TypeHTTP = "http"
)

// DefaultTimeZone is the zone schedules are read in unless a source says otherwise.
const DefaultTimeZone = "Asia/Shanghai"

// Source is one place figures are pulled from.
type Source struct {
	Name     string            `yaml:"name"`
	Type     string            `yaml:"type"`     // dir | http
	Location string            `yaml:"location"` // folder path, or http(s) URL
	Format   string            `yaml:"format"`   // csv | xlsx | json; empty: from the file name or content
	Schedule string            `yaml:"schedule"` // standard cron spec or @every 5m
	TimeZone string            `yaml:"time_zone"`
	Timeout  time.Duration     `yaml:"timeout"` // http only; default 30s
	Headers  map[string]string `yaml:"headers"` // http only; values may be ${ENV_VAR}
	Units    []string          `yaml:"units"`   // units the source may submit for; empty means all
	// Settle is how long a file in a dir must stay unmodified before it is
	// read, so a half-written file is never ingested. Default 5s.
	Settle time.Duration `yaml:"settle"`
}

// Config is a sources file.
type Config struct {
	Sources []Source `yaml:"sources"`
}

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// LoadConfig reads and checks a sources file: every schedule is parsed with
// cron.ParseStandard and every time zone loaded, so a mistake shows at
// start, not at the first run.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read sources file: %w", err)
	}
	var cfg Config
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return Config{}, &kpi.Error{Code: kpi.EINVALID, Message: fmt.Sprintf("sources file %s: %v", path, err)}
	}
	var problems []kpi.Problem
	seen := map[string]bool{}
	for i := range cfg.Sources {
		cfg.Sources[i] = cfg.Sources[i].withDefaults()
		s := cfg.Sources[i]
		for _, p := range s.check() {
			p.File = path
			problems = append(problems, p)
		}
		if seen[s.Name] {
			problems = append(problems, kpi.Problem{File: path, Field: fmt.Sprintf("sources[%d].name", i), Value: s.Name, Message: "duplicate source name; names must be unique"})
		}
		seen[s.Name] = true
	}
	if len(problems) > 0 {
		return Config{}, &kpi.Error{Code: kpi.EINVALID, Message: fmt.Sprintf("sources file %s has %d problem(s); fix them and restart", path, len(problems)), Problems: problems}
	}
	return cfg, nil
}

// InboxSource returns a dir source named "inbox" watching dir.
func InboxSource(dir, schedule string) (Source, error) {
	s := Source{Name: "inbox", Type: TypeDir, Location: dir, Schedule: schedule}.withDefaults()
	if ps := s.check(); len(ps) > 0 {
		return Source{}, &kpi.Error{Code: kpi.EINVALID, Message: "inbox: " + ps[0].String(), Problems: ps}
	}
	return s, nil
}

// withDefaults returns the source with its defaults filled in: the time
// zone, the http timeout, the settle time.
func (s Source) withDefaults() Source {
	if s.TimeZone == "" {
		s.TimeZone = DefaultTimeZone
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	if s.Settle <= 0 {
		s.Settle = 5 * time.Second
	}
	return s
}

// check returns what is wrong with the source (with its defaults filled).
func (s Source) check() []kpi.Problem {
	var ps []kpi.Problem
	field := func(f, value, expected, msg string) {
		ps = append(ps, kpi.Problem{Field: "source " + s.Name + ": " + f, Value: value, Expected: expected, Message: msg})
	}
	if !sourceName.MatchString(s.Name) {
		field("name", s.Name, "lower-case letters, digits, - and _", "invalid source name")
	}
	switch s.Type {
	case TypeDir:
		if s.Location == "" {
			field("location", s.Location, "a folder path", "missing folder")
		}
	case TypeHTTP:
		u, err := url.Parse(s.Location)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			field("location", s.Location, "an http(s) URL", "invalid URL")
		}
	default:
		field("type", s.Type, "dir or http", "unknown source type")
	}
	switch s.Format {
	case "", "csv", "xlsx", "json":
	default:
		field("format", s.Format, "csv, xlsx or json (or empty to detect)", "unknown format")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		field("time_zone", s.TimeZone, "an IANA zone like Asia/Shanghai", "unknown time zone")
	}
	if s.Schedule == "" {
		field("schedule", s.Schedule, `a cron spec like "0 8 * * *" or "@every 10m"`, "missing schedule")
	} else if _, err := cron.ParseStandard(s.Schedule); err != nil {
		field("schedule", s.Schedule, `a cron spec like "0 8 * * *" or "@every 10m"`, "invalid schedule: "+err.Error())
	}
	return ps
}

// unsetVariables lists the ${VAR}s of the source's headers that getenv
// has no value for: the header would go out empty (Authorization: Bearer)
// and every pull fail with 401, found only when the first scheduled run
// fails, perhaps the next morning.
func (s Source) unsetVariables(getenv func(string) string) []kpi.Problem {
	var ps []kpi.Problem
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		os.Expand(s.Headers[k], func(name string) string {
			if getenv(name) == "" {
				ps = append(ps, kpi.Problem{Field: "headers", Value: k,
					Message: fmt.Sprintf("请求头 %s 引用的环境变量 %s 未设置\nheader %s uses ${%s}, which is not set in kpimon's environment: set it, or remove the header", k, name, k, name)})
			}
			return ""
		})
	}
	return ps
}

// actor is who a source's submissions are recorded as.
func (s Source) actor() kpi.Actor {
	return kpi.Actor{Name: "pull:" + s.Name, Units: s.Units, All: len(s.Units) == 0, Remote: s.Location}
}

// Label is the ingest source label of the source's submissions: "inbox"
// or "pull:<name>".
func (s Source) Label() string { return s.sourceLabel() }

// sourceLabel is the ingest source label of the source's submissions.
func (s Source) sourceLabel() string {
	if s.Type == TypeDir && s.Name == "inbox" {
		return "inbox"
	}
	return "pull:" + s.Name
}
