package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// pushgateway is a Debian prometheus-pushgateway process on loopback: what
// a user would run otherwise to get such figures into Prometheus.
type pushgateway struct {
	cmd *exec.Cmd
	url string
}

func startPushgateway(ctx context.Context, path, dir string) (*pushgateway, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "pushgateway.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pushgateway: %w", err)
	}
	pg := &pushgateway{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(pg.url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return pg, nil
			}
		}
		if time.Now().After(deadline) {
			pg.stop()
			return nil, fmt.Errorf("pushgateway at %s not ready after 30s (log: %s)", addr, logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
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

func (pg *pushgateway) delete(ctx context.Context, job string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, pg.url+"/metrics/job/"+job, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (pg *pushgateway) rssMiB() float64 { return procRSSMiB(strconv.Itoa(pg.cmd.Process.Pid)) }

func (pg *pushgateway) stop() {
	pg.cmd.Process.Kill()
	pg.cmd.Wait()
}
