package redfish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultMaxResponse caps the body of one answer of the pod manager when
// Config.MaxResponse is zero: far above the largest collection a pod manager
// of thousands of systems lists, far below what would strain the server.
const DefaultMaxResponse = 4 << 20

// maxRedirects bounds the same-origin redirects one GET follows.
const maxRedirects = 5

var (
	// ErrResponseTooLarge marks an answer whose body exceeds Config.MaxResponse:
	// the call fails rather than reading on (or silently using a truncated body).
	ErrResponseTooLarge = errors.New("answer exceeds the size limit")

	// ErrOtherOrigin marks a request that would leave the pod manager's origin
	// (scheme, host and port of Config.Endpoint): a link from its answers that
	// is an absolute URL, "//host/...", "@host", holds a backslash, or a
	// redirect elsewhere. Such a request is never sent, so neither the
	// credentials nor the session token reach another host.
	ErrOtherOrigin = errors.New("not a path on the pod manager's own origin")

	// ErrTooManyMembers marks a collection whose pages list more members in
	// all than Config.MaxMembers: the read stops at the page that crossed
	// the limit rather than follow a service that chains pages without end.
	ErrTooManyMembers = errors.New("collection exceeds the member limit")

	// ErrBadPaging marks a collection whose pages do not lead to an end: a
	// next link to a page read already, or one named by a page without
	// members.
	ErrBadPaging = errors.New("collection pages do not chain")

	// ErrRedirectRefused marks a redirect not followed within the origin: of
	// a POST, PATCH or DELETE, or one too many.
	ErrRedirectRefused = errors.New("redirect not followed")
)

// guard is the transport of every request to one pod manager. gofish joins
// each link to the endpoint by string concatenation, so the final URL is
// checked here, where every request passes, including gofish's own (the
// session login, the logout).
type guard struct {
	next   http.RoundTripper
	origin string // scheme://host:port of the endpoint
	max    int64
}

// guarded returns a client like hc whose requests stay on endpoint's origin,
// whose redirects are followed only for GET and HEAD within that origin, and
// whose answers are capped at max bytes.
func guarded(hc *http.Client, endpoint string, max int64) (*http.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("redfish: endpoint %q: %w", endpoint, err)
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	g := &guard{next: next, origin: origin(u), max: max}
	return &http.Client{Transport: g, CheckRedirect: g.checkRedirect, Jar: hc.Jar, Timeout: hc.Timeout}, nil
}

// origin is scheme://host:port, with the scheme's default port made explicit
// so that "https://h" and "https://h:443" are the same origin.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// check refuses a URL that is not a plain path on the pod manager's origin.
func (g *guard) check(u *url.URL) error {
	switch {
	case origin(u) != g.origin:
		return fmt.Errorf("redfish: %s is %w %s", origin(u), ErrOtherOrigin, g.origin)
	case u.User != nil:
		return fmt.Errorf("redfish: a link with user information (@) is %w %s", ErrOtherOrigin, g.origin)
	case strings.Contains(u.Path, "//") || strings.Contains(u.Path, `\`) || strings.Contains(u.RawPath, `\`):
		// A link like //host/x or /\host/x means another host to some
		// parsers and proxies, and gofish puts the endpoint's path before
		// it (so "//" may be mid-path); no pod manager needs either.
		return fmt.Errorf("redfish: path %q is %w %s", u.Path, ErrOtherOrigin, g.origin)
	}
	return nil
}

// RoundTrip sends req only to the pod manager's origin and caps the answer.
func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.check(req.URL); err != nil {
		return nil, err
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > g.max {
		resp.Body.Close()
		return nil, g.tooLarge()
	}
	resp.Body = &cappedBody{rc: resp.Body, left: g.max, g: g}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		// gofish reads a refusal's body whole and keeps only its text; read it
		// here, so that an endless one fails with ErrResponseTooLarge intact.
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// CloseIdleConnections passes on to the wrapped transport, as http.Client
// expects of a transport.
func (g *guard) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (g *guard) tooLarge() error {
	return fmt.Errorf("redfish: %w of %d bytes", ErrResponseTooLarge, g.max)
}

// checkRedirect follows a redirect only within the origin and only for GET
// and HEAD. Another origin would receive the credentials: X-Auth-Token is not
// among the headers net/http drops on a cross-host redirect, and a 307 or 308
// re-sends the body, the session login's password included. A POST, PATCH or
// DELETE is not followed even within the origin: net/http turns it into a GET
// on 301-303, which would make a refused action look done.
func (g *guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := g.check(req.URL); err != nil {
		return fmt.Errorf("%w: %w", ErrRedirectRefused, err)
	}
	if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
		return fmt.Errorf("redfish: %w: %s to %s (only a GET is redirected)", ErrRedirectRefused, m, req.URL.Path)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("redfish: %w: more than %d", ErrRedirectRefused, maxRedirects)
	}
	return nil
}

// cappedBody reads at most left bytes of rc and fails with g's tooLarge
// past them (built then, not for every answer).
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	g    *guard
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.g.tooLarge()
	}
	// Ask for one byte beyond the cap at most: that byte tells a body of
	// exactly the cap from a longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), -1
		return n, b.g.tooLarge()
	}
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// limit bounds the requests in flight through one Client, whoever builds
// them, gofish or getJSON: those of a fan-out (a request whose context is
// inFanOut's) by Config.MaxConcurrent, the others (a compose's steps, say)
// by Config.MaxInFlight, so that a walk never delays them. A request waits
// for a slot until its context ends; the per-request timeout starts once it
// has one, so that a queue behind a slow pod manager does not fail requests
// never sent (the client around limit has no Timeout of its own).
type limit struct {
	next           http.RoundTripper
	fanOut, single chan struct{}
	timeout        time.Duration
}

// RoundTrip sends req once a slot of its bound is free and frees the slot
// when the answer's headers are in; the timeout runs until its body is
// closed.
func (l *limit) RoundTrip(req *http.Request) (*http.Response, error) {
	sem := l.single
	if isFanOut(req.Context()) {
		sem = l.fanOut
	}
	select {
	case sem <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	defer func() { <-sem }()
	if l.timeout <= 0 {
		return l.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), l.timeout)
	resp, err := l.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// CloseIdleConnections passes on to the wrapped transport.
func (l *limit) CloseIdleConnections() {
	if c, ok := l.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// cancelBody ends a request's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
