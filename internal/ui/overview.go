package ui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// maxCapacityReads bounds the capacity reads the Overview makes at once, as
// the API bounds its walks of the pod managers.
const maxCapacityReads = 8

// overviewView is the Overview's data.
type overviewView struct {
	PodManagers []podmSummary
	// Nodes counts the caller's nodes by state, States in the order shown.
	Nodes  int
	States []stateCount
}

// podmSummary is a pod manager as the Overview shows it.
type podmSummary struct {
	api.PodManager
	// Bars are its free capacity against its total (none when unknown).
	Bars []bar
	// Unit is what the capacity counts: system or block.
	Unit string
	// Free and Composed count the systems (or Compute blocks) no node
	// uses and those nodes use.
	Free, Composed int64
	// NoCapacity says why the capacity is not shown.
	NoCapacity string
	// Nodes counts the caller's nodes on it, by state.
	Nodes []stateCount
}

// stateCount is how many nodes are in one state.
type stateCount struct {
	State string
	Count int
}

// overview is the landing page: each pod manager's status and free
// capacity, and the caller's nodes by state. Its body is also the polled
// fragment "overview".
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
	v := overviewView{PodManagers: make([]podmSummary, len(podms)), Nodes: len(nodes), States: countStates(nodes)}
	byPodm := map[string][]api.Node{}
	for _, n := range nodes {
		byPodm[n.PodmID] = append(byPodm[n.PodmID], n)
	}
	for i, pm := range podms {
		v.PodManagers[i] = podmSummary{PodManager: pm, Nodes: countStates(byPodm[pm.UUID])}
	}
	readCapacities(ctx, p.api, v.PodManagers)
	p.Data = v
	d.render(w, r, http.StatusOK, "overview", p)
}

// readCapacities asks the API for the capacity of each online pod manager,
// a few at a time; one that is not online is not asked (the API would wait
// for it in vain), and a failed read is said in place of the charts.
func readCapacities(ctx context.Context, c *client.Client, pms []podmSummary) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxCapacityReads)
	for i := range pms {
		pm := &pms[i]
		if pm.Status != api.PodManagerOnline {
			pm.NoCapacity = "Capacity unknown: the pod manager is " + pm.Status + "."
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			capa, err := c.GetPodManagerCapacity(ctx, pm.UUID)
			if err != nil {
				var ce *client.Error
				msg := err.Error()
				if errors.As(err, &ce) {
					msg = cmp.Or(ce.Detail, ce.Error())
				}
				pm.NoCapacity = "Capacity unknown: " + msg
				return
			}
			pm.Bars, pm.Unit = capacityBars(capa), capa.Unit
			pm.Free, pm.Composed = capa.Systems.Free, capa.Systems.Total-capa.Systems.Free
		})
	}
	wg.Wait()
}

// countStates counts nodes by node_state, in the order of the composition
// (Allocating … Assembled), then Failed, Unknown and any other.
func countStates(nodes []api.Node) []stateCount {
	order := []string{api.NodeAllocating, api.NodeAllocated, api.NodeAssembling, api.NodeAssembled, api.NodeFailed, api.NodeUnknown}
	counts := map[string]int{}
	for _, n := range nodes {
		counts[n.NodeState]++
	}
	var out []stateCount
	for _, s := range order {
		if counts[s] > 0 {
			out = append(out, stateCount{s, counts[s]})
			delete(counts, s)
		}
	}
	rest := make([]stateCount, 0, len(counts))
	for s, n := range counts {
		rest = append(rest, stateCount{s, n})
	}
	slices.SortFunc(rest, func(a, b stateCount) int { return cmp.Compare(a.State, b.State) })
	return append(out, rest...)
}
