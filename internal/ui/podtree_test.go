package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

func TestBuildPodTreePlacesSystemsByLocation(t *testing.T) {
	node := "node-1"
	podms := []api.PodManager{{UUID: "p1", Name: "podm-a"}, {UUID: "p2", Name: "podm-b"}}
	racks := []api.Rack{
		{ID: "Rack10", PodmID: "p1", Systems: []string{}},
		{ID: "Rack2", PodmID: "p1", Systems: []string{"u-listed"}},
		{ID: "Rack2", PodmID: "p2", Systems: []string{}},
	}
	systems := []api.System{
		{ID: "System10", PodmID: "p1", Location: "Pod1/Rack2/Rack2-Drawer1/Rack2-Drawer1-Blade2"},
		{ID: "System9", PodmID: "p1", Location: "Pod1/Rack2/Rack2-Drawer1/Rack2-Drawer1-Blade1", ComposedNode: &node},
		{ID: "System3", PodmID: "p1", Location: "Pod1/Rack2"},                  // in the rack itself
		{ID: "System4", PodmID: "p1", UUID: "u-listed", Location: "Elsewhere"}, // only the rack's list knows
		{ID: "System5", PodmID: "p1"},                            // no location
		{ID: "System6", PodmID: "p1", Location: "Pod1/RackX/D1"}, // no such rack
		{ID: "System1", PodmID: "p2", Location: "Pod1/Rack2/D7"}, // the other pod manager's Rack2
		{ID: "Stray", PodmID: "p3", Location: "Pod1/Rack2/D1"},   // a pod manager not listed
	}
	tree := buildPodTree(podms, racks, systems, "")
	if tree.Total != 8 || tree.Shown != 7 {
		t.Errorf("total, shown = %d, %d, want 8, 7", tree.Total, tree.Shown)
	}
	a := tree.PodManagers[0]
	if a.Name != "podm-a" || len(a.Racks) != 2 || a.Racks[0].ID != "Rack2" || a.Racks[1].ID != "Rack10" {
		t.Fatalf("podm-a racks = %+v, want Rack2 then Rack10", a.Racks)
	}
	r2 := a.Racks[0]
	if r2.Systems != 4 || r2.Free != 3 {
		t.Errorf("Rack2 systems, free = %d, %d, want 4, 3", r2.Systems, r2.Free)
	}
	var drawers []string
	for _, d := range r2.Drawers {
		var ids []string
		for _, s := range d.Systems {
			ids = append(ids, s.ID)
		}
		drawers = append(drawers, d.ID+":"+strings.Join(ids, ","))
	}
	want := []string{":System3,System4", "Rack2-Drawer1:System9,System10"}
	if !slices.Equal(drawers, want) {
		t.Errorf("Rack2 drawers = %q, want %q", drawers, want)
	}
	if len(a.Racks[1].Drawers) != 0 {
		t.Errorf("Rack10 drawers = %+v, want none", a.Racks[1].Drawers)
	}
	var unplaced []string
	for _, s := range a.Unplaced {
		unplaced = append(unplaced, s.ID)
	}
	if !slices.Equal(unplaced, []string{"System5", "System6"}) {
		t.Errorf("unplaced = %q, want System5, System6", unplaced)
	}
	b := tree.PodManagers[1]
	if len(b.Racks) != 1 || b.Racks[0].Systems != 1 || b.Racks[0].Drawers[0].ID != "D7" {
		t.Errorf("podm-b racks = %+v, want Rack2 with System1 in D7", b.Racks)
	}
}

func TestBuildPodTreeFilter(t *testing.T) {
	node := "2b1a-node"
	podms := []api.PodManager{{UUID: "p1", Name: "podm-a"}}
	racks := []api.Rack{{ID: "Rack1", PodmID: "p1"}, {ID: "Rack2", PodmID: "p1"}}
	systems := []api.System{
		{ID: "System1", PodmID: "p1", Location: "Rack1/D1", CPU: api.CPU{Model: "Intel Xeon Gold"}},
		{ID: "System2", PodmID: "p1", Location: "Rack2/D1", ComposedNode: &node},
		{ID: "System3", PodmID: "p1"},
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"xeon", []string{"System1"}},
		{"  2B1A ", []string{"System2"}},
		{"rack", []string{"System1", "System2"}},
		{"system3", []string{"System3"}},
		{"nothing", nil},
	} {
		tree := buildPodTree(podms, racks, systems, c.filter)
		var got []string
		pm := tree.PodManagers[0]
		for _, r := range pm.Racks {
			if r.Systems == 0 {
				t.Errorf("filter %q: rack %s shown without systems", c.filter, r.ID)
			}
			for _, d := range r.Drawers {
				for _, s := range d.Systems {
					got = append(got, s.ID)
				}
			}
		}
		for _, s := range pm.Unplaced {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, c.want) || tree.Shown != len(c.want) || tree.Total != 3 {
			t.Errorf("filter %q: %q (shown %d of %d), want %q", c.filter, got, tree.Shown, tree.Total, c.want)
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	got := []string{"System10", "System2", "Rack01", "Rack1", "", "System1a", "System1", "A99999999999999999999999", "A100000000000000000000000"}
	slices.SortFunc(got, naturalCompare)
	want := []string{"", "A99999999999999999999999", "A100000000000000000000000", "Rack01", "Rack1", "System1", "System1a", "System2", "System10"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted = %q, want %q", got, want)
	}
}
