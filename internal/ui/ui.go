// Package ui is valence-api's web dashboard, served under /ui/: pages
// rendered on the server with html/template, assets embedded, one small
// script of our own. Every page reads and changes things through the v1 API,
// called in-process with api/client and the signed-in user's credentials, so
// the dashboard shows and allows exactly what the API does for that caller.
package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/auth"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Strategies of sign-in, the server's auth_strategy values.
const (
	StrategyNoauth    = "noauth"
	StrategyKeystone  = "keystone"
	StrategyHTTPBasic = "http_basic"
)

// Options are what the dashboard is built from; cmd/valence-api hands it the
// server's own authenticator and policy.
type Options struct {
	// Strategy is the server's auth_strategy: noauth, keystone or http_basic.
	Strategy string
	// Auth establishes who signs in, exactly as the API establishes its
	// callers (the same failed-login limit for http_basic).
	Auth auth.Authenticator
	// Policy hides the controls the caller's rules would refuse; the API
	// still decides. DefaultPolicy when nil.
	Policy *auth.Policy
	// KeystoneURL is the Keystone v3 URL users sign in at (keystone only),
	// trusted with the certificates of KeystoneCAFile when set.
	KeystoneURL    string
	KeystoneCAFile string
	// PublicURL is the server's VALENCE_PUBLIC_URL, if any: a change whose
	// Origin is its host is this site's, whatever Host the proxy sends.
	PublicURL string
	// Secure marks the session cookie Secure: the server is reached over
	// TLS (its own, or a proxy's https public URL).
	Secure bool
	// ComposeTimeout bounds a compose started from the dashboard, as
	// VALENCE_COMPOSE_TIMEOUT bounds one of the API.
	ComposeTimeout time.Duration
	// Now is the clock of sessions (time.Now when nil), for tests.
	Now func() time.Time
}

// Dashboard is the web dashboard; Handler serves it in front of the API.
type Dashboard struct {
	opts     Options
	policy   *auth.Policy
	sessions *sessions
	pages    map[string]*template.Template
	// staticPrefix is the versioned path of the assets: it changes with
	// their content, so browsers may cache them for good.
	staticPrefix string
	keystone     *http.Client
	publicHost   string
	api          http.Handler
}

// New checks opts and parses the templates.
func New(opts Options) (*Dashboard, error) {
	switch opts.Strategy {
	case StrategyNoauth, StrategyHTTPBasic:
	case StrategyKeystone:
		if opts.KeystoneURL == "" {
			return nil, errors.New("ui: keystone sign-in needs the Keystone URL")
		}
	default:
		return nil, fmt.Errorf("ui: unknown auth strategy %q", opts.Strategy)
	}
	if opts.Auth == nil {
		return nil, errors.New("ui: no authenticator")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ComposeTimeout <= 0 {
		return nil, errors.New("ui: the compose timeout must be positive")
	}
	d := &Dashboard{opts: opts, policy: opts.Policy, sessions: newSessions(opts.Now)}
	if d.policy == nil {
		d.policy = auth.DefaultPolicy()
	}
	if opts.Strategy == StrategyKeystone {
		hc, err := auth.KeystoneHTTPClient(opts.KeystoneCAFile)
		if err != nil {
			return nil, err
		}
		d.keystone = hc
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("ui: public URL: %w", err)
		}
		d.publicHost = u.Host
	}
	sum, err := staticDigest()
	if err != nil {
		return nil, err
	}
	d.staticPrefix = "/ui/static/" + sum
	if d.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return d, nil
}

// staticDigest names the assets' version: a digest of their content.
func staticDigest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(assets, "static", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := assets.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// Handler returns the dashboard's router, which calls api (the server's
// v1 handler, middleware included) for everything it shows or changes. It
// is mounted at /ui.
func (d *Dashboard) Handler(api http.Handler) http.Handler {
	d.api = api
	r := chi.NewRouter()
	r.Use(securityHeaders)
	r.NotFound(d.notFound)
	r.MethodNotAllowed(d.methodNotAllowed)
	r.Get("/static/{version}/{file}", d.static)
	r.Get("/login", d.loginForm)
	r.Post("/login", d.signIn)
	r.Group(func(r chi.Router) {
		r.Use(d.withSession, d.checkCSRF)
		r.Post("/logout", d.signOut)
		d.routes(r)
	})
	return redirectBare(r)
}

// client is the API client of the session's caller, over the in-process
// transport; opts add to it (e.g. WithWarnings).
func (d *Dashboard) client(sess *session, opts ...client.Option) *client.Client {
	c, err := client.New(apiBase, append([]client.Option{
		client.WithHTTPClient(&http.Client{Transport: inProcess{api: d.api}}),
		client.WithAuth(sess.creds),
		client.WithUserAgent("valence-ui")}, opts...)...)
	if err != nil {
		panic("ui: the in-process API URL is refused: " + err.Error()) // a constant: a bug
	}
	return c
}
