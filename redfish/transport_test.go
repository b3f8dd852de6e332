package redfish_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/redfish"
)

// A pod manager that streams an endless body, or sends its answers' links
// and redirects to another host, fails the call with a clear error: memory
// stays bounded and the credentials never reach the other host.

const testPass = "hunter2-secret"

// endless writes chunk until the client goes away.
func endless(w http.ResponseWriter, r *http.Request, prefix, chunk string) {
	io.WriteString(w, prefix)
	buf := []byte(strings.Repeat(chunk, 4096))
	for r.Context().Err() == nil {
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

// TestEndlessBody: answers that never end, as the body of a success and of a
// refusal, fail with ErrResponseTooLarge before the request's timeout, having
// allocated a bounded amount of memory.
func TestEndlessBody(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.TrimSuffix(r.URL.Path, "/") == "/redfish/v1" {
					fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
					return
				}
				w.WriteHeader(status)
				endless(w, r, `{"Members":[`, `{"@odata.id":"/redfish/v1/Systems/1"},`)
			}))
			defer srv.Close()
			c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = c.Systems(context.Background())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, redfish.ErrResponseTooLarge) || errors.Is(err, redfish.ErrUnreachable) {
				t.Fatalf("Systems: %v, want ErrResponseTooLarge", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(redfish.DefaultMaxResponse)) {
				t.Errorf("error %q does not name the limit", err)
			}
			// A few times the cap for the decoder's buffers, not the gigabytes
			// that reading on until the timeout takes.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*redfish.DefaultMaxResponse {
				t.Errorf("allocated %d bytes reading a body capped at %d", alloc, redfish.DefaultMaxResponse)
			}
		})
	}
}

// TestMaxResponseBoundary: a body of exactly MaxResponse bytes is read; one
// byte more fails, also when Content-Length announces it.
func TestMaxResponseBoundary(t *testing.T) {
	const max = 512
	head, tail := `{"RedfishVersion":"1.6.0","Pad":"`, `"}`
	for _, tc := range []struct {
		size          int
		chunked, fail bool
	}{{max, false, false}, {max, true, false}, {max + 1, false, true}, {max + 1, true, true}} {
		t.Run(fmt.Sprintf("%d chunked=%v", tc.size, tc.chunked), func(t *testing.T) {
			// The value itself spans the cap: a decoder cannot stop short of it.
			body := head + strings.Repeat("x", tc.size-len(head)-len(tail)) + tail
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tc.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				}
				io.WriteString(w, body[:10])
				w.(http.Flusher).Flush() // without Content-Length, this makes it chunked
				io.WriteString(w, body[10:])
			}))
			defer srv.Close()
			c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, MaxResponse: max})
			if tc.fail != errors.Is(err, redfish.ErrResponseTooLarge) {
				t.Fatalf("Connect with a root of %d bytes: %v", tc.size, err)
			}
			if err == nil {
				c.Close()
			}
		})
	}
}

// attacker is a second host that records whatever reaches it.
type attacker struct {
	srv  *httptest.Server
	host string
	mu   sync.Mutex
	seen []string
}

func newAttacker(t *testing.T) *attacker {
	a := &attacker{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.seen = append(a.seen, fmt.Sprintf("%s %s auth=%q token=%q body=%q", r.Method, r.URL, r.Header.Get("Authorization"), r.Header.Get("X-Auth-Token"), body))
		a.mu.Unlock()
		fmt.Fprint(w, `{"Members":[]}`)
	}))
	t.Cleanup(a.srv.Close)
	a.host = strings.TrimPrefix(a.srv.URL, "http://")
	return a
}

func (a *attacker) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen
}

// hostilePodm is a pod manager whose links and redirects name another host.
type hostilePodm struct {
	sessions        string // Links.Sessions, "" for none (HTTP Basic)
	systems         string // the Systems link
	member          string // the one member of the Systems collection
	processors      string // the Processors link of that member
	loginRedirect   string // Location of a 307 answer to the login
	systemsRedirect string // Location of a 302 answer to GET Systems
}

