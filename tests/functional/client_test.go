package functional

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// unknownID is a well-formed uuid that names nothing.
const unknownID = "0b6a5f4e-3c2d-4b1a-9f8e-7d6c5b4a3f2e"

// client talks to one valence-api and checks every answer against
// api/openapi.yaml: an answer that does not match fails the test.
type client struct {
	base string // http://127.0.0.1:port
	hc   *http.Client
}

func newClient(base string) *client {
	return &client{base: base, hc: &http.Client{Timeout: 60 * time.Second}}
}

// response is one answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request and validates the answer. path is relative to the
// server, or a whole URL (a Link to follow). body is nil, a string or
// []byte sent as is, or a value sent as JSON. It is safe to call from any
// goroutine: it reports with t.Errorf and answers status 0 when no answer
// came. An io.Reader body is sent chunked.
func (c *client) do(t *testing.T, method, path string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader: // of unknown length: sent chunked
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Errorf("encode the body of %s %s: %v", method, path, err)
			return response{}
		}
		rd = bytes.NewReader(j)
	}
	url := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		url = c.base + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return response{}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return response{}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: read the answer: %v", method, path, err)
		return response{}
	}
	if err := validator.ValidateResponse(req, resp.StatusCode, resp.Header, data); err != nil {
		t.Errorf("the answer breaks api/openapi.yaml: %v\nbody: %s", err, data)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// expect is do that stops the test unless the answer has status want.
func (c *client) expect(t *testing.T, want int, method, path string, body any) response {
	t.Helper()
	r := c.do(t, method, path, body)
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.status, want, r.body)
	}
	return r
}

// get is expect for a GET.
func (c *client) get(t *testing.T, want int, path string) response {
	t.Helper()
	return c.expect(t, want, http.MethodGet, path, nil)
}

// create POSTs body to the collection path and expects a 201 for it.
func (c *client) create(t *testing.T, path string, body any) response {
	t.Helper()
	return c.created(t, c.expect(t, http.StatusCreated, http.MethodPost, path, body), path)
}

// created checks that r has a Location naming the new object in collection
// (by its uuid, or its id for storages), and returns r.
func (c *client) created(t *testing.T, r response, collection string) response {
	t.Helper()
	var obj struct {
		UUID string `json:"uuid"`
		ID   string `json:"id"`
	}
	r.decode(t, &obj)
	id := obj.UUID
	if id == "" {
		id = obj.ID
	}
	if want := c.base + collection + "/" + id; id == "" || r.header.Get("Location") != want {
		t.Errorf("created in %s: Location %q, want %q", collection, r.header.Get("Location"), want)
	}
	return r
}

// failure expects an error answer with status and code, and returns its body.
func (c *client) failure(t *testing.T, status int, code, method, path string, body any) api.Error {
	t.Helper()
	r := c.expect(t, status, method, path, body)
	var e api.Error
	r.decode(t, &e)
	if e.Code != code {
		t.Errorf("%s %s: code %q, want %q; body: %s", method, path, e.Code, code, r.body)
	}
	if e.RequestID != r.header.Get("X-OpenStack-Request-Id") {
		t.Errorf("%s %s: request_id %q is not the header's %q", method, path, e.RequestID, r.header.Get("X-OpenStack-Request-Id"))
	}
	return e
}

// deleted expects Valence's 200 confirmation of a DELETE.
func (c *client) deleted(t *testing.T, path string) {
	t.Helper()
	r := c.expect(t, http.StatusOK, http.MethodDelete, path, nil)
	var conf api.Confirmation
	r.decode(t, &conf)
	if conf.Code != "DELETED" || conf.RequestID != r.header.Get("X-OpenStack-Request-Id") {
		t.Errorf("DELETE %s: confirmation %s", path, r.body)
	}
}

// decode unmarshals the body into v or stops the test.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	decodeJSON(t, r.body, v)
}

// decodeJSON unmarshals b into v or stops the test.
func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// decodeAs unmarshals a response body into a new T.
func decodeAs[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	r.decode(t, &v)
	return v
}

// listAll reads a whole collection page by page with limit, following the
// Link header to the end, and checks that no page is longer than limit.
func listAll[T any](t *testing.T, c *client, path string, limit int) []T {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path + sep + "limit=" + strconv.Itoa(limit)
	var all []T
	for pages := 0; next != ""; pages++ {
		if pages > 100 {
			t.Fatalf("%s: more than 100 pages", path)
		}
		r := c.get(t, http.StatusOK, next)
		page := decodeAs[[]T](t, r)
		if len(page) > limit {
			t.Fatalf("GET %s: %d items, more than limit %d", next, len(page), limit)
		}
		all = append(all, page...)
		next = nextLink(t, r.header.Get("Link"))
	}
	return all
}

// nextLink reads the URL of a Link: <url>; rel="next" header, "" when none.
func nextLink(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		return ""
	}
	url, params, ok := strings.Cut(link, ";")
	url = strings.TrimSpace(url)
	if !ok || !strings.HasPrefix(url, "<") || !strings.HasSuffix(url, ">") || !strings.Contains(params, `rel="next"`) {
		t.Fatalf("Link %q is not <url>; rel=\"next\"", link)
	}
	return strings.TrimSuffix(strings.TrimPrefix(url, "<"), ">")
}

// uuids returns the ids of items: their UUID field, or ID where they have none.
func uuids[T any](items []T) []string {
	out := make([]string, len(items))
	for i, it := range items {
		v := reflect.ValueOf(it)
		f := v.FieldByName("UUID")
		if !f.IsValid() {
			f = v.FieldByName("ID")
		}
		out[i] = f.String()
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
