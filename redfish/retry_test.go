package redfish

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// flaky answers the statuses of fail, one per request, then 200, and counts the requests by method.
type flaky struct {
	mu       sync.Mutex
	fail     []int
	header   http.Header
	requests map[string]int
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests[r.Method]++
	var status int
	if len(f.fail) > 0 {
		status, f.fail = f.fail[0], f.fail[1:]
	}
	f.mu.Unlock()
	switch status {
	case 0:
		_, _ = w.Write([]byte(`{}`))
	default:
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
	}
}

// retrying starts a server that fails with the given answers and returns a
// client that retries by policy, with the waits it took.
func retrying(t *testing.T, policy Retry, fail ...int) (*http.Client, string, *flaky, *[]time.Duration) {
	t.Helper()
	f := &flaky{fail: fail, requests: map[string]int{}, header: http.Header{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	hc := withRetry(srv.Client(), policy)
	var waits []time.Duration
	hc.Transport.(*retryTransport).sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return hc, srv.URL, f, &waits
}

func do(t *testing.T, ctx context.Context, hc *http.Client, method, url string) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(`{"a":1}`))
	if method == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, method, url, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func TestRetryReadsUntilSuccess(t *testing.T) {
	hc, url, f, waits := retrying(t, Retry{}, 503, 502, 429)
	status, err := do(t, context.Background(), hc, http.MethodGet, url)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET: %d %v, want 200 after three failures", status, err)
	}
	if f.requests[http.MethodGet] != 4 || len(*waits) != 3 {
		t.Errorf("%d GETs, %d waits; want 4 and 3", f.requests[http.MethodGet], len(*waits))
	}
	// Each wait lies in the upper half of its doubled backoff.
	for i, w := range *waits {
		backoff := DefaultRetryBaseDelay << i
		if w < backoff/2 || w > backoff {
			t.Errorf("wait %d: %v, want in [%v, %v]", i+1, w, backoff/2, backoff)
		}
	}
}

func TestRetryConnectionFailures(t *testing.T) {
	hc, _, _, waits := retrying(t, Retry{Attempts: 3})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	_ = ln.Close()
	if _, err := do(t, context.Background(), hc, http.MethodGet, refused); err == nil {
		t.Fatal("GET of a closed port succeeded")
	}
	if len(*waits) != 2 {
		t.Errorf("%d waits, want 2 (3 attempts)", len(*waits))
	}
}

func TestRetryAttemptsBounded(t *testing.T) {
	hc, url, f, _ := retrying(t, Retry{Attempts: 3}, 500, 500, 500, 500, 500)
	status, err := do(t, context.Background(), hc, http.MethodGet, url)
	if err != nil || status != http.StatusInternalServerError {
		t.Fatalf("GET: %d %v, want the last 500", status, err)
	}
	if got := f.requests[http.MethodGet]; got != 3 {
		t.Errorf("%d GETs, want 3 attempts", got)
	}
}

func TestRetryNotForWritesNorFinalAnswers(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut} {
		hc, url, f, _ := retrying(t, Retry{}, 503, 503)
		if status, err := do(t, context.Background(), hc, method, url); err != nil || status != 503 {
			t.Errorf("%s: %d %v, want the 503 as it came", method, status, err)
		}
		if f.requests[method] != 1 {
			t.Errorf("%s sent %d times, want once", method, f.requests[method])
		}
	}
	for _, status := range []int{400, 401, 404, 409, 501} {
		hc, url, f, _ := retrying(t, Retry{}, status)
		if got, err := do(t, context.Background(), hc, http.MethodGet, url); err != nil || got != status {
			t.Errorf("GET answered %d: got %d %v", status, got, err)
		}
		if f.requests[http.MethodGet] != 1 {
			t.Errorf("GET answered %d retried: %d tries", status, f.requests[http.MethodGet])
		}
	}
}

func TestRetryWithinDeadline(t *testing.T) {
	// The first wait (at least 5 s) would outlast the 1 s deadline: no retry.
	hc, url, f, waits := retrying(t, Retry{BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second}, 503, 503)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if status, err := do(t, ctx, hc, http.MethodGet, url); err != nil || status != 503 {
		t.Fatalf("GET: %d %v, want the 503 as it came", status, err)
	}
	if f.requests[http.MethodGet] != 1 || len(*waits) != 0 {
		t.Errorf("%d GETs, %d waits; want 1 and none", f.requests[http.MethodGet], len(*waits))
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	hc, url, f, waits := retrying(t, Retry{MaxDelay: 5 * time.Second}, 429)
	f.header.Set("Retry-After", "3")
	if status, err := do(t, context.Background(), hc, http.MethodGet, url); err != nil || status != 200 {
		t.Fatalf("GET: %d %v", status, err)
	}
	if len(*waits) != 1 || (*waits)[0] < 3*time.Second {
		t.Errorf("waits %v, want one of at least Retry-After's 3s", *waits)
	}

	// Longer than MaxDelay: the 503 is the answer.
	hc, url, f, waits = retrying(t, Retry{MaxDelay: 2 * time.Second}, 503)
	f.header.Set("Retry-After", "120")
	if status, err := do(t, context.Background(), hc, http.MethodGet, url); err != nil || status != 503 {
		t.Fatalf("GET: %d %v, want the 503", status, err)
	}
	if len(*waits) != 0 || f.requests[http.MethodGet] != 1 {
		t.Errorf("waits %v, %d GETs; want no retry", *waits, f.requests[http.MethodGet])
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999", (1 << 20) * time.Second, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	} {
		if got, ok := retryAfter(c.in, now); got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestRetryDefaults(t *testing.T) {
	if r := (Retry{}).withDefaults(); r.Attempts != DefaultRetryAttempts || r.BaseDelay != DefaultRetryBaseDelay || r.MaxDelay != DefaultRetryMaxDelay {
		t.Errorf("zero Retry: %+v", r)
	}
	if r := (Retry{Attempts: 1000}).withDefaults(); r.Attempts != MaxRetryAttempts {
		t.Errorf("Attempts 1000 gives %d, want the cap %d", r.Attempts, MaxRetryAttempts)
	}
}
