package functional

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testTLS registers a simulator serving HTTPS with a self-signed
// certificate: trusted through ca_cert, or with tls_verify off, and Offline
// when neither.
func testTLS(t *testing.T, b backend) {
	certFile := filepath.Join(t.TempDir(), "sim.pem")
	sim := startSimulator(t, "--systems", "2", "--tls", "--tls-cert-out", certFile)
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	c := startAPI(t, b).client
	pmPath := func(pm api.PodManager) string { return "/v1/pod_managers/" + pm.UUID }
	patch := func(pm api.PodManager, body map[string]any) api.PodManager {
		t.Helper()
		return decodeAs[api.PodManager](t, c.expect(t, http.StatusOK, http.MethodPatch, pmPath(pm), body))
	}

	// Not trusted: registered, but Offline.
	pm := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", podmCreate("tls", sim.url)))
	if pm.Status != api.PodManagerOffline || !pm.TLSVerify {
		t.Errorf("an HTTPS pod manager with an unknown certificate: status %s, tls_verify %t", pm.Status, pm.TLSVerify)
	}
	if pm = patch(pm, map[string]any{"ca_cert": string(pem)}); pm.Status != api.PodManagerOnline || pm.CACert != string(pem) {
		t.Errorf("with its certificate as ca_cert: status %s, ca_cert %q", pm.Status, pm.CACert)
	}
	n := c.compose(t, api.NodeCompose{Name: "secure", PodmID: pm.UUID})
	if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID)); d.NodeState != api.NodeAssembled {
		t.Errorf("node over HTTPS: %+v", d)
	}
	if pm = patch(pm, map[string]any{"ca_cert": nil, "tls_verify": false}); pm.Status != api.PodManagerOnline || pm.TLSVerify || pm.CACert != "" {
		t.Errorf("with tls_verify false: %+v", pm)
	}
	if pm = patch(pm, map[string]any{"tls_verify": true}); pm.Status != api.PodManagerOffline {
		t.Errorf("with tls_verify true again and no ca_cert: status %s", pm.Status)
	}
	if pm = patch(pm, map[string]any{"ca_cert": string(pem)}); pm.Status != api.PodManagerOnline {
		t.Errorf("with ca_cert again: status %s", pm.Status)
	}
	c.deleted(t, "/v1/nodes/"+n.UUID)
}

// testPlainRedfish registers a simulator with the redfish driver (a plain
// Redfish service): its systems are listed, but nothing is composed on it.
func testPlainRedfish(t *testing.T, b backend) {
	sim := startSimulator(t, "--systems", "2")
	c := startAPI(t, b).client
	body := podmCreate("plain", sim.url)
	body.Driver = api.DriverRedfish
	pm := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", body))
	if pm.Driver != api.DriverRedfish || pm.Status != api.PodManagerOnline || slices.Contains(pm.Capabilities, "compose") ||
		!slices.Contains(pm.Capabilities, "systems") {
		t.Errorf("plain Redfish pod manager: %+v", pm)
	}
	if got := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+pm.UUID)); len(got) != 2 {
		t.Errorf("systems of a plain Redfish pod manager: %d, want 2", len(got))
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x", PodmID: pm.UUID})
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x"})
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("nodes composed on a plain Redfish service: %v", left)
	}
}
