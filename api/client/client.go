// Package client is the Go client of Valence's v1 REST API: one typed method
// per operation of api/openapi.yaml, each taking a context. List methods
// follow the pages of a collection for the caller. A failed call returns an
// *Error that carries the HTTP status, the error body's code, title, detail
// and extended_info, and the request id.
//
// Credentials come from an Auth: NoAuth, Basic, Token, or a Keystone
// session (NewKeystone, NewKeystoneFromCloud).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/valence-rsd/valence/api"
)

// DefaultURL is where valence-api listens unless told otherwise.
const DefaultURL = "http://127.0.0.1:8181"

// Limits on what the client reads: an answer's body, and the pages a list
// follows before it gives up (a server that links pages in a circle).
const (
	maxBodySize = 32 << 20
	maxPages    = 10000
)

// Client calls one valence-api. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	hc        *http.Client
	auth      Auth
	userAgent string
	pageSize  int
	warn      func(string)
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends the requests through hc (its transport, TLS and
// timeout); the default is an http.Client without a timeout, so that a long
// compose is bounded by the context only.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithAuth authenticates every request with a; the default is NoAuth.
func WithAuth(a Auth) Option { return func(c *Client) { c.auth = a } }

// WithUserAgent names the program in the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithPageSize sets the limit asked of each page of a list (0: the server's
// default, i.e. everything at once).
func WithPageSize(n int) Option { return func(c *Client) { c.pageSize = n } }

// WithWarnings calls fn with each Warning header of an answer: a list of
// systems, racks or volumes that misses the items of an unreachable pod
// manager says so there.
func WithWarnings(fn func(string)) Option { return func(c *Client) { c.warn = fn } }

// New returns a client of the valence-api at baseURL (e.g.
// http://127.0.0.1:8181; a path prefix is kept).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("valence url %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("valence url %q: want http(s)://host[:port]", baseURL)
	}
	c := &Client{base: u, hc: &http.Client{}, auth: NoAuth{}, userAgent: "valence-go-client"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// URL is the base URL the client calls.
func (c *Client) URL() string { return c.base.String() }

// Error is a failed call: the answer's HTTP status and its error body.
type Error struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the body's stable name of the failure, e.g. "NotFound".
	Code string
	// Title is a short summary of Code.
	Title string
	// Detail says what went wrong with this request.
	Detail string
	// ExtendedInfo carries the pod manager's own messages.
	ExtendedInfo []string
	// RequestID is the answer's X-OpenStack-Request-Id.
	RequestID string
}

// Error reads "<detail> (HTTP <status> <code>)", like python-valenceclient's
// "<detail> (HTTP <status>)".
func (e *Error) Error() string {
	detail := e.Detail
	if detail == "" {
		detail = e.Title
	}
	if detail == "" {
		detail = http.StatusText(e.StatusCode)
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (HTTP %d %s)", detail, e.StatusCode, e.Code)
	}
	return fmt.Sprintf("%s (HTTP %d)", detail, e.StatusCode)
}

// IsNotFound reports whether err is an API answer 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is an API answer 409.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// request is one call: its method, path below the base URL, query, body
// (a value sent as JSON, or nil) and the status that means success.
type request struct {
	method string
	path   string
	query  url.Values
	body   any
	want   int
	// contentType overrides application/json, for merge patches.
	contentType string
}

// do sends r and decodes the answer into out (when not nil), returning the
// answer's headers.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	raw, h, err := c.send(ctx, r, "")
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("%s %s: decode the answer: %w", r.method, r.path, err)
		}
	}
	return h, nil
}

