package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// pushgateway is a Debian prometheus-pushgateway process on loopback: what
// a user would run otherwise to get such figures into Prometheus. It keeps
// nothing on disk (--persistence.file=""), so no earlier run's series are
// loaded.
type pushgateway struct {
	*child
	url string
}

func startPushgateway(ctx context.Context, path, dir string, ports *ports) (*pushgateway, error) {
	addr, err := ports.addr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "pushgateway.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, "--web.listen-address="+addr, "--persistence.file=")
	cmd.Stdout, cmd.Stderr = logf, logf
	c, err := startChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("start pushgateway: %w", err)
	}
	pg := &pushgateway{child: c, url: "http://" + addr}
	if err := c.waitReady(ctx, pg.url+"/-/ready", 30*time.Second); err != nil {
		pg.stop()
		return nil, fmt.Errorf("pushgateway (log %s): %w", logf.Name(), err)
	}
	return pg, nil
}

// push replaces the job's group with the exposition text and returns how
// long Pushgateway took to accept it.
func (pg *pushgateway) push(ctx context.Context, job string, text io.Reader) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, pg.url+"/metrics/job/"+job, text)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; version=0.0.4")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return 0, fmt.Errorf("push to pushgateway: %s: %.300s", resp.Status, body)
	}
	return time.Since(start), nil
}

func (pg *pushgateway) stop() { pg.child.stop(0) }
