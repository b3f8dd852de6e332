package redfish

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

// Auth selects how the client authenticates to the pod manager.
type Auth int

const (
	// AuthAuto uses a Redfish session when the service root links
	// Links.Sessions, and HTTP Basic otherwise (the RSD 2.5 PODM has no
	// Links.Sessions, and no session can be opened without it).
	AuthAuto Auth = iota
	// AuthBasic sends HTTP Basic credentials on every request.
	AuthBasic
	// AuthSession opens a Redfish session (X-Auth-Token) and fails with
	// ErrNotSupported if the service root offers none.
	AuthSession
)

// Defaults applied by Connect to zero Config fields.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxConcurrent = 16
	DefaultMaxInFlight   = 64
	// DefaultMaxMembers bounds the members of one collection, over all its
	// pages: above the largest collection of a 10,000-system pod of the
	// simulator (about 62,000 resource blocks in its DMTF model, 13,126
	// chassis in its RSD one) with room.
	DefaultMaxMembers = 100_000
)

// Config says how to reach and authenticate to one pod manager.
type Config struct {
	// Endpoint is the base URL, e.g. "https://podm.example:8443". A trailing
	// "/" or "/redfish/v1" is tolerated.
	Endpoint string
	// Username and Password are the credentials; empty Username means no auth.
	Username, Password string
	// Auth selects Basic or session authentication; see Auth.
	Auth Auth
	// Insecure turns TLS certificate verification off. Verification is on by default.
	Insecure bool
	// CACert is an optional PEM bundle trusted in addition to the system roots.
	CACert []byte
	// Timeout bounds each HTTP request (DefaultTimeout if zero). Whole
	// operations are bounded by the caller's context.
	Timeout time.Duration
	// MaxConcurrent bounds the requests in flight of the fan-outs (a walk of
	// the inventory, of a collection, of a node's parts), shared by all of
	// them on the Client (DefaultMaxConcurrent if zero).
	MaxConcurrent int
	// MaxInFlight bounds the other requests in flight, shared by all calls
	// on the Client: concurrent composes, actions and single reads each wait
	// here, not behind a walk (DefaultMaxInFlight if zero). The pod manager
	// sees at most MaxConcurrent + MaxInFlight at once.
	MaxInFlight int
	// MaxResponse caps the body of each answer, in bytes; a longer one fails
	// the call with ErrResponseTooLarge (DefaultMaxResponse if zero).
	MaxResponse int64
	// MaxMembers bounds the members of one collection over all its pages
	// (Members@odata.nextLink); a collection with more fails the call with
	// ErrTooManyMembers (DefaultMaxMembers if zero).
	MaxMembers int
	// HTTPClient replaces the client built from Insecure, CACert and Timeout.
	// Its redirect policy is replaced too: requests, redirects and links stay
	// on the endpoint's origin whatever the client.
	HTTPClient *http.Client
	// IgnoreETags makes every walk (Systems) read each resource in full,
	// for a service whose ETags do not change with the resource; by default
	// a walk revalidates what the last one read (see Systems).
	IgnoreETags bool
	// Retry bounds the retries of reads (see Retry); the zero value retries
	// with the defaults.
	Retry Retry
	// OnRelogin, when set, is called after each login that replaced a
	// session the pod manager had forgotten, with its outcome (nil when the
	// new session is open), so that the caller can log it.
	OnRelogin func(error)
}

