package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// Server timeouts. Headers must come quickly (slowloris). A body is read
// under its own deadline, at a minimum rate (bodyRate in middleware.go), so
// a large upload over a slow office line may take longer than readTimeout
// while a body trickling in is cut off; readTimeout bounds the rest.
const (
	readHeaderTimeout      = 10 * time.Second
	readTimeout            = 2 * time.Minute
	writeTimeout           = 2 * time.Minute
	idleTimeout            = 2 * time.Minute
	defaultShutdownTimeout = 15 * time.Second
)

// ServeOptions says where and how ListenAndServe serves.
type ServeOptions struct {
	Addr string // host:port; port 0 picks a free one
	// WebConfigFile, when set, is an exporter-toolkit web config file that
	// switches on TLS and/or basic auth for every endpoint.
	WebConfigFile string
	Handler       http.Handler
	Logger        *slog.Logger
	// Listener, when set, is served instead of listening on Addr.
	Listener net.Listener
	// OnListen, when set, is called with the bound address before serving.
	OnListen func(net.Addr)
	// ShutdownTimeout bounds the graceful shutdown; 0 means 15 s.
	ShutdownTimeout time.Duration
	// Conns bounds the open connections, in total and per client.
	Conns ConnLimits
}

// ListenAndServe serves o.Handler until ctx is done, then shuts down
// gracefully: in-flight requests finish within the shutdown timeout.
// It returns nil after a clean shutdown.
func ListenAndServe(ctx context.Context, o ServeOptions) error {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.WebConfigFile != "" {
		if err := web.Validate(o.WebConfigFile); err != nil {
			return fmt.Errorf("web config file %s: %w (see https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md)", o.WebConfigFile, err)
		}
	}
	l := o.Listener
	if l == nil {
		var err error
		l, err = net.Listen("tcp", o.Addr)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: %w (is another kpimon running? choose another address with --web.listen-address, alias --listen)", o.Addr, err)
		}
		if err != nil {
			return fmt.Errorf("listen on %s: %w (--web.listen-address wants host:port, e.g. 127.0.0.1:9464 or :9464)", o.Addr, err)
		}
	}
	if o.Conns.Total <= 0 {
		o.Conns.Total = DefaultMaxConns(fileLimit())
	}
	if o.Conns.PerClient <= 0 {
		o.Conns.PerClient = DefaultMaxConnsPerClient
	}
	l = newLimitListener(l, o.Conns, logger)
	defer l.Close()

	srv := &http.Server{
		Handler:           o.Handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	addr := l.Addr().String()
	webConfig := o.WebConfigFile
	flags := &web.FlagConfig{WebListenAddresses: &[]string{addr}, WebConfigFile: &webConfig}
	if o.OnListen != nil {
		o.OnListen(l.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- web.Serve(l, srv, flags, logger) }()

	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve http on %s: %w", addr, err)
	case <-ctx.Done():
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = defaultShutdownTimeout
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("shut down http on %s: %w", addr, err)
	}
	return nil
}