// send performs r (or fetches next, a whole URL, when not empty) and
// returns the body; an answer other than r.want is an *Error. A Keystone
// token refused with 401 is renewed once and the request sent again.
func (c *Client) send(ctx context.Context, r request, next string) ([]byte, http.Header, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, nil, fmt.Errorf("%s %s: encode the body: %w", r.method, r.path, err)
		}
	}
	target := next
	if target == "" {
		u := *c.base
		u.Path += r.path
		u.RawQuery = r.query.Encode()
		target = u.String()
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, target, rd)
		if err != nil {
			return nil, nil, err
		}
		if payload != nil {
			ct := r.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		if err := c.auth.Authorize(ctx, req); err != nil {
			return nil, nil, fmt.Errorf("authenticate: %w", err)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", r.method, target, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
		resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: read the answer: %w", r.method, target, err)
		}
		if len(body) > maxBodySize {
			return nil, nil, fmt.Errorf("%s %s: answer larger than %d bytes", r.method, target, maxBodySize)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			if renewed, err := c.auth.Renew(ctx); err != nil {
				return nil, nil, fmt.Errorf("authenticate: %w", err)
			} else if renewed {
				continue
			}
		}
		if c.warn != nil {
			for _, w := range resp.Header.Values("Warning") {
				c.warn(w)
			}
		}
		if resp.StatusCode != r.want {
			return nil, nil, apiError(resp, body)
		}
		return body, resp.Header, nil
	}
}

// apiError reads the error body of resp; a body that is not Valence's
// error shape still gives an *Error with the status.
func apiError(resp *http.Response, body []byte) *Error {
	var b struct {
		Code         string   `json:"code"`
		Title        string   `json:"title"`
		Detail       string   `json:"detail"`
		RequestID    string   `json:"request_id"`
		ExtendedInfo []string `json:"extended_info"`
	}
	e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-OpenStack-Request-Id")}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Title, e.Detail, e.ExtendedInfo = b.Code, b.Title, b.Detail, b.ExtendedInfo
		if e.RequestID == "" {
			e.RequestID = b.RequestID
		}
	} else if text := strings.TrimSpace(string(body)); text != "" && len(text) < 512 {
		e.Detail = text
	}
	return e
}

// list reads every page of the collection at path with the filters in
// query, following the Link header.
func list[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if c.pageSize > 0 {
		q.Set("limit", fmt.Sprint(c.pageSize))
	}
	r := request{method: http.MethodGet, path: path, query: q, want: http.StatusOK}
	all := []T{}
	next := ""
	for range maxPages {
		raw, h, err := c.send(ctx, r, next)
		if err != nil {
			return nil, err
		}
		var page []T
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("GET %s: decode the answer: %w", path, err)
		}
		all = append(all, page...)
		if next = nextLink(h.Get("Link")); next == "" {
			return all, nil
		}
		if next, err = c.sameServer(next); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("GET %s: more than %d pages", path, maxPages)
}

// sameServer checks that a Link points at the server the client calls, so
// that credentials are never sent elsewhere, and makes it absolute.
func (c *Client) sameServer(link string) (string, error) {
	u, err := c.base.Parse(link)
	if err != nil {
		return "", fmt.Errorf("next page %q: %w", link, err)
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return "", fmt.Errorf("next page %q is not on %s", link, c.base.Host)
	}
	return u.String(), nil
}

// nextLink reads the URL of `<url>; rel="next"`, "" when there is none.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		target, params, ok := strings.Cut(part, ";")
		target = strings.TrimSpace(target)
		if ok && strings.Contains(params, `rel="next"`) && strings.HasPrefix(target, "<") && strings.HasSuffix(target, ">") {
			return target[1 : len(target)-1]
		}
	}
	return ""
}

// pathID escapes an id for a path segment.
func pathID(id string) string { return url.PathEscape(id) }

// get reads one object.
func get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	var v T
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path, query: query, want: http.StatusOK}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// deleteAt sends a DELETE and returns Valence's confirmation.
func deleteAt(ctx context.Context, c *Client, path string, query url.Values) (*api.Confirmation, error) {
	var v api.Confirmation
	if _, err := c.do(ctx, request{method: http.MethodDelete, path: path, query: query, want: http.StatusOK}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
