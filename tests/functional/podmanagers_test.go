package functional

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testPodManagers covers /v1/pod_managers: create (with its probe),
// conflicts, validation, list with filters and paging, merge-patch updates,
// and delete refused while nodes exist unless forced.
func testPodManagers(t *testing.T, b backend) {
	simA, simB := startSimulator(t, "--systems", "2"), startSimulator(t, "--systems", "2")
	e := newEnv(t, b, setup{})
	c := e.api.client

	pmA := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", podmCreate("podm1", simA.url)))
	if pmA.Status != api.PodManagerOnline || pmA.Driver != api.DriverRSD || pmA.RSDVersion != "2.3.0" ||
		pmA.RedfishVersion == "" || !pmA.TLSVerify || pmA.URL != simA.url {
		t.Errorf("created pod manager: %+v", pmA)
	}
	for _, capability := range []string{"systems", "compose", "storage", "racks"} {
		if !slices.Contains(pmA.Capabilities, capability) {
			t.Errorf("capabilities %v lack %s", pmA.Capabilities, capability)
		}
	}
	if len(pmA.Authentication) != 1 || pmA.Authentication[0].AuthItems.Password != api.RedactedPassword ||
		pmA.Authentication[0].AuthItems.Username != simUser {
		t.Errorf("authentication answered as %+v", pmA.Authentication)
	}
	// Valence's driver name is taken as rsd.
	createB := podmCreate("podm2", simB.url)
	createB.Driver = api.DriverRedfishV1
	pmB := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", createB))
	if pmB.Driver != api.DriverRSD {
		t.Errorf("driver redfishv1 answered as %q, want rsd", pmB.Driver)
	}
	// An unreachable pod manager is registered all the same, as Offline.
	deadURL := "http://" + freeAddr(t)
	dead := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", podmCreate("dead", deadURL)))
	if dead.Status != api.PodManagerOffline {
		t.Errorf("unreachable pod manager: status %s, want Offline", dead.Status)
	}
	// Refused credentials are registered too, and said so.
	badCreds := podmCreate("refused", startSimulator(t, "--systems", "1").url)
	badCreds.Authentication[0].AuthItems.Password = "wrong"
	refusedPM := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", badCreds))
	if refusedPM.Status != api.PodManagerAuthenticationFailed {
		t.Errorf("pod manager with a wrong password: status %s, want AuthenticationFailed", refusedPM.Status)
	}
	c.deleted(t, "/v1/pod_managers/"+refusedPM.UUID)

	const pms = "/v1/pod_managers"
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, pms, podmCreate("podm1", "http://"+freeAddr(t)))
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, pms, podmCreate("other", simA.url))
	for name, body := range map[string]any{
		"no authentication": api.PodManagerCreate{Name: "x", URL: "http://" + freeAddr(t)},
		"no name":           podmCreate("", "http://"+freeAddr(t)),
		"not http":          podmCreate("x", "ftp://127.0.0.1:21"),
		"unknown driver":    `{"name":"x","url":"http://127.0.0.1:1","driver":"ipmi","authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`,
		"unknown field":     `{"name":"x","url":"http://127.0.0.1:1","colour":"red","authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`,
	} {
		if e := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, pms, body); name == "unknown field" && !strings.Contains(e.Detail, "colour") {
			t.Errorf("unknown field: detail %q does not name it", e.Detail)
		}
	}

	// Lists, filters, paging.
	all := decodeAs[[]api.PodManager](t, c.get(t, http.StatusOK, pms))
	if len(all) != 3 {
		t.Fatalf("GET %s: %d pod managers, want 3", pms, len(all))
	}
	paged := listAll[api.PodManager](t, c, pms, 1)
	if !sameSet(uuids(all), uuids(paged)) {
		t.Errorf("paging with limit=1 gave %v, want %v", uuids(paged), uuids(all))
	}
	if got := decodeAs[[]api.PodManager](t, c.get(t, http.StatusOK, pms+"?name=podm1")); len(got) != 1 || got[0].UUID != pmA.UUID {
		t.Errorf("?name=podm1: %v", uuids(got))
	}
	if got := decodeAs[[]api.PodManager](t, c.get(t, http.StatusOK, pms+"?status=Offline")); len(got) != 1 || got[0].UUID != dead.UUID {
		t.Errorf("?status=Offline: %v", uuids(got))
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, pms+"?colour=red", nil)
	if got := decodeAs[api.PodManager](t, c.get(t, http.StatusOK, pms+"/"+pmA.UUID)); got.UUID != pmA.UUID || got.Name != "podm1" {
		t.Errorf("GET one: %+v", got)
	}
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, pms+"/"+unknownID, nil)

	// PATCH is a merge patch: what it names changes, the rest stays.
	pathA := pms + "/" + pmA.UUID
	got := decodeAs[api.PodManager](t, c.expect(t, http.StatusOK, http.MethodPatch, pathA, `{"description":"row 7","location":"lab 2"}`))
	if got.Description != "row 7" || got.Location != "lab 2" || got.Name != "podm1" || got.URL != simA.url || got.Status != api.PodManagerOnline {
		t.Errorf("PATCH description and location: %+v", got)
	}
	got = decodeAs[api.PodManager](t, c.expect(t, http.StatusOK, http.MethodPatch, pathA, `{"location":null}`))
	if got.Location != "" || got.Description != "row 7" {
		t.Errorf("PATCH location null: location %q, description %q", got.Location, got.Description)
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, pathA, `{"url":"`+simB.url+`"}`)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, pathA, `{"uuid":"`+pmB.UUID+`"}`)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, pathA, `{"driver":"redfish"}`)
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPatch, pathA, `{"name":"podm2"}`)
	// New credentials replace the cached connection: wrong ones fail, right ones work again.
	wrong := `{"authentication":[{"type":"basic","auth_items":{"username":"admin","password":"wrong"}}]}`
	if got := decodeAs[api.PodManager](t, c.expect(t, http.StatusOK, http.MethodPatch, pathA, wrong)); got.Status != api.PodManagerAuthenticationFailed {
		t.Errorf("PATCH with a wrong password: status %s, want AuthenticationFailed", got.Status)
	}
	right := `{"authentication":[{"type":"basic","auth_items":{"username":"admin","password":"` + simPassword + `"}}]}`
	if got := decodeAs[api.PodManager](t, c.expect(t, http.StatusOK, http.MethodPatch, pathA, right)); got.Status != api.PodManagerOnline {
		t.Errorf("PATCH with the right password again: status %s, want Online", got.Status)
	}

	// A read does not probe again while the status is fresh (the PATCH just
	// probed); once it is a few seconds old it does, and sees the outage,
	// then the recovery.
	simA.setFaults(t, `{"down":"refuse"}`)
	if got := decodeAs[api.PodManager](t, c.get(t, http.StatusOK, pathA)); got.Status != api.PodManagerOnline {
		t.Errorf("GET right after a probe: status %s; the read probed again", got.Status)
	}
	waitStatus(t, c, pmA, api.PodManagerOffline)
	simA.setFaults(t, `{}`)
	waitStatus(t, c, pmA, api.PodManagerOnline)

	// DELETE refuses while nodes are composed on it, naming them; force decomposes them.
	n := e.api.compose(t, api.NodeCompose{Name: "pinned", PodmID: pmA.UUID})
	refused := c.failure(t, http.StatusConflict, "Conflict", http.MethodDelete, pathA, nil)
	if !strings.Contains(refused.Detail, "pinned") || !strings.Contains(refused.Detail, n.UUID) {
		t.Errorf("DELETE with a node: detail %q does not name node pinned (%s)", refused.Detail, n.UUID)
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodDelete, pathA+"?force=maybe", nil)
	c.deleted(t, pathA+"?force=true")
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, pathA, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/nodes/"+n.UUID, nil)
	if left := simA.nodes(t); len(left) != 0 {
		t.Errorf("forced delete left nodes on the simulator: %v", left)
	}
	c.deleted(t, pms+"/"+dead.UUID)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodDelete, pms+"/"+dead.UUID, nil)
	if got := decodeAs[[]api.PodManager](t, c.get(t, http.StatusOK, pms)); len(got) != 1 || got[0].UUID != pmB.UUID {
		t.Errorf("after the deletes: %v, want only podm2", uuids(got))
	}
}
