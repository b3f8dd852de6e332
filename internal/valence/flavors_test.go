package valence

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFlavorLifecycle(t *testing.T) {
	f := newFixture(t)
	props := Properties{
		Processor: &ProcessorReq{TotalCores: 8, Model: "Xeon", InstructionSet: "x86-64", Count: 2},
		Memory:    &MemoryReq{CapacityMiB: 16384, Type: "DDR4"},
		PCIDevice: &PCIDeviceReq{Type: []string{"GPU"}},
	}
	small := must[Flavor](t, "CreateFlavor small")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: " small ", Description: "2 cpus", Properties: props}))
	if small.Name != "small" || small.UUID == "" || !small.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("created %+v", small)
	}
	large := must[Flavor](t, "CreateFlavor large")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "large"}))

	got := must[Flavor](t, "GetFlavor")(f.svc.GetFlavor(f.ctx, small.UUID))
	if got.Properties.Processor.TotalCores != 8 || got.Properties.Memory.Type != "DDR4" ||
		!slices.Equal(got.Properties.PCIDevice.Type, []string{"GPU"}) || got.Description != "2 cpus" {
		t.Errorf("read back %+v", got)
	}

	list, more, err := f.svc.ListFlavors(f.ctx, nil, Page{})
	if err != nil || more || len(list) != 2 {
		t.Fatalf("ListFlavors: %v more=%v err=%v", list, more, err)
	}
	byName, _, err := f.svc.ListFlavors(f.ctx, map[string]string{"name": "large"}, Page{})
	if err != nil || len(byName) != 1 || byName[0].UUID != large.UUID {
		t.Errorf("name=large: %v %v", byName, err)
	}
	first, more, err := f.svc.ListFlavors(f.ctx, nil, Page{Limit: 1})
	if err != nil || len(first) != 1 || !more {
		t.Errorf("first page of one: %v more=%v err=%v", first, more, err)
	}
	_, _, err = f.svc.ListFlavors(f.ctx, map[string]string{"cores": "8"}, Page{})
	wantCode(t, "unknown filter", err, Invalid)

	f.clock.advance(time.Hour)
	upd, err := f.svc.UpdateFlavor(f.ctx, small.UUID, func(sp *FlavorSpec) error {
		sp.Description = "bigger"
		sp.Properties.Memory.CapacityMiB = 32768
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateFlavor: %v", err)
	}
	if upd.Description != "bigger" || upd.Properties.Memory.CapacityMiB != 32768 || upd.Properties.Processor.Count != 2 ||
		!upd.UpdatedAt.Equal(f.clock.Now()) || !upd.CreatedAt.Equal(small.CreatedAt) {
		t.Errorf("updated %+v", upd)
	}
	_, err = f.svc.UpdateFlavor(f.ctx, small.UUID, func(sp *FlavorSpec) error { sp.Name = "large"; return nil })
	wantCode(t, "rename onto a taken name", err, Conflict)
	_, err = f.svc.UpdateFlavor(f.ctx, small.UUID, func(sp *FlavorSpec) error { sp.Properties.Memory.CapacityMiB = -1; return nil })
	wantCode(t, "update to a negative size", err, Invalid)
	if got := must[Flavor](t, "GetFlavor")(f.svc.GetFlavor(f.ctx, small.UUID)); got.Name != "small" || got.Properties.Memory.CapacityMiB != 32768 {
		t.Errorf("refused updates changed the flavor: %+v", got)
	}
	_, err = f.svc.UpdateFlavor(f.ctx, "nope", func(*FlavorSpec) error { return nil })
	wantCode(t, "update of an unknown flavor", err, NotFound)

	if err := f.svc.DeleteFlavor(f.ctx, small.UUID); err != nil {
		t.Fatalf("DeleteFlavor: %v", err)
	}
	_, err = f.svc.GetFlavor(f.ctx, small.UUID)
	wantCode(t, "get after delete", err, NotFound)
	wantMessage(t, "get after delete", err, "Flavor", small.UUID)
	wantCode(t, "delete again", f.svc.DeleteFlavor(f.ctx, small.UUID), NotFound)
	// The name is free again.
	must[Flavor](t, "CreateFlavor small again")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "small"}))
}

