package functional

import (
	"net/http"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testStorages covers /v1/storages (list, get, create, clone, delete) and
// attaching a volume to a node and detaching it; on a model without remote
// storage, the refusals of each.
func testStorages(t *testing.T, b backend, m model) {
	e := newEnv(t, b, setup{sims: [][]string{m.sim("--systems", "1")}})
	c, pm := e.api.client, e.podms[0]
	n := e.api.compose(t, api.NodeCompose{Name: "with-volume", PodmID: pm.UUID})
	const storages = "/v1/storages"
	if !m.volumes {
		noStorage(t, c, pm, n)
		return
	}

	before := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages))
	if len(before) == 0 {
		t.Fatalf("GET %s: the simulator's image volume is missing", storages)
	}
	golden := before[0]
	if got := decodeAs[api.Storage](t, c.get(t, http.StatusOK, storages+"/"+golden.ID)); got != golden {
		t.Errorf("GET %s/%s: %+v, the list says %+v", storages, golden.ID, got, golden)
	}

	v := decodeAs[api.Storage](t, c.create(t, storages, `{"podm_id":"`+pm.UUID+`","capacity_gib":"10","name":"scratch"}`))
	if v.PodmID != pm.UUID || v.CapacityGiB != 10 || v.AttachedTo != nil || v.ResourceURI == "" || v.StorageService == "" {
		t.Errorf("created volume: %+v", v)
	}
	if named := decodeAs[api.Storage](t, c.create(t, storages, api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 2, StorageService: golden.StorageService})); named.StorageService != golden.StorageService {
		t.Errorf("volume created in %s: %+v", golden.StorageService, named)
	} else {
		c.deleted(t, storages+"/"+named.ID)
	}
	clone := decodeAs[api.Storage](t, c.create(t, storages, api.StorageCreate{PodmID: pm.UUID, Name: "clone", Source: golden.ID}))
	if clone.CapacityGiB < golden.CapacityGiB || clone.ID == golden.ID {
		t.Errorf("clone of %+v: %+v", golden, clone)
	}
	if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages+"?podm_id="+pm.UUID)); !sameSet(uuids(got), append(uuids(before), v.ID, clone.ID)) {
		t.Errorf("GET %s?podm_id=: %v", storages, uuids(got))
	}
	for _, body := range []string{
		`{"capacity_gib":10}`,
		`{"podm_id":"` + pm.UUID + `","capacity_gib":0}`,
		`{"podm_id":"` + pm.UUID + `","capacity_gib":-3}`,
		`{"podm_id":"` + pm.UUID + `","capacity_gib":10,"colour":"red"}`,
	} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, storages, body)
	}
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, storages, api.StorageCreate{PodmID: unknownID, CapacityGiB: 1})
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, storages+"?colour=red", nil)

	// Attach, and the volume is the node's: it cannot be deleted.
	action, nodeStorages := "/v1/nodes/"+n.UUID+"/action", "/v1/nodes/"+n.UUID+"/storages"
	c.expect(t, http.StatusNoContent, http.MethodPost, action, api.NodeAction{Attach: &api.AttachAction{ResourceID: v.ID}})
	if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, nodeStorages)); len(got) != 1 || got[0].ID != v.ID {
		t.Errorf("GET %s after attach: %v, want [%s]", nodeStorages, uuids(got), v.ID)
	}
	if got := decodeAs[api.Storage](t, c.get(t, http.StatusOK, storages+"/"+v.ID)); got.AttachedTo == nil || *got.AttachedTo != n.UUID {
		t.Errorf("attached volume: attached_to %v, want %s", got.AttachedTo, n.UUID)
	}
	if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID)); d.Metadata == nil || len(d.Metadata.RemoteDrives) != 1 {
		t.Errorf("node with an attached volume: metadata %+v", d.Metadata)
	}
	c.failure(t, http.StatusConflict, "Conflict", http.MethodDelete, storages+"/"+v.ID, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPost, action, api.NodeAction{Attach: &api.AttachAction{ResourceID: unknownID}})
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, action, `{"attach":{}}`)

	c.expect(t, http.StatusNoContent, http.MethodPost, action, api.NodeAction{Detach: &api.AttachAction{ResourceID: v.ID}})
	if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, nodeStorages)); len(got) != 0 {
		t.Errorf("GET %s after detach: %v, want none", nodeStorages, uuids(got))
	}
	if got := decodeAs[api.Storage](t, c.get(t, http.StatusOK, storages+"/"+v.ID)); got.AttachedTo != nil {
		t.Errorf("detached volume: attached_to %v", *got.AttachedTo)
	}
	for _, id := range []string{v.ID, clone.ID} {
		c.deleted(t, storages+"/"+id)
		c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, storages+"/"+id, nil)
		c.failure(t, http.StatusNotFound, "NotFound", http.MethodDelete, storages+"/"+id, nil)
	}
	if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, storages)); !sameSet(uuids(got), uuids(before)) {
		t.Errorf("GET %s after the deletes: %v, want %v", storages, uuids(got), uuids(before))
	}
}

// noStorage checks the answers of a pod manager without remote storage (a
// DMTF composition service): no volumes, 501 for a volume's create, attach
// and detach, and 400 for a compose that asks for a remote drive.
func noStorage(t *testing.T, c *client, pm api.PodManager, n api.Node) {
	t.Helper()
	const storages = "/v1/storages"
	if slices.Contains(pm.Capabilities, "storage") {
		t.Errorf("a pod manager without storage services has the storage capability: %v", pm.Capabilities)
	}
	want := "Pod manager " + pm.Name + " offers no remote storage (its service root links no storage service): volumes cannot be created on it or attached to its nodes."
	for _, path := range []string{storages, storages + "?podm_id=" + pm.UUID, "/v1/nodes/" + n.UUID + "/storages"} {
		if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, path)); len(got) != 0 {
			t.Errorf("GET %s: %v, want none", path, uuids(got))
		}
	}
	action := "/v1/nodes/" + n.UUID + "/action"
	for _, r := range []struct {
		path string
		body any
	}{
		{storages, api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 10}},
		{action, api.NodeAction{Attach: &api.AttachAction{ResourceID: unknownID}}},
		{action, api.NodeAction{Detach: &api.AttachAction{ResourceID: unknownID}}},
	} {
		if e := c.failure(t, http.StatusNotImplemented, "NotImplemented", http.MethodPost, r.path, r.body); e.Detail != want {
			t.Errorf("POST %s %+v: %q, want %q", r.path, r.body, e.Detail, want)
		}
	}
	refused := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes",
		`{"name":"remote","podm_id":"`+pm.UUID+`","properties":{"remote_drives":[{"capacity_gib":20}]}}`)
	if refused.Detail != "The composition driver cannot express remote_drives on resource blocks." {
		t.Errorf("compose with a remote drive: %q", refused.Detail)
	}
}
