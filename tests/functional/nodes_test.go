package functional

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// impossible asks for more cores than any simulated system has (and the
// most a request may ask for).
const impossible = `{"processor":{"total_cores":16384}}`

// testNodes covers compose (with properties, with a flavor, without
// podm_id, unsatisfiable, invalid), list with filters and paging, show,
// states and decompose.
func testNodes(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "4", "--seed", "1"}, {"--systems", "4", "--seed", "2"}}})
	c := e.api.client
	pm1, pm2 := e.podms[0], e.podms[1]
	free := c.systemCapacity(t, pm1.UUID)
	if free.Systems != (api.Amount{Total: 4, Free: 4}) {
		t.Errorf("capacity of an unused pod manager of 4 systems: %+v", free)
	}

	n1 := e.api.compose(t, `{"name":"n1","description":"by properties","podm_id":"`+pm1.UUID+`",
		"properties":{"processor":{"total_cores":"8"},"memory":{"capacity_mib":16384}}}`)
	if n1.Name != "n1" || n1.Description != "by properties" || n1.PodmID != pm1.UUID || n1.NodeState != api.NodeAssembled ||
		n1.Index == "" || n1.ResourceURI != "/redfish/v1/Nodes/"+n1.Index || n1.NodePowerState == "" {
		t.Errorf("composed node: %+v", n1)
	}
	flavor := decodeAs[api.Flavor](t, c.create(t, "/v1/flavors", `{"name":"f","properties":{"processor":{"total_cores":"2"}}}`))
	n2 := e.api.compose(t, api.NodeCompose{Name: "n2", PodmID: pm1.UUID, FlavorID: flavor.UUID})
	// Without podm_id the server picks one and says which.
	n3 := e.api.compose(t, api.NodeCompose{Name: "n3"})
	if n3.PodmID != pm1.UUID && n3.PodmID != pm2.UUID {
		t.Errorf("compose without podm_id: podm_id %q is neither pod manager", n3.PodmID)
	}
	for _, p := range []string{`,"podm_id":"` + pm1.UUID + `"`, ""} {
		refused := c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes", `{"name":"huge","properties":`+impossible+p+`}`)
		if len(refused.ExtendedInfo) == 0 {
			t.Errorf("unsatisfiable compose (%s): no extended_info: %+v", p, refused)
		}
	}
	for _, body := range []string{
		`{"description":"no name"}`,
		`{"name":"both","flavor_id":"` + flavor.UUID + `","properties":{}}`,
		`{"name":"neg","properties":{"memory":{"capacity_mib":-1}}}`,
		`{"name":"x","colour":"red"}`,
	} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes", body)
	}
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x", FlavorID: unknownID})
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x", PodmID: unknownID})
	if got := len(e.sims[0].nodes(t)) + len(e.sims[1].nodes(t)); got != 3 {
		t.Errorf("the simulators hold %d nodes after 3 composes and refusals, want 3", got)
	}

	// List, filters, paging.
	all := []string{n1.UUID, n2.UUID, n3.UUID}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); !sameSet(uuids(got), all) {
		t.Errorf("GET /v1/nodes: %v, want %v", uuids(got), all)
	}
	for _, limit := range []int{1, 2, 3, 4} {
		if got := listAll[api.Node](t, c, "/v1/nodes", limit); !sameSet(uuids(got), all) {
			t.Errorf("paging with limit=%d: %v, want %v", limit, uuids(got), all)
		}
	}
	if r := c.get(t, http.StatusOK, "/v1/nodes?limit=3"); r.header.Get("Link") != "" {
		t.Errorf("a page holding the last node links a next one: %s", r.header.Get("Link"))
	}
	onPM1 := []string{n1.UUID, n2.UUID}
	if n3.PodmID == pm1.UUID {
		onPM1 = append(onPM1, n3.UUID)
	}
	lessFree(t, "after the composes", free, c.systemCapacity(t, pm1.UUID), int64(len(onPM1)))
	if got := listAll[api.Node](t, c, "/v1/nodes?podm_id="+pm1.UUID, 1); !sameSet(uuids(got), onPM1) {
		t.Errorf("?podm_id=podm1 paged: %v, want %v", uuids(got), onPM1)
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes?name=n2")); len(got) != 1 || got[0].UUID != n2.UUID {
		t.Errorf("?name=n2: %v", uuids(got))
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes?name=n2&podm_id="+pm2.UUID)); len(got) != 0 {
		t.Errorf("?name=n2&podm_id=podm2: %v, want none", uuids(got))
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, "/v1/nodes?colour=red", nil)

	// Show: the record with the live detail.
	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n1.UUID))
	if d.UUID != n1.UUID || d.NodeState != api.NodeAssembled || d.PodmStatus != api.PodManagerOnline || d.HealthStatus == "" ||
		d.ComputerSystem == nil || !strings.HasPrefix(d.ComputerSystem.ODataID, "/redfish/v1/Systems/") || d.Metadata == nil ||
		len(d.Metadata.Processor) == 0 || len(d.Metadata.Memory) == 0 || len(d.Metadata.Network) == 0 {
		t.Fatalf("GET /v1/nodes/%s: %+v", n1.UUID, d)
	}
	cores := 0
	for _, p := range d.Metadata.Processor {
		cores += p.TotalCore
	}
	if cores < 8 {
		t.Errorf("node n1 asked for 8 cores and has %d", cores)
	}
	states := decodeAs[api.NodeStates](t, c.get(t, http.StatusOK, "/v1/nodes/"+n1.UUID+"/states"))
	if states.NodeState != api.NodeAssembled || states.PowerState != d.NodePowerState {
		t.Errorf("GET states: %+v, node shows %s", states, d.NodePowerState)
	}
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/nodes/"+unknownID, nil)

	// Decompose: gone from Valence and from the pod manager.
	c.deleted(t, "/v1/nodes/"+n2.UUID)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/nodes/"+n2.UUID, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodDelete, "/v1/nodes/"+n2.UUID, nil)
	if status, body := e.sims[0].call(t, http.MethodGet, n2.ResourceURI, ""); status != http.StatusNotFound {
		t.Errorf("decomposed node on the simulator: GET %s: %d %s", n2.ResourceURI, status, body)
	}
	if slices.Contains(e.sims[0].nodes(t), n2.ResourceURI) {
		t.Errorf("decomposed node %s still listed by the simulator", n2.ResourceURI)
	}
	// A node already deleted on the pod manager counts as decomposed.
	sim3 := e.sims[slices.IndexFunc(e.podms, func(pm api.PodManager) bool { return pm.UUID == n3.PodmID })]
	if status, body := sim3.call(t, http.MethodDelete, n3.ResourceURI, ""); status/100 != 2 {
		t.Fatalf("DELETE %s on the simulator: %d %s", n3.ResourceURI, status, body)
	}
	c.deleted(t, "/v1/nodes/"+n3.UUID)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/nodes/"+n3.UUID, nil)
	lessFree(t, "after the decomposes", free, c.systemCapacity(t, pm1.UUID), 1) // n1's
}

