package functional

import (
	"net/http"
	"path"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// pageSize is the members a page of the paged simulator holds: small, so
// that every collection of its pod comes in several pages.
const pageSize = "3"

// testPagedCollections runs the lists, composition, power and volumes on a
// pod manager that answers every collection three members a page
// (Members@odata.nextLink): Valence lists the whole pod, as the simulator
// counts it, and acts on what stands on later pages.
func testPagedCollections(t *testing.T, b backend, m model) {
	e := newEnv(t, b, setup{sims: [][]string{m.sim("--page-size", pageSize, "--systems", "40")}})
	s, c, pm := e.sims[0], e.api.client, e.podms[0]

	// Four nodes: the pod manager's nodes (or composed systems) span pages.
	var nodes []api.Node
	for _, name := range []string{"paged-1", "paged-2", "paged-3", "paged-4"} {
		nodes = append(nodes, e.api.compose(t, api.NodeCompose{Name: name, PodmID: pm.UUID}))
	}
	if held := m.nodes(s, t); len(held) != len(nodes) {
		t.Fatalf("the simulator holds %d nodes, want %d", len(held), len(nodes))
	}

	// The lists: every system and rack the simulator has, over all its pages.
	systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems"))
	var uris []string
	for _, sys := range systems {
		uris = append(uris, sys.ResourceURI)
	}
	if want := s.members(t, "/redfish/v1/Systems"); len(want) <= 3 || !sameSet(uris, want) {
		t.Errorf("GET /v1/systems: %d systems %v, the simulator lists %d: %v", len(uris), uris, len(want), want)
	}
	var racks []string
	for _, ch := range s.members(t, "/redfish/v1/Chassis") {
		var doc struct{ ChassisType string }
		if s.get(t, ch, &doc); doc.ChassisType == "Rack" {
			racks = append(racks, path.Base(ch))
		}
	}
	var listed []string
	for _, r := range decodeAs[[]api.Rack](t, c.get(t, http.StatusOK, "/v1/racks")) {
		listed = append(listed, r.ID)
	}
	if len(racks) < 2 || !sameSet(listed, racks) {
		t.Errorf("GET /v1/racks: %v, the simulator's racks are %v", listed, racks)
	}
	m.capacity(t, c, s, pm.UUID)

	// The last node composed: shown, powered off and on.
	n := nodes[len(nodes)-1]
	nodePath := "/v1/nodes/" + n.UUID
	if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, nodePath)); d.UUID != n.UUID || d.ResourceURI != n.ResourceURI {
		t.Errorf("GET %s: %+v, composed as %+v", nodePath, d, n)
	}
	for _, step := range []struct{ target, power string }{{api.PowerTargetOff, api.PowerOff}, {api.PowerTargetOn, api.PowerOn}} {
		c.expect(t, http.StatusNoContent, http.MethodPut, nodePath+"/states/power", api.PowerTarget{Target: step.target})
		if st := decodeAs[api.NodeStates](t, c.get(t, http.StatusOK, nodePath+"/states")); st.PowerState != step.power {
			t.Errorf("after %q: power_state %s, want %s", step.target, st.PowerState, step.power)
		}
	}

	if m.volumes {
		pagedVolumes(t, c, pm)
	}

	for _, n := range nodes {
		c.deleted(t, "/v1/nodes/"+n.UUID)
	}
	if held := m.nodes(s, t); len(held) != 0 {
		t.Errorf("the simulator still holds %v after the decomposes", held)
	}
}

// pagedVolumes creates volumes until they span pages, lists them all and
// deletes them.
func pagedVolumes(t *testing.T, c *client, pm api.PodManager) {
	t.Helper()
	const storages = "/v1/storages"
	before := uuids(decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages)))
	var made []string
	for range 4 {
		v := decodeAs[api.Storage](t, c.create(t, storages, api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 1}))
		made = append(made, v.ID)
	}
	if got := uuids(decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages))); !sameSet(got, append(slices.Clone(before), made...)) {
		t.Errorf("GET %s: %v, want %v and the four created %v", storages, got, before, made)
	}
	for _, id := range made {
		c.deleted(t, storages+"/"+id)
	}
	if got := uuids(decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages))); !sameSet(got, before) {
		t.Errorf("GET %s after the deletes: %v, want %v", storages, got, before)
	}
}
