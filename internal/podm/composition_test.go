package podm

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// mockupCaps is what DMTF's public-constrained-composition capabilities
// object allows (redfish/testdata/dmtf_constrained_capabilities.json).
var mockupCaps = redfish.ConstrainedCapabilities{
	Processors: redfish.CreateFields{Offered: true, Required: true, CountRequired: true, Fields: map[string]bool{
		"ProcessorType": true, "TotalCores": true, "Model": false, "InstructionSet": false}},
	Memory: redfish.CreateFields{Offered: true, Required: true, CountRequired: true, Fields: map[string]bool{
		"MemoryType": true, "CapacityMiB": true, "MemoryDeviceType": false}},
	EthernetInterfaces: redfish.CreateFields{Offered: true, CountRequired: true, Fields: map[string]bool{"SpeedMbps": true}},
}

func TestConstrainedRequest(t *testing.T) {
	processorsOnly := redfish.ConstrainedCapabilities{Processors: redfish.CreateFields{Offered: true, Fields: map[string]bool{"TotalCores": false}}}
	needsSpeed := mockupCaps
	needsSpeed.Processors.Fields = map[string]bool{"TotalCores": false, "AchievableSpeedMHz": true}
	for _, c := range []struct {
		name    string
		n       need
		caps    redfish.ConstrainedCapabilities
		want    redfish.ComposeRequest
		refused []string
	}{
		{name: "totals become per-item minimums", n: need{cores: 5, count: 2, memoryMiB: 4096, model: "Gold"}, caps: mockupCaps,
			want: redfish.ComposeRequest{
				Processors: []redfish.ProcessorRequirement{{Count: 2, ProcessorType: "CPU", TotalCores: 3, Model: "Gold"}},
				Memory:     []redfish.MemoryRequirement{{Count: 1, MemoryType: "DRAM", CapacityMiB: 4096}}}},
		{name: "required members with the least values", n: need{}, caps: mockupCaps,
			want: redfish.ComposeRequest{
				Processors: []redfish.ProcessorRequirement{{Count: 1, ProcessorType: "CPU", TotalCores: 1}},
				Memory:     []redfish.MemoryRequirement{{Count: 1, MemoryType: "DRAM", CapacityMiB: 1}}}},
		{name: "interfaces: one member of the fastest", n: need{nics: []valence.NetworkReq{{SpeedMbps: 1000}, {SpeedMbps: 10000}, {}}}, caps: mockupCaps,
			want: redfish.ComposeRequest{
				Processors:         []redfish.ProcessorRequirement{{Count: 1, ProcessorType: "CPU", TotalCores: 1}},
				Memory:             []redfish.MemoryRequirement{{Count: 1, MemoryType: "DRAM", CapacityMiB: 1}},
				EthernetInterfaces: []redfish.EthernetRequirement{{Count: 3, SpeedMbps: 10000}}}},
		{name: "interfaces not offered", n: need{nics: []valence.NetworkReq{{}}}, caps: processorsOnly, refused: []string{"network interfaces"}},
		{name: "nothing asked: one processor", n: need{}, caps: processorsOnly,
			want: redfish.ComposeRequest{Processors: []redfish.ProcessorRequirement{{Count: 1}}}},
		{name: "memory not offered", n: need{memoryMiB: 1}, caps: processorsOnly, refused: []string{"memory"}},
		{name: "fields not listed", n: need{model: "Gold", instructionSet: "x86-64", cores: 4}, caps: processorsOnly,
			refused: []string{"processor.instruction_set", "processor.model"}},
		{name: "a required field Valence cannot fill", n: need{cores: 1}, caps: needsSpeed,
			refused: []string{"Processors/AchievableSpeedMHz (required by the pod manager)"}},
	} {
		got, err := constrainedRequest("https://podm", c.n, c.caps)
		if c.refused != nil {
			var e *valence.Error
			if !errors.As(err, &e) || e.Code != valence.Invalid {
				t.Errorf("%s: err = %v, want Invalid", c.name, err)
				continue
			}
			for _, r := range c.refused {
				if !strings.Contains(e.Message, r) {
					t.Errorf("%s: %q does not name %s", c.name, e.Message, r)
				}
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: constrainedRequest = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// A loose requirement never takes the one item a strict one needs, and items
// of the blocks already chosen are used before another block is added.
func TestMatchItems(t *testing.T) {
	block := func(uri string, drives ...redfish.Drive) blockInfo {
		return blockInfo{redfish.ResourceBlock{URI: uri, Types: []schemas.ResourceBlockType{schemas.StorageResourceBlockType}},
			&redfish.NodeParts{LocalDrives: drives}}
	}
	compute := blockInfo{redfish.ResourceBlock{URI: "C", Types: []schemas.ResourceBlockType{schemas.ComputeResourceBlockType}},
		&redfish.NodeParts{LocalDrives: []redfish.Drive{{CapacityGiB: 10, Type: "HDD"}}}}
	nvme := block("S1", redfish.Drive{CapacityGiB: 800, Type: "SSD", Interface: "NVMe"})
	sata := block("S2", redfish.Drive{CapacityGiB: 900, Type: "HDD", Interface: "SATA"})
	zone := []blockInfo{compute, nvme, sata}
	reqs := []valence.LocalDriveReq{{CapacityGiB: 100}, {Interface: "NVMe"}, {}}
	chosen, met := matchItems([]blockInfo{compute}, zone, reqs, func(b blockInfo) []redfish.Drive { return b.parts.LocalDrives }, driveMatches)
	var uris []string
	for _, b := range chosen {
		uris = append(uris, b.URI)
	}
	if met != 3 || !slices.Equal(uris, []string{"C", "S1", "S2"}) {
		t.Errorf("matchItems = %v, %d met; want C, S1, S2 and all 3 met", uris, met)
	}
	chosen, met = matchItems([]blockInfo{compute}, zone, append(reqs, valence.LocalDriveReq{}), func(b blockInfo) []redfish.Drive { return b.parts.LocalDrives }, driveMatches)
	if met != 3 || len(chosen) != 3 {
		t.Errorf("four drives of three: %d met with %d blocks; want 3 and 3", met, len(chosen))
	}
}
