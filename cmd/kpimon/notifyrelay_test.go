package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNotifyRelayRefusesPlaceholders starts 'kpimon notify-relay' with
// the shipped relay.yml: refused while it has the placeholder URLs, which
// reach nobody; with ALLOW_PLACEHOLDER_WEBHOOKS=1 (a trial) it serves
// /-/ready and each receiver's counters at 0 on /metrics.
func TestNotifyRelayRefusesPlaceholders(t *testing.T) {
	const file = "../../alertmanager/relay.yml"
	err := run(context.Background(), []string{"kpimon", "notify-relay", "--relay.config.file", file, "--web.listen-address", "127.0.0.1:0"},
		func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PLACEHOLDER") {
		t.Fatalf("notify-relay with the shipped placeholders: %v, want a refusal naming PLACEHOLDER", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"kpimon", "notify-relay", "--relay.config.file", file, "--web.listen-address", addr},
			func(k string) string {
				if k == "ALLOW_PLACEHOLDER_WEBHOOKS" {
					return "1"
				}
				return ""
			}, strings.NewReader(""), io.Discard, &logs)
	}()
	var body string
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		select {
		case err := <-done:
			t.Fatalf("notify-relay exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("notify-relay did not answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, `kpimon_relay_notifications_failed_total{receiver="区科工信局"} 0`) {
		t.Errorf("/metrics lacks 区科工信局's failure counter at 0:\n%s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("notify-relay after its context ended: %v", err)
	}
}
