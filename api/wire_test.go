package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/apitest"
)

const (
	uuid1     = "5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f"
	uuid2     = "a4914f75-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
	requestID = "req-3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"
)

var (
	stamp = time.Date(2026, 11, 27, 14, 21, 48, 0, time.UTC)
	yes   = true
	node2 = uuid2
)

func podManager() api.PodManager {
	return api.PodManager{
		UUID: uuid1, Name: "podm1", URL: "https://podm.example.com:8443", Driver: api.DriverRSD,
		Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: "admin", Password: api.RedactedPassword}}},
		TLSVerify:      true, Status: api.PodManagerOnline, RedfishVersion: "1.1.0", RSDVersion: "2.4.0",
		Capabilities: []string{"systems", "compose", "storage", "racks"},
		CreatedAt:    stamp, UpdatedAt: stamp,
	}
}

func flavor() api.Flavor {
	return api.Flavor{
		UUID: uuid1, Name: "small", Description: "two sockets",
		Properties: api.FlavorProperties{
			Processor:    &api.ProcessorRequirement{TotalCores: 8, Model: "Intel Xeon", InstructionSet: "x86-64", Count: 2},
			Memory:       &api.MemoryRequirement{CapacityMiB: 16384, Type: "DDR4"},
			LocalDrives:  []api.LocalDriveRequirement{{CapacityGiB: 500, Type: "SSD", Interface: "NVMe"}},
			RemoteDrives: []api.RemoteDriveRequirement{{CapacityGiB: 100, Protocol: "iSCSI"}},
			Network:      []api.NetworkRequirement{{SpeedMbps: 10000, VLAN: 100}},
			Security:     &api.SecurityRequirement{TPM: &yes},
			PCIDevice:    &api.PCIDeviceRequirement{Type: []string{"GPU"}},
		},
		CreatedAt: stamp, UpdatedAt: stamp,
	}
}

func propertiesInput() *api.FlavorPropertiesInput {
	return &api.FlavorPropertiesInput{
		Processor:    &api.ProcessorRequirementInput{TotalCores: 4, Model: "Intel"},
		Memory:       &api.MemoryRequirementInput{CapacityMiB: 4096, Type: "DDR4"},
		LocalDrives:  []api.LocalDriveRequirementInput{{CapacityGiB: 500, Type: "HDD", Interface: "SATA"}},
		RemoteDrives: []api.RemoteDriveRequirementInput{{CapacityGiB: 100, Protocol: "NVMeOverFabrics"}},
		Network:      []api.NetworkRequirementInput{{SpeedMbps: 1000}},
		PCIDevice:    &api.PCIDeviceRequirement{Type: []string{"NIC"}},
	}
}

func node() api.Node {
	return api.Node{
		UUID: uuid1, Name: "node1", Description: "", PodmID: uuid2, Index: "1",
		ResourceURI: "/redfish/v1/Nodes/1", NodeState: api.NodeAssembled, NodePowerState: api.PowerOff,
		ProjectID: "0c4e939acacf4376bdcd1129f1a054ad", CreatedAt: stamp, UpdatedAt: stamp,
	}
}

func nodeDetail() api.NodeDetail {
	return api.NodeDetail{
		Node: node(), BootSource: "Hdd", TargetBootSource: "Hdd", HealthStatus: "OK",
		ComputerSystem: &api.ODataRef{ODataID: "/redfish/v1/Systems/1"},
		Metadata: &api.NodeMetadata{
			Processor: []api.ProcessorInfo{{Model: "Intel Xeon E5", InstructionSet: "x86-64", SpeedMHz: 3700, TotalCore: 8}},
			Memory:    []api.MemoryInfo{{TotalMemoryMB: 16384, SpeedMHz: 2400, DataWidthBit: 64}},
			Network: []api.NetworkInfo{{
				MAC: "aa:bb:cc:dd:ee:01", SpeedMbps: 10000, Status: "Enabled",
				IPv4:  []api.IPv4Address{{Address: "10.0.0.5", SubnetMask: "255.255.255.0", Gateway: "10.0.0.1"}},
				VLANs: []api.VLAN{{VLANID: 100, Status: "Enabled"}},
			}},
			LocalDrives:  []api.LocalDriveInfo{{Name: "Drive 1", CapacityGiB: 476.9, Type: "SSD", Interface: "NVMe", ResourceURI: "/redfish/v1/Chassis/1/Drives/1"}},
			RemoteDrives: []api.RemoteDriveInfo{},
		},
		PodmStatus: api.PodManagerOnline,
	}
}

