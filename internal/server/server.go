// Package server is the HTTP face of Valence: the chi router, its middleware,
// the handlers and the one error renderer. Handlers decode, call the core and
// render; nothing else lives here.
package server

import (
	"context"
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/valence"
)

// MaxBodyBytes is the largest request body accepted (413 above it).
const MaxBodyBytes = 1 << 20

// ReadyCheck reports whether one dependency of the server answers.
type ReadyCheck func(ctx context.Context) error

// Options are what the router is built from.
type Options struct {
	// Log receives one access line per request and every error's cause.
	Log zerolog.Logger
	// Registry, when set, serves /metrics and receives the request metrics.
	Registry *prometheus.Registry
	// CORSOrigins allowed by CORS; empty turns CORS off.
	CORSOrigins []string
	// Ready are the checks behind /readyz, by name.
	Ready map[string]ReadyCheck
	// Service is the core; without it only the service endpoints are served.
	Service *valence.Service
	// Auth establishes the caller of every v1 resource request.
	Auth auth.Authenticator
	// Policy decides what each caller may do; DefaultPolicy when nil.
	Policy *auth.Policy
	// Pprof serves Go's runtime profiles at /debug/pprof/, behind
	// authentication and the rule valence:debug:pprof.
	Pprof bool
	// PublicURL, when set, is the base of Location, Link and the links of
	// / and /v1 instead of the request's Host (an absolute http(s) URL,
	// checked by the settings).
	PublicURL string
	// UI, when set, makes the web dashboard mounted at /ui (outside the v1
	// authentication: its session does that); it is given the router
	// itself, the v1 API its pages call in-process.
	UI func(api http.Handler) http.Handler
}

// New builds the router with its middleware in the documented order:
// request id, access log and metrics, panic recovery, body limit, CORS; and
// for the v1 resources, authentication, then each operation's policy rule.
func New(opts Options) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.StripSlashes, middleware.GetHead)
	r.Use(requestID)
	if opts.PublicURL != "" {
		r.Use(publicURL(strings.TrimRight(opts.PublicURL, "/")))
	}
	r.Use(accessLog(opts.Log))
	if opts.Registry != nil {
		r.Use(newMetrics(opts.Registry).middleware)
	}
	r.Use(recoverer)
	r.Use(limitBody(MaxBodyBytes))
	if len(opts.CORSOrigins) > 0 {
		r.Use(cors.Handler(cors.Options{
			AllowedOrigins: opts.CORSOrigins,
			AllowedMethods: []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"},
			AllowedHeaders: []string{"Content-Type", "X-Auth-Token", "Authorization", "X-OpenStack-Request-Id"},
			ExposedHeaders: []string{"X-OpenStack-Request-Id", "Location", "Link", "Warning"},
		}))
	}
	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed(r))

	r.Get("/", root)
	r.Get("/v1", v1)
	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(opts.Ready))
	if opts.Registry != nil {
		r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	}
	r.Get("/v1/openapi.yaml", openAPI)
	r.Get("/v1/docs", docs)
	if opts.UI != nil {
		r.Mount("/ui", opts.UI(r))
	}
	if opts.Service != nil {
		policy := opts.Policy
		if policy == nil {
			policy = auth.DefaultPolicy()
		}
		h := &handlers{svc: opts.Service, policy: policy}
		r.Group(func(r chi.Router) {
			r.Use(auth.Middleware(opts.Auth, renderError), noteCaller)
			h.routes(r)
			if opts.Pprof {
				profiles(r, h)
			}
		})
	}
	return r
}

// profiles mounts Go's runtime profiles at /debug/pprof/ under the rule
// valence:debug:pprof. The index also serves each named profile (heap,
// mutex, block, goroutine, ...); StripSlashes has made /debug/pprof/ the
// index's own path.
func profiles(r chi.Router, h *handlers) {
	serve := func(fn http.HandlerFunc) http.HandlerFunc {
		return h.op(auth.RuleDebugPprof, func(w http.ResponseWriter, r *http.Request) error {
			fn(w, r)
			return nil
		})
	}
	r.Get("/debug/pprof", serve(pprof.Index))
	r.Get("/debug/pprof/cmdline", serve(pprof.Cmdline))
	r.Get("/debug/pprof/profile", serve(pprof.Profile))
	r.Get("/debug/pprof/symbol", serve(pprof.Symbol))
	r.Get("/debug/pprof/trace", serve(pprof.Trace))
	r.Get("/debug/pprof/{profile}", serve(pprof.Index))
}
