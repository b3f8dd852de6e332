package functional

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// simSystem is what the simulator itself says of one of its systems.
type simSystem struct {
	PowerState string
	Boot       struct {
		BootSourceOverrideEnabled, BootSourceOverrideTarget, BootSourceOverrideMode string
	}
}

// system reads a system from the simulator, not through Valence.
func (s *simulator) system(t *testing.T, uri string) simSystem {
	t.Helper()
	status, body := s.call(t, http.MethodGet, uri, "")
	if status != http.StatusOK {
		t.Fatalf("simulator GET %s: %d %s", uri, status, body)
	}
	var out simSystem
	decodeJSON(t, body, &out)
	return out
}

// testSystemPower powers, resets, interrupts and boots the systems of plain Redfish pod
// managers (the simulator without RSD extensions), with either driver; Valence's answers and
// the simulator's own state must agree.
func testSystemPower(t *testing.T, b backend) {
	sim := startSimulator(t, "--rsd-version", "none", "--systems", "2")
	c := startAPI(t, b).client
	for _, driver := range []string{api.DriverRedfish, api.DriverRSD} {
		body := podmCreate("plain-"+driver, sim.url)
		body.Driver = driver
		pm := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", body))
		if pm.Status != api.PodManagerOnline || pm.RSDVersion != "" || slices.Contains(pm.Capabilities, "compose") {
			t.Fatalf("plain Redfish pod manager: %+v", pm)
		}
		systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+pm.UUID))
		if len(systems) != 2 {
			t.Fatalf("systems of the plain pod manager: %d, want 2", len(systems))
		}
		sys := systems[0]
		path := "/v1/systems/" + sys.UUID
		for _, step := range []struct {
			method, path string
			body         any
			power        string
		}{
			{http.MethodPut, path + "/states/power", api.PowerTarget{Target: api.PowerTargetOn}, api.PowerOn},
			{http.MethodPut, path + "/states/power", api.PowerTarget{Target: api.PowerTargetOff}, api.PowerOff},
			{http.MethodPut, path + "/states/power", api.PowerTarget{Target: api.PowerTargetReboot}, api.PowerOn},
			{http.MethodPost, path + "/action", api.SystemAction{Reset: &api.ResetAction{Type: "GracefulShutdown"}}, api.PowerOff},
			// By Redfish Id, with the pod manager named.
			{http.MethodPost, "/v1/systems/" + sys.ID + "/action?podm_id=" + pm.UUID, api.SystemAction{Reset: &api.ResetAction{Type: "ForceOn"}}, api.PowerOn},
			{http.MethodPut, path + "/management/inject_nmi", `{}`, api.PowerOn},
		} {
			c.expect(t, http.StatusNoContent, step.method, step.path, step.body)
			if got := sim.system(t, sys.ResourceURI).PowerState; got != step.power {
				t.Errorf("%s: %s %s: the simulator's system is %s, want %s", driver, step.method, step.path, got, step.power)
			}
			if got := decodeAs[api.System](t, c.get(t, http.StatusOK, path)).PowerState; got != step.power {
				t.Errorf("%s: %s %s: Valence shows %s, want %s", driver, step.method, step.path, got, step.power)
			}
		}
		c.expect(t, http.StatusNoContent, http.MethodPost, path+"/action",
			api.SystemAction{Boot: &api.BootAction{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}})
		if boot := sim.system(t, sys.ResourceURI).Boot; boot.BootSourceOverrideEnabled != "Once" ||
			boot.BootSourceOverrideTarget != "Pxe" || boot.BootSourceOverrideMode != "UEFI" {
			t.Errorf("%s: boot override on the simulator: %+v", driver, boot)
		}
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, path+"/action", `{"Reset":{"Type":"PowerCycle"}}`)
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, path+"/action", `{"Boot":{"Enabled":"Once","Target":"Floppy"}}`)
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, path+"/action", `{"attach":{"resource_id":"x"}}`)
		c.failure(t, http.StatusNotFound, "NotFound", http.MethodPut, "/v1/systems/NoSuchSystem/states/power", api.PowerTarget{Target: api.PowerTargetOn})
		c.deleted(t, "/v1/pod_managers/"+pm.UUID)
	}
}

// testSystemOfANode checks that a system a composed node uses is powered through the node only.
func testSystemOfANode(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "1"}}})
	c := e.api.client
	n := c.compose(t, api.NodeCompose{Name: "owner", PodmID: e.podms[0].UUID})
	systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems"))
	if len(systems) != 1 || systems[0].ComposedNode == nil || *systems[0].ComposedNode != n.UUID {
		t.Fatalf("the system of node %s: %+v", n.UUID, systems)
	}
	before := e.sims[0].system(t, systems[0].ResourceURI).PowerState
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPut, "/states/power", api.PowerTarget{Target: api.PowerTargetOff}},
		{http.MethodPost, "/action", api.SystemAction{Reset: &api.ResetAction{Type: "ForceOff"}}},
		{http.MethodPost, "/action", api.SystemAction{Boot: &api.BootAction{Enabled: "Once", Target: "Pxe"}}},
		{http.MethodPut, "/management/inject_nmi", nil},
	} {
		e := c.failure(t, http.StatusConflict, "Conflict", r.method, "/v1/systems/"+systems[0].UUID+r.path, r.body)
		if !strings.Contains(e.Detail, n.UUID) {
			t.Errorf("%s %s: the refusal does not name node %s: %s", r.method, r.path, n.UUID, e.Detail)
		}
	}
	if after := e.sims[0].system(t, systems[0].ResourceURI).PowerState; after != before {
		t.Errorf("the node's system went from %s to %s", before, after)
	}
}