func system() api.System {
	return api.System{
		ID: "1", UUID: "aaaaaaaa-0000-0000-0000-000000000001", Name: "System 1", Description: "",
		PodmID: uuid2, ResourceURI: "/redfish/v1/Systems/1", Health: "OK", PowerState: api.PowerOn,
		ComposedNode: &node2, CPU: api.CPU{Cores: 16, Count: 2, Arch: "x86-64", Model: "Intel Xeon E5"},
		RAM: 16, Storage: 500, Network: 2, Location: "Rack1/Drawer1",
		Accelerators: []api.Accelerator{{Type: "FPGA", Model: "Stratix 10"}},
	}
}

func storage() api.Storage {
	return api.Storage{
		ID: uuid1, Name: "vol1", PodmID: uuid2, StorageService: "/redfish/v1/StorageServices/1",
		ResourceURI: "/redfish/v1/StorageServices/1/Volumes/1", CapacityGiB: 100, Protocol: "iSCSI",
		Bootable: true, AttachedTo: nil, Status: "Enabled",
	}
}

func rack() api.Rack {
	return api.Rack{
		ID: "rack1", Name: "Rack 1", PodmID: uuid2, Manufacturer: "Intel", Model: "RSD_1",
		Description: "Rack created by PODM", SerialNumber: "12345", Systems: []string{"aaaaaaaa-0000-0000-0000-000000000001"},
	}
}

