package redfish

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/stmcginnis/gofish/schemas"
)

// session authenticates every request with a Redfish session's X-Auth-Token
// and logs in again when the pod manager forgets the session: its
// SessionTimeout passed, or it restarted. It is the transport of the client
// gofish uses, so every request of the package, read or action, gets it the
// same way; gofish itself is never given credentials in session mode.
type session struct {
	next     http.RoundTripper // the guard: origin check and answer cap
	hc       *http.Client      // over next, without this layer: the login and the logout
	endpoint string            // joined to a path the way gofish joins a link
	loginURI string            // Links.Sessions of the service root
	user     string
	password string
	timeout  time.Duration // bounds a login that outlives the call that started it
	// onRelogin, when set, hears the outcome of every login after the first.
	onRelogin func(error)

	mu     sync.Mutex
	token  string // X-Auth-Token of the live session
	uri    string // its Location, for the logout; "" when the pod manager gave none
	flight *login // the login in progress, nil when there is none
}

// login is one login shared by every call that found the same session gone.
type login struct {
	done chan struct{}
	err  error
}

// newSession returns the session layer over hc's transport. It has no
// session until login succeeds.
func newSession(hc *http.Client, endpoint, loginURI string, cfg Config) *session {
	return &session{
		next:      hc.Transport,
		hc:        hc,
		endpoint:  endpoint,
		loginURI:  loginURI,
		user:      cfg.Username,
		password:  cfg.Password,
		timeout:   cfg.Timeout,
		onRelogin: cfg.OnRelogin,
	}
}

// client is an http.Client like hc whose requests go through s.
func (s *session) client() *http.Client {
	return &http.Client{Transport: s, CheckRedirect: s.hc.CheckRedirect, Jar: s.hc.Jar, Timeout: s.hc.Timeout}
}

// login opens a session: POST {UserName, Password} to Links.Sessions; the
// token is in the answer's X-Auth-Token (any 2xx: the DMTF mockup server
// answers 204), its path in Location.
func (s *session) login(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"UserName": s.user, "Password": s.password})
	if err != nil {
		return wrapErr(http.MethodPost, s.loginURI, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+s.loginURI, bytes.NewReader(body))
	if err != nil {
		return wrapErr(http.MethodPost, s.loginURI, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return wrapErr(http.MethodPost, s.loginURI, err)
	}
	defer schemas.DeferredCleanupHTTPResponse(resp)
	token := resp.Header.Get("X-Auth-Token")
	if resp.StatusCode < 200 || resp.StatusCode > 299 || token == "" {
		refusal, _ := io.ReadAll(resp.Body) // the guard has capped it
		return wrapErr(http.MethodPost, s.loginURI, schemas.ConstructError(resp.StatusCode, refusal))
	}
	uri, _ := locationPath(resp.Header, http.MethodPost, s.loginURI)
	s.mu.Lock()
	s.token, s.uri = token, uri
	s.mu.Unlock()
	return nil
}

// RoundTrip sends req with the session's token. When the pod manager answers
// 401, the session is gone: the call logs in again, or waits for the login
// another call started for the same session, and sends req once more with
// the new token. Repeating any request, an action included, is safe: a
// Redfish service answers 401 before it acts on a request, so the first was
// not done. A 401 to the second try is the answer (the credentials no longer
// hold), and a request whose body cannot be sent again is not repeated.
func (s *session) RoundTrip(req *http.Request) (*http.Response, error) {
	token := s.current()
	first := req
	if req.Header.Get("X-Auth-Token") != token {
		first = withToken(req, token)
	}
	resp, err := s.next.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, err
	}
	if s.renew(req.Context(), token) != nil {
		return resp, nil
	}
	resp.Body.Close() // the guard has read it already: nothing holds the connection
	retry := req
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		retry = req.Clone(req.Context())
		retry.Body = body
	}
	return s.next.RoundTrip(withToken(retry, s.current()))
}

// current is the live session's token. A request built with it (getJSON's)
// is sent as it is; any other is copied with it.
func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// withToken is a copy of req, headers and all, carrying token (RoundTrip
// may not change its request).
func withToken(req *http.Request, token string) *http.Request {
	out := req.Clone(req.Context())
	out.Header.Set("X-Auth-Token", token)
	return out
}

// renew makes sure the session that stale names is replaced: it returns at
// once when another call has replaced it already, joins the login in
// progress, or starts one. One login at a time, whatever the number of calls
// that met the 401. The login runs to its end even when the call that
// started it gives up (bounded by the client's timeout), since the others
// wait for it; a caller whose context ends stops waiting.
func (s *session) renew(ctx context.Context, stale string) error {
	s.mu.Lock()
	if s.token != stale {
		s.mu.Unlock()
		return nil
	}
	f := s.flight
	if f == nil {
		f = &login{done: make(chan struct{})}
		s.flight = f
		go func() {
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
			defer cancel()
			f.err = s.login(lctx)
			s.mu.Lock()
			s.flight = nil
			s.mu.Unlock()
			if s.onRelogin != nil {
				s.onRelogin(f.err)
			}
			close(f.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logout deletes the live session, if the pod manager said where it is.
func (s *session) logout(ctx context.Context) {
	s.mu.Lock()
	token, uri := s.token, s.uri
	s.uri = "" // logged out once, whatever the answer
	s.mu.Unlock()
	if uri == "" {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.endpoint+uri, nil)
	if err != nil {
		return
	}
	req.Header.Set("X-Auth-Token", token)
	if resp, err := s.hc.Do(req); err == nil {
		schemas.DeferredCleanupHTTPResponse(resp)
	}
}

// CloseIdleConnections passes on to the wrapped transport, as http.Client
// expects of a transport.
func (s *session) CloseIdleConnections() {
	if c, ok := s.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
