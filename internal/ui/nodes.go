package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// powerTargets are the power changes a node page offers, by data-action.
var powerTargets = []struct{ Action, Target, Label string }{
	{"power-on", api.PowerTargetOn, "Power on"},
	{"power-off", api.PowerTargetOff, "Power off"},
	{"soft-power-off", api.PowerTargetSoftOff, "Soft power off"},
	{"reboot", api.PowerTargetReboot, "Reboot"},
	{"soft-reboot", api.PowerTargetSoftReboot, "Soft reboot"},
}

// Choices of the boot override form; the API checks them again.
var (
	bootEnabled = pairs("Once", "Once", "Continuous", "Continuous", "Disabled", "Disabled")
	bootTarget  = pairs("Pxe", "PXE", "Hdd", "Hard disk", "RemoteDrive", "Remote drive", "None", "None")
	bootMode    = pairs("", "As it is", "UEFI", "UEFI", "Legacy", "Legacy")
	// bootAliases send the core's Boot.* problems to the form's fields.
	bootAliases = map[string]string{"Boot.Enabled": "enabled", "Boot.Target": "target", "Boot.Mode": "mode"}
)

// nodesView is the nodes list's data.
type nodesView struct {
	Nodes []api.Node
	// PodManagers names pod managers by UUID, when the caller may list
	// them.
	PodManagers map[string]string
	// Adopt are the choices of the adopt form's pod manager.
	Adopt []option
}

// nodes lists the nodes the caller sees (an administrator: every project's).
func (d *Dashboard) nodes(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Nodes", "nodes")
	d.showNodes(w, r, p, http.StatusOK)
}

