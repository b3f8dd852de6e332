package functional

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testRealServiceQuirks points valence-api at a simulator that plays what
// real services do: dead links (sushy-tools' Memory), empty sockets and
// accelerators (DMTF public-rackmount1, public-cxl-multiswitch), systems that
// share a UUID (public-composability) or have none (public-bladed), no chassis
// of type Rack (public-rackmount1).
func testRealServiceQuirks(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "4",
		"--dead-links", "processors,ethernet_interfaces", "--dead-link-share", "0.5",
		"--absent-sockets", "1", "--accelerators", "FPGA,GPU", "--shared-uuid", "2", "--no-uuid", "1", "--no-racks"}}})
	c, sim := e.api.client, e.sims[0]

	// Chassis, but none of type Rack: no racks capability, no racks.
	if caps := e.podms[0].Capabilities; slices.Contains(caps, "racks") || !slices.Contains(caps, "systems") {
		t.Errorf("capabilities %v, want systems and not racks", caps)
	}
	if racks := decodeAs[[]api.Rack](t, c.get(t, http.StatusOK, "/v1/racks")); len(racks) != 0 {
		t.Errorf("racks %+v, want none", racks)
	}

	r := c.get(t, http.StatusOK, "/v1/systems")
	systems := decodeAs[[]api.System](t, r)
	if len(systems) != 4 {
		t.Fatalf("GET /v1/systems: %d systems, want all 4 (dead links lose parts, not systems)", len(systems))
	}
	byID := map[string]api.System{}
	for _, s := range systems {
		byID[s.ID] = s
	}
	for _, id := range []string{"System2", "System4"} {
		s := byID[id]
		if len(s.Warnings) != 2 || !strings.Contains(s.Warnings[0], "/redfish/v1/Systems/"+id+"/Processors: 404") {
			t.Errorf("%s: warnings %q, want the dead Processors and EthernetInterfaces", id, s.Warnings)
		}
	}
	if w := r.header.Values("Warning"); len(w) != 4 || !strings.Contains(strings.Join(w, "\n"), `199 valence "system System2 of pod manager `+e.podms[0].Name+` (`+e.podms[0].UUID+`): `) {
		t.Errorf("Warning headers %q, want the 4 warnings of System2 and System4", w)
	}
	one := decodeAs[api.System](t, c.get(t, http.StatusOK, "/v1/systems/System4"))
	if len(one.Warnings) != 2 {
		t.Errorf("GET /v1/systems/System4: %+v, want it with its warnings", one)
	}

	// cpu.count is the CPUs present: not the empty socket, not the FPGA or GPU.
	for _, id := range []string{"System1", "System3"} {
		s := byID[id]
		if present := presentCPUs(t, sim, id); s.CPU.Count != present || present == 0 {
			t.Errorf("%s: cpu.count %d, the simulator has %d CPUs present", id, s.CPU.Count, present)
		}
		if len(s.Accelerators) != 2 || s.Accelerators[0].Type != "FPGA" || s.Accelerators[1].Type != "GPU" || s.Accelerators[0].Model == "" {
			t.Errorf("%s: accelerators %+v, want the FPGA and the GPU", id, s.Accelerators)
		}
		if len(s.Warnings) != 0 {
			t.Errorf("%s: warnings %q", id, s.Warnings)
		}
	}

	// System1 and System2 share a UUID: asking by it names both.
	shared := byID["System1"].UUID
	if shared == "" || byID["System2"].UUID != shared || byID["System4"].UUID != "" {
		t.Fatalf("UUIDs of System1, 2, 4: %q %q %q", shared, byID["System2"].UUID, byID["System4"].UUID)
	}
	e409 := c.failure(t, http.StatusConflict, "Conflict", http.MethodGet, "/v1/systems/"+shared, nil)
	if !strings.Contains(e409.Detail, "System1") || !strings.Contains(e409.Detail, "System2") {
		t.Errorf("409 for a shared UUID: %q, want both systems named", e409.Detail)
	}
	if got := decodeAs[api.System](t, c.get(t, http.StatusOK, "/v1/systems/"+byID["System3"].UUID)); got.ID != "System3" {
		t.Errorf("by System3's own UUID: %+v", got)
	}
	// Paging walks all four, the UUID-less and the shared ones included.
	if all := listAll[api.System](t, c, "/v1/systems", 1); len(all) != 4 {
		t.Errorf("paged by 1: %d systems, want 4", len(all))
	}
}

