package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/valence-rsd/valence/internal/valence"
)

// metrics counts and times requests by route pattern, method and status code.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	labels := []string{"route", "method", "code"}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "valence_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "valence_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			lv := prometheus.Labels{"route": routePattern(r), "method": methodLabel(r.Method), "code": strconv.Itoa(statusOf(ww))}
			m.requests.With(lv).Inc()
			m.duration.With(lv).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(ww, r)
	})
}

// knownMethods are the methods of RFC 9110 and PATCH: the only values of the
// method label besides "other".
var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// methodLabel is the method as a label value: any unknown method is "other",
// since a caller who is not even authenticated may invent as many as it likes
// and each value would be a series kept until restart.
func methodLabel(m string) string {
	if slices.Contains(knownMethods, m) {
		return m
	}
	return "other"
}

// CoreMetrics records what the core measures, on the server's registry.
type CoreMetrics struct {
	composeDuration *prometheus.HistogramVec
	composeFailures *prometheus.CounterVec
	abandoned       prometheus.Gauge
}

// NewCoreMetrics registers the core's metrics on reg.
func NewCoreMetrics(reg prometheus.Registerer) *CoreMetrics {
	m := &CoreMetrics{
		composeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "valence_compose_duration_seconds",
			Help:    "Time to compose a node, by result (success or failure).",
			Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"result"}),
		composeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "valence_compose_failures_total",
			Help: "Composes that failed, by reason (the core's error code).",
		}, []string{"reason"}),
		abandoned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "valence_compose_abandoned",
			Help: "Abandoned composes (their server died, or their rollback failed) that the last recovery pass left to undo later.",
		}),
	}
	reg.MustRegister(m.composeDuration, m.composeFailures, m.abandoned)
	return m
}

// ComposeDone implements valence.Metrics.
func (m *CoreMetrics) ComposeDone(d time.Duration, failure valence.Code) {
	if failure == "" {
		m.composeDuration.WithLabelValues("success").Observe(d.Seconds())
		return
	}
	m.composeDuration.WithLabelValues("failure").Observe(d.Seconds())
	m.composeFailures.WithLabelValues(string(failure)).Inc()
}

// ComposesAbandoned implements valence.Metrics.
func (m *CoreMetrics) ComposesAbandoned(n int) { m.abandoned.Set(float64(n)) }
