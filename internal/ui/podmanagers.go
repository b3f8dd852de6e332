package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
)

// podmAliases send the API's problems with the credentials (path
// "authentication") to the user name field.
var podmAliases = map[string]string{"authentication": "username"}

// driverChoices are the drivers a registration may name; empty is the
// API's default (rsd).
var driverChoices = pairs("", "RSD or DMTF composition (default)", api.DriverRedfish, "Plain Redfish (no composition)", api.DriverRedfishV1, "Redfish v1 (RSD 1.x)")

// podManagersView is the list page's data.
type podManagersView struct {
	List    []api.PodManager
	Drivers []option
}

// podManagers lists the pod managers, with the register form for those who
// may register one.
func (d *Dashboard) podManagers(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod managers", "podmanagers")
	p.Form.Set("tls_verify", "true")
	d.showPodManagers(w, r, p, http.StatusOK)
}

// showPodManagers draws the list and the form of p with status.
func (d *Dashboard) showPodManagers(w http.ResponseWriter, r *http.Request, p *page, status int) {
	list, err := p.api.ListPodManagers(r.Context(), nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Data = podManagersView{List: list, Drivers: driverChoices}
	d.render(w, r, status, "podmanagers", p)
}

// registerPodManager registers a pod manager from the form.
func (d *Dashboard) registerPodManager(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod managers", "podmanagers")
	p.Form = r.PostForm
	p.Aliases = podmAliases
	tls := p.Value("tls_verify") == "true"
	pm, err := p.api.CreatePodManager(r.Context(), api.PodManagerCreate{
		Name: p.Value("name"), URL: p.Value("url"), Driver: p.Value("driver"),
		Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{
			Username: p.Value("username"), Password: p.Value("password"),
		}}},
		TLSVerify: &tls, CACert: p.Value("ca_cert"), Description: p.Value("description"), Location: p.Value("location"),
	})
	if err != nil {
		d.fail(w, r, p, err, func(status int) { d.showPodManagers(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/podmanagers/"+url.PathEscape(pm.UUID), ok("Pod manager %s registered: %s.", pm.Name, pm.Status))
}

// podManager shows one pod manager, with the edit and delete forms for those
// who may use them.
func (d *Dashboard) podManager(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod manager", "podmanagers")
	d.showPodManager(w, r, p, http.StatusOK, true)
}

// showPodManager draws the pod manager of the path with status; fill puts
// its values in the edit form (false: the form shows what was sent).
func (d *Dashboard) showPodManager(w http.ResponseWriter, r *http.Request, p *page, status int, fill bool) {
	pm, err := p.api.GetPodManager(r.Context(), chi.URLParam(r, "uuid"))
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Title = "Pod manager " + pm.Name
	if fill {
		p.Form = url.Values{
			"name": {pm.Name}, "tls_verify": {strconv.FormatBool(pm.TLSVerify)}, "ca_cert": {pm.CACert},
			"description": {pm.Description}, "location": {pm.Location},
		}
		for _, a := range pm.Authentication {
			p.Form.Set("username", a.AuthItems.Username)
		}
	}
	p.Data = pm
	d.render(w, r, status, "podmanager", p)
}

// updatePodManager changes what the form sets; the credentials only when a
// password is given (the API keeps none it could show).
func (d *Dashboard) updatePodManager(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod manager", "podmanagers")
	p.Form = r.PostForm
	p.Aliases = podmAliases
	name, description, location, ca := p.Value("name"), p.Value("description"), p.Value("location"), p.Value("ca_cert")
	tls := p.Value("tls_verify") == "true"
	patch := api.PodManagerUpdate{Name: &name, TLSVerify: &tls, CACert: &ca, Description: &description, Location: &location}
	if pw := p.Value("password"); pw != "" {
		patch.Authentication = []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: p.Value("username"), Password: pw}}}
	}
	pm, err := p.api.UpdatePodManager(r.Context(), chi.URLParam(r, "uuid"), patch)
	if err != nil {
		d.fail(w, r, p, err, func(status int) { d.showPodManager(w, r, p, status, false) })
		return
	}
	d.done(w, r, "/ui/podmanagers/"+url.PathEscape(pm.UUID), ok("Pod manager %s updated.", pm.Name))
}

// deletePodManager unregisters the pod manager; with force, its nodes are
// decomposed first. The API's 409 names the nodes that stop it.
func (d *Dashboard) deletePodManager(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod manager", "podmanagers")
	id := chi.URLParam(r, "uuid")
	if _, err := p.api.DeletePodManager(r.Context(), id, r.PostForm.Get("force") == "true"); err != nil {
		d.fail(w, r, p, err, func(status int) { d.showPodManager(w, r, p, status, true) })
		return
	}
	d.done(w, r, "/ui/podmanagers", ok("Pod manager %s deleted.", id))
}