// Client is a connection to one RSD pod manager or plain Redfish service.
// It is safe for concurrent use.
type Client struct {
	api *gofish.APIClient
	// hc sends every request: gofish's and getJSON's alike. Its transports
	// bound the requests in flight (limit: a fan-out's by MaxConcurrent, the
	// others by MaxInFlight), log in again (session), retry reads and keep to
	// the origin with capped answers (guarded).
	hc           *http.Client
	endpoint     string
	basic        bool // HTTP Basic credentials on getJSON's requests (gofish sets its own)
	user, pass   string
	session      *session // nil unless a Redfish session authenticates the requests
	info         ServiceInfo
	links        rootLinks
	max          int // Config.MaxConcurrent
	maxInFlight  int // Config.MaxInFlight
	maxMembers   int // Config.MaxMembers
	closeTimeout time.Duration
	ignoreETags  bool // Config.IgnoreETags
	// allocate is the Allocate action's target, once read (allocateTarget).
	allocate atomic.Pointer[string]
	// assembleAtNode: a node read had its Assemble target at the path RSD
	// defines, so Assemble posts there without reading the node (Assemble).
	assembleAtNode atomic.Bool
	// lastWalk is what the last complete walk read, for the next to
	// revalidate (revalidating).
	lastWalk atomic.Pointer[map[string]*keptSystem]
}

// Connect reads the service root, detects the RSD version and capabilities,
// and authenticates; credentials the pod manager refuses give a 401 *Error.
// ctx bounds the connection only; later calls take their own.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = DefaultMaxResponse
	}
	if cfg.MaxMembers <= 0 {
		cfg.MaxMembers = DefaultMaxMembers
	}
	hc := cfg.HTTPClient
	if hc == nil {
		if hc, err = newHTTPClient(cfg); err != nil {
			return nil, err
		}
	}
	hc = withRetry(hc, cfg.Retry)
	if hc, err = guarded(hc, endpoint, cfg.MaxResponse); err != nil {
		return nil, err
	}
	gc := gofish.ClientConfig{
		Endpoint:          endpoint,
		HTTPClient:        hc,
		NoModifyTransport: true, // our transport already holds the TLS and pool settings
		ReuseConnections:  true, // otherwise gofish closes the connection after every request
		// limit (use) bounds the requests; gofish's own semaphore only
		// must not be the tighter one.
		MaxConcurrentRequests: int64(cfg.MaxConcurrent + cfg.MaxInFlight),
	}
	// gofish reads the root unauthenticated before it authenticates; connect
	// anonymously first to learn whether the root offers sessions.
	api, err := gofish.ConnectContext(ctx, gc)
	if err != nil {
		return nil, wrapErr(http.MethodGet, schemas.DefaultServiceRoot, err)
	}
	c := &Client{api: api, endpoint: endpoint, max: cfg.MaxConcurrent, maxInFlight: cfg.MaxInFlight, maxMembers: cfg.MaxMembers, closeTimeout: cfg.Timeout, ignoreETags: cfg.IgnoreETags}
	c.use(hc)
	var root rootJSON
	if err := c.getJSON(ctx, schemas.DefaultServiceRoot, &root); err != nil {
		return nil, err
	}
	c.info, c.links = root.detect()
	if cfg.Username == "" {
		c.detectRacks(ctx)
		return c, nil
	}
	useSession := cfg.Auth != AuthBasic && c.info.Has(CapSessions)
	if cfg.Auth == AuthSession && !useSession {
		return nil, fmt.Errorf("redfish: session authentication: %w", ErrNotSupported)
	}
	if useSession {
		// The session is this package's, not gofish's: its transport logs in
		// again when the pod manager forgets it (see session).
		c.session = newSession(hc, endpoint, root.Links.Sessions.String(), cfg)
		if err := c.session.login(ctx); err != nil {
			return nil, err
		}
		c.use(c.session.client())
		c.detectRacks(ctx)
		return c, nil
	}
	gc.Username, gc.Password, gc.BasicAuth = cfg.Username, cfg.Password, true
	if c.api, err = gofish.ConnectContext(ctx, gc); err != nil {
		return nil, wrapErr(http.MethodGet, schemas.DefaultServiceRoot, err)
	}
	c.use(hc)
	// gofish sends Basic credentials only when both are set; so does getJSON.
	c.basic, c.user, c.pass = cfg.Password != "", cfg.Username, cfg.Password
	if probe := cmp.Or(c.links.systems, c.links.chassis, c.links.nodes); probe != "" {
		// Basic credentials are sent but never checked while connecting (the
		// root is public); one authenticated read makes a refusal show here.
		if err := c.getJSON(ctx, probe, &collectionJSON{}); err != nil {
			return nil, err
		}
	}
	c.detectRacks(ctx)
	return c, nil
}

