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
	Listen          string        `envconfig:"LISTEN" default:"127.0.0.1:8181" desc:"address (host:port) the API listens on"`
	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info" desc:"least severe log level written: debug, info, warn or error"`
	LogFormat       string        `envconfig:"LOG_FORMAT" default:"json" desc:"log line format: json, or console for a terminal"`
	AuthStrategy    string        `envconfig:"AUTH_STRATEGY" default:"noauth" desc:"how callers authenticate: noauth, keystone or http_basic"`
	Store           string        `envconfig:"STORE" default:"bolt:///var/lib/valence/valence.db" desc:"where records are kept: bolt:///path/file.db, or etcd://host:port[,host:port...]"`
	EtcdPrefix      string        `envconfig:"ETCD_PREFIX" default:"/valence" desc:"key prefix of the records in etcd"`
	EtcdUsername    string        `envconfig:"ETCD_USERNAME" default:"" desc:"etcd user name, when etcd has authentication on"`
	EtcdPassword    string        `envconfig:"ETCD_PASSWORD" default:"" desc:"etcd password of ETCD_USERNAME"`
	EtcdCAFile      string        `envconfig:"ETCD_CA_FILE" default:"" desc:"PEM CA bundle that signs the etcd servers' certificates (enables TLS)"`
	EtcdCertFile    string        `envconfig:"ETCD_CERT_FILE" default:"" desc:"PEM client certificate for etcd"`
	EtcdKeyFile     string        `envconfig:"ETCD_KEY_FILE" default:"" desc:"PEM key of ETCD_CERT_FILE"`
	PodmTimeout     time.Duration `envconfig:"PODM_TIMEOUT" default:"30s" desc:"deadline of one call to a pod manager"`
	ComposeTimeout  time.Duration `envconfig:"COMPOSE_TIMEOUT" default:"10m" desc:"deadline of a whole compose: allocate, assemble and wait"`
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"30s" desc:"how long in-flight requests may run after SIGTERM before the server exits"`
	Metrics         bool          `envconfig:"METRICS" default:"true" desc:"serve Prometheus metrics at /metrics (true or false)"`
	CORSOrigins     []string      `envconfig:"CORS_ORIGINS" default:"" desc:"comma-separated origins allowed by CORS (e.g. https://horizon.example.com, or *); empty turns CORS off"`
	TLSCert         string        `envconfig:"TLS_CERT" default:"" desc:"PEM certificate file; with TLS_KEY the API serves HTTPS"`
	TLSKey          string        `envconfig:"TLS_KEY" default:"" desc:"PEM key file of TLS_CERT"`
}

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
	} {
		if d <= 0 {
			bad(name, "must be a positive duration such as 30s, not %s", d)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("TLS_CERT", "TLS_CERT and TLS_KEY must be set together")
	}
	if (c.EtcdCertFile == "") != (c.EtcdKeyFile == "") {
		bad("ETCD_CERT_FILE", "ETCD_CERT_FILE and ETCD_KEY_FILE must be set together")
	}
	return errors.Join(errs...)
}

// checkStoreURL accepts bolt:///abs/path and etcd://h:p[,h:p...].
func checkStoreURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", raw)
	}
	switch u.Scheme {
	case "bolt":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return fmt.Errorf("%q: a bolt store is bolt:///absolute/path/file.db", raw)
		}
	case "etcd":
		if u.Host == "" {
			return fmt.Errorf("%q: an etcd store is etcd://host:port[,host:port...]", raw)
		}
	default:
		return fmt.Errorf("%q: scheme must be bolt or etcd", raw)
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