// edit marshals v, applies f to the JSON object and marshals it again.
func edit(t *testing.T, v any, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(mustJSON(t, v), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	return mustJSON(t, m)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obj returns the JSON object at key of m.
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// TestWireTypesMatchSpec marshals a representative value of every wire type
// and checks it against its schema in openapi.yaml.
func TestWireTypesMatchSpec(t *testing.T) {
	v, err := apitest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	offline := nodeDetail()
	offline.BootSource, offline.TargetBootSource, offline.HealthStatus = "", "", ""
	offline.ComputerSystem, offline.Metadata = nil, nil
	offline.NodeState, offline.NodePowerState, offline.PodmStatus = api.NodeUnknown, api.PowerUnknown, api.PodManagerOffline
	unused := system()
	unused.ComposedNode = nil
	unused.Accelerators = []api.Accelerator{}
	unused.Warnings = []string{"memory unknown: GET /redfish/v1/Systems/1/Memory: 404"}
	attached := storage()
	attached.AttachedTo = &node2
	name := "podm2"

	tests := []struct {
		schema string
		value  any
	}{
		{"Error", api.Error{Code: "NotFound", Title: "Resource could not be found", Detail: "Flavor x not found.", Status: 404, RequestID: requestID}},
		{"Error", api.Error{Code: "Conflict", Title: "t", Detail: "d", Status: 409, RequestID: requestID, ExtendedInfo: []string{"no free system"}}},
		{"Confirmation", api.Confirmation{Code: "DELETED", Detail: "Flavor x deleted.", RequestID: requestID}},
		{"Root", api.Root{Name: "OpenStack Valence API", Description: "d", Versions: []api.Version{{ID: "v1", Status: "CURRENT", Links: []api.Link{{Href: "http://h/v1/", Rel: "self"}}}}}},
		{"V1", api.V1{
			ID: "v1", Links: []api.Link{{Href: "http://h/v1/", Rel: "self"}, {Href: "http://h/v1/openapi.yaml", Rel: "describedby", Type: "application/yaml"}},
			MediaTypes:  []api.MediaType{{Base: "application/json", Type: "application/vnd.openstack.valence.v1+json"}},
			PodManagers: []api.Link{}, Flavors: []api.Link{}, Nodes: []api.Link{}, Systems: []api.Link{}, Storages: []api.Link{}, Racks: []api.Link{},
		}},

		{"PodManager", podManager()},
		{"PodManagerCreate", api.PodManagerCreate{Name: "podm1", URL: "http://podm.example.com", Driver: api.DriverRedfishV1,
			Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: "admin", Password: "secret"}}}}},
		{"PodManagerUpdate", api.PodManagerUpdate{Name: &name, TLSVerify: &yes}},
		{"Capacity", api.Capacity{PodmID: uuid1, Unit: api.CapacityUnitSystem, Systems: api.Amount{Total: 32, Free: 30},
			Cores: api.Amount{Total: 1024, Free: 960}, MemoryGiB: api.Amount{Total: 8192, Free: 7680},
			StorageGiB: api.Amount{Total: 96000, Free: 90000}, Warnings: []string{}}},
		{"Capacity", api.Capacity{PodmID: uuid1, Unit: api.CapacityUnitBlock, Warnings: []string{"ResourceBlock Compute1: 1 of its devices could not be read and count as 0."}}},

		{"Flavor", flavor()},
		{"FlavorProperties", api.FlavorProperties{}},
		{"FlavorCreate", api.FlavorCreate{Name: "small", Properties: *propertiesInput()}},
		{"FlavorCreate", json.RawMessage(`{"name":"f1","properties":{"memory":{"capacity_mib":"4096","type":"DDR4"},"processor":{"total_cores":"4","model":"Intel"}}}`)},
		{"FlavorUpdate", api.FlavorUpdate{Properties: propertiesInput()}},

		{"Node", node()},
		{"NodeDetail", nodeDetail()},
		{"NodeDetail", offline},
		{"NodeCompose", api.NodeCompose{Name: "node1", FlavorID: uuid1}},
		{"NodeCompose", api.NodeCompose{Name: "node1", PodmID: uuid2, Properties: propertiesInput()}},
		{"NodeManage", api.NodeManage{NodeIndex: "1", PodmID: uuid2}},
		{"NodeAction", api.NodeAction{Reset: &api.ResetAction{Type: "GracefulShutdown"}}},
		{"NodeAction", api.NodeAction{Boot: &api.BootAction{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}}},
		{"NodeAction", api.NodeAction{Attach: &api.AttachAction{ResourceID: uuid1}}},
		{"NodeAction", api.NodeAction{Detach: &api.AttachAction{ResourceID: uuid1}}},
		{"PowerTarget", api.PowerTarget{Target: api.PowerTargetSoftReboot}},
		{"NodeStates", api.NodeStates{PowerState: api.PowerOn, NodeState: api.NodeAssembled}},

		{"System", system()},
		{"System", unused},
		{"Storage", storage()},
		{"Storage", attached},
		{"StorageCreate", api.StorageCreate{PodmID: uuid2, CapacityGiB: 100, Name: "vol1", Bootable: true, Source: uuid1}},
		{"Rack", rack()},
	}
	for _, tt := range tests {
		b := mustJSON(t, tt.value)
		if err := v.ValidateSchema(tt.schema, b); err != nil {
			t.Errorf("%s: %s\n%v", tt.schema, b, err)
		}
	}
}

