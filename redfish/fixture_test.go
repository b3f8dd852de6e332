package redfish_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// request is what the fixture server saw.
type request struct {
	Method, Path string
	Body         map[string]any
	Header       http.Header
}

// fixture serves JSON files of testdata for GETs and hands other requests to
// handlers keyed "METHOD /path", recording everything.
type fixture struct {
	t      testing.TB
	files  map[string]string // GET path -> testdata file
	handle map[string]http.HandlerFunc
	mu     sync.Mutex
	seen   []request
}

func newFixture(t testing.TB, files map[string]string, handle map[string]http.HandlerFunc) (*fixture, *httptest.Server) {
	f := &fixture{t: t, files: files, handle: handle}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fixture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	rec := request{Method: r.Method, Path: path, Header: r.Header.Clone()}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &rec.Body); err != nil {
			f.t.Errorf("%s %s: body is not a JSON object: %s", r.Method, path, b)
		}
	}
	f.mu.Lock()
	f.seen = append(f.seen, rec)
	f.mu.Unlock()
	if h, ok := f.handle[r.Method+" "+path]; ok {
		h(w, r)
		return
	}
	if file, ok := f.files[path]; ok && r.Method == http.MethodGet {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.t.Fatal(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, `{"error":{"code":"Base.1.0.InvalidEndpoint","message":"not found"}}`)
}

// last returns the last request with the method and path.
func (f *fixture) last(method, path string) (request, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.seen) - 1; i >= 0; i-- {
		if r := f.seen[i]; r.Method == method && r.Path == path {
			return r, true
		}
	}
	return request{}, false
}

// status answers with a status, optional headers and an optional testdata file.
func status(code int, file string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if file == "" {
			w.WriteHeader(code)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			panic(err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(b)
	}
}

// jsonPath digs into a decoded JSON body, e.g. jsonPath(b, "Processors", 0, "Oem").
func jsonPath(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
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
