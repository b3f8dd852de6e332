// Package podm connects the core to pod managers: it implements
// valence.Connector and valence.PodManagerConn over the redfish package, and
// is the only place where the core's types meet Redfish's. Every call is
// converted both ways, its failure mapped to a *valence.Error, and measured.
package podm

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// Options configure a Connector.
type Options struct {
	// MaxConcurrent bounds the requests in flight to one pod manager
	// (redfish.DefaultMaxConcurrent when zero).
	MaxConcurrent int
	// MaxInFlight bounds the other requests in flight to one pod manager
	// (redfish.DefaultMaxInFlight when zero; see redfish.Config).
	MaxInFlight int
	// MaxResponse caps each answer's body, in bytes (redfish.DefaultMaxResponse
	// when zero).
	MaxResponse int64
	// MaxMembers bounds the members of one collection over all its pages
	// (redfish.DefaultMaxMembers when zero).
	MaxMembers int
	// IgnoreETags turns the walks' revalidation off (see redfish.Config).
	IgnoreETags bool
	// Registerer receives the pod-manager call metrics; nil records none.
	Registerer prometheus.Registerer
	// Log receives what a caller is not told: partial reads and the causes
	// of failures.
	Log zerolog.Logger
}

// connector opens redfish clients; it holds what all connections share.
type connector struct {
	opts    Options
	metrics *metrics
}

// NewConnector returns the Connector the core uses to reach pod managers.
func NewConnector(opts Options) valence.Connector {
	return &connector{opts: opts, metrics: newMetrics(opts.Registerer)}
}

// Connect reads the pod manager's service root and authenticates (with a
// Redfish session when the root offers one, HTTP Basic otherwise).
func (c *connector) Connect(ctx context.Context, a valence.Access) (valence.PodManagerConn, error) {
	cn := &conn{
		url:     shown(a.URL),
		cfg:     config(a, c.opts),
		compose: a.Driver != valence.DriverRedfish,
		metrics: c.metrics,
		log:     c.opts.Log.With().Str("podm_url", shown(a.URL)).Logger(),
	}
	cn.cfg.OnRelogin = func(err error) {
		if err != nil {
			cn.log.Warn().Err(err).Msg("pod manager forgot the session; logging in again failed")
			return
		}
		cn.log.Info().Msg("pod manager forgot the session; logged in again")
	}
	client, err := observe(ctx, cn, opConnect, func() (*redfish.Client, error) {
		return redfish.Connect(ctx, cn.cfg)
	})
	if err != nil {
		return nil, err
	}
	cn.client = client
	info := client.Info()
	cn.composition = cn.compose && info.Has(redfish.CapComposition) && !info.Has(redfish.CapCompose)
	return cn, nil
}

// shown is the URL as messages and logs name it: without a password, should
// one have been written into it.
func shown(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// config maps the core's access onto a redfish configuration. Timeouts are
// left to redfish's default per request: the core bounds every call with
// its context.
func config(a valence.Access, opts Options) redfish.Config {
	cfg := redfish.Config{
		Endpoint:      a.URL,
		Username:      a.Username,
		Password:      a.Password,
		Auth:          redfish.AuthAuto,
		Insecure:      !a.TLSVerify,
		MaxConcurrent: opts.MaxConcurrent,
		MaxInFlight:   opts.MaxInFlight,
		MaxResponse:   cmp.Or(opts.MaxResponse, redfish.DefaultMaxResponse),
		MaxMembers:    cmp.Or(opts.MaxMembers, redfish.DefaultMaxMembers),
		IgnoreETags:   opts.IgnoreETags,
	}
	if a.CACert != "" {
		cfg.CACert = []byte(a.CACert)
	}
	return cfg
}

// conn is one live connection to a pod manager.
type conn struct {
	url     string // for messages and logs
	cfg     redfish.Config
	compose bool // false for the plain Redfish driver, whatever the root offers
	// composition: the root links a DMTF CompositionService and no RSD
	// Nodes, so nodes are composed systems (composition.go).
	composition bool
	// composeMu serialises the block choices of composition mode, so that
	// this connection's composes never pick one block.
	composeMu sync.Mutex
	metrics   *metrics
	log       zerolog.Logger
	// marks is what the connection knows of whether its RSD pod manager
	// keeps the compose mark: markUnknown, markKept or markDropped.
	marks atomic.Int32

	// client logs in again by itself when the pod manager forgets its
	// session (redfish's session transport), so it is never replaced.
	client *redfish.Client
}

// run runs one operation on the connection's client, measured.
func run[T any](ctx context.Context, c *conn, o op, call func(*redfish.Client) (T, error)) (T, error) {
	return observe(ctx, c, o, func() (T, error) { return call(c.client) })
}

// Probe reads the service root again, with the connection's credentials,
// through a fresh login: redfish offers no other way to re-read the root,
// and a new login is what proves the credentials still hold.
func (c *conn) Probe(ctx context.Context) (valence.ServiceInfo, error) {
	return observe(ctx, c, opProbe, func() (valence.ServiceInfo, error) {
		probe, err := redfish.Connect(ctx, c.cfg)
		if err != nil {
			return valence.ServiceInfo{}, err
		}
		defer probe.Close()
		return serviceInfo(probe.Info(), c.compose), nil
	})
}

// NodeURI is the path of the node whose Id is index.
func (c *conn) NodeURI(index string) string {
	if c.composition {
		return c.client.SystemURI(index)
	}
	return c.client.NodeURI(index)
}

// Close logs out of the pod manager's session, if there is one.
func (c *conn) Close() error { return c.client.Close() }

// needCompose refuses node operations on a pod manager driven as plain
// Redfish, the same way redfish refuses them on a root without Nodes.
func (c *conn) needCompose() error {
	if !c.compose {
		return fmt.Errorf("podm: driver %q: %w", valence.DriverRedfish, redfish.ErrNotSupported)
	}
	return nil
}