func TestFlavorNamesUnique(t *testing.T) {
	f := newFixture(t)
	must[Flavor](t, "CreateFlavor")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "small"}))
	_, err := f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "small"})
	wantCode(t, "same name", err, Conflict)
	wantMessage(t, "same name", err, "small")
	_, err = f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "  "})
	wantCode(t, "no name", err, Invalid)
	if n := len(f.store.ids(KindFlavor)); n != 1 {
		t.Errorf("%d flavors stored, want 1", n)
	}
}

func TestPropertiesValidate(t *testing.T) {
	yes := true
	cases := []struct {
		name  string
		props Properties
		bad   []string // every field the error must name; none: valid
	}{
		{"empty", Properties{}, nil},
		{"everything valid", Properties{
			Processor:    &ProcessorReq{TotalCores: 4, Model: "Xeon", InstructionSet: "x86-64", Count: 1},
			Memory:       &MemoryReq{CapacityMiB: 1024, Type: "DDR4"},
			LocalDrives:  []LocalDriveReq{{CapacityGiB: 100, Type: "SSD", Interface: "NVMe"}},
			RemoteDrives: []RemoteDriveReq{{CapacityGiB: 10, Protocol: "iSCSI"}},
			Network:      []NetworkReq{{SpeedMbps: 10000, VLAN: 4094}},
			Security:     &SecurityReq{TPM: &yes},
		}, nil},
		{"negative cores", Properties{Processor: &ProcessorReq{TotalCores: -1}}, []string{"processor.total_cores"}},
		{"negative count", Properties{Processor: &ProcessorReq{Count: -2}}, []string{"processor.count"}},
		{"unknown instruction set", Properties{Processor: &ProcessorReq{InstructionSet: "x87"}}, []string{"processor.instruction_set", "x87"}},
		{"negative memory", Properties{Memory: &MemoryReq{CapacityMiB: -1}}, []string{"memory.capacity_mib"}},
		{"unknown memory type", Properties{Memory: &MemoryReq{Type: "DDR9"}}, []string{"memory.type", "DDR9"}},
		{"bad local drive", Properties{LocalDrives: []LocalDriveReq{{CapacityGiB: -5, Type: "Tape", Interface: "USB"}}},
			[]string{"local_drives.capacity_gib", "local_drives.type", "Tape", "local_drives.interface", "USB"}},
		{"bad remote drive", Properties{RemoteDrives: []RemoteDriveReq{{CapacityGiB: -1, Protocol: "NFS"}}},
			[]string{"remote_drives.capacity_gib", "remote_drives.protocol", "NFS"}},
		{"bad network", Properties{Network: []NetworkReq{{SpeedMbps: -1, VLAN: 4095}}}, []string{"network.speed_mbps", "network.vlan"}},
		{"negative vlan", Properties{Network: []NetworkReq{{VLAN: -1}}}, []string{"network.vlan"}},
		{"all problems at once", Properties{
			Processor: &ProcessorReq{TotalCores: -1, InstructionSet: "z80"},
			Memory:    &MemoryReq{CapacityMiB: -1},
		}, []string{"processor.total_cores", "processor.instruction_set", "memory.capacity_mib"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			if c.bad == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantCode(t, "Validate", err, Invalid)
			wantMessage(t, "Validate", err, c.bad...)
			// The same checks guard a flavor.
			f := newFixture(t)
			_, err = f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "f", Properties: c.props})
			wantCode(t, "CreateFlavor", err, Invalid)
			wantMessage(t, "CreateFlavor", err, c.bad...)
		})
	}
}

func TestValidatorNamesEveryProblemOnce(t *testing.T) {
	err := Properties{Processor: &ProcessorReq{TotalCores: -1, Count: -1}}.Validate()
	var e *Error
	if !asError(err, &e) || strings.Count(e.Message, ";") != 1 {
		t.Errorf("two problems should make one message with two parts: %v", err)
	}
}
