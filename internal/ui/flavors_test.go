package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

func TestFlavorsCreateEditDelete(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signedIn(t, "admin")
	resp, body := admin.get("/ui/flavors")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<p>No flavor yet.</p>`, `data-action="create-flavor"`,
		`<label for="f-properties-processor-total_cores">`, `id="f-properties-local_drives-0-capacity_gib"`,
		`<select id="f-properties-security-tpm" name="properties.security.tpm">`)

	resp, body = admin.send("/ui/flavors", url.Values{
		"name": {"db"}, "description": {"for databases"},
		"properties.processor.total_cores":       {"16"},
		"properties.memory.capacity_mib":         {"65536"},
		"properties.memory.type":                 {"DDR4"},
		"properties.local_drives.0.capacity_gib": {"100"},
		"properties.local_drives.0.type":         {"SSD"},
		"properties.security.tpm":                {"true"},
	})
	wantRedirect(t, resp, body, "/ui/flavors")
	fl, err := f.apiAs(t, "admin").ListFlavors(context.Background(), nil)
	if err != nil || len(fl) != 1 {
		t.Fatalf("flavors %v, %v", fl, err)
	}
	db := fl[0]
	if db.Properties.Processor.TotalCores != 16 || db.Properties.LocalDrives[0].Type != "SSD" || !*db.Properties.Security.TPM {
		t.Errorf("flavor created %+v", db.Properties)
	}
	resp, body = admin.get("/ui/flavors")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `id="flash" role="status" class="flash ok"`, `Flavor db created.`,
		`<tr data-id="`+db.UUID+`">`, `<a href="/ui/flavors/`+db.UUID+`">db</a>`,
		`<td data-field="properties">16 cores, 65536 MiB DDR4, 1 local drive, TPM required</td>`,
		`<a href="/ui/nodes/new?flavor=`+db.UUID+`">Compose from this flavor</a>`,
		`class="danger" data-action="delete-flavor" data-confirm="Delete the flavor db?"`)

	// The edit form shows the flavor; a change merges into it.
	resp, body = admin.get("/ui/flavors/" + db.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `data-action="update-flavor"`, `id="f-properties-processor-total_cores" name="properties.processor.total_cores" value="16"`,
		`id="f-properties-local_drives-0-type" name="properties.local_drives.0.type" value="SSD"`,
		`id="f-properties-local_drives-1-type"`)
	form := url.Values{"name": {"db-large"}, "description": {""},
		"properties.processor.total_cores":       {"32"},
		"properties.memory.capacity_mib":         {"65536"},
		"properties.memory.type":                 {"DDR4"},
		"properties.local_drives.0.capacity_gib": {"100"},
		"properties.local_drives.0.type":         {"SSD"},
		"properties.local_drives.1.capacity_gib": {"200"},
		"properties.security.tpm":                {"true"}}
	resp, body = admin.send("/ui/flavors/"+db.UUID, form)
	wantRedirect(t, resp, body, "/ui/flavors/"+db.UUID)
	got, err := f.apiAs(t, "admin").GetFlavor(context.Background(), db.UUID)
	if err != nil || got.Name != "db-large" || got.Description != "" || got.Properties.Processor.TotalCores != 32 || len(got.Properties.LocalDrives) != 2 {
		t.Fatalf("flavor changed to %+v, %v", got, err)
	}

	// Emptying a property the merge cannot remove is refused next to it.
	form.Del("properties.memory.type")
	resp, body = admin.send("/ui/flavors/"+db.UUID, form)
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-properties-memory-type-error">memory.type cannot be removed by an edit`)

	resp, body = admin.send("/ui/flavors/"+db.UUID+"/delete", nil)
	wantRedirect(t, resp, body, "/ui/flavors")
	if _, err := f.apiAs(t, "admin").GetFlavor(context.Background(), db.UUID); err == nil {
		t.Error("the flavor is still there")
	}
	resp, body = admin.get("/ui/flavors/" + db.UUID)
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestFlavorFormShowsTheAPIMessagesByField(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signedIn(t, "admin")

	// What the API refuses: each message next to its field, the form kept.
	resp, body := admin.send("/ui/flavors", url.Values{
		"name":                             {"big"},
		"properties.processor.total_cores": {"99999"},
		"properties.memory.type":           {"DDR9"},
		"properties.network.0.vlan":        {"5000"},
	})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body,
		`<p class="field-error" id="f-properties-processor-total_cores-error">processor.total_cores must be at most 16384, not 99999</p>`,
		`<p class="field-error" id="f-properties-memory-type-error">memory.type &#34;DDR9&#34; is not one of`,
		`<p class="field-error" id="f-properties-network-error">network.vlan must be between 0 and 4094, not 5000</p>`,
		`name="properties.processor.total_cores" value="99999"`, `class="flash error"`)

	// What the form cannot read is refused before the API is asked.
	resp, body = admin.send("/ui/flavors", url.Values{"name": {"x"}, "properties.memory.capacity_mib": {"lots"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-properties-memory-capacity_mib-error">properties.memory.capacity_mib must be a whole number</p>`)

	// A name taken is the API's 409, shown at the name.
	if _, err := f.apiAs(t, "admin").CreateFlavor(context.Background(), api.FlavorCreate{Name: "taken"}); err != nil {
		t.Fatal(err)
	}
	resp, body = admin.send("/ui/flavors", url.Values{"name": {"taken"}})
	wantStatus(t, resp, body, http.StatusConflict)
	wantIn(t, body, `<p class="field-error" id="f-name-error">`)
	if fl, _ := f.apiAs(t, "admin").ListFlavors(context.Background(), nil); len(fl) != 1 {
		t.Errorf("%d flavors, want only the one taken", len(fl))
	}
}

func TestFlavorsReaderSeesNoControlsAndIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	fl, err := f.apiAs(t, "admin").CreateFlavor(context.Background(), api.FlavorCreate{Name: "small"})
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"rita", "alice"} {
		b := f.signedIn(t, user)
		for _, path := range []string{"/ui/flavors", "/ui/flavors/" + fl.UUID} {
			resp, body := b.get(path)
			wantStatus(t, resp, body, http.StatusOK)
			wantIn(t, body, `small`)
			wantNotIn(t, body, `data-action="create-flavor"`, `data-action="update-flavor"`, `data-action="delete-flavor"`, `<form method="post" action="/ui/flavors`)
			// A member may compose from it, a reader may not.
			if got := strings.Contains(body, `/ui/nodes/new?flavor=`+fl.UUID); got != (user == "alice") {
				t.Errorf("%s on %s: compose link shown %v", user, path, got)
			}
		}
		resp, body := b.send("/ui/flavors", url.Values{"name": {"mine"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantIn(t, body, `class="flash error"`)
		resp, body = b.send("/ui/flavors/"+fl.UUID+"/delete", nil)
		wantStatus(t, resp, body, http.StatusForbidden)
	}
	if all, _ := f.apiAs(t, "admin").ListFlavors(context.Background(), nil); len(all) != 1 {
		t.Errorf("%d flavors, want the one", len(all))
	}
}

func TestFlavorEditKeepsEveryEntryOfALongList(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	drives := make([]api.LocalDriveRequirementInput, maxFormRows)
	for i := range drives {
		drives[i].CapacityGiB = api.FlexInt(i + 1)
	}
	fl, err := f.apiAs(t, "admin").CreateFlavor(context.Background(), api.FlavorCreate{Name: "many",
		Properties: api.FlavorPropertiesInput{LocalDrives: drives}})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.signedIn(t, "admin")
	resp, body := admin.get("/ui/flavors/" + fl.UUID)
	wantStatus(t, resp, body, http.StatusOK)
	last := maxFormRows - 1
	wantIn(t, body, fmt.Sprintf(`name="properties.local_drives.%d.capacity_gib" value="%d"`, last, maxFormRows))

	// The form as the browser sends it back, name changed.
	form := url.Values{"name": {"many-more"}}
	for i := range maxFormRows {
		form.Set(fmt.Sprintf("properties.local_drives.%d.capacity_gib", i), fmt.Sprint(i+1))
	}
	resp, body = admin.send("/ui/flavors/"+fl.UUID, form)
	wantRedirect(t, resp, body, "/ui/flavors/"+fl.UUID)
	got, err := f.apiAs(t, "admin").GetFlavor(context.Background(), fl.UUID)
	if err != nil || got.Name != "many-more" || len(got.Properties.LocalDrives) != maxFormRows || got.Properties.LocalDrives[last].CapacityGiB != maxFormRows {
		t.Errorf("after the edit: %+v, %v", got, err)
	}
}
