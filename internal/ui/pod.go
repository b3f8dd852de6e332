package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
)

// openUpTo is the number of systems up to which the Pod page shows its
// racks and drawers open; a larger pod starts collapsed, to be opened or
// filtered.
const openUpTo = 32

// podView is the Pod page's data.
type podView struct {
	Tree   podTree
	Filter string
	// Nodes names the caller's nodes by UUID, for the systems they use.
	Nodes map[string]string
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
	c, podms, err := warned.listPodManagers(ctx, p)
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
	nodes, err := nodeNames(ctx, p)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	tree := buildPodTree(podms, racks, systems, nodes, filter)
	p.Data = podView{Tree: tree, Filter: filter, Nodes: nodes, Open: filter != "" || tree.Shown <= openUpTo, Warnings: warned.list}
	d.render(w, r, status, "pod", p)
}

// nodeNames names the nodes the caller sees by UUID, read in one call;
// none when the caller may not list nodes (the page shows UUIDs).
func nodeNames(ctx context.Context, p *page) (map[string]string, error) {
	if !p.Can(auth.RuleNodeList, "") {
		return nil, nil
	}
	nodes, err := p.api.ListNodes(ctx, nil)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(nodes))
	for _, n := range nodes {
		names[n.UUID] = n.Name
	}
	return names, nil
}

// systemRows are what the "systems" partial draws: systems, and the names
// of the nodes that use them, by UUID.
type systemRows struct {
	Systems []api.System
	Nodes   map[string]string
}

// nodeLink is what the partial "node-link" draws: a node's UUID, and its
// name when the caller sees the node ("" otherwise: the link shows the UUID).
type nodeLink struct{ UUID, Name string }

// newNodeLink names the node of UUID id (a system's composed_node, a
// volume's attached_to) from names, as nodeNames read them.
func newNodeLink(id *string, names map[string]string) nodeLink {
	if id == nil {
		return nodeLink{}
	}
	return nodeLink{UUID: *id, Name: names[*id]}
}

// systemView is the system page's data.
type systemView struct {
	api.System
	// PodManager names the system's pod manager.
	PodManager string
	// Nodes names the nodes the caller sees, by UUID.
	Nodes map[string]string
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
	var nodes map[string]string
	if s.ComposedNode != nil {
		if nodes, err = nodeNames(ctx, p); err != nil {
			d.fail(w, r, p, err, nil)
			return
		}
	}
	p.Data = systemView{System: *s, PodManager: pm.Name, Nodes: nodes, placement: indexRacks(racks).place(*s)}
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