// testNodeActions covers every Reset type the node allows and one it does
// not, every power target with the states it leads to, inject_nmi and Boot.
func testNodeActions(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "1"}}})
	c := e.api.client
	n := e.api.compose(t, api.NodeCompose{Name: "acted", PodmID: e.podms[0].UUID})
	nodePath := "/v1/nodes/" + n.UUID
	action := nodePath + "/action"

	// What the node allows, as the pod manager says.
	_, raw := e.sims[0].call(t, http.MethodGet, n.ResourceURI, "")
	var rf struct {
		Actions map[string]map[string]any
	}
	decodeJSON(t, raw, &rf)
	var allowed []string
	for _, v := range rf.Actions["#ComposedNode.Reset"]["ResetType@Redfish.AllowableValues"].([]any) {
		allowed = append(allowed, v.(string))
	}
	if len(allowed) == 0 {
		t.Fatalf("the simulator's node allows no reset: %s", raw)
	}
	for _, rt := range allowed {
		c.expect(t, http.StatusNoContent, http.MethodPost, action, api.NodeAction{Reset: &api.ResetAction{Type: rt}})
		// The states follow the pod manager's.
		_, raw := e.sims[0].call(t, http.MethodGet, n.ResourceURI, "")
		var live struct{ PowerState string }
		decodeJSON(t, raw, &live)
		if s := decodeAs[api.NodeStates](t, c.get(t, http.StatusOK, nodePath+"/states")); s.PowerState != live.PowerState {
			t.Errorf("after Reset %s: power_state %s, the pod manager says %s", rt, s.PowerState, live.PowerState)
		}
	}
	refused := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, action, `{"Reset":{"Type":"PowerCycle"}}`)
	for _, rt := range allowed {
		if !strings.Contains(refused.Detail, rt) {
			t.Errorf("Reset PowerCycle refused with %q, which does not list %s", refused.Detail, rt)
		}
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, action, `{"Reset":{}}`)

	// Ironic's power targets, and the power state each leaves.
	for _, step := range []struct{ target, power string }{
		{api.PowerTargetOff, api.PowerOff},
		{api.PowerTargetOn, api.PowerOn},
		{api.PowerTargetSoftOff, api.PowerOff},
		{api.PowerTargetReboot, api.PowerOn},
		{api.PowerTargetSoftReboot, api.PowerOn},
	} {
		c.expect(t, http.StatusNoContent, http.MethodPut, nodePath+"/states/power", api.PowerTarget{Target: step.target})
		s := decodeAs[api.NodeStates](t, c.get(t, http.StatusOK, nodePath+"/states"))
		if s.PowerState != step.power || s.NodeState != api.NodeAssembled {
			t.Errorf("after %q: states %+v, want power_state %s", step.target, s, step.power)
		}
		if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, nodePath)); d.NodePowerState != step.power {
			t.Errorf("after %q: node_power_state %s, want %s", step.target, d.NodePowerState, step.power)
		}
	}
	// The list, read from the store, shows the power state as last seen.
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 1 || got[0].NodePowerState != api.PowerOn {
		t.Errorf("GET /v1/nodes after the power steps: %+v, want node_power_state On", got)
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPut, nodePath+"/states/power", api.PowerTarget{Target: "explode"})
	c.expect(t, http.StatusNoContent, http.MethodPut, nodePath+"/management/inject_nmi", nil)

	// Boot overrides.
	for _, boot := range []api.BootAction{
		{Enabled: "Once", Target: "Pxe", Mode: "UEFI"},
		{Enabled: "Continuous", Target: "Hdd"},
		{Enabled: "Disabled", Target: "None", Mode: "Legacy"},
	} {
		c.expect(t, http.StatusNoContent, http.MethodPost, action, api.NodeAction{Boot: &boot})
		if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, nodePath)); d.BootSource != boot.Target || d.TargetBootSource != boot.Target {
			t.Errorf("after Boot %+v: boot_source %q, target_boot_source %q", boot, d.BootSource, d.TargetBootSource)
		}
	}
	for _, body := range []string{
		`{"Boot":{"Enabled":"Once","Target":"Floppy"}}`,
		`{"Boot":{"Target":"Pxe"}}`,
		`{"Boot":{"Enabled":"Once","Target":"Pxe","Mode":"BIOS"}}`,
		`{}`,
		`{"Reset":{"Type":"On"},"Boot":{"Enabled":"Once","Target":"Pxe"}}`,
		`{"Dance":{}}`,
	} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, action, body)
	}
	unknown := "/v1/nodes/" + unknownID
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, unknown+"/action", `{"Reset":{"Type":"On"}}`)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPut, unknown+"/states/power", api.PowerTarget{Target: api.PowerTargetOn})
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPut, unknown+"/management/inject_nmi", nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, unknown+"/states", nil)
}

