package podm

import (
	"reflect"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

func ptr[T any](v T) *T { return &v }

func TestAllocateRequest(t *testing.T) {
	tests := []struct {
		name string
		in   valence.AllocateRequest
		want redfish.AllocateRequest
	}{
		{name: "empty asks for any system", in: valence.AllocateRequest{}, want: redfish.AllocateRequest{}},
		{
			name: "every field",
			in: valence.AllocateRequest{
				Name: "n", Description: "d", TotalSystemCoreCount: 8, TotalSystemMemoryMiB: 16384,
				Processors:         []valence.ProcessorReq{{Model: "Xeon", InstructionSet: "x86-64", TotalCores: 4, Count: 2}},
				Memory:             []valence.MemoryReq{{CapacityMiB: 8192, Type: "DDR4"}},
				LocalDrives:        []valence.LocalDriveReq{{CapacityGiB: 100, Type: "SSD", Interface: "NVMe"}},
				RemoteDrives:       []valence.RemoteDriveReq{{CapacityGiB: 80, Protocol: "NVMeOverFabrics"}},
				EthernetInterfaces: []valence.NetworkReq{{SpeedMbps: 10000, VLAN: 100}, {SpeedMbps: 1000}},
				Security:           &valence.SecurityReq{TPM: ptr(true), TXT: ptr(false)},
			},
			want: redfish.AllocateRequest{
				Name: "n", Description: "d", TotalSystemCoreCount: 8, TotalSystemMemoryMiB: 16384,
				Processors: []redfish.ProcessorRequest{
					{Model: "Xeon", InstructionSet: "x86-64", TotalCores: 4},
					{Model: "Xeon", InstructionSet: "x86-64", TotalCores: 4},
				},
				Memory:       []redfish.MemoryRequest{{CapacityMiB: 8192, MemoryDeviceType: "DDR4"}},
				LocalDrives:  []redfish.LocalDriveRequest{{CapacityGiB: 100, Type: "SSD", Interface: "NVMe"}},
				RemoteDrives: []redfish.RemoteDriveRequest{{CapacityGiB: 80, Protocol: "NVMeOverFabrics"}},
				EthernetInterfaces: []redfish.EthernetInterfaceRequest{
					{SpeedMbps: 10000, VLANs: []redfish.VLANRequest{{VLANID: 100, Tagged: true}}},
					{SpeedMbps: 1000},
				},
				Security: &redfish.SecurityRequest{TpmPresent: ptr(true), TxtEnabled: ptr(false)},
			},
		},
		{
			name: "processor without count is one processor",
			in:   valence.AllocateRequest{Processors: []valence.ProcessorReq{{Model: "Xeon"}}},
			want: redfish.AllocateRequest{Processors: []redfish.ProcessorRequest{{Model: "Xeon"}}},
		},
		{
			name: "security with only TXT",
			in:   valence.AllocateRequest{Security: &valence.SecurityReq{TXT: ptr(true)}},
			want: redfish.AllocateRequest{Security: &redfish.SecurityRequest{TxtEnabled: ptr(true)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocateRequest(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("allocateRequest =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// A node in the RSD 2.4 shape (UEFI boot, NVMe-oF volume, a disabled VLAN),
// which the simulator does not emulate.
func TestPodmNode(t *testing.T) {
	n := &redfish.ComposedNode{
		ID: "42", URI: "/redfish/v1/Nodes/42", Name: "n", Description: "d",
		State: redfish.NodeAssembled, PowerState: schemas.OnPowerState, Health: schemas.OKHealth,
		Boot: redfish.Boot{BootSettings: redfish.BootSettings{Enabled: schemas.OnceBootSourceOverrideEnabled,
			Target: schemas.PxeBootSource, Mode: schemas.UEFIBootSourceOverrideMode}},
		Links:             redfish.NodeLinks{ComputerSystem: "/redfish/v1/Systems/7"},
		AllowedResetTypes: []schemas.ResetType{schemas.OnResetType, schemas.ForceOffResetType},
	}
	parts := &redfish.NodeParts{
		Processors: []redfish.Processor{{URI: "/p/1", Model: "Gold 6230", InstructionSet: "x86-64", MaxSpeedMHz: 3900, TotalCores: 20}},
		Memory:     []redfish.MemoryModule{{URI: "/m/1", MemoryDeviceType: "DDR4", CapacityMiB: 32768, OperatingSpeedMHz: 2933, DataWidthBits: 64}},
		EthernetInterfaces: []redfish.EthernetInterface{{
			URI: "/e/1", MACAddress: "aa:bb:cc:dd:ee:ff", SpeedMbps: 25000, State: "Enabled",
			IPv4:  []redfish.IPv4Address{{Address: "10.0.0.5", SubnetMask: "255.255.255.0", Gateway: "10.0.0.1"}},
			VLANs: []redfish.VLAN{{ID: 100, Enabled: true}, {ID: 200, Enabled: false}},
		}},
		LocalDrives:  []redfish.Drive{{URI: "/d/1", Name: "Drive 1", CapacityGiB: 960, Type: "SSD", Interface: "NVMe"}},
		RemoteDrives: []redfish.Drive{{URI: "/v/1", Name: "Volume 1", CapacityGiB: 80, Protocol: "NVMeOverFabrics"}},
	}
	want := valence.PodmNode{
		Index: "42", URI: "/redfish/v1/Nodes/42", Name: "n", Description: "d",
		State: valence.NodeAssembled, PowerState: "On", Health: "OK",
		Boot:           valence.Boot{Enabled: "Once", Target: "Pxe", Mode: "UEFI"},
		ComputerSystem: "/redfish/v1/Systems/7",
		AllowedResets:  []string{"On", "ForceOff"},
		Metadata: valence.NodeMetadata{
			Processors: []valence.ProcessorInfo{{Model: "Gold 6230", InstructionSet: "x86-64", SpeedMHz: 3900, TotalCores: 20}},
			Memory:     []valence.MemoryInfo{{CapacityMiB: 32768, SpeedMHz: 2933, DataWidthBit: 64}},
			Network: []valence.NICInfo{{
				MAC: "aa:bb:cc:dd:ee:ff", SpeedMbps: 25000, Status: "Enabled",
				IPv4:  []valence.IPv4Address{{Address: "10.0.0.5", SubnetMask: "255.255.255.0", Gateway: "10.0.0.1"}},
				VLANs: []valence.VLAN{{ID: 100, Status: "Enabled"}, {ID: 200, Status: "Disabled"}},
			}},
			LocalDrives:  []valence.DriveInfo{{Name: "Drive 1", CapacityGiB: 960, Type: "SSD", Interface: "NVMe", ResourceURI: "/d/1"}},
			RemoteDrives: []valence.DriveInfo{{Name: "Volume 1", CapacityGiB: 80, Protocol: "NVMeOverFabrics", ResourceURI: "/v/1"}},
		},
	}
	if got := podmNode(n, parts); !reflect.DeepEqual(got, want) {
		t.Errorf("podmNode =\n %+v\nwant\n %+v", got, want)
	}
	if got := podmNode(n, nil); !reflect.DeepEqual(got.Metadata, valence.NodeMetadata{}) {
		t.Errorf("without parts, metadata = %+v", got.Metadata)
	}
}

func TestBootSettings(t *testing.T) {
	tests := []struct {
		in   valence.Boot
		want redfish.BootSettings
	}{
		{valence.Boot{}, redfish.BootSettings{}},
		{valence.Boot{Enabled: "Continuous", Target: "RemoteDrive", Mode: "UEFI"}, redfish.BootSettings{
			Enabled: schemas.ContinuousBootSourceOverrideEnabled, Target: schemas.RemoteDriveBootSource, Mode: schemas.UEFIBootSourceOverrideMode}},
		{valence.Boot{Target: "Hdd"}, redfish.BootSettings{Target: schemas.HddBootSource}},
	}
	for _, tt := range tests {
		if got := bootSettings(tt.in); got != tt.want {
			t.Errorf("bootSettings(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestServiceInfo(t *testing.T) {
	all := []redfish.Capability{redfish.CapSystems, redfish.CapChassis, redfish.CapRacks, redfish.CapCompose, redfish.CapStorage, redfish.CapSessions}
	tests := []struct {
		name    string
		in      redfish.ServiceInfo
		compose bool
		want    valence.ServiceInfo
	}{
		{"RSD pod manager", redfish.ServiceInfo{RedfishVersion: "1.1.0", RSDVersion: "2.3.0", Capabilities: all}, true,
			valence.ServiceInfo{RedfishVersion: "1.1.0", RSDVersion: "2.3.0", Capabilities: []string{"systems", "compose", "storage", "racks"}}},
		{"driven as plain Redfish", redfish.ServiceInfo{RedfishVersion: "1.1.0", RSDVersion: "2.3.0", Capabilities: all}, false,
			valence.ServiceInfo{RedfishVersion: "1.1.0", RSDVersion: "2.3.0", Capabilities: []string{"systems", "storage", "racks"}}},
		{"plain Redfish BMC", redfish.ServiceInfo{RedfishVersion: "1.6.0", Capabilities: []redfish.Capability{redfish.CapSystems, redfish.CapChassis, redfish.CapRacks}}, true,
			valence.ServiceInfo{RedfishVersion: "1.6.0", Capabilities: []string{"systems", "racks"}}},
		{"nothing offered", redfish.ServiceInfo{RedfishVersion: "1.0.0"}, true, valence.ServiceInfo{RedfishVersion: "1.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serviceInfo(tt.in, tt.compose); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("serviceInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSystem(t *testing.T) {
	in := &redfish.System{
		ID: "7", URI: "/redfish/v1/Systems/7", Name: "s", Description: "d", UUID: "u-7",
		PowerState: schemas.OffPowerState, Health: schemas.WarningHealth,
		ProcessorCount: 2, Cores: 40, ProcessorModel: "Gold 6230", Arch: "x86-64",
		MemoryGiB: 384, StorageGiB: 1920.5, NICCount: 2, Location: "Rack1/Drawer2", NodeURI: "/redfish/v1/Nodes/3",
		Accelerators: []redfish.Accelerator{{Type: schemas.FPGAProcessorType, Model: "Stratix10"}},
		Warnings:     []string{"memory unknown: GET /redfish/v1/Systems/7/Memory: 404"},
	}
	want := valence.System{
		ID: "7", UUID: "u-7", Name: "s", Description: "d", ResourceURI: "/redfish/v1/Systems/7",
		Health: "Warning", PowerState: "Off", NodeURI: "/redfish/v1/Nodes/3",
		CPU:    valence.CPU{Cores: 40, Count: 2, Arch: "x86-64", Model: "Gold 6230"},
		RAMGiB: 384, StorageGiB: 1920.5, NICs: 2, Location: "Rack1/Drawer2",
		Accelerators: []valence.Accelerator{{Type: "FPGA", Model: "Stratix10"}},
		Warnings:     []string{"memory unknown: GET /redfish/v1/Systems/7/Memory: 404"},
	}
	if got := system(in); !reflect.DeepEqual(got, want) {
		t.Errorf("system =\n %+v\nwant\n %+v", got, want)
	}
}

func TestRack(t *testing.T) {
	in := &redfish.Chassis{ID: "Rack1", URI: "/redfish/v1/Chassis/Rack1", Name: "r", Description: "d",
		Type: schemas.RackChassisType, Manufacturer: "Intel", Model: "m", SerialNumber: "sn",
		Systems: []string{"/redfish/v1/Systems/1", "/redfish/v1/Systems/gone"}}
	uuids := map[string]string{"/redfish/v1/Systems/1": "u-1"}
	want := valence.Rack{ID: "Rack1", Name: "r", ResourceURI: "/redfish/v1/Chassis/Rack1", Manufacturer: "Intel",
		Model: "m", Description: "d", SerialNumber: "sn", Systems: []string{"u-1"}}
	if got := rack(in, uuids); !reflect.DeepEqual(got, want) {
		t.Errorf("rack = %+v, want %+v", got, want)
	}
	if got := rack(&redfish.Chassis{ID: "empty"}, uuids); got.Systems == nil || len(got.Systems) != 0 {
		t.Errorf("an empty rack has systems %#v, want an empty list", got.Systems)
	}
}

func TestVolumeConversions(t *testing.T) {
	in := &redfish.Volume{ID: "1", URI: "/redfish/v1/StorageServices/s/Volumes/1", Name: "v",
		ServiceURI: "/redfish/v1/StorageServices/s", CapacityGiB: 10, Protocol: "NVMeOverFabrics", Bootable: true,
		NodeURI: "/redfish/v1/Nodes/1", Health: "OK"}
	want := valence.Volume{Name: "v", StorageService: "/redfish/v1/StorageServices/s",
		ResourceURI: "/redfish/v1/StorageServices/s/Volumes/1", CapacityGiB: 10, Protocol: "NVMeOverFabrics",
		Bootable: true, NodeURI: "/redfish/v1/Nodes/1", Status: "OK"}
	if got := volume(in); !reflect.DeepEqual(got, want) {
		t.Errorf("volume = %+v, want %+v", got, want)
	}
	req := valence.VolumeRequest{Name: "c", StorageService: "s", CapacityGiB: 5, Bootable: true, SourceURI: "/v/1"}
	wantReq := redfish.VolumeRequest{Name: "c", CapacityGiB: 5, Bootable: true, Source: "/v/1"}
	if got := volumeRequest(req); got != wantReq {
		t.Errorf("volumeRequest = %+v, want %+v", got, wantReq)
	}
}

// The compose's id in a composed system's Description reads back whatever
// the caller's description, and a Description without it is all the caller's.
func TestComposeMark(t *testing.T) {
	for _, req := range []valence.AllocateRequest{
		{ComposeID: "c-1", Description: "web tier"},
		{ComposeID: "c-1"},
		{ComposeID: "c-1", Description: "valence-compose:c-2 x"},
		{Description: "by hand"},
	} {
		id, desc := unmarked(marked(req))
		if id != req.ComposeID || desc != req.Description {
			t.Errorf("marked %+v reads back as %q, %q", req, id, desc)
		}
	}
	for desc, wantID := range map[string]string{"valence-compose: x": "", "valence-compose:": "", "valence-compose:c-3": "c-3", "Valence-compose:c-4 y": ""} {
		if id, _ := unmarked(desc); id != wantID {
			t.Errorf("unmarked(%q) = %q, want %q", desc, id, wantID)
		}
	}
}
