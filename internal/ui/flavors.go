package ui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
)

// flavorsView is the data of the Flavors page and of a flavor's page.
type flavorsView struct {
	Flavors []api.Flavor
	// Flavor is the one edited, on its page.
	Flavor *api.Flavor
	// Form is the create or the edit form.
	Form                                        formView
	CanCreate, CanUpdate, CanDelete, CanCompose bool
}

// newFlavorsView is the view of p's caller: what it may do, and form with
// the sections laid out for p's values.
func newFlavorsView(p *page, form formView) flavorsView {
	form.Sections = flavorSections(p)
	return flavorsView{
		Form:       form,
		CanCreate:  p.Can(auth.RuleFlavorCreate, ""),
		CanUpdate:  p.Can(auth.RuleFlavorUpdate, ""),
		CanDelete:  p.Can(auth.RuleFlavorDelete, ""),
		CanCompose: p.Can(auth.RuleNodeCompose, ""),
	}
}

// flavors lists the flavors, with the create form.
func (d *Dashboard) flavors(w http.ResponseWriter, r *http.Request) {
	d.showFlavors(w, r, d.newPage(r, "Flavors", "flavors"), http.StatusOK)
}

// showFlavors draws the Flavors page with p's form and messages.
func (d *Dashboard) showFlavors(w http.ResponseWriter, r *http.Request, p *page, status int) {
	fl, err := p.api.ListFlavors(r.Context(), nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	v := newFlavorsView(p, formView{ID: "new-flavor", Heading: "New flavor", Action: "/ui/flavors",
		DataAction: "create-flavor", Submit: "Create the flavor"})
	v.Flavors = fl
	p.Data = v
	d.render(w, r, status, "flavors", p)
}

// createFlavor creates the flavor of the form, or shows the form again
// with the API's messages next to the fields.
func (d *Dashboard) createFlavor(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Flavors", "flavors")
	p.Form = r.PostForm
	body := parseFlavor(p)
	if len(p.Errors) > 0 {
		p.Flash = &flash{Kind: "error", Text: "The flavor was not created: correct the fields marked."}
		d.showFlavors(w, r, p, http.StatusBadRequest)
		return
	}
	f, err := p.api.CreateFlavor(r.Context(), body)
	if err != nil {
		d.fail(w, r, p, err, func(status int) {
			flavorErrors(p, status)
			d.showFlavors(w, r, p, status)
		})
		return
	}
	d.done(w, r, "/ui/flavors", ok("Flavor %s created.", f.Name))
}

// flavorErrors adds to the fields' messages of a refused flavor those the
// page's generic mapping leaves in the flash only: the lists', and a name
// taken (409).
func flavorErrors(p *page, status int) {
	listErrors(p, p.Flash.Text)
	if status == http.StatusConflict && p.Errors["name"] == "" {
		p.Errors["name"] = p.Flash.Text
	}
}

// flavor shows one flavor, as an edit form when the caller may change it.
func (d *Dashboard) flavor(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Flavor", "flavors")
	f, err := p.api.GetFlavor(r.Context(), chi.URLParam(r, "uuid"))
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	showFlavor(p, *f)
	d.showFlavor(w, r, p, f, http.StatusOK)
}

// showFlavor draws flavor f's page with p's form and messages.
func (d *Dashboard) showFlavor(w http.ResponseWriter, r *http.Request, p *page, f *api.Flavor, status int) {
	p.Title = "Flavor " + f.Name
	v := newFlavorsView(p, formView{ID: "edit-flavor", Heading: "Change the flavor", Action: "/ui/flavors/" + f.UUID,
		DataAction: "update-flavor", Submit: "Save the flavor",
		Note: "A change merges into the flavor: a requirement it has cannot be emptied here."})
	v.Flavor = f
	p.Data = v
	d.render(w, r, status, "flavor", p)
}

// updateFlavor changes a flavor as its edit form says: the name, the
// description, and the properties merged into the flavor's.
func (d *Dashboard) updateFlavor(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Flavor", "flavors")
	ctx := r.Context()
	id := chi.URLParam(r, "uuid")
	f, err := p.api.GetFlavor(ctx, id)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Form = r.PostForm
	body := parseFlavor(p)
	checkRemovals(p, *f)
	if len(p.Errors) > 0 {
		p.Flash = &flash{Kind: "error", Text: "The flavor was not changed: correct the fields marked."}
		d.showFlavor(w, r, p, f, http.StatusBadRequest)
		return
	}
	patch := api.FlavorUpdate{Name: &body.Name, Description: &body.Description, Properties: &body.Properties}
	changed, err := p.api.UpdateFlavor(ctx, id, patch)
	if err != nil {
		d.fail(w, r, p, err, func(status int) {
			flavorErrors(p, status)
			d.showFlavor(w, r, p, f, status)
		})
		return
	}
	d.done(w, r, "/ui/flavors/"+changed.UUID, ok("Flavor %s changed.", changed.Name))
}

// deleteFlavor deletes a flavor.
func (d *Dashboard) deleteFlavor(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Flavors", "flavors")
	if _, err := p.api.DeleteFlavor(r.Context(), chi.URLParam(r, "uuid")); err != nil {
		d.fail(w, r, p, err, func(status int) { d.showFlavors(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/flavors", ok("Flavor deleted."))
}

// flavorSummary sums up what a flavor asks for, e.g. "16 cores, 64 GiB
// DDR4, 2 local drives"; "anything" when nothing.
func flavorSummary(pr api.FlavorProperties) string {
	var parts []string
	add := func(format string, args ...any) {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf(format, args...)))
	}
	if c := pr.Processor; c != nil {
		if c.Count > 0 {
			add("%d processors", c.Count)
		}
		if c.TotalCores > 0 {
			add("%d cores", c.TotalCores)
		}
		if c.Model != "" || c.InstructionSet != "" {
			add("%s %s", c.Model, c.InstructionSet)
		}
	}
	if m := pr.Memory; m != nil && (m.CapacityMiB > 0 || m.Type != "") {
		if m.CapacityMiB > 0 {
			add("%d MiB %s", m.CapacityMiB, m.Type)
		} else {
			add("%s memory", m.Type)
		}
	}
	for _, l := range []struct {
		n    int
		noun string
	}{{len(pr.LocalDrives), "local drive"}, {len(pr.RemoteDrives), "remote drive"}, {len(pr.Network), "network interface"}} {
		switch {
		case l.n == 1:
			add("1 %s", l.noun)
		case l.n > 1:
			add("%d %ss", l.n, l.noun)
		}
	}
	if s := pr.Security; s != nil {
		if s.TPM != nil {
			add("TPM %s", yesNo(*s.TPM))
		}
		if s.TXT != nil {
			add("TXT %s", yesNo(*s.TXT))
		}
	}
	if d := pr.PCIDevice; d != nil && len(d.Type) > 0 {
		add("PCI %s", strings.Join(d.Type, ", "))
	}
	if len(parts) == 0 {
		return "anything"
	}
	return strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "required"
	}
	return "not wanted"
}
