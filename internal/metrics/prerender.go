package metrics

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// renderCache holds the last complete rendering of the kpi_* families.
// While a Prerender loop runs, scrapes are answered from it without
// waiting: the loop renders the next one in the background after each
// commit that changes figures or the catalog, or as the day changes, and
// swaps it in when it is complete. Without a loop (one-off handlers in
// tests and kpibench) a scrape that finds the rendering stale makes the
// next one itself. Renderings are made one at a time, however many callers
// ask.
type renderCache struct {
	c    *Collector
	cur  atomic.Pointer[rendered]
	lock chan struct{} // holds one token: whoever holds it may render
	// loops counts running Prerender loops; wake asks one to look at the
	// states now (a scrape arrived), without waiting for it.
	loops atomic.Int32
	wake  chan struct{}
	// renders counts the renderings made, for logs and tests; looks counts
	// the refreshes done, rendering or not (a test waits on it to see that
	// a write was looked at and rendered nothing).
	renders atomic.Int64
	looks   atomic.Int64
	// failed holds the error of the loop's last refresh, nil after a good
	// one: scrapes served the previous rendering still count it.
	failed atomic.Pointer[error]
}

func newRenderCache(c *Collector) *renderCache {
	return &renderCache{c: c, lock: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

// forScrape returns the rendering a scrape serves: the last complete one
// while a Prerender loop keeps it current (nudging the loop to check the
// states), else one of the current states, made now if needed. The error
// is the loop's last failure, if its last refresh failed (the rendering is
// then the last good one), or this refresh's.
func (rc *renderCache) forScrape(ctx context.Context) (*rendered, error) {
	if rc.loops.Load() > 0 {
		if r := rc.cur.Load(); r != nil {
			select {
			case rc.wake <- struct{}{}:
			default:
			}
			if err := rc.failed.Load(); err != nil {
				return r, *err
			}
			return r, nil
		}
	}
	return rc.refresh(ctx)
}

// refresh returns the rendering of the current states, evaluating and
// rendering them if the stored rendering is of older states. The states
// are read while holding the lock, so a rendering never replaces a newer
// one.
func (rc *renderCache) refresh(ctx context.Context) (*rendered, error) {
	select {
	case rc.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the exposition being rendered: %w", ctx.Err())
	}
	defer func() { <-rc.lock }()
	defer rc.looks.Add(1)
	states, err := rc.c.states.States(ctx)
	if err != nil {
		return nil, err
	}
	prev := rc.cur.Load()
	if prev.matches(states) {
		return prev, nil
	}
	start := time.Now()
	next, err := rc.c.render(states, prev)
	if err != nil {
		return nil, err
	}
	next.took = time.Since(start)
	rc.cur.Store(next)
	rc.renders.Add(1)
	rc.c.logger.Debug("metrics: exposition rendered", "indicators", len(states), "series", next.series,
		"bytes", next.text.n, "segments", len(next.segments), "reused", next.reused, "skipped", next.skipped,
		"alert_segments", next.alertSegments, "alert_texts_worded", rc.c.worded.Load(), "took", next.took)
	return next, nil
}

// PrerenderOptions configure Collector.Prerender.
type PrerenderOptions struct {
	// Changed returns a channel closed at the next store commit that
	// changes figures or the catalog (boltstore.Store.Changed): a new
	// rendering starts as soon as such a write commits. Nil: only the
	// Interval and scrapes wake the loop.
	Changed func() <-chan struct{}
	// Interval is how often the loop looks at the states anyway, which
	// catches the clock crossing a day. Default 5 s. Looking is cheap:
	// the states are evaluated and rendered only when they changed.
	Interval time.Duration
}

// Prerender keeps NewHandler's exposition current so that scrapes never
// wait: each commit that changes figures or targets, and the clock
// crossing a day, starts a new evaluation and rendering in this goroutine
// while scrapes go on being served the previous rendering; the new one
// replaces it when complete. Audit, token and account writes change no
// states (the store's Generation stays), so they render nothing. Run it in
// its own goroutine; it returns when ctx ends.
func (c *Collector) Prerender(ctx context.Context, opts PrerenderOptions) {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	rc := c.cache
	rc.loops.Add(1)
	defer rc.loops.Add(-1)
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		// Taken before the states are read: a commit landing during the
		// rendering closes it, and the loop goes round again.
		var changed <-chan struct{}
		if opts.Changed != nil {
			changed = opts.Changed()
		}
		_, err := rc.refresh(ctx)
		switch {
		case err == nil:
			rc.failed.Store(nil)
		case ctx.Err() == nil:
			c.logger.Warn("metrics: render the exposition ahead of scrapes", "err", err)
			rc.failed.Store(&err)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-rc.wake:
		case <-t.C:
		}
	}
}

// ErrNotRendered is Ready's answer until the first rendering is made.
var ErrNotRendered error = &kpi.Error{Code: kpi.EUNAVAILABLE,
	Message: "指标数据首次生成中\nthe first rendering of /metrics is being made"}

// Ready reports whether a scrape is answered from a complete rendering
// without waiting: nil once the first rendering is made (by Prerender or
// by a scrape), ErrNotRendered before. A province's first rendering takes
// seconds; /readyz says ready only when /metrics can answer, so a
// Prometheus whose scrape_timeout is shorter does not fail its first
// scrape.
func (c *Collector) Ready() error {
	if c.cache.cur.Load() == nil {
		return ErrNotRendered
	}
	return nil
}
