package rsdsim

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	ts := newTestServer(t, Config{Username: "admin", Password: "s3cret"})
	const sys = "/redfish/v1/Systems"
	noAuth := []string{"Authorization", ""}

	ts.do("GET", "/redfish/v1/", nil, noAuth...).mustStatus(t, 200)
	r := ts.do("GET", sys, nil, noAuth...).mustStatus(t, 401)
	if r.errorCode(t) != codeUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without a Redfish body or WWW-Authenticate: %v %s", r.header, r.raw)
	}
	ts.do("GET", sys, nil).mustStatus(t, 200)                                            // Basic
	ts.do("GET", sys, nil, "Authorization", "Basic YWRtaW46d3Jvbmc=").mustStatus(t, 401) // admin:wrong
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}, noAuth...).mustStatus(t, 401)

	// Sessions: login without Basic, use the token, log out.
	ts.do("POST", sessionsPath, m{"UserName": "admin", "Password": "nope"}, noAuth...).mustStatus(t, 401)
	ts.do("POST", sessionsPath, m{"UserName": "admin"}, noAuth...).mustStatus(t, 400)
	ts.do("POST", sessionsPath, `{"UserName":`, noAuth...).mustStatus(t, 400)
	login := ts.do("POST", sessionsPath, m{"UserName": "admin", "Password": "s3cret"}, noAuth...).mustStatus(t, 201)
	token, loc := login.header.Get("X-Auth-Token"), login.header.Get("Location")
	if token == "" || loc == "" || login.body["@odata.id"] != loc || login.body["UserName"] != "admin" {
		t.Fatalf("login: token %q Location %q body %s", token, loc, login.raw)
	}
	withToken := []string{"Authorization", "", "X-Auth-Token", token}
	ts.do("GET", sys, nil, withToken...).mustStatus(t, 200)
	ts.do("GET", loc, nil, withToken...).mustStatus(t, 200)
	if n := get(ts.do("GET", sessionsPath, nil, withToken...).body, "Members@odata.count"); n != 1.0 {
		t.Errorf("%v sessions", n)
	}
	ts.do("GET", sys, nil, "Authorization", "", "X-Auth-Token", "forged").mustStatus(t, 401)
	ts.do("DELETE", loc, nil, withToken...).mustStatus(t, http.StatusNoContent)
	ts.do("GET", sys, nil, withToken...).mustStatus(t, 401)
	ts.do("DELETE", loc, nil).mustStatus(t, 404)
}

func TestNoAuthConfigured(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.do("GET", "/redfish/v1/Systems", nil).mustStatus(t, 200)
	// Sessions still work (gofish logs in whenever it has a user name).
	login := ts.do("POST", sessionsPath, m{"UserName": "any", "Password": "any"}).mustStatus(t, 201)
	ts.do("DELETE", login.header.Get("Location"), nil).mustStatus(t, 204)
}

// clock is a time that tests move on.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestSessionTimeout(t *testing.T) {
	clk := &clock{now: time.Unix(1_000_000, 0)}
	ts := newTestServer(t, Config{Username: "admin", Password: "s3cret", SessionTimeout: 90 * time.Second, Now: clk.Now})
	const sys = "/redfish/v1/Systems"
	if got := get(ts.do("GET", sessionServicePath, nil).body, "SessionTimeout"); got != 90.0 {
		t.Errorf("SessionTimeout %v, want 90", got)
	}
	login := func() []string {
		r := ts.do("POST", sessionsPath, m{"UserName": "admin", "Password": "s3cret"}, "Authorization", "").mustStatus(t, 201)
		return []string{"Authorization", "", "X-Auth-Token", r.header.Get("X-Auth-Token")}
	}
	used, idle := login(), login()

	// Each use keeps a session alive for another timeout.
	for range 3 {
		clk.add(60 * time.Second)
		ts.do("GET", sys, nil, used...).mustStatus(t, 200)
	}
	ts.do("GET", sys, nil, idle...).mustStatus(t, 401)
	if n := get(ts.do("GET", sessionsPath, nil).body, "Members@odata.count"); n != 1.0 {
		t.Errorf("%v sessions listed, want the one in use", n)
	}
	clk.add(91 * time.Second)
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}, used...).mustStatus(t, 401)
	if n := get(ts.do("GET", sessionsPath, nil).body, "Members@odata.count"); n != 0.0 {
		t.Errorf("%v sessions listed after the timeout, want 0", n)
	}
	ts.do("GET", sys, nil, login()...).mustStatus(t, 200)
}

func TestSessionTimeoutDefault(t *testing.T) {
	ts := newTestServer(t, Config{})
	if got := get(ts.do("GET", sessionServicePath, nil).body, "SessionTimeout"); got != 86400.0 {
		t.Errorf("default SessionTimeout %v, want 86400", got)
	}
	if _, err := New(Config{SessionTimeout: -time.Second}); err == nil {
		t.Error("a negative session timeout was taken")
	}
}
