package ui

import "net/http"

// overviewView is the Overview's data.
type overviewView struct {
	PodManagers int
	Nodes       int
}

// overview is the landing page: how many pod managers and nodes the caller
// sees.
func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(r, "Overview", "overview")
	ctx := r.Context()
	podms, err := p.api.ListPodManagers(ctx, nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	nodes, err := p.api.ListNodes(ctx, nil)
	if err != nil {
		d.fail(w, r, p, err, nil)
		return
	}
	p.Data = overviewView{PodManagers: len(podms), Nodes: len(nodes)}
	d.render(w, r, http.StatusOK, "overview", p)
}
