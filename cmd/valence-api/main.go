// Command valence-api serves Valence's v1 REST API. Its settings come from
// VALENCE_* environment variables (see configs/valence-api.env).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/config"
	"github.com/valence-rsd/valence/internal/server"
	"github.com/valence-rsd/valence/internal/version"
)

// Server timeouts that keep a slow or idle client from holding a connection.
// There is no write timeout: a compose may rightly take minutes, and each
// handler's work is bounded by its own deadline instead.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 120 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("valence-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	listen := fs.String("listen", "", "address to listen on (overrides VALENCE_LISTEN)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: valence-api [flags]\n\nServes the Valence v1 REST API. Settings are VALENCE_* environment variables;\nconfigs/valence-api.env lists them all.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "valence-api %s\n", version.Version)
		return 0
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "valence-api: bad settings: %v\n", err)
		return 2
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(cfg, stderr)
	if err := serve(ctx, cfg, log); err != nil {
		log.Error().Err(err).Msg("valence-api stopped on an error")
		return 1
	}
	return 0
}

// newLogger builds the process logger from the settings (validated already).
func newLogger(cfg config.Config, w io.Writer) zerolog.Logger {
	if cfg.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	level, _ := zerolog.ParseLevel(cfg.LogLevel)
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// serve wires the server from the settings and runs it until ctx ends.
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger) error {
	var reg *prometheus.Registry
	if cfg.Metrics {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	handler := server.New(server.Options{Log: log, Registry: reg, CORSOrigins: cfg.CORSOrigins})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info().Str("version", version.Version).Str("url", scheme+"://"+ln.Addr().String()).Msg("valence-api serving")
	return runServer(ctx, srv, ln, cfg.TLSCert, cfg.TLSKey, cfg.ShutdownTimeout, log)
}

// runServer serves on ln until ctx ends, then stops accepting and gives
// in-flight requests up to grace to finish.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, certFile, keyFile string, grace time.Duration, log zerolog.Logger) error {
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info().Dur("grace", grace).Msg("shutting down: no new connections, waiting for requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("requests still running after %s: %w", grace, err)
	}
	log.Info().Msg("stopped")
	return nil
}