// TestSpecRejects checks that the schemas catch what a server or client may
// get wrong.
func TestSpecRejects(t *testing.T) {
	v, err := apitest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, schema string
		body         []byte
	}{
		{"unknown field in a response", "Flavor", edit(t, flavor(), func(m map[string]any) { m["links"] = []any{} })},
		{"unknown field in a nested response object", "NodeDetail", edit(t, nodeDetail(), func(m map[string]any) {
			obj(m, "metadata")["processor"].([]any)[0].(map[string]any)["cores"] = 8
		})},
		{"unknown field in a create", "PodManagerCreate", edit(t, api.PodManagerCreate{Name: "p", URL: "http://p",
			Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: "u"}}}}, func(m map[string]any) { m["uuid"] = uuid1 })},
		{"url in a pod manager patch", "PodManagerUpdate", []byte(`{"url":"http://other"}`)},
		{"string number in a response", "Flavor", edit(t, flavor(), func(m map[string]any) { obj(m, "properties", "processor")["total_cores"] = "8" })},
		{"string number in a system", "System", edit(t, system(), func(m map[string]any) { m["ram"] = "16" })},
		{"fractional number in a request", "FlavorCreate", []byte(`{"name":"f","properties":{"processor":{"total_cores":4.5}}}`)},
		{"negative number in a request", "FlavorCreate", []byte(`{"name":"f","properties":{"memory":{"capacity_mib":"-1"}}}`)},
		{"non-numeric string in a request", "StorageCreate", []byte(`{"podm_id":"` + uuid2 + `","capacity_gib":"x"}`)},
		{"bad node_state", "Node", edit(t, node(), func(m map[string]any) { m["node_state"] = "Composing" })},
		{"bad power state", "NodeStates", []byte(`{"power_state":"Paused","node_state":"Assembled"}`)},
		{"bad pod manager status", "PodManager", edit(t, podManager(), func(m map[string]any) { m["status"] = nil })},
		{"valence's driver in a response", "PodManager", edit(t, podManager(), func(m map[string]any) { m["driver"] = "redfishv1" })},
		{"password in a response", "PodManager", edit(t, podManager(), func(m map[string]any) {
			obj(m["authentication"].([]any)[0].(map[string]any), "auth_items")["password"] = "admin"
		})},
		{"bad drive type", "FlavorCreate", []byte(`{"name":"f","properties":{"local_drives":[{"type":"Tape"}]}}`)},
		{"Valence's timestamp", "Node", edit(t, node(), func(m map[string]any) { m["created_at"] = "2026-11-27 14:21:48 UTC" })},
		{"uppercase uuid", "Node", edit(t, node(), func(m map[string]any) { m["uuid"] = "5EFEF849-8B1A-4C2E-9D3F-0A1B2C3D4E5F" })},
		{"null list", "Rack", edit(t, rack(), func(m map[string]any) { m["systems"] = nil })},
		{"missing field", "Storage", edit(t, storage(), func(m map[string]any) { delete(m, "attached_to") })},
		{"no action", "NodeAction", []byte(`{}`)},
		{"two actions", "NodeAction", mustJSON(t, api.NodeAction{Reset: &api.ResetAction{Type: "On"}, Boot: &api.BootAction{Enabled: "Once", Target: "Pxe"}})},
		{"bad reset type", "NodeAction", []byte(`{"Reset":{"Type":"Hibernate"}}`)},
		{"bad boot target", "NodeAction", []byte(`{"Boot":{"Enabled":"Once","Target":"Floppy"}}`)},
		{"Valence's attach shape", "NodeAction", []byte(`{"attach":{"uuid":"` + uuid1 + `"}}`)},
		{"bad power target", "PowerTarget", []byte(`{"target":"On"}`)},
		{"flavor and properties", "NodeCompose", mustJSON(t, api.NodeCompose{Name: "n", FlavorID: uuid1, Properties: propertiesInput()})},
		{"compose without name", "NodeCompose", []byte(`{"flavor_id":"` + uuid1 + `"}`)},
		{"error without detail", "Error", []byte(`{"code":"NotFound","title":"t","status":404,"request_id":"` + requestID + `"}`)},
		{"Valence's error code", "Error", []byte(`{"code":"Not Found","title":"t","detail":"d","status":404,"request_id":"` + requestID + `"}`)},
		{"Valence's request id", "Confirmation", []byte(`{"code":"DELETED","detail":"d","request_id":"00000000-0000-0000-0000-000000000000"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := v.ValidateSchema(tt.schema, tt.body); err == nil {
				t.Errorf("%s accepted %s", tt.schema, tt.body)
			}
		})
	}
}