func (h hostilePodm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch path := strings.TrimSuffix(r.URL.Path, "/"); {
	case path == "/redfish/v1":
		links := ""
		if h.sessions != "" {
			links = fmt.Sprintf(`,"Links":{"Sessions":{"@odata.id":%q}}`, h.sessions)
		}
		fmt.Fprintf(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":%q}%s}`, h.systems, links)
	case r.Method == http.MethodPost && path == "/redfish/v1/SessionService/Sessions":
		if h.loginRedirect != "" {
			http.Redirect(w, r, h.loginRedirect, http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("X-Auth-Token", "token-1")
		w.Header().Set("Location", "/redfish/v1/SessionService/Sessions/1")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"Id":"1"}`)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case path == "/redfish/v1/Systems" && h.systemsRedirect != "":
		http.Redirect(w, r, h.systemsRedirect, http.StatusFound)
	case path == "/redfish/v1/Systems" || path == "/redfish/v1/Moved":
		fmt.Fprintf(w, `{"Members":[{"@odata.id":%q}]}`, h.member)
	case path == "/redfish/v1/Systems/1":
		fmt.Fprintf(w, `{"Id":"1","@odata.id":"/redfish/v1/Systems/1","PowerState":"On","Processors":{"@odata.id":%q}}`, h.processors)
	case path == "/redfish/v1/Systems/1/Processors":
		fmt.Fprint(w, `{"Members":[]}`)
	default:
		http.NotFound(w, r)
	}
}

// TestCredentialsStayOnOrigin: no link or redirect of the pod manager's makes
// the client talk to another host, and each is refused with ErrOtherOrigin.
func TestCredentialsStayOnOrigin(t *testing.T) {
	const (
		sessions = "/redfish/v1/SessionService/Sessions"
		systems  = "/redfish/v1/Systems"
		system   = "/redfish/v1/Systems/1"
		// processors is the link gofish follows itself from the system.
		processors = "/redfish/v1/Systems/1/Processors"
	)
	cases := []struct {
		name string
		podm func(a *attacker) hostilePodm
		// connect tells whether Connect itself must fail.
		connect bool
	}{
		{"login link @host", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: "@" + a.host + sessions, systems: systems, member: system}
		}, true},
		{"login redirected (307) to another host", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, loginRedirect: a.srv.URL + sessions}
		}, true},
		{"login redirected (307) on the origin", func(*attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, loginRedirect: "/redfish/v1/Other"}
		}, true},
		{"Basic: systems link @host", func(a *attacker) hostilePodm {
			return hostilePodm{systems: "@" + a.host + systems, member: system}
		}, true},
		{"session: link @host", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, processors: "@" + a.host + processors}
		}, false},
		{"Basic: link @host", func(a *attacker) hostilePodm {
			return hostilePodm{systems: systems, member: system, processors: "@" + a.host + processors}
		}, false},
		{"session: GET redirected to another host", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, systemsRedirect: a.srv.URL + systems}
		}, false},
		{"Basic: GET redirected to another host", func(a *attacker) hostilePodm {
			// A probe after login reads Systems: Connect is refused already.
			return hostilePodm{systems: systems, member: system, systemsRedirect: a.srv.URL + systems}
		}, true},
		{"member link absolute URL", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: a.srv.URL + system}
		}, false},
		{"link absolute URL", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, processors: a.srv.URL + processors}
		}, false},
		{"link //host", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, processors: "//" + a.host + processors}
		}, false},
		{"link with a backslash", func(a *attacker) hostilePodm {
			return hostilePodm{sessions: sessions, systems: systems, member: system, processors: `/\` + a.host + processors}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newAttacker(t)
			podm := httptest.NewServer(tc.podm(a))
			defer podm.Close()
			ctx := context.Background()
			c, err := redfish.Connect(ctx, redfish.Config{Endpoint: podm.URL, Username: "admin", Password: testPass})
			if tc.connect {
				if err == nil {
					c.Close()
				}
				if errors.Is(err, redfish.ErrUnreachable) || !(errors.Is(err, redfish.ErrOtherOrigin) || errors.Is(err, redfish.ErrRedirectRefused)) {
					t.Errorf("Connect: %v, want a refusal of the other origin or of the redirect", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				systems, err := c.Systems(ctx)
				c.Close()
				// A refused link fails the list, or (a system's own or a
				// part's link) degrades that system with a warning naming it.
				if err != nil && (!errors.Is(err, redfish.ErrOtherOrigin) || errors.Is(err, redfish.ErrUnreachable)) {
					t.Errorf("Systems: %v, want ErrOtherOrigin", err)
				}
				if err == nil && !warnsOfOtherOrigin(systems) {
					t.Errorf("Systems: %+v, want a warning naming the refused link", systems)
				}
			}
			if seen := a.requests(); len(seen) > 0 {
				t.Errorf("the other host received %d requests: %q", len(seen), seen)
			}
		})
	}
}

// TestSameOriginRedirect: a GET redirected within the pod manager's origin is
// followed, with the credentials.
func TestSameOriginRedirect(t *testing.T) {
	podm := httptest.NewServer(hostilePodm{sessions: "/redfish/v1/SessionService/Sessions", systems: "/redfish/v1/Systems",
		member: "/redfish/v1/Systems/1", processors: "/redfish/v1/Systems/1/Processors", systemsRedirect: "/redfish/v1/Moved"})
	defer podm.Close()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: podm.URL, Username: "admin", Password: testPass})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	systems, err := c.Systems(context.Background())
	if err != nil || len(systems) != 1 || systems[0].ID != "1" {
		t.Fatalf("Systems = %v, %v", systems, err)
	}
}

// TestRefusalTextBounded: what an *Error keeps of a long refusal is bounded,
// since callers pass it on and store it as a pod manager's status reason.
func TestRefusalTextBounded(t *testing.T) {
	long := strings.Repeat("é", 20000)
	var infos []string
	for range 30 {
		infos = append(infos, fmt.Sprintf(`{"Message":%q}`, long))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimSuffix(r.URL.Path, "/") == "/redfish/v1" {
			fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"error":{"code":"Base.1.0.GeneralError","message":%q,"@Message.ExtendedInfo":[%s]}}`, long, strings.Join(infos, ","))
	}))
	defer srv.Close()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Systems(context.Background())
	var e *redfish.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusInternalServerError {
		t.Fatalf("Systems: %v", err)
	}
	if len(e.Message) > 1100 || !strings.HasPrefix(long, strings.TrimSuffix(e.Message, "…")) || len(e.ExtendedInfo) > 16 {
		t.Errorf("kept a message of %d bytes and %d extended messages", len(e.Message), len(e.ExtendedInfo))
	}
	for _, m := range e.ExtendedInfo {
		if len(m) > 1100 {
			t.Errorf("kept an extended message of %d bytes", len(m))
		}
	}
}

// TestRedirectLoop: a GET redirected in a loop on the origin stops after a
// few hops with ErrRedirectRefused.
func TestRedirectLoop(t *testing.T) {
	podm := httptest.NewServer(hostilePodm{systems: "/redfish/v1/Systems", systemsRedirect: "/redfish/v1/Systems"})
	defer podm.Close()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: podm.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Systems(context.Background()); !errors.Is(err, redfish.ErrRedirectRefused) {
		t.Fatalf("Systems: %v, want ErrRedirectRefused", err)
	}
}

// warnsOfOtherOrigin reports whether some system's warnings name a link
// refused for leaving the pod manager's origin.
func warnsOfOtherOrigin(systems []*redfish.System) bool {
	for _, s := range systems {
		for _, w := range s.Warnings {
			if strings.Contains(w, redfish.ErrOtherOrigin.Error()) {
				return true
			}
		}
	}
	return false
}
