package rsdsim

import (
	"net/http"
	"strings"
	"testing"
)

func TestServiceRootByVersion(t *testing.T) {
	tests := []struct {
		version, api, redfish string
		storageKey            []any // where the storage link sits
		storagePath           string
	}{
		{"2.1", "2.1.0", "1.0.2", []any{"Services"}, "/redfish/v1/Services"},
		{"2.2", "2.2.0", "1.1.0", []any{"Oem", "Intel_RackScale", "Services"}, "/redfish/v1/Services"},
		{"2.3", "2.3.0", "1.1.0", []any{"StorageServices"}, "/redfish/v1/StorageServices"},
		{"", "2.3.0", "1.1.0", []any{"StorageServices"}, "/redfish/v1/StorageServices"},
	}
	for _, tt := range tests {
		t.Run("v"+tt.version, func(t *testing.T) {
			ts := newTestServer(t, Config{RSDVersion: tt.version, Username: "admin", Password: "secret"})
			for _, p := range []string{"/redfish/v1", "/redfish/v1/"} {
				// The root is public: no credentials.
				r := ts.do("GET", p, nil, "Authorization", "").mustStatus(t, http.StatusOK)
				if got := get(r.body, "Oem", "Intel_RackScale", "ApiVersion"); got != tt.api {
					t.Errorf("ApiVersion %v, want %s", got, tt.api)
				}
				if got := r.body["RedfishVersion"]; got != tt.redfish {
					t.Errorf("RedfishVersion %v, want %s", got, tt.redfish)
				}
				for _, keys := range [][]any{{"Nodes"}, {"Oem", "Intel_RackScale", "Nodes"}} {
					if got := get(r.body, append(keys, "@odata.id")...); got != "/redfish/v1/Nodes" {
						t.Errorf("%v = %v, want /redfish/v1/Nodes", keys, got)
					}
				}
				if got := get(r.body, append(tt.storageKey, "@odata.id")...); got != tt.storagePath {
					t.Errorf("storage link %v = %v, want %s", tt.storageKey, got, tt.storagePath)
				}
				if get(r.body, "Links", "Sessions", "@odata.id") != sessionsPath {
					t.Errorf("no Links.Sessions")
				}
				if _, ok := r.body["UUID"].(string); !ok || r.body["Id"] != "RootService" {
					t.Errorf("root Id/UUID missing: %s", r.raw)
				}
			}
			if tt.version == "2.2" {
				ts.do("GET", "/redfish/v1/TelemetryService", nil).mustStatus(t, http.StatusOK)
			}
		})
	}
}

// TestCrawl follows every link from the root of each version, with a node composed and a
// volume attached, and checks what every Redfish resource must have.
func TestCrawl(t *testing.T) {
	for _, version := range []string{"2.1", "2.2", "2.3"} {
		t.Run("v"+version, func(t *testing.T) {
			ts := newTestServer(t, Config{RSDVersion: version, Racks: 1, DrawersPerRack: 2, SystemsPerDrawer: 1})
			ts.allocate(map[string]any{"RemoteDrives": []any{map[string]any{"CapacityGiB": 10}},
				"EthernetInterfaces": []any{map[string]any{"VLANs": []any{map[string]any{"VLANId": 7}}}}})
			seen := ts.crawl(t, func(p string, r response) {
				if r.status != http.StatusOK {
					t.Errorf("GET %s: %d %s", p, r.status, r.raw)
					return
				}
				if r.header.Get("ETag") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
					t.Errorf("GET %s: ETag %q Content-Type %q", p, r.header.Get("ETag"), r.header.Get("Content-Type"))
				}
				if r.body["@odata.id"] != p || r.body["@odata.type"] == nil {
					t.Errorf("GET %s: @odata.id %v @odata.type %v", p, r.body["@odata.id"], r.body["@odata.type"])
				}
				if _, ok := r.body["Members"]; !ok {
					if _, ok := r.body["Id"].(string); !ok {
						t.Errorf("GET %s: Id %v is not a string", p, r.body["Id"])
					}
				}
			})
			if len(seen) < 40 {
				t.Errorf("crawled only %d resources", len(seen))
			}
			t.Logf("RSD %s: %d resources", version, len(seen))
		})
	}
}

// crawl GETs every resource reachable from the service root through @odata.id links, once
// each, calls visit with each answer, and returns the paths it saw.
func (ts *testServer) crawl(t *testing.T, visit func(p string, r response)) map[string]bool {
	seen := map[string]bool{}
	queue := []string{"/redfish/v1/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		r := ts.do("GET", p, nil)
		visit(p, r)
		if r.status != http.StatusOK {
			continue
		}
		walkIDs(t, p, r.body, func(id string) {
			if !strings.Contains(id, "#") && !seen[id] {
				queue = append(queue, id)
			}
		})
	}
	return seen
}