// Info returns what Connect detected about the service.
func (c *Client) Info() ServiceInfo { return c.info }

// Close logs out of the Redfish session, if there is one, and drops idle connections.
func (c *Client) Close() error {
	if c.session != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
		defer cancel()
		c.session.logout(ctx)
	}
	c.hc.CloseIdleConnections()
	return nil
}

// use makes hc, bounded by limit, the client of every request: gofish's
// and getJSON's share the bounds. The bound keeps hc's Timeout, counted
// from the moment a request has its slot.
func (c *Client) use(hc *http.Client) {
	bounded := *hc
	bounded.Transport = &limit{next: hc.Transport, fanOut: make(chan struct{}, c.max),
		single: make(chan struct{}, c.maxInFlight), timeout: hc.Timeout}
	bounded.Timeout = 0
	c.hc = &bounded
	c.api.HTTPClient = c.hc
}

func normalizeEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("redfish: endpoint %q: want http(s)://host[:port]", endpoint)
	}
	// gofish appends "/redfish/v1/..." to the endpoint as given.
	u.Path = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/redfish/v1"), "/")
	return u.String(), nil
}

func newHTTPClient(cfg Config) (*http.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // explicit opt-in
	if len(cfg.CACert) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(cfg.CACert) {
			return nil, errors.New("redfish: CACert holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	// Keep as many idle connections as requests may be in flight, so a
	// fan-out reuses them instead of opening and closing one per request.
	tr.MaxIdleConnsPerHost = cfg.MaxConcurrent + cfg.MaxInFlight
	tr.MaxConnsPerHost = cfg.MaxConcurrent + cfg.MaxInFlight
	return &http.Client{Transport: tr, Timeout: cfg.Timeout}, nil
}

// at returns the gofish client bound to ctx for one call; its requests
// carry ctx, so limit counts them in a fan-out's bound or the others'.
func (c *Client) at(ctx context.Context) *gofish.APIClient { return c.api.WithContext(ctx) }

// fanOutKey marks the context of a fan-out's requests (inFanOut).
type fanOutKey struct{}

// isFanOut says whether ctx is a fan-out's (inFanOut).
func isFanOut(ctx context.Context) bool { return ctx.Value(fanOutKey{}) != nil }

// inFanOut returns ctx marked as a fan-out's: requests sent with it, or
// with a context derived from it, take the fan-outs' bound (limit), so that
// a walk never holds more than MaxConcurrent requests and never delays a
// compose behind it.
func inFanOut(ctx context.Context) context.Context {
	if isFanOut(ctx) {
		return ctx
	}
	return context.WithValue(ctx, fanOutKey{}, true)
}

// bodies are the buffers getJSON reads answers into: a walk reads
// thousands, and a json.Decoder would grow a buffer of its own for each.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer put back in bodies, so that one large
// collection does not stay pinned in the pool.
const maxPooledBody = 1 << 20

// userAgent is what gofish sends on the requests it builds, so that a pod
// manager's log shows one client.
const userAgent = "gofish/1.0"

// getJSON decodes the resource at uri into v. It builds the GET itself
// rather than through gofish, whose per-request machinery (a copy of its
// client and service per context, headers set and cloned) was the largest
// share of a cold walk's CPU; the transports (bound, session, retry, guard)
// are the same.
// In a walk's read of one system, the resource and its ETag are recorded
// for the next walk (record).
func (c *Client) getJSON(ctx context.Context, uri string, v any) (err error) {
	var etag string
	defer func() {
		if err != nil {
			etag = "" // a failed read leaves the system to be read in full next time
		}
		record(ctx, uri, etag)
	}()
	resp, err := c.get(ctx, uri, "")
	if err != nil {
		return err
	}
	defer schemas.DeferredCleanupHTTPResponse(resp) // drains, so the connection is reused
	etag = resp.Header.Get("ETag")
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodies.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return wrapErr(http.MethodGet, uri, err)
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return fmt.Errorf("redfish: GET %s: decoding: %w", uri, err)
	}
	return nil
}

// get sends a GET of uri and returns a 2xx answer, or a 304 when etag is
// set and the service says the resource still has it; any other status is
// an *Error carrying the pod manager's message, as gofish reports it.
func (c *Client) get(ctx context.Context, uri, etag string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+uri, nil)
	if err != nil {
		return nil, wrapErr(http.MethodGet, uri, err)
	}
	req.Header = http.Header{"Accept": {"application/json"}, "User-Agent": {userAgent}}
	if etag != "" {
		req.Header["If-None-Match"] = []string{etag}
	}
	if c.basic {
		req.SetBasicAuth(c.user, c.pass)
	}
	if c.session != nil {
		// The session's transport sends a request with its live token as
		// it is, rather than copying it to set the token.
		req.Header["X-Auth-Token"] = []string{c.session.current()}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, wrapErr(http.MethodGet, uri, err)
	}
	if resp.StatusCode == http.StatusNotModified && etag != "" {
		return resp, nil
	}
	if resp.StatusCode/100 != 2 {
		defer schemas.DeferredCleanupHTTPResponse(resp)
		payload, err := io.ReadAll(resp.Body) // capped, and already read whole by the guard
		if err != nil {
			return nil, wrapErr(http.MethodGet, uri, err)
		}
		return nil, wrapErr(http.MethodGet, uri, schemas.ConstructError(resp.StatusCode, payload))
	}
	return resp, nil
}