// showNodes draws the list and the adopt form of p with status.
func (d *Dashboard) showNodes(w http.ResponseWriter, r *http.Request, p *page, status int) {
	nodes, err := p.api.ListNodes(r.Context(), nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	v := nodesView{Nodes: nodes, PodManagers: d.podmNames(r, p)}
	for id, name := range v.PodManagers {
		v.Adopt = append(v.Adopt, option{id, name})
	}
	slices.SortFunc(v.Adopt, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	p.Data = v
	d.render(w, r, status, "nodes", p)
}

// adopt takes a node composed outside Valence under management (fields
// podm_id and node_index, its Id on the pod manager).
func (d *Dashboard) adopt(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Nodes", "nodes")
	p.Form = r.PostForm
	n, err := p.api.ManageNode(r.Context(), api.NodeManage{PodmID: p.Value("podm_id"), NodeIndex: p.Value("node_index")})
	if err != nil {
		d.fail(w, r, p, err, func(status int) { d.showNodes(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/nodes/"+url.PathEscape(n.UUID), ok("Node %s adopted.", n.Name))
}

// podmNames names the pod managers by UUID; a caller who may not list them
// sees UUIDs, and nothing is lost.
func (d *Dashboard) podmNames(r *http.Request, p *page) map[string]string {
	names := map[string]string{}
	if !p.Can("valence:podmanager:list", "") {
		return names
	}
	if list, err := p.api.ListPodManagers(r.Context(), nil); err == nil {
		for _, pm := range list {
			names[pm.UUID] = pm.Name
		}
	}
	return names
}

// nodeView is a node page's data.
type nodeView struct {
	Node *api.NodeDetail
	// PodManager is the name of the node's pod manager ("" unknown).
	PodManager string
	// Attached are the volumes attached to the node; Free those of its
	// pod manager that no node uses, for the attach form.
	Attached, Free []api.Storage
	Power          []struct{ Action, Target, Label string }
	BootEnabled    []option
	BootTarget     []option
	BootMode       []option
}

// node shows one node: its live state and parts, its volumes, and the
// actions the caller may take.
func (d *Dashboard) node(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Node", "nodes")
	d.showNode(w, r, p, http.StatusOK)
}

// showNode draws the node of the path with status. The polled part
// (?fragment=detail) does not read the volumes.
func (d *Dashboard) showNode(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ctx := r.Context()
	n, err := p.api.GetNode(ctx, chi.URLParam(r, "uuid"))
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Title = "Node " + n.Name
	v := nodeView{Node: n, PodManager: d.podmNames(r, p)[n.PodmID],
		Power: powerTargets, BootEnabled: bootEnabled, BootTarget: bootTarget, BootMode: bootMode}
	if r.URL.Query().Get("fragment") == "" {
		if p.Can("valence:node:list_storages", n.ProjectID) {
			if v.Attached, err = p.api.ListNodeStorages(ctx, n.UUID); err != nil {
				d.fail(w, r, p, err, nil)
				return
			}
		}
		if p.Can("valence:node:attach", n.ProjectID) && p.Can("valence:storage:list", "") {
			all, err := p.api.ListStorages(ctx, client.Filters{"podm_id": n.PodmID})
			if err != nil {
				d.fail(w, r, p, err, nil)
				return
			}
			v.Free = slices.DeleteFunc(all, func(s api.Storage) bool { return s.AttachedTo != nil })
		}
	}
	p.Data = v
	d.render(w, r, status, "node", p)
}

// nodeAction is the POST of one action on the node of the path: act calls
// the API; on success the node page says done, else it shows the refusal.
func (d *Dashboard) nodeAction(done string, act func(r *http.Request, p *page, id string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := d.newPage(r, "Node", "nodes")
		p.Form = r.PostForm
		id := chi.URLParam(r, "uuid")
		if err := act(r, p, id); err != nil {
			d.fail(w, r, p, err, func(status int) { d.showNode(w, r, p, status) })
			return
		}
		d.done(w, r, "/ui/nodes/"+url.PathEscape(id), ok("%s", done))
	}
}

// power sets the node's power (field target).
func (d *Dashboard) power() http.HandlerFunc {
	return d.nodeAction("Power change sent.", func(r *http.Request, p *page, id string) error {
		return p.api.SetNodePower(r.Context(), id, p.Value("target"))
	})
}

// nmi sends the node a non-maskable interrupt.
func (d *Dashboard) nmi() http.HandlerFunc {
	return d.nodeAction("NMI sent.", func(r *http.Request, p *page, id string) error {
		return p.api.InjectNodeNMI(r.Context(), id)
	})
}

// boot sets the node's boot override (fields enabled, target, mode).
func (d *Dashboard) boot() http.HandlerFunc {
	return d.nodeAction("Boot override set.", func(r *http.Request, p *page, id string) error {
		p.Aliases = bootAliases
		return p.api.NodeAction(r.Context(), id, api.NodeAction{Boot: &api.BootAction{
			Enabled: p.Value("enabled"), Target: p.Value("target"), Mode: p.Value("mode"),
		}})
	})
}

// attach attaches the volume of field resource_id to the node.
func (d *Dashboard) attach() http.HandlerFunc {
	return d.nodeAction("Volume attached.", func(r *http.Request, p *page, id string) error {
		return p.api.NodeAction(r.Context(), id, api.NodeAction{Attach: &api.AttachAction{ResourceID: p.Value("resource_id")}})
	})
}

// detach detaches the volume of field resource_id from the node.
func (d *Dashboard) detach() http.HandlerFunc {
	return d.nodeAction("Volume detached.", func(r *http.Request, p *page, id string) error {
		return p.api.NodeAction(r.Context(), id, api.NodeAction{Detach: &api.AttachAction{ResourceID: p.Value("resource_id")}})
	})
}

// decompose decomposes the node and goes back to the list.
func (d *Dashboard) decompose(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Node", "nodes")
	id := chi.URLParam(r, "uuid")
	if _, err := p.api.DecomposeNode(r.Context(), id); err != nil {
		d.fail(w, r, p, err, func(status int) { d.showNode(w, r, p, status) })
		return
	}
	d.done(w, r, "/ui/nodes", ok("Node %s decomposed.", id))
}
