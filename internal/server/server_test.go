package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

var requestIDPattern = regexp.MustCompile(`^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

type fixture struct {
	srv *httptest.Server
	log *syncBuffer
}

// newFixture serves the real router, with extra test-only routes mounted on
// it so that the middleware chain can be exercised through them.
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	opts.Log = zerolog.New(logs)
	h := New(opts)
	r := h.(chi.Router)
	r.Get("/test/panic", func(http.ResponseWriter, *http.Request) { panic("boom: secret internals") })
	r.Post("/test/echo", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErrorBody(w, r, http.StatusRequestEntityTooLarge, tooLarge(mbe.Limit))
			return
		}
		writeJSON(w, http.StatusOK, map[string]int64{"read": n})
	})
	r.Get("/test/error/{code}", func(w http.ResponseWriter, r *http.Request) {
		renderError(w, r, &valence.Error{
			Code: valence.Code(chi.URLParam(r, "code")), Message: "told so",
			ExtendedInfo: []string{"because"}, Err: errors.New("hidden cause"),
		})
	})
	r.Get("/test/plain-error", func(w http.ResponseWriter, r *http.Request) {
		renderError(w, r, errors.New("db password=hunter2 leaked in an error"))
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, log: logs}
}

func (f *fixture) do(t *testing.T, method, path string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// checkError asserts the error format of api/openapi.yaml (its Error
// schema) and returns the body.
func checkError(t *testing.T, resp *http.Response, raw []byte, status int, code string) api.Error {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var keys map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatalf("error body is not JSON: %s", raw)
	}
	for _, k := range []string{"code", "title", "detail", "status", "request_id"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("error body lacks %q: %s", k, raw)
		}
	}
	var e api.Error
	_ = json.Unmarshal(raw, &e)
	if e.Code != code || e.Status != status || e.Detail == "" || e.Title == "" {
		t.Errorf("error body %+v, want code %s status %d with title and detail", e, code, status)
	}
	if e.RequestID != resp.Header.Get(RequestIDHeader) {
		t.Errorf("request_id %q differs from header %q", e.RequestID, resp.Header.Get(RequestIDHeader))
	}
	return e
}

func TestRequestIDIsOnEveryResponseAndUnique(t *testing.T) {
	f := newFixture(t, Options{})
	seen := map[string]bool{}
	for _, path := range []string{"/", "/v1", "/healthz", "/nope", "/", "/test/panic"} {
		resp, _ := f.do(t, "GET", path, nil)
		id := resp.Header.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) {
			t.Errorf("%s: request id %q is not req-<uuid4>", path, id)
		}
		if seen[id] {
			t.Errorf("%s: request id %q repeated", path, id)
		}
		seen[id] = true
	}
}

// TestInProcessCallKeepsTheRequestID: a call of the router on the context
// of a request it serves (the dashboard's in-process API calls) carries that
// request's id, in its answer and its access line.
func TestInProcessCallKeepsTheRequestID(t *testing.T) {
	var inner string
	f := newFixture(t, Options{UI: func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// As internal/ui's transport: the page's route is not the call's.
			ctx := context.WithValue(r.Context(), chi.RouteCtxKey, nil)
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1", nil).WithContext(ctx))
			inner = rec.Header().Get(RequestIDHeader)
		})
	}})
	resp, _ := f.do(t, "GET", "/ui/page", nil)
	outer := resp.Header.Get(RequestIDHeader)
	if !requestIDPattern.MatchString(outer) || inner != outer {
		t.Fatalf("the page's request id %q, its API call's %q: want the same req-<uuid4>", outer, inner)
	}
	lines := f.log.lines(t)
	if len(lines) != 2 {
		t.Fatalf("want the call's and the page's access lines, got %v", lines)
	}
	for _, l := range lines {
		if l["request_id"] != outer {
			t.Errorf("access line %v: request_id is not the page's %s", l, outer)
		}
	}
	// A request from outside gets a new id each time.
	again, _ := f.do(t, "GET", "/ui/page", nil)
	if again.Header.Get(RequestIDHeader) == outer {
		t.Errorf("two pages share the request id %s", outer)
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(t, "GET", "/nope", nil)
	checkError(t, resp, body, 404, "NotFound")
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(t, "DELETE", "/v1", nil)
	checkError(t, resp, body, 405, "MethodNotAllowed")
	if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow %q, want %q", allow, "GET, HEAD")
	}
	// The trailing-slash form routes the same way.
	resp, body = f.do(t, "PUT", "/v1/", nil)
	checkError(t, resp, body, 405, "MethodNotAllowed")
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, Options{})
	big := bytes.Repeat([]byte("x"), MaxBodyBytes+1)

	resp, body := f.do(t, "POST", "/test/echo", bytes.NewReader(big))
	checkError(t, resp, body, 413, "RequestEntityTooLarge")

	// A chunked body declares no length; the limit holds while reading.
	resp, body = f.do(t, "POST", "/test/echo", io.MultiReader(bytes.NewReader(big)))
	checkError(t, resp, body, 413, "RequestEntityTooLarge")

	resp, body = f.do(t, "POST", "/test/echo", bytes.NewReader(big[:MaxBodyBytes]))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"read":1048576`) {
		t.Errorf("a body of exactly the limit: %d %s", resp.StatusCode, body)
	}
}