// testPodManagerRefusals makes the pod manager refuse Valence's credentials (401, 403) or
// not implement an operation (501, and an NMI it advertises, as sushy-tools does): the caller
// gets 502 PodManagerAuthFailed or 501 NotImplemented with the pod manager's explanation,
// never a 401 or 403 of its own.
func testPodManagerRefusals(t *testing.T, b backend) {
	// Another seed: simulators of one seed share their systems' UUIDs.
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}, {"--rsd-version", "none", "--systems", "1", "--seed", "7", "--unimplemented-resets", "Nmi"}}})
	c, rsd, plain := e.api.client, e.sims[0], e.podms[1]
	n := c.compose(t, api.NodeCompose{Name: "refused", PodmID: e.podms[0].UUID})
	var free api.System
	for _, s := range decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+e.podms[0].UUID)) {
		if s.ComposedNode == nil {
			free = s
		}
	}
	for _, refusal := range []struct {
		status     int
		wantStatus int
		wantCode   string
	}{
		{http.StatusUnauthorized, http.StatusBadGateway, "PodManagerAuthFailed"},
		{http.StatusForbidden, http.StatusBadGateway, "PodManagerAuthFailed"},
		{http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented"},
	} {
		for _, op := range []struct {
			fault, method, path string
			body                any
		}{
			{"reset", http.MethodPost, "/v1/nodes/" + n.UUID + "/action", api.NodeAction{Reset: &api.ResetAction{Type: "On"}}},
			{"reset", http.MethodPut, "/v1/nodes/" + n.UUID + "/states/power", api.PowerTarget{Target: api.PowerTargetOff}},
			{"reset", http.MethodPut, "/v1/systems/" + free.UUID + "/states/power", api.PowerTarget{Target: api.PowerTargetOn}},
			{"reset", http.MethodPut, "/v1/systems/" + free.UUID + "/management/inject_nmi", nil},
			{"patch", http.MethodPost, "/v1/systems/" + free.UUID + "/action", api.SystemAction{Boot: &api.BootAction{Enabled: "Once", Target: "Hdd"}}},
			{"allocate", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x", PodmID: e.podms[0].UUID}},
		} {
			rsd.setFaults(t, `{"error_rate":{"`+op.fault+`":1},"error_status":`+strconv.Itoa(refusal.status)+`}`)
			got := c.failure(t, refusal.wantStatus, refusal.wantCode, op.method, op.path, op.body)
			if !strings.Contains(got.Detail+strings.Join(got.ExtendedInfo, " "), "operation "+op.fault) {
				t.Errorf("%d on %s %s: no explanation of the pod manager: %+v", refusal.status, op.method, op.path, got)
			}
		}
	}
	rsd.setFaults(t, `{}`)
	c.expect(t, http.StatusNoContent, http.MethodPut, "/v1/systems/"+free.UUID+"/states/power", api.PowerTarget{Target: api.PowerTargetOn})

	// Advertised, not implemented: 501 with the service's own words.
	plainSystems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+plain.UUID))
	if len(plainSystems) != 1 {
		t.Fatalf("systems of %s: %+v", plain.Name, plainSystems)
	}
	got := c.failure(t, http.StatusNotImplemented, "NotImplemented", http.MethodPut, "/v1/systems/"+plainSystems[0].UUID+"/management/inject_nmi", nil)
	if !strings.Contains(got.Detail, "Power state Nmi is not supported") {
		t.Errorf("NMI refused without the pod manager's reason: %+v", got)
	}
	c.expect(t, http.StatusNoContent, http.MethodPut, "/v1/systems/"+plainSystems[0].UUID+"/states/power", api.PowerTarget{Target: api.PowerTargetReboot})
}

// testPodManagerIdentity registers one service twice, through another spelling of its URL
// and at another address with the same service root UUID, and shows why a pod manager is
// Offline.
func testPodManagerIdentity(t *testing.T, b backend) {
	const shared = "3a4f9ad2-3c5e-4b8e-9f49-0e1f6b1c2d3e"
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "1", "--service-uuid", shared}}})
	c, first := e.api.client, e.podms[0]
	twin := startSimulator(t, "--systems", "1", "--service-uuid", shared)
	for _, url := range []string{e.sims[0].url + "/redfish/v1/", strings.Replace(e.sims[0].url, "http://", "HTTP://", 1) + "/", twin.url} {
		got := c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/pod_managers", podmCreate("again", url))
		if !strings.Contains(got.Detail, first.Name) || !strings.Contains(got.Detail, first.UUID) {
			t.Errorf("registering %s again: the refusal does not name %s: %s", url, first.Name, got.Detail)
		}
	}
	if pms := decodeAs[[]api.PodManager](t, c.get(t, http.StatusOK, "/v1/pod_managers")); len(pms) != 1 {
		t.Errorf("%d pod managers after the refused registrations", len(pms))
	}
	got := c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/pod_managers", podmCreate(first.Name, "http://127.0.0.1:9"))
	if strings.Contains(got.Detail, "pod_managers") {
		t.Errorf("the store's bucket shows: %s", got.Detail)
	}

	if pm := decodeAs[api.PodManager](t, c.get(t, http.StatusOK, "/v1/pod_managers/"+first.UUID)); pm.StatusReason != "" {
		t.Errorf("an Online pod manager with a reason: %q", pm.StatusReason)
	}
	e.sims[0].proc.stop(t)
	waitStatus(t, c, first, api.PodManagerOffline)
	pm := decodeAs[api.PodManager](t, c.get(t, http.StatusOK, "/v1/pod_managers/"+first.UUID))
	if !strings.Contains(pm.StatusReason, "cannot be reached") || !strings.Contains(pm.StatusReason, pm.URL) {
		t.Errorf("Offline pod manager's status_reason: %q", pm.StatusReason)
	}
}
