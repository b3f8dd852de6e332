// Package cli is the `valence` command: every operation of the v1 API from
// a terminal, over api/client, in the manner of the OpenStack CLI (OS_*
// settings, -f table|json|yaml|value, -c COLUMN), and `valence service` to
// stop the valence-api of this host.
package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/api/client"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // an API error, or the command could not do its work
	ExitUsage = 2 // bad arguments or flags
)

// Env is what the command sees of its process: arguments aside, its
// standard streams and environment, and what it knows of the terminal.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv in main).
	Getenv func(string) string
	// Terminal reports whether w is a terminal, and its width (0 when
	// unknown).
	Terminal func(w io.Writer) (bool, int)
	// Version is this build's version.
	Version string
	// Systemctl is the systemctl program, "" when there is none; tests
	// name a fake.
	Systemctl string
	// PidFile is where `valence service` looks without --pid-file; ""
	// is pidfile.Default. Tests name one of their own, so that they never
	// signal a server of the host.
	PidFile string
}

// app is one run of the command: its environment, flags and client.
type app struct {
	env  Env
	conn connFlags
	out  outputFlags
	cl   *client.Client
}

// connFlags say how to reach and authenticate with valence-api.
type connFlags struct {
	url               string
	authType          string
	cloud             string
	authURL           string
	username          string
	password          string
	projectName       string
	userDomainName    string
	projectDomainName string
	token             string
	cacert            string
	insecure          bool
	serviceType       string
	interfaceType     string
	region            string
	timeout           time.Duration
}

// usageError is a mistake in the command line: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// runError is an error of a command that ran: exit 1.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// Run runs the command line args (without the program name) and returns
// the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var re *runError
	var ue *usageError
	if errors.As(err, &re) && !errors.As(err, &ue) {
		a.printError(err)
		return ExitError
	}
	fmt.Fprintf(env.Stderr, "Error: %v\nRun 'valence --help' for usage.\n", err)
	return ExitUsage
}

