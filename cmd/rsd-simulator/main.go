// Command rsd-simulator serves an emulated Intel RSD 2.x Pod Manager (Redfish) with a
// generated inventory, for demos, functional tests and benchmarks of Valence.
//
//	rsd-simulator --listen 127.0.0.1:8443 --systems 100 --username admin --password admin
//
// The first line of its output is the URL it serves on; it runs until SIGTERM or SIGINT.
// Faults can be changed at run time through /admin/faults (see package rsdsim). With
// --state FILE, composed nodes, volumes and power states survive a restart, as on a real
// Pod Manager.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/serve"
	"github.com/valence-rsd/valence/internal/version"
)

// shutdownGrace is how long requests in flight may run after SIGTERM.
const shutdownGrace = 5 * time.Second

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rsd-simulator:", err)
		os.Exit(2)
	}
}

// run parses the flags, serves until a signal, and returns nil on a clean shutdown.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rsd-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg         rsdsim.Config
		listen      = fs.String("listen", "127.0.0.1:8443", "address to serve on (port 0 picks a free one)")
		useTLS      = fs.Bool("tls", false, "serve HTTPS with a self-signed certificate")
		certOut     = fs.String("tls-cert-out", "", "with --tls, write the certificate (PEM) to this file so clients can trust it")
		state       = fs.String("state", "", "journal file that keeps composed nodes, volumes and power states across restarts: replayed at start, appended to while serving")
		errorRates  = fs.String("error-rate", "", "injected error rates, op=rate[,op=rate] with op one of get, session, allocate, assemble, reset, patch, delete, volume, attach, *")
		showVersion = fs.Bool("version", false, "print the version and exit")
		unresets    = fs.String("unimplemented-resets", "", "reset types advertised but answered 501, comma-separated (e.g. Nmi, as sushy-tools does)")
	)
	fs.StringVar(&cfg.RSDVersion, "rsd-version", "2.3", "RSD API version: 2.1, 2.2 or 2.3; none for plain Redfish without RSD extensions")
	fs.StringVar(&cfg.Model, "model", rsdsim.ModelRSD, "composability model: rsd (Nodes, Allocate, Assemble) or dmtf (CompositionService, resource blocks in zones, composition by POST to Systems)")
	fs.IntVar(&cfg.Racks, "racks", 2, "racks in the pod")
	fs.IntVar(&cfg.DrawersPerRack, "drawers", 4, "drawers per rack")
	fs.IntVar(&cfg.SystemsPerDrawer, "systems-per-drawer", 4, "systems (blades) per drawer")
	fs.IntVar(&cfg.Systems, "systems", 0, "total systems; when > 0 it overrides --racks (racks are added as needed)")
	fs.StringVar(&cfg.ServiceUUID, "service-uuid", "", "UUID of the service root (empty: a random one; two simulators with one UUID are one service at two addresses)")
	fs.Int64Var(&cfg.Seed, "seed", 0, "seed of the deterministic variation of cores, memory, drives and NICs")
	fs.StringVar(&cfg.Username, "username", "", "user name for HTTP Basic and sessions (empty: no authentication)")
	fs.StringVar(&cfg.Password, "password", "", "password for HTTP Basic and sessions")
	fs.DurationVar(&cfg.AssembleDelay, "assemble-delay", 0, "how long a node stays Assembling")
	fs.StringVar(&cfg.Composition, "dmtf-composition", "", "with --model dmtf, the form of composition offered: specific (Links.ResourceBlocks), constrained (requirements) or both (empty: both)")
	fs.DurationVar(&cfg.ComposeDelay, "compose-delay", 0, "with --model dmtf, how long the answer to a composition comes after the system is composed (a client that leaves loses the answer, not the system)")
	fs.BoolVar(&cfg.SharedStorage, "dmtf-shared-storage", false, "with --model dmtf, list each Storage block in its rack's zone and in the next rack's")
	fs.DurationVar(&cfg.ComposeTask, "compose-task", 0, "with --model dmtf, answer a composition 202 with a task monitor and end the task after this long (the composition's answer then comes from the monitor)")
	fs.DurationVar(&cfg.SessionTimeout, "session-timeout", 0, "how long a session may go unused before it is closed (SessionService.SessionTimeout; 0: 24h)")
	fs.DurationVar(&cfg.Faults.Latency, "latency", 0, "fixed latency added to every Redfish request")
	fs.DurationVar(&cfg.Faults.Jitter, "jitter", 0, "random extra latency in [0, jitter)")
	fs.IntVar(&cfg.Faults.ErrorStatus, "error-status", 500, "HTTP status of injected errors")
	fs.BoolVar(&cfg.Faults.FailAssembly, "fail-assembly", false, "make every Assemble end in the Failed state")
	fs.StringVar(&cfg.Faults.Down, "down", "", `start down: "refuse" (connections reset) or "hang" (requests held)`)
	quirkFlags(fs, &cfg.Quirks)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *showVersion {
		fmt.Fprintf(stdout, "rsd-simulator %s (RSD 2.1, 2.2, 2.3, plain Redfish, DMTF composability)\n", version.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Model == rsdsim.ModelDMTF {
		rsdVersionSet := false
		fs.Visit(func(f *flag.Flag) { rsdVersionSet = rsdVersionSet || f.Name == "rsd-version" })
		if rsdVersionSet {
			return fmt.Errorf("--rsd-version applies to --model %s only", rsdsim.ModelRSD)
		}
		cfg.RSDVersion = ""
	}
	rates, err := parseRates(*errorRates)
	if err != nil {
		return err
	}
	cfg.Faults.ErrorRate = rates
	if *unresets != "" {
		cfg.UnimplementedResets = strings.Split(*unresets, ",")
	}
	start := time.Now()
	var journal *os.File
	if *state != "" {
		if journal, err = os.OpenFile(*state, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600); err != nil {
			return err
		}
		defer journal.Close()
		cfg.Journal = journal
	}
	sim, err := rsdsim.New(cfg)
	if err != nil {
		return err
	}
	if journal != nil {
		if err := sim.Replay(journal); err != nil {
			return fmt.Errorf("--state %s: %w", *state, err)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if *useTLS {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		cert, pemBytes, err := rsdsim.SelfSignedCert(host, "localhost", "127.0.0.1", "::1")
		if err != nil {
			return err
		}
		if *certOut != "" {
			if err := os.WriteFile(*certOut, pemBytes, 0o644); err != nil {
				return err
			}
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	// Catch the signals before announcing the URL: whoever reads the URL may signal at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The first line of stdout is the URL: scripts and tests read it to find the port.
	fmt.Fprintf(stdout, "%s://%s\n", scheme, ln.Addr())
	flavour := "RSD " + cfg.RSDVersion
	switch {
	case cfg.Model == rsdsim.ModelDMTF:
		flavour = "DMTF composability"
	case cfg.RSDVersion == rsdsim.VersionNone:
		flavour = "plain Redfish"
	}
	fmt.Fprintf(stderr, "rsd-simulator %s: %s, %d systems, ready in %s\n", version.Version, flavour,
		sim.SystemCount(), time.Since(start).Round(time.Millisecond))
	go func() {
		<-ctx.Done()
		sim.Close() // release requests held by the "hang" fault, so the drain need not wait for them
	}()
	return serve.Run(ctx, srv, ln, "", "", shutdownGrace)
}

// parseRates reads "allocate=0.5,*=0.1"; the simulator validates the names and values.
func parseRates(s string) (map[string]float64, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		op, rate, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("--error-rate: %q is not op=rate", kv)
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil {
			return nil, fmt.Errorf("--error-rate: %q: %w", kv, err)
		}
		out[op] = r
	}
	return out, nil
}
