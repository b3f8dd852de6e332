package rsdsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"
)

const (
	sessionServicePath = rootPath + "/SessionService"
	sessionsPath       = sessionServicePath + "/Sessions"
)

// DefaultSessionTimeout is the SessionTimeout of a simulator configured with none: the
// largest the Redfish schema allows.
const DefaultSessionTimeout = 24 * time.Hour

// session is a Redfish login: its token stands for the credentials until it is deleted or
// goes unused for the SessionTimeout.
type session struct {
	id, token, user string
	// used is when the session was last used, in Unix nanoseconds; atomic, since requests
	// update it under the read lock.
	used atomic.Int64
}

func (se *session) path() string { return sessionsPath + "/" + se.id }

// renderSessions renders the SessionService and its Sessions collection.
func (s *Simulator) renderSessions() {
	svc := resource(sessionServicePath, "#SessionService.v1_0_2.SessionService", "SessionService", "Session Service")
	svc["ServiceEnabled"] = true
	svc["SessionTimeout"] = int64((s.cfg.SessionTimeout + time.Second - 1) / time.Second)
	svc["Status"] = statusOK()
	svc["Sessions"] = link(sessionsPath)
	s.put(sessionServicePath, svc)
	paths := make([]string, 0, len(s.sessions))
	for _, se := range s.sessions {
		paths = append(paths, se.path())
	}
	s.put(sessionsPath, collection(sessionsPath, "#SessionCollection.SessionCollection", "Session Collection", paths))
}

// isPublic tells the requests answered without credentials: the service root (gofish and
// sushy read it before logging in) and the login itself.
func (s *Simulator) isPublic(method, path string) bool {
	switch {
	case method == http.MethodGet || method == http.MethodHead:
		return path == rootPath || path == "/redfish"
	case method == http.MethodPost:
		return path == sessionsPath
	}
	return false
}

// authorized accepts the configured Basic credentials or the token of a live session, whose
// use keeps it alive. A session found timed out is closed, as are the others that are.
func (s *Simulator) authorized(r *http.Request) bool {
	if s.cfg.Username == "" {
		return true
	}
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		now := s.cfg.Now()
		s.mu.RLock()
		var found *session
		for _, se := range s.sessions {
			if subtle.ConstantTimeCompare([]byte(se.token), []byte(tok)) == 1 {
				found = se
			}
		}
		live := found != nil && s.alive(found, now)
		if live {
			found.used.Store(now.UnixNano())
		}
		s.mu.RUnlock()
		if found != nil && !live {
			s.mu.Lock()
			s.closeTimedOut(now)
			s.mu.Unlock()
		}
		return live
	}
	user, pass, ok := r.BasicAuth()
	return ok && s.credentialsMatch(user, pass)
}

// alive tells whether se has been used within the SessionTimeout before now.
func (s *Simulator) alive(se *session, now time.Time) bool {
	return now.Sub(time.Unix(0, se.used.Load())) <= s.cfg.SessionTimeout
}

// closeTimedOut deletes the sessions unused for longer than the SessionTimeout; the caller
// holds the write lock.
func (s *Simulator) closeTimedOut(now time.Time) {
	closed := false
	for id, se := range s.sessions {
		if !s.alive(se, now) {
			delete(s.sessions, id)
			delete(s.docs, se.path())
			closed = true
		}
	}
	if closed {
		s.renderSessions()
	}
}

func (s *Simulator) credentialsMatch(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password))
	return u&p == 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createSession is the Redfish login: 201 with X-Auth-Token, Location (a path, which gofish
// appends to its endpoint to log out) and the session.
func (s *Simulator) createSession(w http.ResponseWriter, r *http.Request, _ []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	var req struct{ UserName, Password *string }
	if err := unmarshal(body, &req); err != nil {
		return errPayload("Malformed JSON: " + err.Error())
	}
	if req.UserName == nil || req.Password == nil {
		return errPayload("A session needs UserName and Password.")
	}
	if s.cfg.Username != "" && !s.credentialsMatch(*req.UserName, *req.Password) {
		return newError(http.StatusUnauthorized, codeUnauthorized, "Invalid user name or password.")
	}
	se := &session{id: randomHex(8), token: randomHex(16), user: *req.UserName}
	now := s.cfg.Now()
	se.used.Store(now.UnixNano())
	s.mu.Lock()
	s.closeTimedOut(now)
	s.sessions[se.id] = se
	d := resource(se.path(), "#Session.v1_0_2.Session", se.id, "User Session")
	d["UserName"] = se.user
	s.put(se.path(), d)
	s.renderSessions()
	s.mu.Unlock()
	w.Header().Set("Location", se.path())
	w.Header().Set("X-Auth-Token", se.token)
	serveDoc(w, r, http.StatusCreated, s.lookup(se.path()))
	return nil
}

// deleteSession logs out; the token stops working at once.
func (s *Simulator) deleteSession(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.sessions[params[0]]
	if se == nil {
		return errNotFound(r.URL.Path)
	}
	delete(s.sessions, se.id)
	delete(s.docs, se.path())
	s.renderSessions()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