// printError writes err to stderr; an API error also gets its
// extended_info and request id.
func (a *app) printError(err error) {
	fmt.Fprintf(a.env.Stderr, "Error: %v\n", err)
	var ae *client.Error
	if errors.As(err, &ae) {
		for _, info := range ae.ExtendedInfo {
			fmt.Fprintf(a.env.Stderr, "  %s\n", info)
		}
		if ae.RequestID != "" {
			fmt.Fprintf(a.env.Stderr, "Request ID: %s\n", ae.RequestID)
		}
	}
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "valence",
		Short: "Manage Rack Scale Design hardware through valence-api",
		Long: `valence calls the Valence API: pod managers, flavors, composed nodes, systems,
racks and storage volumes; and stops the valence-api of this host.

Where the API is: --valence-api-url, VALENCE_URL, or the Keystone catalog
(service type rsd); default ` + client.DefaultURL + `.
How to authenticate: OS_AUTH_TYPE (none, http_basic, token, password), else
OS_CLOUD with clouds.yaml, OS_AUTH_URL with OS_USERNAME and OS_PASSWORD,
OS_TOKEN, or OS_USERNAME and OS_PASSWORD alone for http_basic.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	a.registerConnFlags(root)
	a.registerOutputFlags(root)
	root.AddCommand(
		a.podManagerCommand(), a.flavorCommand(), a.nodeCommand(), a.systemCommand(),
		a.rackCommand(), a.storageCommand(), a.apiCommand(), a.versionCommand(), a.serviceCommand(),
	)
	root.SetIn(a.env.Stdin)
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	// Added now rather than at Execute, so that wrapRun sees it too; after
	// SetOut, which it reads.
	root.InitDefaultCompletionCmd()
	wrapRun(root)
	return root
}

// wrapRun marks every error a command's RunE returns as a run error (exit
// 1) unless it is a usage error.
func wrapRun(c *cobra.Command) {
	if c.RunE == nil && c.Run == nil && c.HasSubCommands() {
		// A group (`valence node`) run alone or with an unknown subcommand.
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return usageErrorf("%q needs a subcommand; see %s --help", cmd.CommandPath(), cmd.CommandPath())
		}
	} else if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				var ue *usageError
				if errors.As(err, &ue) {
					return err
				}
				return &runError{err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapRun(sub)
	}
}

// getenv reads a setting of the environment, def when unset or empty.
func (a *app) getenv(name, def string) string {
	if v := a.env.Getenv(name); v != "" {
		return v
	}
	return def
}

// registerConnFlags defines the flags of where and how to connect, with
// their OS_* and VALENCE_URL defaults.
func (a *app) registerConnFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	c := &a.conn
	f.StringVar(&c.url, "valence-api-url", a.getenv("VALENCE_URL", ""), "URL of valence-api (env VALENCE_URL; default the Keystone catalog's, else "+client.DefaultURL+")")
	f.StringVar(&c.authType, "os-auth-type", a.getenv("OS_AUTH_TYPE", ""), "none, http_basic, token or password (env OS_AUTH_TYPE)")
	f.StringVar(&c.authType, "valence-auth-type", a.getenv("OS_AUTH_TYPE", ""), "python-valenceclient's name of --os-auth-type")
	_ = f.MarkHidden("valence-auth-type")
	f.StringVar(&c.cloud, "os-cloud", a.getenv("OS_CLOUD", ""), "cloud of clouds.yaml (env OS_CLOUD)")
	f.StringVar(&c.authURL, "os-auth-url", a.getenv("OS_AUTH_URL", ""), "Keystone URL (env OS_AUTH_URL)")
	f.StringVar(&c.username, "os-username", a.getenv("OS_USERNAME", ""), "user name (env OS_USERNAME)")
	// Secrets have no default from the environment, which --help would
	// print; client() reads OS_PASSWORD and OS_TOKEN when they are unset.
	f.StringVar(&c.password, "os-password", "", "password (env OS_PASSWORD)")
	f.StringVar(&c.projectName, "os-project-name", a.getenv("OS_PROJECT_NAME", ""), "project (env OS_PROJECT_NAME)")
	f.StringVar(&c.userDomainName, "os-user-domain-name", a.getenv("OS_USER_DOMAIN_NAME", "Default"), "user's domain (env OS_USER_DOMAIN_NAME)")
	f.StringVar(&c.projectDomainName, "os-project-domain-name", a.getenv("OS_PROJECT_DOMAIN_NAME", "Default"), "project's domain (env OS_PROJECT_DOMAIN_NAME)")
	f.StringVar(&c.token, "os-token", "", "a Keystone token (env OS_TOKEN)")
	f.StringVar(&c.cacert, "os-cacert", a.getenv("OS_CACERT", ""), "PEM file of CAs to verify HTTPS with (env OS_CACERT)")
	insecure, _ := strconv.ParseBool(a.getenv("OS_INSECURE", "false"))
	f.BoolVar(&c.insecure, "insecure", insecure, "do not verify HTTPS certificates (env OS_INSECURE)")
	f.StringVar(&c.serviceType, "os-service-type", a.getenv("OS_SERVICE_TYPE", client.ServiceType), "catalog service type of Valence")
	f.StringVar(&c.interfaceType, "os-interface", a.getenv("OS_INTERFACE", "public"), "catalog interface (env OS_INTERFACE)")
	f.StringVar(&c.region, "os-region-name", a.getenv("OS_REGION_NAME", ""), "catalog region (env OS_REGION_NAME)")
	f.DurationVar(&c.timeout, "timeout", 0, "give up on a command after this long (0: no limit)")
}

// registerOutputFlags defines -f, -c and --noindent, and checks -f before
// any command runs.
func (a *app) registerOutputFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVarP(&a.out.format, "format", "f", "table", "output format: "+strings.Join(formats, ", "))
	f.StringSliceVarP(&a.out.columns, "column", "c", nil, "show this column (repeat for more)")
	f.BoolVar(&a.out.noindent, "noindent", false, "JSON on one line")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		for _, f := range formats {
			if a.out.format == f {
				return nil
			}
		}
		return usageErrorf("-f %q: want one of %s", a.out.format, strings.Join(formats, ", "))
	}
}

// printer writes to stdout in the chosen format, fitting tables to the
// terminal.
func (a *app) printer() printer {
	_, width := a.env.Terminal(a.env.Stdout)
	if cols, err := strconv.Atoi(a.env.Getenv("COLUMNS")); err == nil && cols > 0 {
		width = cols
	}
	return printer{w: a.env.Stdout, opts: a.out, width: width}
}

// context bounds a command by --timeout.
func (a *app) context(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	if a.conn.timeout > 0 {
		return context.WithTimeout(cmd.Context(), a.conn.timeout)
	}
	return context.WithCancel(cmd.Context())
}

// client builds the API client from the settings, once.
func (a *app) client(ctx context.Context) (*client.Client, error) {
	if a.cl != nil {
		return a.cl, nil
	}
	if a.conn.password == "" {
		a.conn.password = a.env.Getenv("OS_PASSWORD")
	}
	if a.conn.token == "" {
		a.conn.token = a.env.Getenv("OS_TOKEN")
	}
	hc, err := a.httpClient()
	if err != nil {
		return nil, err
	}
	auth, endpoint, err := a.authenticate(ctx, hc)
	if err != nil {
		return nil, err
	}
	base := a.conn.url
	if base == "" {
		base = endpoint
	}
	if base == "" {
		base = client.DefaultURL
	}
	a.cl, err = client.New(base, client.WithHTTPClient(hc), client.WithAuth(auth),
		client.WithUserAgent("valence/"+a.env.Version),
		client.WithWarnings(func(w string) { fmt.Fprintf(a.env.Stderr, "Warning: %s\n", w) }))
	return a.cl, err
}

// httpClient is an http.Client that honours --os-cacert and --insecure.
func (a *app) httpClient() (*http.Client, error) {
	if a.conn.cacert == "" && !a.conn.insecure {
		return &http.Client{}, nil
	}
	cfg, err := tlsConfig(a.conn.cacert, a.conn.insecure)
	if err != nil {
		return nil, err
	}
	return client.TLSClient(cfg), nil
}

// authenticate chooses the credentials: the auth type when named, else
// the first of clouds.yaml, Keystone with a password, a token, basic.
// endpoint is the catalog's Valence URL when Keystone was used.
func (a *app) authenticate(ctx context.Context, hc *http.Client) (auth client.Auth, endpoint string, err error) {
	c := a.conn
	kind := c.authType
	if kind == "" {
		switch {
		case c.cloud != "":
			kind = "cloud"
		case c.authURL != "":
			kind = "password"
		case c.token != "":
			kind = "token"
		case c.username != "" || c.password != "":
			kind = "http_basic"
		default:
			kind = "none"
		}
	}
	switch kind {
	case "none", "noauth":
		return client.NoAuth{}, "", nil
	case "http_basic", "basic":
		if c.username == "" {
			return nil, "", usageErrorf("http_basic needs OS_USERNAME (--os-username) and OS_PASSWORD (--os-password)")
		}
		return client.Basic{Username: c.username, Password: c.password}, "", nil
	case "token", "v3token":
		if c.token == "" {
			return nil, "", usageErrorf("auth type token needs OS_TOKEN (--os-token)")
		}
		if c.authURL == "" {
			return client.Token(c.token), "", nil
		}
		return a.keystone(ctx, hc)
	case "cloud":
		ks, eo, err := client.NewKeystoneFromCloud(ctx, c.cloud)
		if err != nil {
			return nil, "", err
		}
		if c.url != "" {
			return ks, "", nil
		}
		eo.Type = c.serviceType
		ep, err := ks.Endpoint(eo)
		return ks, ep, err
	case "password", "v3password":
		if c.authURL == "" {
			return nil, "", usageErrorf("auth type password needs OS_AUTH_URL (--os-auth-url)")
		}
		return a.keystone(ctx, hc)
	default:
		return nil, "", usageErrorf("auth type %q: want none, http_basic, token or password", kind)
	}
}

// keystone authenticates with OS_AUTH_URL and a password or token, and
// looks up the endpoint unless --valence-api-url names it.
func (a *app) keystone(ctx context.Context, hc *http.Client) (client.Auth, string, error) {
	c := a.conn
	ks, err := client.NewKeystone(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: c.authURL, Username: c.username, Password: c.password, TokenID: c.token,
		DomainName: c.userDomainName,
		Scope:      &gophercloud.AuthScope{ProjectName: c.projectName, DomainName: c.projectDomainName},
	}, hc)
	if err != nil {
		return nil, "", err
	}
	if c.url != "" {
		return ks, "", nil
	}
	ep, err := ks.Endpoint(gophercloud.EndpointOpts{Type: c.serviceType, Region: c.region,
		Availability: gophercloud.Availability(c.interfaceType)})
	return ks, ep, err
}

// tlsConfig verifies servers with the CAs of caFile (the system's when ""),
// or not at all when insecure.
func tlsConfig(caFile string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: insecure} //nolint:gosec // the user asked for --insecure
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--os-cacert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--os-cacert %s: no PEM certificate in it", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
