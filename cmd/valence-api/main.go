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
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/config"
	"github.com/valence-rsd/valence/internal/pidfile"
	"github.com/valence-rsd/valence/internal/podm"
	"github.com/valence-rsd/valence/internal/secret"
	"github.com/valence-rsd/valence/internal/serve"
	"github.com/valence-rsd/valence/internal/server"
	"github.com/valence-rsd/valence/internal/store"
	"github.com/valence-rsd/valence/internal/ui"
	"github.com/valence-rsd/valence/internal/valence"
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
	pidFile := fs.String("pid-file", "", "write the process id to this file once listening, and remove it at exit ("+pidfile.Default+" is where `valence service` looks by default)")
	demo := fs.Bool("demo", false, "also run an emulated RSD pod manager in-process, registered as pod manager \"demo\"; records go to a temporary directory unless VALENCE_STORE is set")
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
	if *demo {
		if _, set := os.LookupEnv("VALENCE_STORE"); !set {
			dir, err := os.MkdirTemp("", "valence-demo-")
			if err != nil {
				fmt.Fprintf(stderr, "valence-api: %v\n", err)
				return 1
			}
			defer os.RemoveAll(dir)
			cfg.Store = "bolt://" + dir + "/valence.db"
		}
	}
	if err := runAPI(ctx, cfg, *demo, *pidFile, stdout, log); err != nil {
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

// runAPI wires the server from the settings and runs it until ctx ends:
// settings -> store -> pod-manager connector -> core -> HTTP server.
func runAPI(ctx context.Context, cfg config.Config, demo bool, pidFile string, stdout io.Writer, log zerolog.Logger) error {
	var reg *prometheus.Registry
	var coreMetrics valence.Metrics
	var podmMetrics prometheus.Registerer
	if cfg.Metrics {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		coreMetrics, podmMetrics = server.NewCoreMetrics(reg), reg
	}
	st, err := store.Open(ctx, cfg.Store, store.EtcdOptions{
		Prefix: cfg.EtcdPrefix, Username: cfg.EtcdUsername, Password: cfg.EtcdPassword,
		CAFile: cfg.EtcdCAFile, CertFile: cfg.EtcdCertFile, KeyFile: cfg.EtcdKeyFile, LeaseTTL: cfg.EtcdLeaseTTL,
	})
	if err != nil {
		return err
	}
	defer st.Close()
	authn, err := auth.New(ctx, auth.Config{
		Strategy: cfg.AuthStrategy,
		Keystone: auth.KeystoneConfig{
			AuthURL: cfg.KeystoneAuthURL, Username: cfg.KeystoneUsername, Password: cfg.KeystonePassword,
			ProjectName: cfg.KeystoneProjectName, UserDomainName: cfg.KeystoneUserDomainName,
			ProjectDomainName: cfg.KeystoneProjectDomainName, CAFile: cfg.KeystoneCAFile, CacheTTL: cfg.TokenCacheTTL,
		},
		HtpasswdFile: cfg.HtpasswdFile, UsersFile: cfg.UsersFile,
		BasicFailures: auth.FailureLimit{Max: cfg.BasicMaxFailures, Window: cfg.BasicFailureWindow},
	}, log)
	if err != nil {
		return err
	}
	policy, err := auth.LoadPolicy(cfg.PolicyFile)
	if err != nil {
		return err
	}
	var secrets valence.Secrets
	if cfg.SecretKeyFile != "" {
		keys, err := secret.LoadFile(cfg.SecretKeyFile)
		if err != nil {
			return fmt.Errorf("VALENCE_SECRET_KEY_FILE: %w", err)
		}
		secrets = keys
	}
	svc := valence.New(valence.Options{
		Store:             st,
		Connector:         podm.NewConnector(podm.Options{MaxConcurrent: cfg.PodmParallelism, MaxInFlight: cfg.PodmMaxInFlight, MaxResponse: cfg.PodmMaxResponse, MaxMembers: cfg.PodmMaxMembers, IgnoreETags: !cfg.PodmETags, Registerer: podmMetrics, Log: log}),
		Log:               log,
		PodmTimeout:       cfg.PodmTimeout,
		ComposeTimeout:    cfg.ComposeTimeout,
		ProbeInterval:     cfg.ProbeInterval,
		InventoryTTL:      cfg.InventoryTTL,
		InventoryMaxStale: cfg.InventoryMaxStale,
		Metrics:           coreMetrics,
		Secrets:           secrets,
	})
	defer svc.Close()
	// Every stored password must open with the keys given; those stored in
	// plain text or under an old key are sealed with the current one.
	resealed, err := svc.ResealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("pod-manager passwords at rest (VALENCE_SECRET_KEY_FILE): %w", err)
	}
	if resealed > 0 {
		log.Info().Int("pod_managers", resealed).Msg("pod-manager passwords encrypted again with the current key")
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	if pidFile != "" {
		if err := pidfile.Write(pidFile); err != nil {
			ln.Close()
			return err
		}
		defer pidfile.Remove(pidFile)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	apiURL := scheme + "://" + ln.Addr().String()
	if demo {
		stop, err := startDemo(ctx, svc, apiURL, cfg.UI, stdout, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	if cfg.Pprof {
		// The block and mutex profiles are empty unless sampled: one
		// blocking event per 10µs blocked, one contention in 100.
		runtime.SetBlockProfileRate(10_000)
		runtime.SetMutexProfileFraction(100)
	}
	var dashboard func(http.Handler) http.Handler
	if cfg.UI {
		d, err := ui.New(dashboardOptions(cfg, authn, policy))
		if err != nil {
			ln.Close()
			return err
		}
		dashboard = d.Handler
	}
	handler := server.New(server.Options{
		Log: log, Registry: reg, CORSOrigins: cfg.CORSOrigins,
		Ready:   map[string]server.ReadyCheck{"store": svc.Ping},
		Service: svc, Auth: authn, Policy: policy, PublicURL: cfg.PublicURL, Pprof: cfg.Pprof,
		UI: dashboard,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go svc.Run(runCtx)
	log.Info().Str("version", version.Version).Str("url", apiURL).Str("auth", cfg.AuthStrategy).Msg("valence-api serving")
	// Under systemd (Type=notify) the unit is started once the socket
	// listens, not when the process is forked; elsewhere these do nothing.
	notify(log, daemon.SdNotifyReady)
	go func() {
		<-ctx.Done()
		notify(log, daemon.SdNotifyStopping)
		log.Info().Dur("grace", cfg.ShutdownTimeout).Msg("shutting down: no new connections, waiting for requests in flight")
	}()
	if err := serve.Run(ctx, srv, ln, cfg.TLSCert, cfg.TLSKey, cfg.ShutdownTimeout); err != nil {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

// dashboardOptions are the web dashboard's settings: the server's
// authentication, and a Secure cookie when browsers reach the server over
// TLS, its own or a proxy's (an https public URL).
func dashboardOptions(cfg config.Config, authn auth.Authenticator, policy *auth.Policy) ui.Options {
	return ui.Options{
		Strategy: cfg.AuthStrategy, Auth: authn, Policy: policy,
		KeystoneURL: cfg.KeystoneAuthURL, KeystoneCAFile: cfg.KeystoneCAFile,
		PublicURL: cfg.PublicURL, Secure: cfg.TLSCert != "" || strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
		ComposeTimeout: cfg.ComposeTimeout,
	}
}

// notify tells systemd state when it started us with NOTIFY_SOCKET; a
// failure to tell it is logged, since systemd would then time the start out.
func notify(log zerolog.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Warn().Err(err).Str("state", state).Msg("sd_notify failed")
	}
}
