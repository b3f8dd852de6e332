package ui

import (
	"cmp"
	"slices"
	"strings"

	"github.com/valence-rsd/valence/api"
)

// maxSystemFilterLen bounds the Pod page's filter: a name, a UUID or a
// location is far shorter.
const maxSystemFilterLen = 256

// podTree is the Pod page: each pod manager's racks → drawers → systems,
// and its systems that no rack holds.
type podTree struct {
	PodManagers []podmBranch
	// Total counts every system listed, Shown those the filter kept.
	Total, Shown int
}

// podmBranch is the part of the tree of one pod manager.
type podmBranch struct {
	ID, Name string
	Racks    []rackBranch
	// Unplaced are the systems without a location, or whose location names
	// no rack of the pod manager.
	Unplaced []api.System
}

// rackBranch is one rack and its drawers.
type rackBranch struct {
	api.Rack
	Drawers []drawerBranch
	// Systems and Free count the rack's systems shown, and those no node uses.
	Systems, Free int
}

// drawerBranch is one drawer's systems; ID is empty for the systems that
// sit in the rack itself.
type drawerBranch struct {
	ID      string
	Systems []api.System
}

// placement is where a system sits: the rack's Id and the drawer's (either
// empty when unknown).
type placement struct{ Rack, Drawer string }

// racksByPodm indexes racks by pod manager and Id, for place.
type racksByPodm map[string]map[string]*api.Rack

func indexRacks(racks []api.Rack) racksByPodm {
	idx := racksByPodm{}
	for i := range racks {
		r := &racks[i]
		if idx[r.PodmID] == nil {
			idx[r.PodmID] = map[string]*api.Rack{}
		}
		idx[r.PodmID][r.ID] = r
	}
	return idx
}

// place finds a system's rack and drawer. Its location is the path of
// chassis Ids from the top down to its own (Pod1/Rack1/Rack1-Drawer1/…):
// the rack is the first Id that names a rack of the system's pod manager,
// the drawer the Id below it. A location that names no rack falls back on
// the racks' own lists of systems (drawer unknown).
func (idx racksByPodm) place(s api.System) placement {
	racks := idx[s.PodmID]
	if s.Location != "" {
		parts := strings.Split(s.Location, "/")
		for i, id := range parts {
			if racks[id] == nil {
				continue
			}
			p := placement{Rack: id}
			if i+1 < len(parts) {
				p.Drawer = parts[i+1]
			}
			return p
		}
	}
	if s.UUID != "" {
		for id, r := range racks {
			if slices.Contains(r.Systems, s.UUID) {
				return placement{Rack: id}
			}
		}
	}
	return placement{}
}

// buildPodTree arranges systems under their pod managers, racks and
// drawers, keeping only those that match filter (see matchSystem); racks
// without a shown system are left out when filtering. Pod managers come in
// the order given, racks, drawers and systems in natural order of their Ids
// (Rack2 before Rack10).
func buildPodTree(podms []api.PodManager, racks []api.Rack, systems []api.System, filter string) podTree {
	idx := indexRacks(racks)
	filter = strings.ToLower(strings.TrimSpace(filter))
	tree := podTree{Total: len(systems)}
	branches := make(map[string]*podmBranch, len(podms))
	type drawerKey struct{ podm, rack, drawer string }
	drawers := map[drawerKey][]api.System{}
	for _, pm := range podms {
		tree.PodManagers = append(tree.PodManagers, podmBranch{ID: pm.UUID, Name: pm.Name})
	}
	for i := range tree.PodManagers {
		branches[tree.PodManagers[i].ID] = &tree.PodManagers[i]
	}
	for _, s := range systems {
		b := branches[s.PodmID]
		if b == nil || !matchSystem(s, filter) {
			continue
		}
		tree.Shown++
		p := idx.place(s)
		if p.Rack == "" {
			b.Unplaced = append(b.Unplaced, s)
			continue
		}
		k := drawerKey{s.PodmID, p.Rack, p.Drawer}
		drawers[k] = append(drawers[k], s)
	}
	for _, r := range racks {
		b := branches[r.PodmID]
		if b == nil {
			continue
		}
		rb := rackBranch{Rack: r}
		for k, ss := range drawers {
			if k.podm != r.PodmID || k.rack != r.ID {
				continue
			}
			slices.SortFunc(ss, func(x, y api.System) int { return naturalCompare(x.ID, y.ID) })
			rb.Drawers = append(rb.Drawers, drawerBranch{ID: k.drawer, Systems: ss})
			rb.Systems += len(ss)
			for _, s := range ss {
				if s.ComposedNode == nil {
					rb.Free++
				}
			}
		}
		if filter != "" && rb.Systems == 0 {
			continue
		}
		slices.SortFunc(rb.Drawers, func(x, y drawerBranch) int { return naturalCompare(x.ID, y.ID) })
		b.Racks = append(b.Racks, rb)
	}
	for i := range tree.PodManagers {
		b := &tree.PodManagers[i]
		slices.SortFunc(b.Racks, func(x, y rackBranch) int { return naturalCompare(x.ID, y.ID) })
		slices.SortFunc(b.Unplaced, func(x, y api.System) int { return naturalCompare(x.ID, y.ID) })
	}
	return tree
}

// matchSystem reports whether filter (lower case; "" matches all) is part
// of one of the system's Id, UUID, name, location, CPU model, power state,
// health or node.
func matchSystem(s api.System, filter string) bool {
	if filter == "" {
		return true
	}
	fields := []string{s.ID, s.UUID, s.Name, s.Location, s.CPU.Model, s.PowerState, s.Health}
	if s.ComposedNode != nil {
		fields = append(fields, *s.ComposedNode)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), filter) {
			return true
		}
	}
	return false
}

// naturalCompare orders strings with their runs of digits compared as
// numbers (by length without leading zeros, then digit by digit, so no run
// overflows), so System2 comes before System10.
func naturalCompare(x, y string) int {
	a, b := x, y
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return cmp.Compare(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	// Rack1 and Rack01 are equal as numbers: the text decides, so that the
	// order is total.
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(x, y))
}

// digitRun is the length of the run of ASCII digits that starts s.
func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
