package valence

import (
	"reflect"
	"testing"
)

func TestAllocateRequest(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name  string
		props Properties
		rsd   string
		want  AllocateRequest
		bad   []string // what the refusal names; none: accepted
	}{
		{"no requirements", Properties{}, "2.1", AllocateRequest{Name: "n", Description: "d"}, nil},
		{"totals only", Properties{Processor: &ProcessorReq{TotalCores: 16}, Memory: &MemoryReq{CapacityMiB: 8192}}, "2.1",
			AllocateRequest{Name: "n", Description: "d", TotalSystemCoreCount: 16, TotalSystemMemoryMiB: 8192}, nil},
		{"count makes processor entries", Properties{Processor: &ProcessorReq{TotalCores: 8, Count: 2, Model: "Xeon"}}, "2.2",
			AllocateRequest{Name: "n", Description: "d", TotalSystemCoreCount: 8,
				Processors: []ProcessorReq{{Model: "Xeon"}, {Model: "Xeon"}}}, nil},
		{"model without count is one processor", Properties{Processor: &ProcessorReq{InstructionSet: "x86-64"}}, "2.3",
			AllocateRequest{Name: "n", Description: "d", Processors: []ProcessorReq{{InstructionSet: "x86-64"}}}, nil},
		{"count alone", Properties{Processor: &ProcessorReq{Count: 3}}, "2.3",
			AllocateRequest{Name: "n", Description: "d", Processors: []ProcessorReq{{}, {}, {}}}, nil},
		{"memory type is one memory entry", Properties{Memory: &MemoryReq{CapacityMiB: 4096, Type: "DDR4"}}, "2.1",
			AllocateRequest{Name: "n", Description: "d", TotalSystemMemoryMiB: 4096, Memory: []MemoryReq{{Type: "DDR4"}}}, nil},
		{"drives and network pass through", Properties{
			LocalDrives:  []LocalDriveReq{{CapacityGiB: 100, Type: "SSD", Interface: "NVMe"}},
			RemoteDrives: []RemoteDriveReq{{CapacityGiB: 20, Protocol: "iSCSI"}},
			Network:      []NetworkReq{{SpeedMbps: 10000, VLAN: 12}},
		}, "2.1", AllocateRequest{Name: "n", Description: "d",
			LocalDrives:        []LocalDriveReq{{CapacityGiB: 100, Type: "SSD", Interface: "NVMe"}},
			RemoteDrives:       []RemoteDriveReq{{CapacityGiB: 20, Protocol: "iSCSI"}},
			EthernetInterfaces: []NetworkReq{{SpeedMbps: 10000, VLAN: 12}},
		}, nil},
		{"security refused on 2.1", Properties{Security: &SecurityReq{TPM: &yes}}, "2.1", AllocateRequest{}, []string{"security", "2.2", "RSD 2.1"}},
		{"security accepted on 2.2", Properties{Security: &SecurityReq{TPM: &yes, TXT: &no}}, "2.2.0",
			AllocateRequest{Name: "n", Description: "d", Security: &SecurityReq{TPM: &yes, TXT: &no}}, nil},
		{"security accepted on 2.3", Properties{Security: &SecurityReq{TXT: &yes}}, "2.3",
			AllocateRequest{Name: "n", Description: "d", Security: &SecurityReq{TXT: &yes}}, nil},
		{"NVMe-oF refused on 2.1", Properties{RemoteDrives: []RemoteDriveReq{{Protocol: "NVMeOverFabrics"}}}, "2.1",
			AllocateRequest{}, []string{"NVMeOverFabrics", "2.3", "RSD 2.1"}},
		{"NVMe-oF refused on 2.2", Properties{RemoteDrives: []RemoteDriveReq{{Protocol: "NVMeOverFabrics"}}}, "2.2",
			AllocateRequest{}, []string{"NVMeOverFabrics", "2.3"}},
		{"NVMe-oF accepted on 2.3", Properties{RemoteDrives: []RemoteDriveReq{{CapacityGiB: 5, Protocol: "NVMeOverFabrics"}}}, "2.3.0",
			AllocateRequest{Name: "n", Description: "d", RemoteDrives: []RemoteDriveReq{{CapacityGiB: 5, Protocol: "NVMeOverFabrics"}}}, nil},
		{"NVMe-oF accepted on 2.4", Properties{RemoteDrives: []RemoteDriveReq{{Protocol: "NVMeOverFabrics"}}}, "2.4",
			AllocateRequest{Name: "n", Description: "d", RemoteDrives: []RemoteDriveReq{{Protocol: "NVMeOverFabrics"}}}, nil},
		{"both refused on 2.1, named together", Properties{
			Security:     &SecurityReq{TPM: &yes},
			RemoteDrives: []RemoteDriveReq{{Protocol: "NVMeOverFabrics"}},
		}, "2.1", AllocateRequest{}, []string{"security", "NVMeOverFabrics"}},
		{"unknown version refuses what needs a version", Properties{Security: &SecurityReq{TPM: &yes}}, "", AllocateRequest{}, []string{"security"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := allocateRequest("n", "d", c.props, c.rsd)
			if c.bad != nil {
				wantCode(t, "allocateRequest", err, Invalid)
				wantMessage(t, "allocateRequest", err, c.bad...)
				return
			}
			if err != nil {
				t.Fatalf("allocateRequest: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestRSDAtLeast(t *testing.T) {
	cases := []struct {
		version      string
		major, minor int
		want         bool
	}{
		{"2.1", 2, 2, false},
		{"2.2", 2, 2, true},
		{"2.2.0", 2, 2, true},
		{"2.3.1", 2, 3, true},
		{"2.10", 2, 3, true},
		{"3.0", 2, 3, true},
		{"1.9", 2, 1, false},
		{"", 2, 1, false},
		{"2", 2, 0, false},
		{"two.three", 2, 1, false},
	}
	for _, c := range cases {
		if got := rsdAtLeast(c.version, c.major, c.minor); got != c.want {
			t.Errorf("rsdAtLeast(%q, %d, %d) = %v, want %v", c.version, c.major, c.minor, got, c.want)
		}
	}
}
