package ui

import (
	"container/list"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/valence"
)

// Bounds of the session store: how many sessions one replica keeps (the
// least recently used goes first), how long an unused one lives, and how long
// any one lives at all, whatever its use.
const (
	MaxSessions     = 10000
	SessionIdle     = 30 * time.Minute
	SessionLifetime = 12 * time.Hour
)

// CookieName is the session cookie; it holds nothing but the session's id.
const CookieName = "valence_session"

// session is one signed-in browser. Its credentials never leave the server.
type session struct {
	id    string
	csrf  string
	creds client.Auth
	// who is the caller the credentials were established as at sign-in,
	// for the page header and to hide controls the policy would refuse.
	who     valence.Caller
	created time.Time

	mu       sync.Mutex // guards what follows
	lastSeen time.Time
	flash    *flash // shown once, by the next page
	jobs     map[string]*job
}

// whoami is the caller as the page header shows it: user (project).
func (s *session) whoami() string {
	project := s.who.ProjectName
	if project == "" {
		project = s.who.ProjectID
	}
	if project == "" {
		return s.who.UserName
	}
	return s.who.UserName + " (" + project + ")"
}

// takeFlash returns the message left for the next page and forgets it.
func (s *session) takeFlash() *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// setFlash leaves f for the next page the session shows.
func (s *session) setFlash(f *flash) {
	s.mu.Lock()
	s.flash = f
	s.mu.Unlock()
}

// sessions is the in-memory store of one replica: bounded, with idle and
// absolute lifetimes; a session lost to a restart or another replica means
// signing in again.
type sessions struct {
	mu    sync.Mutex
	byID  map[string]*list.Element // of *session
	order *list.List               // most recently used first
	now   func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byID: make(map[string]*list.Element), order: list.New(), now: now}
}

// randomID returns 256 random bits, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for who with creds, evicting the least recently
// used one when the store is full.
func (s *sessions) create(who valence.Caller, creds client.Auth) *session {
	now := s.now()
	sess := &session{id: randomID(), csrf: randomID(), creds: creds, who: who, created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.order.Len() >= MaxSessions {
		s.drop(s.order.Back())
	}
	s.byID[sess.id] = s.order.PushFront(sess)
	return sess
}

// get returns the live session of id and marks it used; an expired one is
// dropped.
func (s *sessions) get(id string) (*session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	sess := el.Value.(*session)
	sess.mu.Lock()
	expired := now.Sub(sess.lastSeen) > SessionIdle || now.Sub(sess.created) > SessionLifetime
	if !expired {
		sess.lastSeen = now
	}
	sess.mu.Unlock()
	if expired {
		s.drop(el)
		return nil, false
	}
	s.order.MoveToFront(el)
	return sess, true
}

// remove ends the session of id, if any.
func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byID[id]; ok {
		s.drop(el)
	}
}

// drop forgets el; s.mu is held.
func (s *sessions) drop(el *list.Element) {
	delete(s.byID, el.Value.(*session).id)
	s.order.Remove(el)
}
