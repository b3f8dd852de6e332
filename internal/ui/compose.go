package ui

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
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

// composeView is the compose form's data.
type composeView struct {
	Flavors, PodManagers []option
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
				}
			}
		}
	}
	d.showCompose(w, r, p, http.StatusOK)
}

// showCompose draws the compose form of p with status.
func (d *Dashboard) showCompose(w http.ResponseWriter, r *http.Request, p *page, status int) {
	v := composeView{
		Flavors:     []option{{"", "None: the requirements below"}},
		PodManagers: []option{{"", "Any pod manager that can"}},
	}
	ctx := r.Context()
	if p.Can("valence:flavor:list", "") {
		flavors, err := p.api.ListFlavors(ctx, nil)
		if err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
		for _, f := range flavors {
			v.Flavors = append(v.Flavors, option{f.UUID, f.Name})
		}
	}
	if p.Can("valence:podmanager:list", "") {
		podms, err := p.api.ListPodManagers(ctx, nil)
		if err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
		for _, pm := range podms {
			v.PodManagers = append(v.PodManagers, option{pm.UUID, pm.Name + " (" + pm.Status + ")"})
		}
	}
	p.Data = v
	d.render(w, r, status, "compose", p)
}

// composeBody reads the compose form: the requirements only when a field
// of them is filled (a flavor and requirements together are the API's to
// refuse). A number that is not one is an error next to its field.
func composeBody(p *page) api.NodeCompose {
	body := api.NodeCompose{
		Name: p.Value("name"), Description: p.Value("description"),
		PodmID: p.Value("podm_id"), FlavorID: p.Value("flavor_id"),
	}
	num := func(name string) api.FlexInt {
		n, _ := formInt(p, name)
		return api.FlexInt(n)
	}
	filled := func(names ...string) bool {
		for _, n := range names {
			if strings.TrimSpace(p.Value("properties."+n)) != "" {
				return true
			}
		}
		return false
	}
	var props api.FlavorPropertiesInput
	if filled("processor.total_cores", "processor.count", "processor.model", "processor.instruction_set") {
		props.Processor = &api.ProcessorRequirementInput{
			TotalCores: num("properties.processor.total_cores"), Count: num("properties.processor.count"),
			Model: p.Value("properties.processor.model"), InstructionSet: p.Value("properties.processor.instruction_set"),
		}
	}
	if filled("memory.capacity_mib", "memory.type") {
		props.Memory = &api.MemoryRequirementInput{
			CapacityMiB: num("properties.memory.capacity_mib"), Type: p.Value("properties.memory.type"),
		}
	}
	if filled("local_drives.capacity_gib", "local_drives.type", "local_drives.interface") {
		props.LocalDrives = []api.LocalDriveRequirementInput{{
			CapacityGiB: num("properties.local_drives.capacity_gib"),
			Type:        p.Value("properties.local_drives.type"), Interface: p.Value("properties.local_drives.interface"),
		}}
	}
	if filled("network.speed_mbps", "network.vlan") {
		props.Network = []api.NetworkRequirementInput{{
			SpeedMbps: num("properties.network.speed_mbps"), VLAN: num("properties.network.vlan"),
		}}
	}
	if props.Processor != nil || props.Memory != nil || props.LocalDrives != nil || props.Network != nil {
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
