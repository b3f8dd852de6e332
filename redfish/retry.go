package redfish

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry says how often and how patiently an idempotent read (GET, HEAD) is
// tried again after a connection failure, a 5xx or a 429. Every wait ends
// before the request's deadline: a retry that would not fit is not made, and
// the last answer or failure is returned as it came.
type Retry struct {
	// Attempts is the most tries of one request, the first included
	// (DefaultRetryAttempts if zero, at most MaxRetryAttempts); 1 turns
	// retries off.
	Attempts int
	// BaseDelay is the wait before the first retry, doubled for each next
	// one (DefaultRetryBaseDelay if zero); the wait actually taken is drawn
	// at random from its upper half, so that clients do not retry in step.
	BaseDelay time.Duration
	// MaxDelay caps one wait (DefaultRetryMaxDelay if zero). An answer whose
	// Retry-After asks for longer is returned without a retry.
	MaxDelay time.Duration
}

// Defaults and bounds of Retry.
const (
	DefaultRetryAttempts  = 4
	MaxRetryAttempts      = 10
	DefaultRetryBaseDelay = 100 * time.Millisecond
	DefaultRetryMaxDelay  = 2 * time.Second
)

// withDefaults fills the zero fields and caps Attempts.
func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetryAttempts
	}
	r.Attempts = min(r.Attempts, MaxRetryAttempts)
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultRetryBaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultRetryMaxDelay
	}
	return r
}

// retryTransport is the http.RoundTripper that plays Retry. It sits below
// gofish, so every read of the package, gofish's own included, gets it.
type retryTransport struct {
	next   http.RoundTripper
	policy Retry
	// sleep waits d or until ctx ends; tests replace it to record the waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// withRetry returns a copy of hc whose transport retries reads by policy.
func withRetry(hc *http.Client, policy Retry) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out := *hc
	out.Transport = &retryTransport{next: next, policy: policy.withDefaults(), sleep: sleepCtx}
	return &out
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RoundTrip sends req, and sends it again while the answer says a later try
// may succeed and the policy and the deadline allow one.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if (req.Method != http.MethodGet && req.Method != http.MethodHead) || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if attempt >= t.policy.Attempts || !retryable(ctx, resp, err) {
			return resp, err
		}
		wait, ok := t.wait(ctx, attempt, resp)
		if !ok {
			return resp, err
		}
		if t.sleep(ctx, wait) != nil {
			return resp, err // the caller gave up meanwhile: the last answer is all there is
		}
		if resp != nil {
			// Drained, so that the connection is reused for the next try.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
	}
}

// retryable reports whether a later try may fare better: the request got no
// answer (but not because the caller gave up), or the answer is a 5xx
// (except 501, which no retry changes) or a 429.
func retryable(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		return ctx.Err() == nil
	}
	s := resp.StatusCode
	return s == http.StatusTooManyRequests || (s >= 500 && s != http.StatusNotImplemented)
}

// wait returns how long to wait before try attempt+1, and false when no
// retry should be made: Retry-After asks for longer than MaxDelay, or the
// wait would end after the request's deadline.
func (t *retryTransport) wait(ctx context.Context, attempt int, resp *http.Response) (time.Duration, bool) {
	backoff := min(t.policy.BaseDelay<<(attempt-1), t.policy.MaxDelay)
	d := backoff/2 + rand.N(backoff/2+1)
	if resp != nil {
		if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if after > t.policy.MaxDelay {
				return 0, false
			}
			d = max(d, after)
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Now().Add(d).After(deadline) {
		return 0, false
	}
	return d, true
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Capped before the multiplication, which would overflow for huge values.
		return time.Duration(min(secs, 1<<20)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// CloseIdleConnections passes on to the wrapped transport, as http.Client
// does for its own, so that Client.Close frees the connections.
func (t *retryTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
