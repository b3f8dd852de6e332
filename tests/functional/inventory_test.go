package functional

import (
	"net/http"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testInventory covers systems and racks across two pod managers whose
// simulators use the same Redfish Ids (System1, Rack1) with different UUIDs.
func testInventory(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "4", "--seed", "1"}, {"--systems", "2", "--seed", "2"}}})
	c := e.api.client
	pm1, pm2 := e.podms[0], e.podms[1]

	systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems"))
	if len(systems) != 6 {
		t.Fatalf("GET /v1/systems: %d systems, want 4 + 2", len(systems))
	}
	perPodm := map[string][]api.System{}
	for _, s := range systems {
		perPodm[s.PodmID] = append(perPodm[s.PodmID], s)
		if s.CPU.Cores <= 0 || s.CPU.Count <= 0 || s.RAM <= 0 || s.ResourceURI == "" || s.Location == "" || s.PowerState == "" {
			t.Errorf("system %s of %s: %+v", s.ID, s.PodmID, s)
		}
	}
	if len(perPodm[pm1.UUID]) != 4 || len(perPodm[pm2.UUID]) != 2 {
		t.Errorf("systems per pod manager: %d and %d, want 4 and 2", len(perPodm[pm1.UUID]), len(perPodm[pm2.UUID]))
	}
	if got := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+pm1.UUID)); !sameSet(systemUUIDs(got), systemUUIDs(perPodm[pm1.UUID])) {
		t.Errorf("?podm_id=podm1: %v", systemUUIDs(got))
	}
	// Valence's body on GET narrows the same way.
	if got := decodeAs[[]api.System](t, c.expect(t, http.StatusOK, http.MethodGet, "/v1/systems", `{"podm_id":"`+pm2.UUID+`"}`)); !sameSet(systemUUIDs(got), systemUUIDs(perPodm[pm2.UUID])) {
		t.Errorf(`body {"podm_id": podm2}: %v`, systemUUIDs(got))
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, "/v1/systems?colour=red", nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/systems?podm_id="+unknownID, nil)

	// One system: by Redfish Id (on both pod managers: ambiguous), by UUID.
	const id = "System1"
	c.failure(t, http.StatusConflict, "Conflict", http.MethodGet, "/v1/systems/"+id, nil)
	for _, pm := range e.podms {
		s := decodeAs[api.System](t, c.get(t, http.StatusOK, "/v1/systems/"+id+"?podm_id="+pm.UUID))
		if s.ID != id || s.PodmID != pm.UUID {
			t.Errorf("GET %s of %s: %+v", id, pm.Name, s)
		}
		if byUUID := decodeAs[api.System](t, c.get(t, http.StatusOK, "/v1/systems/"+s.UUID)); byUUID.UUID != s.UUID || byUUID.PodmID != pm.UUID {
			t.Errorf("GET by UUID %s: %+v", s.UUID, byUUID)
		}
	}
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/systems/NoSuchSystem", nil)

	// A composed node shows on the system it uses.
	n := e.api.compose(t, api.NodeCompose{Name: "user", PodmID: pm2.UUID})
	var using []string
	for _, s := range decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+pm2.UUID)) {
		if s.ComposedNode != nil {
			using = append(using, *s.ComposedNode)
		}
	}
	if !slices.Equal(using, []string{n.UUID}) {
		t.Errorf("composed_node of podm2's systems: %v, want [%s]", using, n.UUID)
	}
	c.deleted(t, "/v1/nodes/"+n.UUID)
	for _, s := range decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+pm2.UUID)) {
		if s.ComposedNode != nil {
			t.Errorf("system %s still used by %s after the decompose", s.ID, *s.ComposedNode)
		}
	}

	racks := decodeAs[[]api.Rack](t, c.get(t, http.StatusOK, "/v1/racks"))
	if len(racks) != 2 {
		t.Fatalf("GET /v1/racks: %d racks, want one per pod manager", len(racks))
	}
	for _, pm := range e.podms {
		got := decodeAs[[]api.Rack](t, c.get(t, http.StatusOK, "/v1/racks?podm_id="+pm.UUID))
		if len(got) != 1 || got[0].PodmID != pm.UUID || !sameSet(got[0].Systems, systemUUIDs(perPodm[pm.UUID])) {
			t.Errorf("racks of %s: %+v, want one holding %v", pm.Name, got, systemUUIDs(perPodm[pm.UUID]))
			continue
		}
		rack := decodeAs[api.Rack](t, c.get(t, http.StatusOK, "/v1/racks/"+got[0].ID+"?podm_id="+pm.UUID))
		if rack.ID != got[0].ID || rack.PodmID != pm.UUID || rack.Name == "" {
			t.Errorf("GET rack %s of %s: %+v", got[0].ID, pm.Name, rack)
		}
	}
	if got := decodeAs[[]api.Rack](t, c.expect(t, http.StatusOK, http.MethodGet, "/v1/racks", `{"podm_id":"`+pm1.UUID+`"}`)); len(got) != 1 || got[0].PodmID != pm1.UUID {
		t.Errorf(`racks with the body {"podm_id": podm1}: %+v`, got)
	}
	c.failure(t, http.StatusConflict, "Conflict", http.MethodGet, "/v1/racks/"+racks[0].ID, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/racks/NoSuchRack", nil)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, "/v1/racks?colour=red", nil)
}

// systemUUIDs returns the UUIDs of systems (their ids are not unique).
func systemUUIDs(systems []api.System) []string {
	out := make([]string, len(systems))
	for i, s := range systems {
		out[i] = s.UUID
	}
	return out
}
