package ui

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
)

// volumesView is the Volumes page's data.
type volumesView struct {
	Volumes []api.Storage
	// PodManagers names the pod managers by uuid.
	PodManagers map[string]string
	// Nodes names the nodes the caller sees, by UUID.
	Nodes map[string]string
	Form  formView
	// Warnings are the API's about the lists read.
	Warnings             []string
	CanCreate, CanDelete bool
}

// volumes lists the remote volumes, with the create form; the list is also
// the polled fragment "volumes".
func (d *Dashboard) volumes(w http.ResponseWriter, r *http.Request) {
	d.showVolumes(w, r, d.newPage(r, "Storage volumes", "volumes"), http.StatusOK)
}

// showVolumes draws the Volumes page with p's form and messages.
func (d *Dashboard) showVolumes(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ctx := r.Context()
	var warned warnings
	c, podms, err := warned.listPodManagers(ctx, p)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	vols, err := c.ListStorages(ctx, nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	var nodes map[string]string
	if attached(vols) {
		if nodes, err = nodeNames(ctx, p); err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
	}
	p.Data = volumesView{
		Volumes: vols, PodManagers: nameOf(podms), Nodes: nodes,
		Form: formView{ID: "new-volume", Heading: "New volume", Action: "/ui/volumes", DataAction: "create-volume",
			Submit: "Create the volume", Sections: volumeSections(podms, vols)},
		Warnings:  warned.list,
		CanCreate: p.Can(auth.RuleStorageCreate, ""), CanDelete: p.Can(auth.RuleStorageDelete, ""),
	}
	d.render(w, r, status, "volumes", p)
}

// attached says whether a volume of vols is attached to a node, so that the
// page lists the nodes for their names only then.
func attached(vols []api.Storage) bool {
	for _, v := range vols {
		if v.AttachedTo != nil {
			return true
		}
	}
	return false
}

// createVolume creates the volume of the form, or shows the form again
// with the API's messages next to the fields.
func (d *Dashboard) createVolume(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Storage volumes", "volumes")
	p.Form = r.PostForm
	body := parseVolume(p)
	if len(p.Errors) > 0 {
		p.Flash = &flash{Kind: "error", Text: "The volume was not created: correct the fields marked."}
		d.showVolumes(w, r, p, http.StatusBadRequest)
		return
	}
	v, err := p.api.CreateStorage(r.Context(), body)
	if err != nil {
		d.fail(w, r, p, err, func(status int) { d.showVolumes(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/volumes", ok("Volume %s created.", v.ID))
}

// deleteVolume deletes a volume; the API refuses (409) one attached to a
// node, which the page says.
func (d *Dashboard) deleteVolume(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Storage volumes", "volumes")
	if _, err := p.api.DeleteStorage(r.Context(), chi.URLParam(r, "id")); err != nil {
		d.fail(w, r, p, err, func(status int) { d.showVolumes(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/volumes", ok("Volume deleted."))
}