// A client that writes its whole body before it reads (Python's urllib, any
// Connection: close client) gets the 413, not a connection reset: the server
// reads and drops the rest of the body before it closes.
func TestOversizedBodyWrittenBeforeReadingGets413(t *testing.T) {
	f := newFixture(t, Options{})
	const size = 8 << 20 // more than the kernel buffers of both ends take in
	body := bytes.Repeat([]byte("x"), size)
	chunked := func() []byte {
		var b bytes.Buffer
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 64<<10)
			fmt.Fprintf(&b, "%x\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	for _, tc := range []struct {
		name, path, framing string
		body                []byte
	}{
		{"Content-Length", "/v1/flavors", fmt.Sprintf("Content-Length: %d", size), body},
		{"chunked", "/test/echo", "Transfer-Encoding: chunked", chunked()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute)) // a hang fails the test instead of stalling it
			req := "POST " + tc.path + " HTTP/1.1\r\nHost: valence\r\nContent-Type: application/json\r\n" +
				tc.framing + "\r\nConnection: close\r\n\r\n"
			if _, err := conn.Write(append([]byte(req), tc.body...)); err != nil {
				t.Fatalf("writing the body: %v (the server reset the connection)", err)
			}
			answer, err := io.ReadAll(conn)
			if err != nil {
				t.Fatalf("reading the answer: %v; read %q", err, answer)
			}
			if !bytes.HasPrefix(answer, []byte("HTTP/1.1 413 ")) || !bytes.Contains(answer, []byte(`"code":"RequestEntityTooLarge"`)) {
				t.Errorf("answer %q, want the 413", answer)
			}
		})
	}
}

