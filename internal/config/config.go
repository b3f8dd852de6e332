// Package config reads the settings of valence-api from the environment.
//
// Every setting is an environment variable with the prefix VALENCE_, has a
// default, and is listed with its meaning in configs/valence-api.env; a test
// keeps that file and this struct in step.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Prefix is the prefix of every environment variable read here.
const Prefix = "VALENCE"

// Config holds every setting of valence-api. The `desc` tag is the one-line
// meaning shown in configs/valence-api.env and in --help-env.
type Config struct {
	Listen                    string        `envconfig:"LISTEN" default:"127.0.0.1:8181" desc:"address (host:port) the API listens on"`
	LogLevel                  string        `envconfig:"LOG_LEVEL" default:"info" desc:"least severe log level written: debug, info, warn or error"`
	LogFormat                 string        `envconfig:"LOG_FORMAT" default:"json" desc:"log line format: json, or console for a terminal"`
	AuthStrategy              string        `envconfig:"AUTH_STRATEGY" default:"noauth" desc:"how callers authenticate: noauth, keystone or http_basic"`
	Store                     string        `envconfig:"STORE" default:"bolt:///var/lib/valence/valence.db" desc:"where records are kept: bolt:///path/file.db, or etcd://host:port[,host:port...] (etcds:// for TLS)"`
	EtcdPrefix                string        `envconfig:"ETCD_PREFIX" default:"/valence" desc:"key prefix of the records in etcd"`
	EtcdUsername              string        `envconfig:"ETCD_USERNAME" default:"" desc:"etcd user name, when etcd has authentication on"`
	EtcdPassword              string        `envconfig:"ETCD_PASSWORD" default:"" desc:"etcd password of ETCD_USERNAME"`
	EtcdCAFile                string        `envconfig:"ETCD_CA_FILE" default:"" desc:"PEM CA bundle that signs the etcd servers' certificates (enables TLS)"`
	EtcdCertFile              string        `envconfig:"ETCD_CERT_FILE" default:"" desc:"PEM client certificate for etcd"`
	EtcdKeyFile               string        `envconfig:"ETCD_KEY_FILE" default:"" desc:"PEM key of ETCD_CERT_FILE"`
	EtcdLeaseTTL              time.Duration `envconfig:"ETCD_LEASE_TTL" default:"10s" desc:"how long a replica counts as alive after it last reached etcd: its abandoned composes are undone that long after it dies (whole seconds, 2s to 5m)"`
	KeystoneAuthURL           string        `envconfig:"KEYSTONE_AUTH_URL" default:"" desc:"Keystone v3 URL (e.g. http://keystone:5000/v3), for AUTH_STRATEGY=keystone"`
	KeystoneUsername          string        `envconfig:"KEYSTONE_USERNAME" default:"" desc:"Valence's service user in Keystone; it needs only the service role"`
	KeystonePassword          string        `envconfig:"KEYSTONE_PASSWORD" default:"" desc:"password of KEYSTONE_USERNAME"`
	KeystoneProjectName       string        `envconfig:"KEYSTONE_PROJECT_NAME" default:"service" desc:"project of the service user"`
	KeystoneUserDomainName    string        `envconfig:"KEYSTONE_USER_DOMAIN_NAME" default:"Default" desc:"domain of the service user"`
	KeystoneProjectDomainName string        `envconfig:"KEYSTONE_PROJECT_DOMAIN_NAME" default:"Default" desc:"domain of the service user's project"`
	KeystoneCAFile            string        `envconfig:"KEYSTONE_CA_FILE" default:"" desc:"PEM CA bundle trusted for Keystone instead of the system's"`
	TokenCacheTTL             time.Duration `envconfig:"TOKEN_CACHE_TTL" default:"5m" desc:"longest time a validated token is trusted without asking Keystone again"`
	HtpasswdFile              string        `envconfig:"HTPASSWD_FILE" default:"" desc:"htpasswd file of bcrypt-hashed users, for AUTH_STRATEGY=http_basic"`
	UsersFile                 string        `envconfig:"USERS_FILE" default:"" desc:"YAML file giving each http_basic user a project and roles (docs/keystone.md)"`
	PolicyFile                string        `envconfig:"POLICY_FILE" default:"" desc:"YAML policy file overriding default rules (configs/policy.yaml lists them); empty uses the defaults"`
	PodmTimeout               time.Duration `envconfig:"PODM_TIMEOUT" default:"30s" desc:"deadline of one call to a pod manager"`
	PodmMaxResponse           int64         `envconfig:"PODM_MAX_RESPONSE" default:"4194304" desc:"largest answer body accepted from a pod manager, in bytes (64 KiB to 1 GiB); a longer one fails the call"`
	PodmMaxMembers            int           `envconfig:"PODM_MAX_MEMBERS" default:"100000" desc:"most members one collection of a pod manager may list over all its pages (100 to 1000000); a collection with more fails the call, so that a pod manager cannot chain pages without end"`
	PodmParallelism           int           `envconfig:"PODM_PARALLELISM" default:"16" desc:"requests in flight of one pod manager's walks at most (1 to 64): the parallelism of its inventory walks and other fan-outs (a node's parts)"`
	PodmETags                 bool          `envconfig:"PODM_ETAGS" default:"true" desc:"an inventory refresh asks each resource with the ETag the last walk read (If-None-Match) and keeps what it decoded of those the pod manager says are unchanged (true or false); false reads every resource in full, for a pod manager whose ETags do not change with the resource"`
	PodmMaxInFlight           int           `envconfig:"PODM_MAX_IN_FLIGHT" default:"64" desc:"requests in flight to one pod manager besides its walks' at most (1 to 256): the steps of concurrent composes, actions and single reads, which so never wait behind a walk"`
	ComposeTimeout            time.Duration `envconfig:"COMPOSE_TIMEOUT" default:"10m" desc:"deadline of a whole compose: allocate, assemble and wait"`
	ProbeInterval             time.Duration `envconfig:"PROBE_INTERVAL" default:"30s" desc:"how often every pod manager's status is refreshed, and abandoned composes undone"`
	InventoryTTL              time.Duration `envconfig:"INVENTORY_TTL" default:"5s" desc:"how long the systems, racks and volumes read from a pod manager are reused, at most 1h"`
	InventoryMaxStale         time.Duration `envconfig:"INVENTORY_MAX_STALE" default:"1m" desc:"how long past INVENTORY_TTL a list is still answered at once from the last inventory read while one refresh runs in the background (0: callers wait for the refresh), at most 1h"`
	ShutdownTimeout           time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"30s" desc:"how long in-flight requests may run after SIGTERM before the server exits"`
	Metrics                   bool          `envconfig:"METRICS" default:"true" desc:"serve Prometheus metrics at /metrics (true or false)"`
	CORSOrigins               []string      `envconfig:"CORS_ORIGINS" default:"" desc:"comma-separated origins allowed by CORS (e.g. https://horizon.example.com, or *); empty turns CORS off"`
	TLSCert                   string        `envconfig:"TLS_CERT" default:"" desc:"PEM certificate file; with TLS_KEY the API serves HTTPS"`
	TLSKey                    string        `envconfig:"TLS_KEY" default:"" desc:"PEM key file of TLS_CERT"`
	SecretKeyFile             string        `envconfig:"SECRET_KEY_FILE" default:"" desc:"file of AES-256 keys (base64, one a line, the current one first; mode 0600 or 0640) that encrypt pod-manager passwords at rest; empty stores them as given (docs/operators-guide.md)"`
	PublicURL                 string        `envconfig:"PUBLIC_URL" default:"" desc:"absolute http(s) URL clients reach the API at (e.g. https://valence.example:8181); when set, Location, Link and the links of / and /v1 are built from it, not from the request's Host header"`
	BasicMaxFailures          int           `envconfig:"BASIC_MAX_FAILURES" default:"10" desc:"http_basic: failed logins one client (IP address; IPv6 /64) may make per BASIC_FAILURE_WINDOW before it is answered 429; 0 turns the limit off"`
	BasicFailureWindow        time.Duration `envconfig:"BASIC_FAILURE_WINDOW" default:"1m" desc:"http_basic: the window BASIC_MAX_FAILURES counts over, from a client's first failure; a client over the limit waits until it ends"`
	UI                        bool          `envconfig:"UI" default:"true" desc:"serve the web dashboard at /ui/ (true or false); it signs users in as AUTH_STRATEGY says"`
	Pprof                     bool          `envconfig:"PPROF" default:"false" desc:"serve Go's runtime profiles (CPU, heap, block, mutex, goroutines) at /debug/pprof/ to administrators (policy rule valence:debug:pprof); true or false"`
}

// Bounds of PodmMaxResponse: below 64 KiB a large pod manager's collections
// no longer fit; above 1 GiB a few hostile answers exhaust the server.
const (
	MinPodmMaxResponse = 64 << 10
	MaxPodmMaxResponse = 1 << 30
	// Bounds of PodmMaxMembers: below 100 a pod manager of a few drawers no
	// longer lists; above a million a hostile one keeps the walk paging.
	MinPodmMaxMembers = 100
	MaxPodmMaxMembers = 1_000_000
	// MaxPodmParallelism bounds PodmParallelism: past it a pod manager (a
	// BMC, often) is flooded rather than walked faster.
	MaxPodmParallelism = 64
	// MaxPodmMaxInFlight bounds PodmMaxInFlight, for the same reason.
	MaxPodmMaxInFlight = 256
)

// Load reads the settings from the environment and checks them. An error
// names the variable at fault.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process(Prefix, &c); err != nil {
		return Config{}, explain(err)
	}
	c.CORSOrigins = trimList(c.CORSOrigins)
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// explain rewrites envconfig's parse errors to name the full variable.
func explain(err error) error {
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s=%q: not a valid %s", pe.KeyName, pe.Value, pe.TypeName)
	}
	return err
}

// Validate checks the values that parse but make no sense.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s_%s: %s", Prefix, name, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("LISTEN", "%q is not host:port", c.Listen)
	}
	if !oneOf(c.LogLevel, "debug", "info", "warn", "error") {
		bad("LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if !oneOf(c.LogFormat, "json", "console") {
		bad("LOG_FORMAT", "%q is not one of json, console", c.LogFormat)
	}
	if !oneOf(c.AuthStrategy, "noauth", "keystone", "http_basic") {
		bad("AUTH_STRATEGY", "%q is not one of noauth, keystone, http_basic", c.AuthStrategy)
	}
	if err := checkStoreURL(c.Store); err != nil {
		bad("STORE", "%v", err)
	}
	for name, d := range map[string]time.Duration{
		"PODM_TIMEOUT": c.PodmTimeout, "COMPOSE_TIMEOUT": c.ComposeTimeout, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
		"PROBE_INTERVAL": c.ProbeInterval, "TOKEN_CACHE_TTL": c.TokenCacheTTL,
		"BASIC_FAILURE_WINDOW": c.BasicFailureWindow,
	} {
		if d <= 0 {
			bad(name, "must be a positive duration such as 30s, not %s", d)
		}
	}
	if c.InventoryTTL <= 0 || c.InventoryTTL > time.Hour {
		bad("INVENTORY_TTL", "must be a duration in (0, 1h], not %s", c.InventoryTTL)
	}
	if c.InventoryMaxStale < 0 || c.InventoryMaxStale > time.Hour {
		bad("INVENTORY_MAX_STALE", "must be a duration in [0, 1h], not %s", c.InventoryMaxStale)
	}
	if c.PodmMaxResponse < MinPodmMaxResponse || c.PodmMaxResponse > MaxPodmMaxResponse {
		bad("PODM_MAX_RESPONSE", "%d is not between %d and %d bytes", c.PodmMaxResponse, MinPodmMaxResponse, MaxPodmMaxResponse)
	}
	if c.PodmMaxMembers < MinPodmMaxMembers || c.PodmMaxMembers > MaxPodmMaxMembers {
		bad("PODM_MAX_MEMBERS", "%d is not between %d and %d", c.PodmMaxMembers, MinPodmMaxMembers, MaxPodmMaxMembers)
	}
	if c.PodmParallelism < 1 || c.PodmParallelism > MaxPodmParallelism {
		bad("PODM_PARALLELISM", "%d is not between 1 and %d", c.PodmParallelism, MaxPodmParallelism)
	}
	if c.PodmMaxInFlight < 1 || c.PodmMaxInFlight > MaxPodmMaxInFlight {
		bad("PODM_MAX_IN_FLIGHT", "%d is not between 1 and %d", c.PodmMaxInFlight, MaxPodmMaxInFlight)
	}
	if c.AuthStrategy == "keystone" && (c.KeystoneAuthURL == "" || c.KeystoneUsername == "" || c.KeystonePassword == "") {
		bad("KEYSTONE_AUTH_URL", "AUTH_STRATEGY=keystone needs KEYSTONE_AUTH_URL, KEYSTONE_USERNAME and KEYSTONE_PASSWORD")
	}
	// Keystone never takes credentials in its URL (the service user's are
	// the settings below it), and the URL is logged and sent in every 401's
	// WWW-Authenticate: one with user:password@ is refused, never echoed.
	if c.KeystoneAuthURL != "" {
		if err := checkHTTPURL(c.KeystoneAuthURL); err != nil {
			bad("KEYSTONE_AUTH_URL", "%v", err)
		}
	}
	if c.PublicURL != "" {
		if err := checkHTTPURL(c.PublicURL); err != nil {
			bad("PUBLIC_URL", "%v", err)
		}
	}
	if c.BasicMaxFailures < 0 || c.BasicMaxFailures > maxBasicFailures {
		bad("BASIC_MAX_FAILURES", "must be between 0 (no limit) and %d, not %d", maxBasicFailures, c.BasicMaxFailures)
	}
	if c.AuthStrategy == "http_basic" && (c.HtpasswdFile == "" || c.UsersFile == "") {
		bad("HTPASSWD_FILE", "AUTH_STRATEGY=http_basic needs HTPASSWD_FILE and USERS_FILE")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("TLS_CERT", "TLS_CERT and TLS_KEY must be set together")
	}
	if c.EtcdLeaseTTL < 2*time.Second || c.EtcdLeaseTTL > 5*time.Minute || c.EtcdLeaseTTL%time.Second != 0 {
		bad("ETCD_LEASE_TTL", "must be whole seconds from 2s to 5m, not %s", c.EtcdLeaseTTL)
	}
	if (c.EtcdCertFile == "") != (c.EtcdKeyFile == "") {
		bad("ETCD_CERT_FILE", "ETCD_CERT_FILE and ETCD_KEY_FILE must be set together")
	}
	return errors.Join(errs...)
}

// checkStoreURL checks the scheme only; the store package, which opens it,
// checks the rest and names this variable when it cannot.
func checkStoreURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", raw)
	}
	if !oneOf(u.Scheme, "bolt", "etcd", "etcds") {
		return fmt.Errorf("%q: the scheme must be bolt, etcd or etcds", raw)
	}
	return nil
}

// maxBasicFailures bounds BASIC_MAX_FAILURES: a limit above it limits nothing.
const maxBasicFailures = 1000000

// checkHTTPURL checks an absolute http or https URL without credentials, query
// or fragment. Its errors never quote the URL, which may hold a password.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL")
	case u.User != nil:
		return fmt.Errorf("must not hold credentials (user:password@); the value is not shown")
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("must be an absolute http:// or https:// URL")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("must have no query (?) or fragment (#)")
	}
	return nil
}

// trimList trims each item and drops empty ones, so "a, b," means [a b]
// and an empty variable means no list at all.
func trimList(items []string) []string {
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }
