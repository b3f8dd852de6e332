package ui

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// formPage is a page whose form holds v.
func formPage(v url.Values) *page { return &page{Form: v, Errors: map[string]string{}} }

func TestParseFlavorReadsEveryField(t *testing.T) {
	p := formPage(url.Values{
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
	})
	p.Form.Set(rowName("network", maxFormRows, "vlan"), "7") // beyond the rows the form reads
	fc := parseFlavor(p)
	if len(p.Errors) != 0 {
		t.Fatalf("errors %v", p.Errors)
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
	shown := formPage(url.Values{})
	showFlavor(shown, f)
	again, _ := json.Marshal(parseFlavor(shown))
	if len(shown.Errors) != 0 || string(again) != want {
		t.Errorf("round trip %s (%v), want %s", again, shown.Errors, want)
	}
}

func TestParseFlavorRefusesWhatItCannotRead(t *testing.T) {
	p := formPage(url.Values{
		"name":                             {"x"},
		"properties.processor.total_cores": {"many"},
		"properties.network.1.vlan":        {"99999999999999999999999"},
		"properties.security.tpm":          {"maybe"},
		"properties.memory.capacity_mib":   {"-4"}, // read; the API says what is wrong with it
	})
	parseFlavor(p)
	want := []string{"properties.network.1.vlan", "properties.processor.total_cores", "properties.security.tpm"}
	if got := slices.Sorted(maps.Keys(p.Errors)); !slices.Equal(got, want) {
		t.Errorf("errors on %q, want %q", got, want)
	}
}

func TestFlavorSectionsShowFilledRowsAndOneMore(t *testing.T) {
	var drives formSection
	for _, s := range flavorSections(formPage(url.Values{"name": {"x"}, "properties.local_drives.1.type": {"HDD"}})) {
		if s.Name == "properties.local_drives" {
			drives = s
		}
		for _, f := range s.Fields {
			if f.Label == "" || f.Type == "" {
				t.Errorf("field %s has no label or type", f.Name)
			}
		}
	}
	// Rows 0 and 1 are filled (0 left empty), and one empty row follows.
	if len(drives.Fields) != 3*3 || drives.Fields[4].Name != "properties.local_drives.1.type" || drives.Legend != "Local drives" {
		t.Errorf("local drives section = %+v", drives)
	}
}

func TestListErrors(t *testing.T) {
	p := formPage(url.Values{})
	listErrors(p, `name is required; local_drives.capacity_gib must be at most 1048576, not 2000000; `+
		`network.vlan must be between 0 and 4094, not 5000; local_drives may have at most 64 entries, not 65`)
	want := map[string]string{
		"properties.local_drives": "local_drives.capacity_gib must be at most 1048576, not 2000000; local_drives may have at most 64 entries, not 65",
		"properties.network":      "network.vlan must be between 0 and 4094, not 5000",
	}
	if !maps.Equal(p.Errors, want) {
		t.Errorf("errors %q, want %q", p.Errors, want)
	}
}

func TestCheckRemovals(t *testing.T) {
	f := api.Flavor{Name: "x", Description: "d", Properties: api.FlavorProperties{
		Processor:   &api.ProcessorRequirement{TotalCores: 4, Model: "Xeon"},
		LocalDrives: []api.LocalDriveRequirement{{CapacityGiB: 1}, {Type: "SSD"}},
		Network:     []api.NetworkRequirement{{VLAN: 3}},
	}}
	p := formPage(url.Values{})
	showFlavor(p, f)
	p.Form.Del("description")                    // a description can be emptied
	p.Form.Del("properties.processor.model")     // a property cannot
	p.Form.Del("properties.local_drives.1.type") // a shorter list replaces the old
	p.Form.Del("properties.network.0.vlan")      // an emptied list cannot
	p.Form.Set("properties.memory.type", "DDR4") // a new property is fine
	checkRemovals(p, f)
	got := slices.Sorted(maps.Keys(p.Errors))
	if want := []string{"properties.network", "properties.processor.model"}; !slices.Equal(got, want) {
		t.Errorf("unremovable %q, want %q", got, want)
	}
}