// send issues a POST, PATCH or DELETE with an optional JSON body and returns
// the answer's headers. Any 2xx is success.
func (c *Client) send(ctx context.Context, method, uri string, body any) (http.Header, error) {
	h, _, err := c.sendStatus(ctx, method, uri, body)
	return h, err
}

// sendStatus is send that also returns the answer's status (0 for a 2xx
// that gofish reports as an error, with no headers). A PATCH meets a
// service that wants If-Match (patch).
func (c *Client) sendStatus(ctx context.Context, method, uri string, body any) (http.Header, int, error) {
	if method == http.MethodPatch {
		return c.patch(ctx, uri, body)
	}
	return c.request(ctx, method, uri, body, nil)
}

// request sends one request as sendStatus does, with extra headers.
func (c *Client) request(ctx context.Context, method, uri string, body any, headers map[string]string) (http.Header, int, error) {
	var rd io.ReadSeeker
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, fmt.Errorf("redfish: %s %s: %w", method, uri, err)
		}
		rd = bytes.NewReader(b)
	}
	resp, err := c.at(ctx).RunRawRequestWithHeaders(method, uri, rd, "application/json", headers)
	if err != nil {
		if success2xx(err) {
			return http.Header{}, 0, nil
		}
		return nil, 0, wrapErr(method, uri, err)
	}
	schemas.DeferredCleanupHTTPResponse(resp) // drains, so the connection is reused
	return resp.Header, resp.StatusCode, nil
}

// locationPath returns the path of a Location header, which RSD PODMs send
// absolute (JAX-RS, ≤2.3) or relative (Spring, 2.4+).
func locationPath(h http.Header, method, uri string) (string, error) {
	loc := h.Get("Location")
	u, err := url.Parse(loc)
	if loc == "" || err != nil || u.Path == "" {
		return "", fmt.Errorf("redfish: %s %s: answer has no usable Location header (%q)", method, uri, loc)
	}
	return u.Path, nil
}
