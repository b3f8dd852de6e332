package ui

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

func TestVolumesCreateAndDelete(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	ctx := context.Background()
	c := f.apiAs(t, "admin")
	before, err := c.ListStorages(ctx, nil)
	if err != nil || len(before) == 0 {
		t.Fatalf("volumes %v, %v: the simulator starts with one", before, err)
	}

	admin := f.signedIn(t, "admin")
	resp, body := admin.get("/ui/volumes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<table id="volumes-table">`, `<tr data-id="`+before[0].ID+`">`, `<td data-field="podm_id">pod1</td>`,
		`data-refresh="/ui/volumes?fragment=volumes"`, `data-action="create-volume"`,
		`<option value="`+pm.UUID+`">pod1</option>`, `<option value="`+before[0].StorageService+`">`+before[0].StorageService+`</option>`)

	// Refused by the API, or unreadable: the message at the field.
	resp, body = admin.send("/ui/volumes", url.Values{"podm_id": {""}, "capacity_gib": {"10"}}) // the choice left at "Choose…"
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-podm_id-error">podm_id is required</p>`)
	resp, body = admin.send("/ui/volumes", url.Values{"podm_id": {pm.UUID}, "capacity_gib": {"ten"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-capacity_gib-error">capacity_gib must be a whole number</p>`,
		`<option value="`+pm.UUID+`" selected>pod1</option>`)

	resp, body = admin.send("/ui/volumes", url.Values{"podm_id": {pm.UUID}, "capacity_gib": {"10"}, "name": {"scratch"}, "bootable": {"true"}})
	wantRedirect(t, resp, body, "/ui/volumes")
	after, err := c.ListStorages(ctx, nil)
	if err != nil || len(after) != len(before)+1 {
		t.Fatalf("volumes after create %v, %v", after, err)
	}
	var made api.Storage
	for _, v := range after {
		if v.Name == "scratch" {
			made = v
		}
	}
	if made.ID == "" || made.CapacityGiB != 10 || !made.Bootable {
		t.Fatalf("volume made %+v", made)
	}
	resp, body = admin.get("/ui/volumes?fragment=volumes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<tr data-id="`+made.ID+`">`, `<td data-field="capacity_gib">10 GiB</td>`, `<td data-field="bootable">yes</td>`, `<td data-field="attached_to"></td>`,
		`class="danger" data-action="delete-volume" data-confirm="Delete the volume scratch?"`)
	wantNotIn(t, body, `<nav id="nav"`, `data-action="create-volume"`)

	// Attached to a node: the API's 409 is shown, the volume stays.
	n := f.composed(t, "admin", "db-1", pm.UUID)
	if err := c.NodeAction(ctx, n.UUID, api.NodeAction{Attach: &api.AttachAction{ResourceID: made.ID}}); err != nil {
		t.Fatal(err)
	}
	resp, body = admin.get("/ui/volumes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<td data-field="attached_to"><a href="/ui/nodes/`+n.UUID+`" title="`+n.UUID+`">db-1</a></td>`)
	resp, body = admin.send("/ui/volumes/"+made.ID+"/delete", nil)
	wantStatus(t, resp, body, http.StatusConflict)
	wantIn(t, body, `class="flash error"`, `is attached to node `+n.UUID+`; detach it first.`, `<table id="volumes-table">`)

	if err := c.NodeAction(ctx, n.UUID, api.NodeAction{Detach: &api.AttachAction{ResourceID: made.ID}}); err != nil {
		t.Fatal(err)
	}
	resp, body = admin.send("/ui/volumes/"+made.ID+"/delete", nil)
	wantRedirect(t, resp, body, "/ui/volumes")
	if _, err := c.GetStorage(ctx, made.ID); !client.IsNotFound(err) {
		t.Errorf("volume after delete: %v", err)
	}
}

func TestVolumesReaderSeesNoControlsAndIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	vols, err := f.apiAs(t, "admin").ListStorages(context.Background(), nil)
	if err != nil || len(vols) == 0 {
		t.Fatalf("volumes %v, %v", vols, err)
	}
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/volumes")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<tr data-id="`+vols[0].ID+`">`)
	wantNotIn(t, body, `data-action="create-volume"`, `data-action="delete-volume"`, `action="/ui/volumes"`)
	resp, body = b.send("/ui/volumes", url.Values{"podm_id": {pm.UUID}, "capacity_gib": {"1"}})
	wantStatus(t, resp, body, http.StatusForbidden)
	resp, body = b.send("/ui/volumes/"+vols[0].ID+"/delete", nil)
	wantStatus(t, resp, body, http.StatusForbidden)
	if again, _ := f.apiAs(t, "admin").ListStorages(context.Background(), nil); len(again) != len(vols) {
		t.Errorf("%d volumes, want %d", len(again), len(vols))
	}
}
