package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// The system routes take the node routes' bodies, check their own rules and
// refuse a system that a composed node uses.
func TestSystemPowerOverHTTP(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	n := f.compose(t, "p1", pm.UUID)
	_, body := f.admin(t, "GET", "/v1/systems", "")
	var systems []api.System
	json.Unmarshal(body, &systems)
	var free, used api.System
	for _, s := range systems {
		if s.ComposedNode == nil {
			free = s
		} else {
			used = s
		}
	}
	if free.UUID == "" || used.UUID == "" {
		t.Fatalf("want a free and a used system: %s", body)
	}
	power := func(want string) {
		t.Helper()
		_, body := f.admin(t, "GET", "/v1/systems/"+free.UUID, "")
		var s api.System
		json.Unmarshal(body, &s)
		if s.PowerState != want {
			t.Errorf("power_state %q, want %q", s.PowerState, want)
		}
	}
	sys := "/v1/systems/" + free.ID + "/states/power?podm_id=" + pm.UUID
	for _, c := range []struct{ method, path, body, power string }{
		{"PUT", "/v1/systems/" + free.UUID + "/states/power", `{"target":"power on"}`, "On"},
		{"POST", "/v1/systems/" + free.UUID + "/action", `{"Reset":{"Type":"ForceOff"}}`, "Off"},
		{"PUT", "/v1/systems/" + free.ID + "/states/power?podm_id=" + pm.UUID, `{"target":"rebooting"}`, "On"},
		{"PUT", "/v1/systems/" + free.UUID + "/management/inject_nmi", `{}`, "On"},
		{"PUT", "/v1/systems/" + free.UUID + "/management/inject_nmi", ``, "On"},
		{"POST", "/v1/systems/" + free.UUID + "/action", `{"Boot":{"Enabled":"Once","Target":"Pxe","Mode":"UEFI"}}`, "On"},
	} {
		if resp, body := f.admin(t, c.method, c.path, c.body); resp.StatusCode != 204 {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, resp.StatusCode, body)
		}
		power(c.power)
	}
	for _, c := range []struct {
		roles, method, path, body string
		status                    int
		code                      string
	}{
		{"member,reader", "PUT", "/v1/systems/" + free.UUID + "/states/power", `{"target":"power off"}`, 403, "Forbidden"},
		{"member,reader", "POST", "/v1/systems/" + free.UUID + "/action", `{"Reset":{"Type":"On"}}`, 403, "Forbidden"},
		{"member,reader", "POST", "/v1/systems/" + free.UUID + "/action", `{"Boot":{"Enabled":"Once","Target":"Pxe"}}`, 403, "Forbidden"},
		{"member,reader", "PUT", "/v1/systems/" + free.UUID + "/management/inject_nmi", `{}`, 403, "Forbidden"},
		{"admin", "POST", "/v1/systems/" + free.UUID + "/action", `{"attach":{"resource_id":"x"}}`, 400, "BadRequest"},
		{"admin", "POST", "/v1/systems/" + free.UUID + "/action", `{"Reset":{"Type":"On"},"Boot":{"Enabled":"Once","Target":"Pxe"}}`, 400, "BadRequest"},
		{"admin", "POST", "/v1/systems/" + free.UUID + "/action", `{}`, 400, "BadRequest"},
		{"admin", "POST", "/v1/systems/" + free.UUID + "/action", `{"Reset":{"Type":"Explode"}}`, 400, "BadRequest"},
		{"admin", "POST", "/v1/systems/" + free.UUID + "/action", `{"Boot":{"Enabled":"Always","Target":"Pxe"}}`, 400, "BadRequest"},
		{"admin", "PUT", "/v1/systems/" + free.UUID + "/states/power", `{"target":"warp speed"}`, 400, "BadRequest"},
		{"admin", "PUT", sys + "&limit=1", `{"target":"power on"}`, 400, "BadRequest"},
		{"admin", "PUT", "/v1/systems/nope/states/power", `{"target":"power on"}`, 404, "NotFound"},
		{"admin", "PUT", "/v1/systems/" + used.UUID + "/states/power", `{"target":"power off"}`, 409, "Conflict"},
	} {
		resp, body := f.call(t, c.roles, "p1", c.method, c.path, c.body)
		e := checkError(t, resp, body, c.status, c.code)
		if c.status == 409 && !strings.Contains(e.Detail, n.UUID) {
			t.Errorf("the refusal does not name the node %s: %s", n.UUID, e.Detail)
		}
	}
	power("On")
}
