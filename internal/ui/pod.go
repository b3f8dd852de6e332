package ui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
)

// openUpTo is the number of systems up to which the Pod page shows its
// racks and drawers open; a larger pod starts collapsed, to be opened or
// filtered.
const openUpTo = 32

// podView is the Pod page's data.
type podView struct {
	Tree   podTree
	Filter string
	// Warnings are the API's about the lists read.
	Warnings []string
	// Open says to show the tree open: it is small, or filtered.
	Open bool
}

// pod shows the racks → drawers → systems of every pod manager, the
// systems filtered by ?q= (see matchSystem).
func (d *Dashboard) pod(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Pod", "pod")
	filter := r.URL.Query().Get("q")
	status := http.StatusOK
	if len(filter) > maxSystemFilterLen {
		// Refused, and not echoed back.
		p.Errors["q"] = fmt.Sprintf("at most %d bytes", maxSystemFilterLen)
		filter, status = "", http.StatusBadRequest
	}
	p.Form.Set("q", filter)
	ctx := r.Context()
	var warned warnings
	c := warned.apiWith(p)
	podms, err := c.ListPodManagers(ctx, nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	racks, err := c.ListRacks(ctx, "")
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	systems, err := c.ListSystems(ctx, "")
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	tree := buildPodTree(podms, racks, systems, filter)
	p.Data = podView{Tree: tree, Filter: filter, Open: filter != "" || tree.Shown <= openUpTo, Warnings: warned.list}
	d.render(w, r, status, "pod", p)
}

// systemView is the system page's data.
type systemView struct {
	api.System
	// PodManager names the system's pod manager.
	PodManager string
	placement
}

// system shows one system of a pod manager, where it sits and the node that
// uses it.
func (d *Dashboard) system(w http.ResponseWriter, r *http.Request) {
	podmID, id := chi.URLParam(r, "podm"), chi.URLParam(r, "id")
	p := d.newPage(r, "System "+id, "pod")
	ctx := r.Context()
	s, err := p.api.GetSystem(ctx, id, podmID)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	pm, err := p.api.GetPodManager(ctx, podmID)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	racks, err := p.api.ListRacks(ctx, podmID)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Data = systemView{System: *s, PodManager: pm.Name, placement: indexRacks(racks).place(*s)}
	d.render(w, r, http.StatusOK, "system", p)
}

// cpuText sums up a system's processors, e.g. "2 × Intel Xeon Gold 6152,
// 44 cores, x86-64".
func cpuText(c api.CPU) string {
	var parts []string
	if c.Count > 0 || c.Model != "" {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("%d × %s", c.Count, c.Model)))
	}
	if c.Cores > 0 {
		parts = append(parts, fmt.Sprintf("%d cores", c.Cores))
	}
	if c.Arch != "" {
		parts = append(parts, c.Arch)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}