// A client that waits for 100 Continue gets instead a complete 413, with its
// length, so it need not send the body at all (curl's way).
func TestOversizedBodyAfterExpectContinueIsAnsweredAtOnce(t *testing.T) {
	f := newFixture(t, Options{})
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(conn, "POST /v1/flavors HTTP/1.1\r\nHost: valence\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 4<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, resp.ContentLength))
	if resp.StatusCode != 413 || resp.ContentLength <= 0 || err != nil || !bytes.Contains(body, []byte(`"code":"RequestEntityTooLarge"`)) {
		t.Errorf("%d, Content-Length %d, %q, %v: want a 413 of known length", resp.StatusCode, resp.ContentLength, body, err)
	}
}

func TestPanicBecomesJSON500WithoutInternals(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(t, "GET", "/test/panic", nil)
	checkError(t, resp, body, 500, "InternalServerError")
	if strings.Contains(string(body), "boom") || strings.Contains(string(body), "goroutine") {
		t.Errorf("panic details leaked to the caller: %s", body)
	}
	var logged bool
	for _, l := range f.log.lines(t) {
		if l["panic"] == "boom: secret internals" && l["stack"] != nil {
			logged = true
		}
	}
	if !logged {
		t.Error("the panic and its stack were not logged")
	}
}

func TestErrorRenderer(t *testing.T) {
	f := newFixture(t, Options{})
	for code, we := range wireErrors {
		resp, body := f.do(t, "GET", "/test/error/"+string(code), nil)
		e := checkError(t, resp, body, we.status, we.code)
		if e.Detail != "told so" || len(e.ExtendedInfo) != 1 || e.ExtendedInfo[0] != "because" {
			t.Errorf("%s: body %s", code, body)
		}
		if strings.Contains(string(body), "hidden cause") {
			t.Errorf("%s: the cause leaked: %s", code, body)
		}
	}
	// A pod manager refusing Valence is never the caller's own 401 or 403.
	for code, want := range map[valence.Code]wireError{
		valence.PodManagerAuthFailed: {status: 502, code: "PodManagerAuthFailed"},
		valence.NotImplemented:       {status: 501, code: "NotImplemented"},
	} {
		if we := wireErrors[code]; we.status != want.status || we.code != want.code {
			t.Errorf("%s is answered %d %s, want %d %s", code, we.status, we.code, want.status, want.code)
		}
	}
	resp, body := f.do(t, "GET", "/test/plain-error", nil)
	checkError(t, resp, body, 500, "InternalServerError")
	if strings.Contains(string(body), "hunter2") {
		t.Errorf("an internal error leaked: %s", body)
	}
}

func TestAccessLogLine(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(t, "GET", "/v1/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /v1/: %d", resp.StatusCode)
	}
	f.do(t, "GET", "/nope/123", nil)
	lines := f.log.lines(t)
	if len(lines) != 2 {
		t.Fatalf("want one access line per request, got %d: %v", len(lines), lines)
	}
	l := lines[0]
	want := map[string]any{
		"request_id": resp.Header.Get(RequestIDHeader), "method": "GET", "route": "/v1",
		"status": float64(200), "bytes": float64(len(body)), "message": "request",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("log %s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if _, ok := l["duration"].(float64); !ok {
		t.Errorf("log line has no numeric duration: %v", l)
	}
	if lines[1]["route"] != "unmatched" || lines[1]["status"] != float64(404) {
		t.Errorf("unmatched path logged as %v", lines[1])
	}
}

func TestRootDocument(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(t, "GET", "/", nil)
	var root api.Root
	if err := json.Unmarshal(body, &root); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %d %s", resp.StatusCode, body)
	}
	if len(root.Versions) != 1 || root.Versions[0].ID != "v1" || root.Versions[0].Status != "CURRENT" ||
		root.Versions[0].Links[0].Href != f.srv.URL+"/v1/" {
		t.Errorf("root document %+v", root)
	}
	for _, k := range []string{`"min_version":""`, `"max_version":""`, `"name":`, `"description":`} {
		if !strings.Contains(string(body), k) {
			t.Errorf("root document lacks %s: %s", k, body)
		}
	}
}

