package rsdsim

import (
	"slices"
	"strings"
	"testing"
)

// The plain mode serves no RSD extension anywhere: every resource reachable from the root
// is walked and searched for them.
func TestPlainRedfishHasNoRSD(t *testing.T) {
	ts := newTestServer(t, Config{RSDVersion: VersionNone})
	root := ts.do("GET", "/redfish/v1", nil).mustStatus(t, 200)
	if root.body["RedfishVersion"] != plainRedfishVersion {
		t.Errorf("RedfishVersion %v", root.body["RedfishVersion"])
	}
	for _, k := range []string{"Systems", "Chassis", "Managers"} {
		if root.body[k] == nil {
			t.Errorf("the root does not link %s: %s", k, root.raw)
		}
	}
	seen := ts.crawl(t, func(p string, r response) {
		for _, bad := range []string{"Intel_RackScale", "/Nodes", "StorageServices", "EthernetSwitches", "Intel.Oem"} {
			if strings.Contains(string(r.raw), bad) {
				t.Errorf("%s shows %s: %s", p, bad, r.raw)
			}
		}
	})
	if !seen["/redfish/v1/Systems/System1/Processors"] || len(seen) < 20 {
		t.Errorf("the walk saw only %d resources", len(seen))
	}
	for _, p := range []string{"/redfish/v1/Nodes", "/redfish/v1/StorageServices", "/redfish/v1/Services", "/redfish/v1/EthernetSwitches"} {
		ts.do("GET", p, nil).mustStatus(t, 404)
	}
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}).mustStatus(t, 404)

	// What a plain service does offer: reset and boot of a system.
	const sys = "/redfish/v1/Systems/System1"
	ts.do("POST", sys+"/Actions/ComputerSystem.Reset", m{"ResetType": "ForceOn"}).mustStatus(t, 204)
	ts.do("PATCH", sys, m{"Boot": m{"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe"}}).mustStatus(t, 200)
	got := ts.do("GET", sys, nil).body
	if got["PowerState"] != "On" || get(got, "Boot", "BootSourceOverrideTarget") != "Pxe" {
		t.Errorf("after reset and boot: %v %v", got["PowerState"], got["Boot"])
	}
}

// A reset type advertised but not done answers 501, as sushy-tools does for Nmi, on systems
// and nodes; the others still work.
func TestUnimplementedResets(t *testing.T) {
	ts := newTestServer(t, Config{UnimplementedResets: []string{"Nmi"}})
	const sys = "/redfish/v1/Systems/System1"
	allowed := get(ts.do("GET", sys, nil).body, "Actions", "#ComputerSystem.Reset", "ResetType@Redfish.AllowableValues").([]any)
	if !slices.Contains(allowed, any("Nmi")) {
		t.Fatalf("Nmi is not advertised: %v", allowed)
	}
	r := ts.do("POST", sys+"/Actions/ComputerSystem.Reset", m{"ResetType": "Nmi"}).mustStatus(t, 501)
	if code := r.errorCode(t); code != codeActionNotSupported || get(r.body, "error", "message") != "Power state Nmi is not supported" {
		t.Errorf("501 body %s", r.raw)
	}
	ts.do("POST", sys+"/Actions/ComputerSystem.Reset", m{"ResetType": "On"}).mustStatus(t, 204)

	node := ts.allocate(m{})
	ts.do("POST", node+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	ts.do("POST", node+"/Actions/ComposedNode.Reset", m{"ResetType": "Nmi"}).mustStatus(t, 501)
}

// Every simulator is a service of its own unless told to share a service root UUID.
func TestServiceUUID(t *testing.T) {
	rootUUID := func(cfg Config) any {
		return newTestServer(t, cfg).do("GET", "/redfish/v1", nil).mustStatus(t, 200).body["UUID"]
	}
	a, b := rootUUID(Config{}), rootUUID(Config{})
	if a == b || a == "" {
		t.Errorf("two simulators share the root UUID %v", a)
	}
	const given = "92384634-2938-2342-8820-489239905423"
	if got := rootUUID(Config{ServiceUUID: given}); got != given {
		t.Errorf("root UUID %v, want %s", got, given)
	}
	if _, err := New(Config{ServiceUUID: "not-a-uuid"}); err == nil {
		t.Error("a malformed service UUID was accepted")
	}
}
