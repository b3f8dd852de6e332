package ui

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

func TestParseFlavorReadsEveryField(t *testing.T) {
	v := url.Values{
		"name":                                 {" big "},
		"description":                          {"for databases"},
		"properties.processor.total_cores":     {"16"},
		"properties.processor.count":           {"2"},
		"properties.processor.model":           {"Xeon"},
		"properties.processor.instruction_set": {"x86-64"},
		"properties.memory.capacity_mib":       {"65536"},
		"properties.memory.type":               {"DDR4"},
		"properties.security.tpm":              {"true"},
		"properties.security.txt":              {"false"},
		"properties.pci_device.type":           {"GPU, , FPGA"},
		// Row 1 is left empty: the rows close up.
		"properties.local_drives.0.capacity_gib":  {"100"},
		"properties.local_drives.2.type":          {"SSD"},
		"properties.local_drives.2.interface":     {"NVMe"},
		"properties.remote_drives.0.capacity_gib": {"10"},
		"properties.remote_drives.0.protocol":     {"iSCSI"},
		"properties.network.0.speed_mbps":         {"10000"},
		"properties.network.0.vlan":               {"42"},
		// Beyond the rows the form reads.
		"properties.network.16.vlan": {"7"},
	}
	fc, errs := parseFlavor(v)
	if len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	got, _ := json.Marshal(fc)
	want := `{"name":"big","description":"for databases","properties":{"processor":{"total_cores":16,"model":"Xeon","instruction_set":"x86-64","count":2},` +
		`"memory":{"capacity_mib":65536,"type":"DDR4"},"local_drives":[{"capacity_gib":100},{"type":"SSD","interface":"NVMe"}],` +
		`"remote_drives":[{"capacity_gib":10,"protocol":"iSCSI"}],"network":[{"speed_mbps":10000,"vlan":42}],` +
		`"security":{"tpm":true,"txt":false},"pci_device":{"type":["GPU","FPGA"]}}}`
	if string(got) != want {
		t.Errorf("parsed\n%s\nwant\n%s", got, want)
	}

	// What the form shows of the flavor the API answers reads back the same.
	var f api.Flavor
	if err := json.Unmarshal(got, &f); err != nil {
		t.Fatal(err)
	}
	again, errs := parseFlavor(flavorValues(f))
	if again2, _ := json.Marshal(again); len(errs) != 0 || string(again2) != want {
		t.Errorf("round trip %s (%v), want %s", again2, errs, want)
	}
}

func TestParseFlavorRefusesWhatItCannotRead(t *testing.T) {
	_, errs := parseFlavor(url.Values{
		"name":                             {"x"},
		"properties.processor.total_cores": {"many"},
		"properties.network.1.vlan":        {"99999999999999999999999"},
		"properties.security.tpm":          {"maybe"},
		"properties.memory.capacity_mib":   {"-4"}, // read; the API says what is wrong with it
	})
	want := []string{"properties.network.1.vlan", "properties.processor.total_cores", "properties.security.tpm"}
	if got := slices.Sorted(maps.Keys(errs)); !slices.Equal(got, want) {
		t.Errorf("errors on %q, want %q", got, want)
	}
}

func TestFlavorGroupsShowFilledRowsAndOneMore(t *testing.T) {
	v := url.Values{"name": {"x"}, "properties.local_drives.1.type": {"HDD"}}
	var drives fieldGroup
	for _, g := range flavorGroups(v) {
		if g.Name == "properties.local_drives" {
			drives = g
		}
		for _, f := range g.Fields {
			if f.Label == "" || f.Type == "" {
				t.Errorf("field %s has no label or type", f.Name)
			}
			if f.Name == "name" && (f.Value != "x" || f.ID() != "f-name") {
				t.Errorf("name field %+v", f)
			}
		}
	}
	// Rows 0 and 1 are filled (0 left empty), and one empty row follows.
	if len(drives.Fields) != 3*3 || drives.Fields[4].Value != "HDD" || drives.Fields[4].ID() != "f-properties-local_drives-1-type" {
		t.Errorf("local drives fields = %+v", drives.Fields)
	}
}

func TestFlavorFieldErrors(t *testing.T) {
	detail := `name is required; processor.total_cores must be at most 16384, not 99999; ` +
		`local_drives.capacity_gib must be at most 1048576, not 2000000; network.vlan must be between 0 and 4094, not 5000; ` +
		`processor.total_cores must not be negative, not -1; something else is wrong`
	byField, rest := fieldErrors(detail, flavorFieldOf)
	want := map[string]string{
		"name":                             "name is required",
		"properties.processor.total_cores": "processor.total_cores must be at most 16384, not 99999; processor.total_cores must not be negative, not -1",
		"properties.local_drives":          "local_drives.capacity_gib must be at most 1048576, not 2000000",
		"properties.network":               "network.vlan must be between 0 and 4094, not 5000",
	}
	if !maps.Equal(byField, want) || !slices.Equal(rest, []string{"something else is wrong"}) {
		t.Errorf("by field %q, rest %q", byField, rest)
	}
	groups := flavorGroups(url.Values{})
	lost := setErrors(groups, map[string]string{"name": "name is required", "properties.local_drives": "bad drive", "nowhere": "lost"})
	if !slices.Equal(lost, []string{"lost"}) {
		t.Errorf("lost = %q", lost)
	}
	for _, g := range groups {
		if g.Name == "properties.local_drives" && (g.Error != "bad drive" || g.ID() != "f-properties-local_drives") {
			t.Errorf("drives group %+v", g)
		}
		for _, f := range g.Fields {
			if (f.Name == "name") != (f.Error != "") {
				t.Errorf("field %s error %q", f.Name, f.Error)
			}
		}
	}
}

func TestUnremovable(t *testing.T) {
	f := api.Flavor{Name: "x", Description: "d", Properties: api.FlavorProperties{
		Processor:   &api.ProcessorRequirement{TotalCores: 4, Model: "Xeon"},
		LocalDrives: []api.LocalDriveRequirement{{CapacityGiB: 1}, {Type: "SSD"}},
		Network:     []api.NetworkRequirement{{VLAN: 3}},
	}}
	after := flavorValues(f)
	after.Del("description")                    // a description can be emptied
	after.Del("properties.processor.model")     // a property cannot
	after.Del("properties.local_drives.1.type") // a shorter list replaces the old
	after.Del("properties.network.0.vlan")      // an emptied list cannot
	after.Set("properties.memory.type", "DDR4") // a new property is fine
	got := slices.Sorted(maps.Keys(unremovable(f, after)))
	if want := []string{"properties.network", "properties.processor.model"}; !slices.Equal(got, want) {
		t.Errorf("unremovable %q, want %q", got, want)
	}
}
