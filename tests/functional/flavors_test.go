package functional

import (
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// smallFlavor is a flavor body in Valence's style: every number a string.
const smallFlavor = `{"name":"small","description":"two sockets","properties":{
	"processor":{"total_cores":"4","model":"Intel(R) Xeon(R)","instruction_set":"x86-64","count":"2"},
	"memory":{"capacity_mib":"8192","type":"DDR4"},
	"local_drives":[{"capacity_gib":"100","type":"SSD","interface":"NVMe"}],
	"remote_drives":[{"capacity_gib":"50","protocol":"iSCSI"}],
	"network":[{"speed_mbps":"10000","vlan":"100"}],
	"security":{"tpm":true,"txt":false},
	"pci_device":{"type":["GPU"]}}}`

// testFlavors covers /v1/flavors: create with string numbers answered as
// numbers, validation, conflicts, list, merge-patch updates and delete. Its
// server runs with VALENCE_METRICS=false.
func testFlavors(t *testing.T, b backend) {
	c := startAPI(t, b, "VALENCE_METRICS=false").client
	const flavors = "/v1/flavors"
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/metrics", nil) // turned off

	r := c.create(t, flavors, smallFlavor)
	small := decodeAs[api.Flavor](t, r)
	// Numbers sent as strings come back as numbers.
	var raw struct {
		Properties struct {
			Processor map[string]any   `json:"processor"`
			Memory    map[string]any   `json:"memory"`
			Network   []map[string]any `json:"network"`
		} `json:"properties"`
	}
	r.decode(t, &raw)
	for name, v := range map[string]any{
		"processor.total_cores": raw.Properties.Processor["total_cores"], "processor.count": raw.Properties.Processor["count"],
		"memory.capacity_mib": raw.Properties.Memory["capacity_mib"], "network[0].vlan": raw.Properties.Network[0]["vlan"],
	} {
		if _, ok := v.(float64); !ok {
			t.Errorf("%s answered as %T %v, want a number", name, v, v)
		}
	}
	p := small.Properties
	if p.Processor == nil || p.Processor.TotalCores != 4 || p.Processor.Count != 2 || p.Memory == nil || p.Memory.CapacityMiB != 8192 ||
		len(p.LocalDrives) != 1 || p.LocalDrives[0].Type != "SSD" || len(p.RemoteDrives) != 1 || p.RemoteDrives[0].CapacityGiB != 50 ||
		len(p.Network) != 1 || p.Network[0].SpeedMbps != 10000 || p.Security == nil || p.Security.TPM == nil || !*p.Security.TPM ||
		p.PCIDevice == nil || len(p.PCIDevice.Type) != 1 {
		t.Errorf("flavor answered as %s", r.body)
	}
	// The same in numbers.
	large := decodeAs[api.Flavor](t, c.create(t, flavors, `{"name":"large","properties":{"processor":{"total_cores":16},"memory":{"capacity_mib":65536}}}`))
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, flavors, `{"name":"small","properties":{}}`)
	for _, body := range []string{
		`{"properties":{}}`, // no name
		`{"name":"neg","properties":{"memory":{"capacity_mib":-1}}}`,
		`{"name":"neg2","properties":{"local_drives":[{"capacity_gib":"-5"}]}}`,
		`{"name":"enum","properties":{"local_drives":[{"type":"FLOPPY"}]}}`,
		`{"name":"enum2","properties":{"remote_drives":[{"protocol":"NFS"}]}}`,
		`{"name":"enum3","properties":{"local_drives":[{"interface":"IDE"}]}}`,
		`{"name":"words","properties":{"processor":{"total_cores":"four"}}}`,
		`{"name":"unknown","properties":{"gpu":{"count":1}}}`,
	} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, flavors, body)
	}

	all := decodeAs[[]api.Flavor](t, c.get(t, http.StatusOK, flavors))
	if !sameSet(uuids(all), []string{small.UUID, large.UUID}) {
		t.Errorf("GET %s: %v", flavors, uuids(all))
	}
	if got := listAll[api.Flavor](t, c, flavors, 1); !sameSet(uuids(got), uuids(all)) {
		t.Errorf("paging with limit=1: %v", uuids(got))
	}
	if got := decodeAs[[]api.Flavor](t, c.get(t, http.StatusOK, flavors+"?name=large")); len(got) != 1 || got[0].UUID != large.UUID {
		t.Errorf("?name=large: %v", uuids(got))
	}
	path := flavors + "/" + small.UUID
	if got := decodeAs[api.Flavor](t, c.get(t, http.StatusOK, path)); got.Name != "small" || got.Properties.Memory == nil {
		t.Errorf("GET %s: %+v", path, got)
	}

	// A merge patch merges properties key by key.
	got := decodeAs[api.Flavor](t, c.expect(t, http.StatusOK, http.MethodPatch, path,
		`{"description":"bigger memory","properties":{"memory":{"capacity_mib":"16384"},"pci_device":null}}`))
	if got.Description != "bigger memory" || got.Name != "small" || got.Properties.Memory == nil ||
		got.Properties.Memory.CapacityMiB != 16384 || got.Properties.Memory.Type != "DDR4" ||
		got.Properties.Processor == nil || got.Properties.Processor.TotalCores != 4 || got.Properties.PCIDevice != nil {
		t.Errorf("PATCH %s: %+v", path, got)
	}
	c.failure(t, http.StatusConflict, "Conflict", http.MethodPatch, path, `{"name":"large"}`)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, path, `{"properties":{"memory":{"capacity_mib":-2}}}`)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, path, `{"colour":"red"}`)

	c.deleted(t, path)
	c.expect(t, http.StatusOK, http.MethodDelete, flavors+"/"+large.UUID, "{}") // python-valenceclient's body on DELETE
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, path, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodDelete, path, nil)
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodPatch, path, `{"description":"x"}`)
}