// walkIDs calls link for every @odata.id below v and checks that every Id is a string.
func walkIDs(t *testing.T, where string, v any, link func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "@odata.id":
				link(x.(string))
			case "Id":
				if _, ok := x.(string); !ok {
					t.Errorf("%s: Id %v is not a string", where, x)
				}
			default:
				walkIDs(t, where, x, link)
			}
		}
	case []any:
		for _, x := range v {
			walkIDs(t, where, x, link)
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, allow        string
		ifMatch            string
	}{
		{"unknown path", "GET", "/redfish/v1/Nope", nil, 404, codeInvalidEndpoint, "", ""},
		{"unknown system", "GET", "/redfish/v1/Systems/System999", nil, 404, codeInvalidEndpoint, "", ""},
		{"outside redfish", "GET", "/index.html", nil, 404, codeInvalidEndpoint, "", ""},
		{"reset unknown system", "POST", "/redfish/v1/Systems/System999/Actions/ComputerSystem.Reset", `{"ResetType":"On"}`, 404, codeInvalidEndpoint, "", ""},
		{"unknown node", "GET", "/redfish/v1/Nodes/42", nil, 404, codeInvalidEndpoint, "", ""},
		{"delete unknown node", "DELETE", "/redfish/v1/Nodes/42", nil, 404, codeInvalidEndpoint, "", ""},
		{"post on a collection", "POST", "/redfish/v1/Systems", `{}`, 405, codeInvalidHTTPMethod, "GET, HEAD", ""},
		{"delete a system", "DELETE", "/redfish/v1/Systems/System1", nil, 405, codeInvalidHTTPMethod, "GET, HEAD, PATCH", ""},
		{"get an action", "GET", "/redfish/v1/Nodes/Actions/Allocate", nil, 405, codeInvalidHTTPMethod, "POST", ""},
		{"get an action of a system", "GET", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", nil, 405, codeInvalidHTTPMethod, "POST", ""},
		{"action of an unknown node", "GET", "/redfish/v1/Nodes/42/Actions/ComposedNode.Reset", nil, 404, codeInvalidEndpoint, "", ""},
		{"put a node collection", "PUT", "/redfish/v1/Nodes", `{}`, 405, codeInvalidHTTPMethod, "GET, HEAD", ""},
		{"reset without type", "POST", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", `{}`, 400, codeInvalidPayload, "", ""},
		{"reset bad type", "POST", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", `{"ResetType":"PowerCycle"}`, 400, codeInvalidPayload, "", ""},
		{"reset malformed", "POST", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", `{"ResetType":`, 400, codeInvalidPayload, "", ""},
		{"patch read-only", "PATCH", "/redfish/v1/Systems/System1", `{"PowerState":"On"}`, 400, codeInvalidPayload, "", ""},
		{"patch bad boot", "PATCH", "/redfish/v1/Systems/System1", `{"Boot":{"BootSourceOverrideTarget":"Floppy"}}`, 400, codeInvalidPayload, "", ""},
		{"patch stale etag", "PATCH", "/redfish/v1/Systems/System1", `{"Boot":{}}`, 412, codePreconditionFailed, "", `W/"0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(tt.method, tt.path, tt.body, "If-Match", tt.ifMatch)
			r.mustStatus(t, tt.status)
			if code := r.errorCode(t); code != tt.code {
				t.Errorf("code %s, want %s", code, tt.code)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestGetConveniences(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.do("GET", "/redfish/v1/Systems/System1/", nil).mustStatus(t, http.StatusOK)
	b := ts.do("GET", "/redfish/v1/Systems/System1", nil).mustStatus(t, http.StatusOK)
	if string(a.raw) != string(b.raw) {
		t.Error("trailing slash changes the answer")
	}
	if r := ts.do("HEAD", "/redfish/v1/Systems/System1", nil); r.status != 200 || len(r.raw) != 0 {
		t.Errorf("HEAD: %d, %d bytes", r.status, len(r.raw))
	}
	if r := ts.do("GET", "/redfish/v1/Systems/System1", nil, "If-None-Match", b.header.Get("ETag")); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %d", r.status)
	}
	ts.do("GET", "/redfish", nil).mustStatus(t, http.StatusOK)
	// A matching If-Match is accepted and the answer is the changed system.
	r := ts.do("PATCH", "/redfish/v1/Systems/System1", `{"Boot":{"BootSourceOverrideEnabled":"Once","BootSourceOverrideTarget":"Pxe"}}`,
		"If-Match", b.header.Get("ETag")).mustStatus(t, http.StatusOK)
	if get(r.body, "Boot", "BootSourceOverrideTarget") != "Pxe" || r.header.Get("ETag") == b.header.Get("ETag") {
		t.Errorf("PATCH answer: %s (ETag %s)", r.raw, r.header.Get("ETag"))
	}
}

func TestDeterministicInventory(t *testing.T) {
	one := func(seed int64) string {
		ts := newTestServer(t, Config{Seed: seed})
		var b strings.Builder
		for _, p := range []string{"/redfish/v1/Systems/System3", "/redfish/v1/Systems/System3/Memory", "/redfish/v1/Chassis/Rack1-Drawer2-Blade1/Drives"} {
			b.Write(ts.do("GET", p, nil).raw)
		}
		return b.String()
	}
	if first, again := one(7), one(7); first != again {
		t.Error("the same seed gave different systems")
	}
	if one(7) == one(8) {
		t.Error("different seeds gave the same systems")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{RSDVersion: "2.4"},
		{Racks: -1},
		{Systems: maxSystems + 1},
		{Faults: Faults{ErrorRate: map[string]float64{"allocate": 2}}},
		{Faults: Faults{Down: "sideways"}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
