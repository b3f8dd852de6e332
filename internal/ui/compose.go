package ui

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/auth"
)

// Bounds of the composes a session runs: how many it keeps at once
// (running, or ended and not yet forgotten), and how long an ended one is
// kept for its page.
const (
	MaxSessionJobs = 8
	JobKept        = 5 * time.Minute
)

// job is a compose the dashboard runs for a session, on a context of its
// own bounded by the compose timeout: closing the page does not stop it.
type job struct {
	id      string
	name    string
	started time.Time
	// form is what was sent, for the form shown again after a refusal.
	form url.Values

	mu    sync.Mutex // guards what follows
	ended time.Time
	node  *api.Node
	err   error
}

// finish records the compose's outcome.
func (j *job) finish(node *api.Node, err error, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.node, j.err, j.ended = node, err, now
}

// outcome returns when the job ended (zero while it runs) and its node or
// error.
func (j *job) outcome() (time.Time, *api.Node, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.ended, j.node, j.err
}

// addJob keeps j, first forgetting the jobs that ended over JobKept ago,
// then, if the session is full, the one that ended first; false when
// MaxSessionJobs still run.
func (s *session) addJob(j *job, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jobs == nil {
		s.jobs = make(map[string]*job)
	}
	var oldest *job
	var oldestEnd time.Time
	for id, o := range s.jobs {
		ended, _, _ := o.outcome()
		switch {
		case ended.IsZero():
		case now.Sub(ended) > JobKept:
			delete(s.jobs, id)
		case oldest == nil || ended.Before(oldestEnd):
			oldest, oldestEnd = o, ended
		}
	}
	if len(s.jobs) >= MaxSessionJobs {
		if oldest == nil {
			return false
		}
		delete(s.jobs, oldest.id)
	}
	s.jobs[j.id] = j
	return true
}

// job returns the session's job of id, or nil.
func (s *session) job(id string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

// composeForm shows the compose form; ?flavor= preselects a flavor, and
// ?job= fills it from a refused compose, with the refusal's messages.
func (d *Dashboard) composeForm(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Compose a node", "nodes")
	q := r.URL.Query()
	p.Form.Set("flavor_id", q.Get("flavor"))
	if id := q.Get("job"); id != "" {
		if j := p.sess.job(id); j != nil {
			p.Form = j.form
			if _, _, err := j.outcome(); err != nil {
				var ce *client.Error
				if errors.As(err, &ce) {
					p.fieldErrors(ce.Detail)
					listErrors(p, ce.Detail)
				}
			}
		}
	}
	d.showCompose(w, r, p, http.StatusOK)
}

// showCompose draws the compose form of p with status: the node's name, a
// flavor or the requirements (those of the flavor form), and the pod
// manager.
func (d *Dashboard) showCompose(w http.ResponseWriter, r *http.Request, p *page, status int) {
	flavors := []option{{"", "None (fill in below)"}}
	podms := []option{{"", "Any that can"}}
	ctx := r.Context()
	if p.Can(auth.RuleFlavorList, "") {
		list, err := p.api.ListFlavors(ctx, nil)
		if err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
		for _, f := range list {
			flavors = append(flavors, option{f.UUID, f.Name})
		}
	}
	if p.Can(auth.RulePodManagerList, "") {
		list, err := p.api.ListPodManagers(ctx, nil)
		if err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
		for _, pm := range list {
			podms = append(podms, option{pm.UUID, pm.Name + " (" + pm.Status + ")"})
		}
	}
	node := formSection{Legend: "Node", Fields: []fieldSpec{
		{Name: "name", Label: "Name", Type: "text"},
		{Name: "flavor_id", Label: "Flavor", Type: "select", Options: flavors},
		{Name: "podm_id", Label: "Pod manager", Type: "select", Options: podms},
		{Name: "description", Label: "Description", Type: "textarea"},
	}}
	p.Data = formView{ID: "compose-form", Heading: "The node and what it needs", Action: "/ui/nodes",
		DataAction: "compose", Submit: "Compose",
		Note:     "Choose a flavor, or fill in the requirements below: not both.",
		Sections: append([]formSection{node}, propertySections(p)...)}
	d.render(w, r, status, "compose", p)
}

// composeBody reads the compose form: the requirements, read as the flavor
// form's (parseProperties), are sent only when a field of them is filled (a
// flavor and requirements together are the API's to refuse). A field that
// cannot be read is an error next to it.
func composeBody(p *page) api.NodeCompose {
	body := api.NodeCompose{
		Name: formText(p, "name"), Description: formText(p, "description"),
		PodmID: formText(p, "podm_id"), FlavorID: formText(p, "flavor_id"),
	}
	if props := parseProperties(p); !reflect.ValueOf(props).IsZero() {
		body.Properties = &props
	}
	return body
}

// compose starts a compose as a job of the session and sends the browser to
// its page.
func (d *Dashboard) compose(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Compose a node", "nodes")
	p.Form = r.PostForm
	body := composeBody(p)
	if len(p.Errors) > 0 {
		p.Flash = &flash{Kind: "error", Text: "Correct the fields marked."}
		d.showCompose(w, r, p, http.StatusBadRequest)
		return
	}
	now := d.opts.Now()
	form := maps.Clone(r.PostForm)
	form.Del(CSRFField)
	j := &job{id: randomID(), name: body.Name, started: now, form: form}
	if !p.sess.addJob(j, now) {
		p.Flash = &flash{Kind: "error", Text: "Your session runs too many composes already; wait for one to end."}
		d.showCompose(w, r, p, http.StatusTooManyRequests)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), d.opts.ComposeTimeout)
	c := p.api
	go func() {
		defer cancel()
		node, err := c.ComposeNode(ctx, body)
		var ce *client.Error
		if err != nil && !errors.As(err, &ce) {
			// Not an answer of the API: the log has it, the page says so.
			zerolog.Ctx(ctx).Error().Err(err).Str("job", j.id).Msg("ui: compose failed")
		}
		j.finish(node, err, d.opts.Now())
	}()
	http.Redirect(w, r, "/ui/jobs/"+j.id, http.StatusSeeOther)
}

// jobView is the job page's data.
type jobView struct {
	ID, Name string
	// State is running, done or failed.
	State   string
	Elapsed time.Duration
	Node    *api.Node
	// Refusal is the API's answer to a failed compose.
	Refusal *client.Error
}

// jobPage shows a compose of the session: how long it has run, then its
// node, or the refusal with the pod managers' explanation.
func (d *Dashboard) jobPage(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Compose", "nodes")
	j := p.sess.job(chi.URLParam(r, "id"))
	if j == nil {
		d.notFound(w, r)
		return
	}
	ended, node, err := j.outcome()
	v := jobView{ID: j.id, Name: j.name, State: "running", Node: node}
	switch {
	case ended.IsZero():
		v.Elapsed = d.opts.Now().Sub(j.started)
	case err != nil:
		v.State, v.Elapsed = "failed", ended.Sub(j.started)
		if !errors.As(err, &v.Refusal) {
			v.Refusal = &client.Error{Detail: "The compose could not be completed; the server's log says why."}
		}
	default:
		v.State, v.Elapsed = "done", ended.Sub(j.started)
	}
	v.Elapsed = v.Elapsed.Round(time.Second)
	p.Title = "Compose " + j.name
	p.Data = v
	d.render(w, r, http.StatusOK, "job", p)
}
