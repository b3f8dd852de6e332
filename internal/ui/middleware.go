package ui

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/valence-rsd/valence/api/client"
)

// CSRFField and CSRFHeader carry a change's CSRF token: the hidden field of
// every form, or the header of a script's request.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// contentSecurityPolicy allows nothing but the dashboard's own files: no
// inline script or style, no framing, forms posted only here.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every answer of the dashboard carries;
// pages are never cached (the static files set their own Cache-Control).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type sessionKey struct{}

// sessionOf returns the session withSession found for r.
func sessionOf(r *http.Request) *session {
	return r.Context().Value(sessionKey{}).(*session)
}

// withSession finds the request's session. Without one, noauth starts one
// (there is no sign-in); otherwise a GET goes to the sign-in page, which
// brings the user back, and a change is refused.
func (d *Dashboard) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := d.sessionFromCookie(r)
		if sess == nil && d.opts.Strategy == StrategyNoauth {
			who, err := d.opts.Auth.Authenticate(r.Context(), r)
			if err != nil {
				d.errorPage(w, r, http.StatusInternalServerError, "The dashboard could not start a session.")
				return
			}
			sess = d.sessions.create(who, client.NoAuth{})
			d.setCookie(w, sess)
		}
		if sess == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			d.errorPage(w, r, http.StatusForbidden, "Your session has ended: sign in again, then repeat the change.")
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, sess)
		next.ServeHTTP(w, r.WithContext(withRemote(ctx, r.RemoteAddr)))
	})
}

// sessionFromCookie returns the live session the request's cookie names.
func (d *Dashboard) sessionFromCookie(r *http.Request) *session {
	c, err := r.Cookie(CookieName)
	if err != nil || len(c.Value) > maxSessionIDLen {
		return nil
	}
	sess, _ := d.sessions.get(c.Value)
	return sess
}

// maxSessionIDLen bounds the cookie value looked up: an id is 43 characters.
const maxSessionIDLen = 64

// setCookie gives the browser the session's id.
func (d *Dashboard) setCookie(w http.ResponseWriter, sess *session) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: sess.id, Path: "/ui",
		MaxAge: int(SessionLifetime.Seconds()), HttpOnly: true, Secure: d.opts.Secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// clearCookie makes the browser forget the session cookie.
func (d *Dashboard) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/ui", MaxAge: -1,
		HttpOnly: true, Secure: d.opts.Secure, SameSite: http.SameSiteStrictMode,
	})
}

// checkCSRF refuses a change (any method but GET and HEAD) that does not
// carry the session's token, or that a browser says comes from another
// site: the 403 page, and nothing done.
func (d *Dashboard) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Parsed here, within the server's body limit, for the
			// handlers too (r.PostForm); a body that does not parse
			// carries no token.
			r.ParseForm()
			token := r.Header.Get(CSRFHeader)
			if token == "" {
				token = r.PostForm.Get(CSRFField)
			}
			sess := sessionOf(r)
			if !d.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(token), []byte(sess.csrf)) != 1 {
				d.errorPage(w, r, http.StatusForbidden, "The change was refused: the form was stale or sent from another site. Reload the page and try again.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether what the browser says of the request's origin,
// when it says anything, is this site: Sec-Fetch-Site, else Origin, whose
// host must be the request's or the public URL's (behind a proxy).
func (d *Dashboard) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (strings.EqualFold(u.Host, r.Host) || d.publicHost != "" && strings.EqualFold(u.Host, d.publicHost))
}