func TestV1Document(t *testing.T) {
	f := newFixture(t, Options{})
	for _, path := range []string{"/v1", "/v1/"} {
		resp, body := f.do(t, "GET", path, nil)
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if doc["id"] != "v1" {
			t.Errorf("id %v", doc["id"])
		}
		for _, coll := range []string{"pod_managers", "flavors", "nodes", "systems", "storages", "racks"} {
			links, _ := doc[coll].([]any)
			if len(links) != 2 {
				t.Errorf("%s: want self and bookmark links, got %v", coll, doc[coll])
				continue
			}
			self := links[0].(map[string]any)
			if self["rel"] != "self" || self["href"] != f.srv.URL+"/v1/"+coll+"/" {
				t.Errorf("%s self link %v", coll, self)
			}
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	storeDown := errors.New("store: connection refused")
	var fail bool
	f := newFixture(t, Options{Ready: map[string]ReadyCheck{
		"store": func(context.Context) error {
			if fail {
				return storeDown
			}
			return nil
		},
	}})
	if resp, body := f.do(t, "GET", "/healthz", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "GET", "/readyz", nil); resp.StatusCode != 200 {
		t.Errorf("readyz with the store up: %d", resp.StatusCode)
	}
	fail = true
	resp, body := f.do(t, "GET", "/readyz", nil)
	if e := checkError(t, resp, body, 503, "ServiceUnavailable"); !strings.Contains(e.Detail, "store: store: connection refused") {
		t.Errorf("readyz with the store down: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "HEAD", "/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("HEAD /healthz: %d", resp.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := newFixture(t, Options{Registry: reg})
	f.do(t, "GET", "/v1", nil)
	f.do(t, "GET", "/v1/", nil)
	f.do(t, "GET", "/nope/1234", nil)
	resp, body := f.do(t, "GET", "/metrics", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`valence_http_requests_total{code="200",method="GET",route="/v1"} 2`,
		`valence_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`valence_http_request_duration_seconds_bucket{code="200",method="GET",route="/v1",le="+Inf"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "1234") {
		t.Error("a raw path leaked into a metric label")
	}

	noMetrics := newFixture(t, Options{})
	resp, body = noMetrics.do(t, "GET", "/metrics", nil)
	checkError(t, resp, body, 404, "NotFound")
}

// Invented methods, which anyone may send without credentials, all count
// under method="other": they add no series.
func TestMetricsMethodLabelIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := newFixture(t, Options{Registry: reg})
	series := func() int {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, mf := range mfs {
			if mf.GetName() == "valence_http_requests_total" {
				n += len(mf.GetMetric())
			}
		}
		return n
	}
	f.do(t, "BREW", "/v1", nil)
	before := series()
	for i := range 200 {
		f.do(t, fmt.Sprintf("X%dMETHOD", i), "/v1", nil)
	}
	if got := series(); got != before {
		t.Errorf("200 invented methods took the request series from %d to %d", before, got)
	}
	_, body := f.do(t, "GET", "/metrics", nil)
	if !strings.Contains(string(body), `valence_http_requests_total{code="405",method="other",route="unmatched"} 201`) ||
		strings.Contains(string(body), "METHOD") || strings.Contains(string(body), "BREW") {
		t.Errorf("invented methods are not counted as other:\n%s", body)
	}
}

func TestCORS(t *testing.T) {
	f := newFixture(t, Options{CORSOrigins: []string{"https://horizon.example"}})
	req, _ := http.NewRequest("OPTIONS", f.srv.URL+"/v1", nil)
	req.Header.Set("Origin", "https://horizon.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://horizon.example" {
		t.Errorf("preflight Allow-Origin %q", got)
	}
	req, _ = http.NewRequest("GET", f.srv.URL+"/v1", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err = f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin allowed: %q", got)
	}
}

// Go's profiles are served only with Pprof set, and then only to a caller
// the rule valence:debug:pprof allows (an administrator by default).
func TestPprofBehindSettingAndPolicy(t *testing.T) {
	off := newAPI(t)
	if resp, _ := off.admin(t, "GET", "/debug/pprof/", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("without Pprof: GET /debug/pprof/ %d, want 404", resp.StatusCode)
	}
	on := newAPIWith(t, Options{Pprof: true})
	if resp, body := on.admin(t, "GET", "/debug/pprof/", ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Errorf("an administrator: GET /debug/pprof/ %d %.200s, want the index", resp.StatusCode, body)
	}
	if resp, _ := on.admin(t, "GET", "/debug/pprof/mutex?debug=1", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("an administrator: GET /debug/pprof/mutex %d, want 200", resp.StatusCode)
	}
	if resp, _ := on.call(t, "reader", "p1", "GET", "/debug/pprof/", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a reader: GET /debug/pprof/ %d, want 403", resp.StatusCode)
	}
	if resp, _ := on.call(t, "", "", "GET", "/debug/pprof/", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: GET /debug/pprof/ %d, want 401", resp.StatusCode)
	}
}
