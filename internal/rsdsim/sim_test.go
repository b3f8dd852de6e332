package rsdsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// testServer is a simulator behind an httptest server with a small JSON client.
type testServer struct {
	t   *testing.T
	sim *Simulator
	srv *httptest.Server
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	if cfg.Racks == 0 && cfg.Systems == 0 {
		cfg.Racks, cfg.DrawersPerRack, cfg.SystemsPerDrawer = 2, 2, 2
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &testServer{t: t, sim: sim, srv: srv}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends a request with the configured Basic credentials (if any); body may be a string
// (sent as is) or a value (sent as JSON). Extra headers come as name, value pairs.
func (ts *testServer) do(method, path string, body any, headers ...string) response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if ts.sim.cfg.Username != "" {
		req.SetBasicAuth(ts.sim.cfg.Username, ts.sim.cfg.Password)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i]) // "" removes, e.g. the default Authorization
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			ts.t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return out
}

// mustStatus fails unless r has the wanted status.
func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
	return r
}

// get walks a decoded body along keys (object keys or array indexes as ints).
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// errorCode returns error.code of a Redfish error body, checking the shape on the way.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e, ok := r.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no Redfish error body: %s", r.raw)
	}
	if _, ok := e["message"].(string); !ok {
		t.Fatalf("error without message: %s", r.raw)
	}
	if _, ok := e["@Message.ExtendedInfo"].([]any); !ok {
		t.Fatalf("error without @Message.ExtendedInfo array: %s", r.raw)
	}
	return e["code"].(string)
}

// extendedMessages returns the Message of every @Message.ExtendedInfo entry.
func (r response) extendedMessages() []string {
	var out []string
	for _, e := range get(r.body, "error", "@Message.ExtendedInfo").([]any) {
		out = append(out, e.(map[string]any)["Message"].(string))
	}
	return out
}

// allocate posts a template and returns the node path from Location.
func (ts *testServer) allocate(template any) string {
	ts.t.Helper()
	r := ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", template).mustStatus(ts.t, http.StatusCreated)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, ts.srv.URL+"/redfish/v1/Nodes/") {
		ts.t.Fatalf("Location %q is not an absolute node URL", loc)
	}
	return strings.TrimPrefix(loc, ts.srv.URL)
}
