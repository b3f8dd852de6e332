package rsdsim

import (
	"net/http"
	"testing"
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
