package podm

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the pod-manager call metrics. Operations are method names,
// never URLs or ids, so that the series stay few.
type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

// newMetrics registers the metrics on reg, or returns nil when reg is nil.
// Metrics already registered (a second Connector on one registry) are shared.
func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "valence_podm_request_duration_seconds",
			Help: "Duration of calls to pod managers, by operation.",
			// Up to minutes: an allocation or an assembly can take that long.
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "valence_podm_errors_total",
			Help: "Failed calls to pod managers, by operation and error code.",
		}, []string{"operation", "code"}),
	}
	m.duration = register(reg, m.duration)
	m.errors = register(reg, m.errors)
	return m
}

// register registers c, or returns the collector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // a clash of names with another kind of metric is a bug
	}
	return c
}

// observe runs one operation: it times it, maps its failure to the core's
// error, counts the failure and logs its cause.
func observe[T any](ctx context.Context, c *conn, o op, call func() (T, error)) (T, error) {
	start := time.Now()
	v, err := call()
	var zero T
	if err == nil {
		c.metrics.done(o, start, "")
		return v, nil
	}
	e := c.toError(ctx, o, err)
	c.metrics.done(o, start, string(e.Code))
	c.log.Debug().Err(err).Str("operation", string(o)).Str("code", string(e.Code)).Msg("pod manager call failed")
	return zero, e
}

// done records one call; code is "" for a success.
func (m *metrics) done(o op, start time.Time, code string) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(string(o)).Observe(time.Since(start).Seconds())
	if code != "" {
		m.errors.WithLabelValues(string(o), code).Inc()
	}
}
