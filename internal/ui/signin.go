package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/valence"
)

// Longest user name, project, domain and password a sign-in takes: Keystone's
// own limits (255 for names, a password far less than 1024).
const (
	maxSignInName     = 255
	maxSignInPassword = 1024
)

// loginView is the sign-in form's own data.
type loginView struct {
	Keystone bool
	Next     string
}

// loginForm shows the sign-in form; noauth has none, and a signed-in user
// goes on.
func (d *Dashboard) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if d.opts.Strategy == StrategyNoauth || d.sessionFromCookie(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d.showLogin(w, r, http.StatusOK, &page{}, next)
}

// showLogin draws the sign-in form with p's message and values.
func (d *Dashboard) showLogin(w http.ResponseWriter, r *http.Request, status int, p *page, next string) {
	p.Title, p.Static, p.d = "Sign in", d.staticPrefix, d
	if p.Form == nil {
		p.Form = map[string][]string{}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if d.opts.Strategy == StrategyKeystone && p.Form.Get("domain") == "" {
		p.Form.Set("domain", "Default")
	}
	p.Data = loginView{Keystone: d.opts.Strategy == StrategyKeystone, Next: next}
	d.render(w, r, status, "login", p)
}

// safeNext is where a sign-in goes on to: a page of the dashboard, never
// another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "/ui//") || strings.ContainsAny(next, "\\\r\n") || len(next) > 2048 {
		return "/ui/"
	}
	return next
}

// signIn checks the credentials as the API would and starts a session that
// holds them. The sign-in form has no session yet, so no CSRF token: the
// browser's Sec-Fetch-Site or Origin must say it is this site's.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	if d.opts.Strategy == StrategyNoauth {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	if !d.sameOrigin(r) {
		d.errorPage(w, r, http.StatusForbidden, "The sign-in was refused: it was sent from another site.")
		return
	}
	if err := r.ParseForm(); err != nil {
		d.errorPage(w, r, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	p := &page{Form: r.PostForm, Errors: map[string]string{}}
	next := safeNext(r.PostForm.Get("next"))
	user, password := p.Value("username"), p.Value("password")
	project, domain := p.Value("project"), p.Value("domain")
	p.Form.Del("password") // never drawn back into the page
	for _, f := range []struct{ name, value string }{{"username", user}, {"project", project}, {"domain", domain}} {
		if len(f.value) > maxSignInName {
			p.Errors[f.name] = "at most 255 bytes"
		}
	}
	if len(password) > maxSignInPassword {
		p.Errors["password"] = "at most 1024 bytes"
	}
	if user == "" {
		p.Errors["username"] = "required"
	}
	if d.opts.Strategy == StrategyKeystone && project == "" {
		p.Errors["project"] = "required"
	}
	if len(p.Errors) > 0 {
		p.Flash = &flash{Kind: "error", Text: "Fill in the fields marked."}
		d.showLogin(w, r, http.StatusBadRequest, p, next)
		return
	}

	var creds client.Auth
	probe, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "/v1", nil)
	probe.RemoteAddr = r.RemoteAddr // the failed-login limit counts the browser
	switch d.opts.Strategy {
	case StrategyHTTPBasic:
		creds = client.Basic{Username: user, Password: password}
		probe.SetBasicAuth(user, password)
	case StrategyKeystone:
		token, err := d.keystoneToken(r.Context(), user, password, project, domain)
		if err != nil {
			status, msg := http.StatusUnauthorized, "The user name, password, project or domain is wrong."
			if !gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
				zerolog.Ctx(r.Context()).Warn().Err(err).Msg("ui: keystone sign-in failed")
				status, msg = http.StatusServiceUnavailable, "Keystone did not answer the sign-in; try again later."
			}
			p.Flash = &flash{Kind: "error", Text: msg}
			d.showLogin(w, r, status, p, next)
			return
		}
		creds = client.Token(token)
		probe.Header.Set("X-Auth-Token", token)
	}
	who, err := d.opts.Auth.Authenticate(r.Context(), probe)
	if err != nil {
		status, msg := http.StatusUnauthorized, "The user name or password is wrong."
		var ve *valence.Error
		if errors.As(err, &ve) && ve.Code == valence.TooManyRequests {
			status, msg = http.StatusTooManyRequests, ve.Message
		} else if !valence.IsCode(err, valence.Unauthorized) {
			zerolog.Ctx(r.Context()).Warn().Err(err).Msg("ui: sign-in could not be checked")
			status, msg = http.StatusServiceUnavailable, "The sign-in could not be checked; try again later."
		}
		p.Flash = &flash{Kind: "error", Text: msg}
		d.showLogin(w, r, status, p, next)
		return
	}
	// A new id at every sign-in: an id known before it is worth nothing.
	if old, err := r.Cookie(CookieName); err == nil {
		d.sessions.remove(old.Value)
	}
	sess := d.sessions.create(who, creds)
	d.setCookie(w, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// keystoneToken asks Keystone for a token of user in project (both in
// domain), with the server's Keystone URL and CA.
func (d *Dashboard) keystoneToken(ctx context.Context, user, password, project, domain string) (string, error) {
	pc, err := openstack.NewClient(d.opts.KeystoneURL)
	if err != nil {
		return "", err
	}
	pc.HTTPClient = *d.keystone
	err = openstack.Authenticate(ctx, pc, gophercloud.AuthOptions{
		IdentityEndpoint: d.opts.KeystoneURL,
		Username:         user, Password: password, DomainName: domain,
		Scope: &gophercloud.AuthScope{ProjectName: project, DomainName: domain},
	})
	if err != nil {
		return "", err
	}
	return pc.Token(), nil
}

// signOut ends the session: its credentials are forgotten at once.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request) {
	d.sessions.remove(sessionOf(r).id)
	d.clearCookie(w)
	to := "/ui/login"
	if d.opts.Strategy == StrategyNoauth {
		to = "/ui/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