// testAdopt covers POST /v1/nodes/manage of a node composed directly on the
// pod manager.
func testAdopt(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]

	status, _ := sim.call(t, http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate", `{"Name":"outside","Description":"composed by hand"}`)
	if status != http.StatusCreated {
		t.Fatalf("Allocate on the simulator: %d", status)
	}
	members := sim.nodes(t)
	if len(members) != 1 {
		t.Fatalf("simulator nodes after an Allocate: %v", members)
	}
	uri := members[0]
	if status, body := sim.call(t, http.MethodPost, uri+"/Actions/ComposedNode.Assemble", "{}"); status/100 != 2 {
		t.Fatalf("Assemble on the simulator: %d %s", status, body)
	}
	index := path.Base(uri)
	manage := api.NodeManage{NodeIndex: index, PodmID: pm.UUID}
	n := decodeAs[api.Node](t, c.created(t, c.expect(t, http.StatusCreated, http.MethodPost, "/v1/nodes/manage", manage), "/v1/nodes"))
	if n.Name != "outside" || n.Description != "composed by hand" || n.Index != index || n.PodmID != pm.UUID || n.ResourceURI != uri {
		t.Errorf("adopted node: %+v", n)
	}
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes/manage", manage)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, "/v1/nodes/manage", api.NodeManage{NodeIndex: "999", PodmID: pm.UUID})
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, "/v1/nodes/manage", api.NodeManage{NodeIndex: index, PodmID: unknownID})
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes/manage", `{"node_index":"`+index+`"}`)
	// A node Valence composed is managed already.
	own := e.api.compose(t, api.NodeCompose{Name: "own", PodmID: pm.UUID})
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes/manage", api.NodeManage{NodeIndex: own.Index, PodmID: pm.UUID})
	c.deleted(t, "/v1/nodes/"+own.UUID)

	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 1 || got[0].UUID != n.UUID {
		t.Errorf("GET /v1/nodes after adopt: %v", uuids(got))
	}
	if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID)); d.NodeState != api.NodeAssembled {
		t.Errorf("adopted node shows %+v", d)
	}
	c.deleted(t, "/v1/nodes/"+n.UUID)
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("decomposed adopted node still on the simulator: %v", left)
	}
}
