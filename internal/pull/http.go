package pull

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// maxPullBytes bounds what one http pull may download.
const maxPullBytes = 256 << 20

// httpState is what an http source remembers between runs and restarts.
type httpState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256,omitempty"` // of the last body ingested
}

// runHTTP fetches the URL with a conditional request and ingests the body
// unless it is unchanged (304, or the same bytes as last time).
func (j *job) runHTTP(ctx context.Context) (RunReport, error) {
	var rep RunReport
	src := j.src
	st := j.loadState()
	ctx, cancel := context.WithTimeout(ctx, src.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.Location, nil)
	if err != nil {
		return rep, fmt.Errorf("source %s: %w", src.Name, err)
	}
	for k, v := range src.Headers {
		req.Header.Set(k, os.Expand(v, j.s.opts.Getenv))
	}
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := j.s.opts.Client.Do(req)
	if err != nil {
		return rep, fmt.Errorf("source %s: fetch %s: %w", src.Name, src.Location, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		rep.Skipped = append(rep.Skipped, src.Location)
		return rep, nil
	}
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("source %s: fetch %s: HTTP %s", src.Name, src.Location, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPullBytes+1))
	if err != nil {
		return rep, fmt.Errorf("source %s: read %s: %w", src.Name, src.Location, err)
	}
	if len(body) > maxPullBytes {
		return rep, fmt.Errorf("source %s: %s is larger than %d MiB", src.Name, src.Location, maxPullBytes>>20)
	}
	sum := sha256.Sum256(body)
	next := httpState{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), SHA256: hex.EncodeToString(sum[:])}
	if next.SHA256 == st.SHA256 {
		rep.Skipped = append(rep.Skipped, src.Location)
		return rep, j.saveState(next)
	}
	name := path.Base(req.URL.Path)
	if name == "" || name == "/" || name == "." {
		name = src.Name
	}
	ct := contentType(src.Format)
	if ct == "" {
		ct = resp.Header.Get("Content-Type")
	}
	_, err = j.s.opts.Ingester.Ingest(ctx, kpi.Upload{
		Name: name, ContentType: ct, Body: body, Actor: src.actor(), Source: src.sourceLabel(),
	})
	switch kpi.ErrorCode(err) {
	case "":
		rep.Ingested = append(rep.Ingested, src.Location)
		return rep, j.saveState(next)
	case kpi.EINVALID, kpi.EFORBIDDEN:
		// The same bad file is not retried until it changes; the refusal
		// is audited and counted by the ingester.
		rep.Rejected = append(rep.Rejected, src.Location)
		j.s.opts.Logger.Warn("pulled file rejected", "source", src.Name, "url", src.Location, "err", err)
		return rep, j.saveState(next)
	}
	return rep, fmt.Errorf("source %s: ingest %s: %w", src.Name, src.Location, err)
}

func (j *job) statePath() string {
	if j.s.opts.StateDir == "" {
		return ""
	}
	return filepath.Join(j.s.opts.StateDir, j.src.Name+".json")
}

func (j *job) loadState() httpState {
	var st httpState
	p := j.statePath()
	if p == "" {
		return j.memState
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return st
	}
	if err != nil || json.Unmarshal(b, &st) != nil {
		j.s.opts.Logger.Warn("pull state unreadable; fetching afresh", "source", j.src.Name, "path", p)
		return httpState{}
	}
	return st
}

func (j *job) saveState(st httpState) error {
	p := j.statePath()
	if p == "" {
		j.memState = st
		return nil
	}
	b, _ := json.Marshal(st)
	return writeFileAtomic(p, b)
}
