package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// testEnv is an Env over buffers, with no environment and no terminal.
func testEnv(stdout, stderr io.Writer) Env {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	return Env{
		Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr,
		Getenv:   func(string) string { return "" },
		Terminal: func(io.Writer) (bool, int) { return false, 0 },
		Version:  "test",
		// A pid file that cannot exist: no test signals a server of the host.
		PidFile: "/nonexistent-valence-test/valence-api.pid",
	}
}

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// run runs valence with args and the environment vars.
func run(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	return runEnv(t, func(e *Env) {
		e.Getenv = func(k string) string { return vars[k] }
	}, args...)
}

// runEnv runs valence with args in an Env that adjust changes.
func runEnv(t *testing.T, adjust func(*Env), args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := testEnv(&out, &errb)
	if adjust != nil {
		adjust(&env)
	}
	code := Run(context.Background(), args, env)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// seen is a request the fake API received.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// fakeAPI answers each "METHOD /path" from its table (status and body; a
// missing route is a 404 in Valence's error shape) and records what it got.
type fakeAPI struct {
	*httptest.Server
	mu       sync.Mutex
	routes   map[string]answer
	requests []seen
}

type answer struct {
	status int
	body   string
	header map[string]string
}

func newFakeAPI(t *testing.T, routes map[string]answer) *fakeAPI {
	f := &fakeAPI{routes: routes}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		f.mu.Unlock()
		a, ok := f.routes[r.Method+" "+r.URL.Path]
		if !ok {
			a = answer{status: 404, body: `{"code":"NotFound","title":"Not Found","detail":"no route ` + r.URL.Path + `","status":404,"request_id":"req-x"}`}
		}
		body := a.body
		if name := r.URL.Query().Get("name"); name != "" && r.Method == http.MethodGet {
			body = filterByName(t, body, name)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-OpenStack-Request-Id", "req-fake")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// last is the last request of method to path.
func (f *fakeAPI) last(t *testing.T, method, path string) seen {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.requests) - 1; i >= 0; i-- {
		if r := f.requests[i]; r.method == method && r.path == path {
			return r
		}
	}
	t.Fatalf("no %s %s among %+v", method, path, f.requests)
	return seen{}
}

// sameJSON compares two JSON texts by value.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got %s\nwant %s", gb, wb)
	}
}

// filterByName keeps the objects of a JSON array whose name is name, as
// the server's ?name= filter does.
func filterByName(t *testing.T, list, name string) string {
	var items []map[string]any
	if err := json.Unmarshal([]byte(list), &items); err != nil {
		t.Errorf("fake list %s: %v", list, err)
		return list
	}
	kept := []map[string]any{}
	for _, it := range items {
		if it["name"] == name {
			kept = append(kept, it)
		}
	}
	b, _ := json.Marshal(kept)
	return string(b)
}
