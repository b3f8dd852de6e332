package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/auth"
)

// flash is the message at the top of a page: the outcome of a change, or
// the API's refusal with the pod manager's own messages.
type flash struct {
	// Kind is "ok" or "error" (the CSS class).
	Kind     string
	Text     string
	Extended []string
}

// Role is the ARIA role: errors interrupt, outcomes do not.
func (f *flash) Role() string {
	if f.Kind == "error" {
		return "alert"
	}
	return "status"
}

// ok is a success message.
func ok(format string, args ...any) *flash {
	return &flash{Kind: "ok", Text: fmt.Sprintf(format, args...)}
}

// page is what every template is given.
type page struct {
	Title string
	// Nav names the navigation entry of the page (overview, pod, nodes,
	// flavors, volumes, podmanagers).
	Nav    string
	Static string
	// Who is the signed-in caller as the header shows it.
	Who    string
	NoAuth bool
	CSRF   string
	Flash  *flash
	// Form holds the values a form shows: those sent, when it is shown
	// again refused, or the resource's, for an edit form.
	Form url.Values
	// Errors are the messages of the form's fields, by field name.
	Errors map[string]string
	// Aliases name the form field of an API message's field path where
	// the two differ (the credentials' "authentication" is "username").
	Aliases map[string]string
	// Data is the view's own.
	Data any

	d    *Dashboard
	sess *session
	api  *client.Client
}

// newPage starts the page of r's session, with the message a redirect left
// (which a polled fragment leaves for the page).
func (d *Dashboard) newPage(r *http.Request, title, nav string) *page {
	sess := sessionOf(r)
	p := &page{
		Title: title, Nav: nav, Static: d.staticPrefix,
		Who: sess.whoami(), NoAuth: d.opts.Strategy == StrategyNoauth, CSRF: sess.csrf,
		Form: url.Values{}, Errors: map[string]string{},
		d: d, sess: sess, api: d.client(sess),
	}
	if r.URL.Query().Get("fragment") == "" {
		p.Flash = sess.takeFlash()
	}
	return p
}

// Can reports whether the caller's rules allow rule on what belongs to
// project ("" for the caller's own project), so that a page shows only the
// controls the API would accept. The API checks again.
func (p *page) Can(rule, project string) bool {
	if project == "" {
		project = p.sess.who.ProjectID
	}
	return p.d.policy.Authorize(rule, p.sess.who, auth.Target{"project_id": project}) == nil
}

// Value is the form's value of the field name.
func (p *page) Value(name string) string { return p.Form.Get(name) }

// parsePages parses each page of templates/ with the layout and the
// partials (files whose names start with "_").
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			shared = append(shared, f)
		}
	}
	base, err := template.New("").Funcs(funcs).ParseFS(assets, shared...)
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes the page name (templates/<name>.html) with status, or, for
// ?fragment=<f>, only its template "fragment-<f>" (what the script polls).
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	tmpl := "layout"
	if f := r.URL.Query().Get("fragment"); f != "" {
		tmpl = "fragment-" + f
		if t, found := d.pages[name]; !found || len(f) > 64 || t.Lookup(tmpl) == nil {
			d.notFound(w, r)
			return
		}
	}
	d.execute(w, r, status, name, tmpl, p)
}

// execute writes the template tmpl of the page name with status. The whole
// answer is made before a byte is written, so a template error is a clean
// 500.
func (d *Dashboard) execute(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, p *page) {
	t, found := d.pages[name]
	if !found {
		panic("ui: no page template " + name) // a bug, caught by the view's test
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("page", name).Msg("ui: page not rendered")
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// done ends a successful change: the message for the next page, then a 303
// to it (post, redirect, get).
func (d *Dashboard) done(w http.ResponseWriter, r *http.Request, to string, f *flash) {
	sessionOf(r).setFlash(f)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// fail shows err, the failure of an API call made for p, as the dashboard
// shows each: credentials the API no longer takes mean signing in again; a
// page's 404 is the not-found page; anything else shows the API's message
// (and extended_info) in the flash, each field's own next to it, and calls
// again with the answer's status to show the page again (nil: the error
// page).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, p *page, err error, again func(status int)) {
	var ce *client.Error
	if !errors.As(err, &ce) {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("ui: the in-process API call failed")
		p.Flash = &flash{Kind: "error", Text: "The dashboard could not complete the request; the server's log says why."}
		d.render(w, r, http.StatusInternalServerError, "error", p)
		return
	}
	switch ce.StatusCode {
	case http.StatusUnauthorized:
		if d.opts.Strategy != StrategyNoauth {
			d.sessions.remove(p.sess.id)
			d.clearCookie(w)
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
	case http.StatusNotFound:
		// A page that cannot be read is not found; a change refused with
		// 404 shows its page again, which is not found in turn when what
		// it shows is gone (or was never the caller's to see).
		if again == nil {
			d.notFound(w, r)
			return
		}
	}
	p.Flash = &flash{Kind: "error", Text: ce.Detail, Extended: ce.ExtendedInfo}
	if p.Flash.Text == "" {
		p.Flash.Text = ce.Error()
	}
	p.fieldErrors(ce.Detail)
	if again == nil {
		d.render(w, r, ce.StatusCode, "error", p)
		return
	}
	again(ce.StatusCode)
}

// fieldErrors puts each problem of an API message ("a; b; ...", each
// starting with the field's JSON path, like "properties.memory.capacity_mib
// must be ...") next to the form field of that name, or of a name that ends
// with the path (the core names a flavor's fields below "properties"),
// or of the path's alias.
func (p *page) fieldErrors(detail string) {
	for _, problem := range strings.Split(detail, "; ") {
		first, _, _ := strings.Cut(problem, " ")
		first = strings.TrimSuffix(first, ":")
		if alias, ok := p.Aliases[first]; ok {
			first = alias
		}
		if first == "" {
			continue
		}
		if _, sent := p.Form[first]; sent {
			p.Errors[first] = problem
			continue
		}
		for name := range p.Form {
			if strings.HasSuffix(name, "."+first) {
				p.Errors[name] = problem
				break
			}
		}
	}
}

// errorPage answers status with the error page and msg.
func (d *Dashboard) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := &page{Title: http.StatusText(status), Static: d.staticPrefix, NoAuth: d.opts.Strategy == StrategyNoauth,
		Flash: &flash{Kind: "error", Text: msg}, d: d}
	if sess := d.sessionFromCookie(r); sess != nil {
		// Signed in: the page keeps its navigation, but not the session's
		// pending message, which the next real page shows.
		p.Who, p.CSRF, p.sess = sess.whoami(), sess.csrf, sess
	}
	d.execute(w, r, status, "error", "layout", p)
}

// notFound is the dashboard's 404 page: an unknown path, or something the
// API says does not exist for this caller (another project's node).
func (d *Dashboard) notFound(w http.ResponseWriter, r *http.Request) {
	d.errorPage(w, r, http.StatusNotFound, "There is nothing here, or nothing you may see.")
}

func (d *Dashboard) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	d.errorPage(w, r, http.StatusMethodNotAllowed, "This page does not take that request.")
}

// static serves an embedded asset; its path carries the assets' version,
// so it may be cached for a year.
func (d *Dashboard) static(w http.ResponseWriter, r *http.Request) {
	if "/ui/static/"+chi.URLParam(r, "version") != d.staticPrefix {
		d.notFound(w, r)
		return
	}
	name := chi.URLParam(r, "file")
	b, err := assets.ReadFile("static/" + name)
	if err != nil {
		d.notFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