// presentCPUs counts, from the simulator's own Processors of a system, the
// processors of type CPU that are not Absent.
func presentCPUs(t *testing.T, sim *simulator, id string) int {
	t.Helper()
	status, body := sim.call(t, http.MethodGet, "/redfish/v1/Systems/"+id+"/Processors", "")
	if status != http.StatusOK {
		t.Fatalf("simulator Processors of %s: %d", id, status)
	}
	var coll struct{ Members []api.ODataRef }
	decodeJSON(t, body, &coll)
	n := 0
	for _, m := range coll.Members {
		_, body := sim.call(t, http.MethodGet, m.ODataID, "")
		var p struct {
			ProcessorType string
			Status        struct{ State string }
		}
		decodeJSON(t, body, &p)
		if p.ProcessorType == "CPU" && p.Status.State != "Absent" {
			n++
		}
	}
	return n
}

// testInventoryRetries lists 40 systems 100 times from a pod manager that
// fails 2% of its GETs: the retries must bring back all 40, whole, in at
// least 99 of the calls. The cache is all but off, so that each call reads
// the pod manager.
func testInventoryRetries(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "40", "--error-rate", "get=0.02"}},
		apiEnv: []string{"VALENCE_INVENTORY_TTL=1ms", "VALENCE_INVENTORY_MAX_STALE=0s"}})
	const calls = 100
	whole := 0
	for range calls {
		r := e.api.do(t, http.MethodGet, "/v1/systems", nil)
		if r.status != http.StatusOK {
			continue
		}
		var systems []api.System
		decodeJSON(t, r.body, &systems)
		complete := len(systems) == 40 && len(r.header.Values("Warning")) == 0
		for _, s := range systems {
			complete = complete && len(s.Warnings) == 0 && s.UUID != "" && s.CPU.Count > 0
		}
		if complete {
			whole++
		}
	}
	t.Logf("%d of %d lists had all 40 systems whole", whole, calls)
	if whole < 99 {
		t.Errorf("%d of %d lists had all 40 systems whole, want at least 99", whole, calls)
	}
}

// testIfMatchRequired sets the boot override of a composed node on an RSD simulator that
// answers a PATCH without If-Match 428 (as the Lenovo SR655's AMI service does) and of a
// system of a plain one that answers it 412 (as Huawei's iBMC does): Valence sends the ETag
// again and the override is on the simulator.
func testIfMatchRequired(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{
		{"--systems", "1", "--if-match-required", "428"},
		{"--rsd-version", "none", "--systems", "1", "--if-match-required", "412"},
	}})
	c := e.api.client
	boot := api.BootAction{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}
	onSim := func(sim *simulator, uri string) {
		t.Helper()
		if got := sim.system(t, uri).Boot; got.BootSourceOverrideEnabled != boot.Enabled ||
			got.BootSourceOverrideTarget != boot.Target || got.BootSourceOverrideMode != boot.Mode {
			t.Errorf("boot override of %s on the simulator: %+v, want %+v", uri, got, boot)
		}
	}

	n := c.compose(t, api.NodeCompose{Name: "booted", PodmID: e.podms[0].UUID})
	c.expect(t, http.StatusNoContent, http.MethodPost, "/v1/nodes/"+n.UUID+"/action", api.NodeAction{Boot: &boot})
	onSim(e.sims[0], n.ResourceURI)

	systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+e.podms[1].UUID))
	if len(systems) != 1 {
		t.Fatalf("systems of the plain pod manager: %+v, want 1", systems)
	}
	// By Id: both simulators have the same seed, and so the same system UUIDs.
	c.expect(t, http.StatusNoContent, http.MethodPost, "/v1/systems/"+systems[0].ID+"/action?podm_id="+e.podms[1].UUID, api.SystemAction{Boot: &boot})
	onSim(e.sims[1], systems[0].ResourceURI)
}
