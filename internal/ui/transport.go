package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// apiBase is the URL the in-process client believes it calls; no request
// leaves the process, so the host is never resolved.
const apiBase = "http://valence.invalid"

// maxAPIAnswer bounds what one in-process answer may buffer; the client
// refuses a larger body anyway (api/client reads at most 32 MiB).
const maxAPIAnswer = 32<<20 + 1

type remoteKey struct{}

// withRemote makes the browser's address the remote address of the API calls
// made on ctx, so that the API's per-client limits (http_basic's failed
// logins) count the browser, not the dashboard.
func withRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// inProcess is an http.RoundTripper that serves each request with the v1
// handler directly: no socket, the same middleware, authentication, policy
// and core as a request from outside.
type inProcess struct{ api http.Handler }

// RoundTrip runs req through the API handler and returns its answer.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	// The page's chi routing context must not reach the API's router, which
	// would otherwise reuse it instead of routing the request afresh.
	ctx := context.WithValue(req.Context(), chi.RouteCtxKey, nil)
	in := req.Clone(ctx)
	in.RequestURI = req.URL.RequestURI()
	if addr, ok := ctx.Value(remoteKey{}).(string); ok {
		in.RemoteAddr = addr
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &answer{header: make(http.Header)}
	t.api.ServeHTTP(rec, in)
	if rec.overflow {
		return nil, fmt.Errorf("%s %s: answer larger than %d bytes", req.Method, req.URL.Path, maxAPIAnswer)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// answer is the http.ResponseWriter an in-process call writes to.
type answer struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	overflow bool
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	if a.body.Len()+len(p) > maxAPIAnswer {
		a.overflow = true
		return 0, fmt.Errorf("answer larger than %d bytes", maxAPIAnswer)
	}
	return a.body.Write(p)
}
