// Package serve runs an http.Server until its context ends and then drains
// it: no new connections, and requests in flight get a grace period.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// pollEvery is how often a drain checks whether requests are still running.
const pollEvery = 20 * time.Millisecond

// Run serves srv on ln until ctx ends, then stops accepting and gives the
// requests in flight up to grace to finish. It returns nil on a clean stop,
// and an error when serving failed or requests were still running at the
// end of the grace period. With certFile and keyFile set it serves TLS.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, certFile, keyFile string, grace time.Duration) error {
	var inflight atomic.Int64
	next := srv.Handler
	if next == nil {
		next = http.DefaultServeMux
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		next.ServeHTTP(w, r)
	})
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return drain(srv, &inflight, grace)
}

// drain shuts srv down. http.Server.Shutdown waits for every connection,
// and counts one on which no request has arrived yet as busy for up to 5 s;
// drain closes such leftovers as soon as no request is running, so that an
// idle client holds up neither the stop nor its verdict.
func drain(srv *http.Server, inflight *atomic.Int64, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil || inflight.Load() == 0 {
				srv.Close()
				return nil
			}
			srv.Close()
			return fmt.Errorf("%d requests still running after %s: %w", inflight.Load(), grace, err)
		case <-tick.C:
			if inflight.Load() == 0 {
				// Only connections without a request are left.
				if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
			}
		}
	}
}
