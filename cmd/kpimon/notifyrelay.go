package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/notifyrelay"
)

// relayConfig is what notify-relay reads from flags.
type relayConfig struct {
	listen, file string
}

func addRelayCommand(c *cli) {
	cmd := c.command("notify-relay", "relay Alertmanager's notifications and count failures per receiver",
		`Relay Alertmanager's webhook notifications to the units' real receivers and count, per receiver,
the notifications that fail (kpimon_relay_notifications_failed_total{receiver}), so that the
operator's alert KpiReceiverFailing names the unit whose receiver fails; Alertmanager itself counts
failures by integration only. Alertmanager posts a unit's notifications to
http://<relay>/relay/<receiver>; the relay posts them to that receiver's URL in --relay.config.file
and answers with the receiver's status. It forwards only to the URLs of that file. Prometheus scrapes
/metrics. It refuses a file that still holds the shipped placeholders (lines marked PLACEHOLDER)
unless ALLOW_PLACEHOLDER_WEBHOOKS=1.`,
		"kpimon notify-relay --relay.config.file=alertmanager/relay.yml --web.listen-address=0.0.0.0:9465")
	var rc relayConfig
	cmd.Flag("web.listen-address", "Address to listen on.").Default("127.0.0.1:9465").StringVar(&rc.listen)
	c.env(cmd.Flag("relay.config.file", "The relay's file: each receiver's name and real URL."), "KPIMON_RELAY_CONFIG_FILE", "").
		Required().PlaceHolder("FILE").StringVar(&rc.file)
	c.action(cmd, func(ctx context.Context) error {
		return runRelay(ctx, c.e, rc)
	})
}

// runRelay serves the relay until ctx ends.
func runRelay(ctx context.Context, e *env, rc relayConfig) error {
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	raw, err := os.ReadFile(rc.file)
	if err != nil {
		return err
	}
	if strings.Contains(string(raw), "PLACEHOLDER") && e.getenv("ALLOW_PLACEHOLDER_WEBHOOKS") != "1" {
		return fmt.Errorf("%s still has placeholder receivers (lines marked PLACEHOLDER): set each unit's real URL, or ALLOW_PLACEHOLDER_WEBHOOKS=1 for a trial", rc.file)
	}
	conf, err := notifyrelay.ReadConfig(rc.file)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	relay, err := notifyrelay.New(notifyrelay.Options{Config: conf, Registerer: reg, Logger: logger})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/relay/", relay)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{MaxRequestsInFlight: 4}))
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ready") })
	return httpapi.ListenAndServe(ctx, httpapi.ServeOptions{Addr: rc.listen, Handler: mux, Logger: logger,
		OnListen: func(a net.Addr) {
			logger.Info("kpimon notify-relay serving", "listen", a.String(), "receivers", len(conf.Receivers))
		}})
}
