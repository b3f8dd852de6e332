package valence

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// flavorFilters are the fields a flavor list filters on.
var flavorFilters = []string{"name"}

func flavorIndex(f Flavor) (string, map[string]string, map[string]string) {
	return f.UUID, map[string]string{"name": f.Name}, map[string]string{"name": f.Name}
}

// The values RSD's Allocate request accepts for the enumerated properties.
var (
	instructionSets = []string{"x86", "x86-64", "IA-64", "ARM-A32", "ARM-A64", "MIPS32", "MIPS64", "OEM"}
	memoryTypes     = []string{"DDR", "DDR2", "DDR3", "DDR4", "DDR4_SDRAM", "DDR4E_SDRAM", "LPDDR4_SDRAM", "DDR3_SDRAM",
		"LPDDR3_SDRAM", "DDR2_SDRAM", "DDR2_SDRAM_FB_DIMM", "DDR2_SDRAM_FB_DIMM_PROBE", "DDR_SGRAM", "DDR_SDRAM",
		"ROM", "SDRAM", "EDO", "FastPageMode", "PipelinedNibble"}
	driveTypes      = []string{"HDD", "SSD"}
	driveInterfaces = []string{"SAS", "SATA", "NVMe"}
	driveProtocols  = []string{"iSCSI", "NVMeOverFabrics"}
)

// Validate checks every requirement: sizes within their limits (limits.go),
// known enum values, bounded text and lists.
func (p Properties) Validate() error {
	v := &validator{}
	p.check(v)
	return v.err()
}

// check adds the problems of p to v.
func (p Properties) check(v *validator) {
	if c := p.Processor; c != nil {
		v.upTo("processor.total_cores", c.TotalCores, MaxTotalCores)
		v.upTo("processor.count", c.Count, MaxProcessorCount)
		v.text("processor.model", c.Model, MaxNameLen)
		v.oneOf("processor.instruction_set", c.InstructionSet, instructionSets)
	}
	if m := p.Memory; m != nil {
		v.upTo("memory.capacity_mib", m.CapacityMiB, MaxMemoryMiB)
		v.oneOf("memory.type", m.Type, memoryTypes)
	}
	v.items("local_drives", len(p.LocalDrives), MaxListItems)
	for _, d := range p.LocalDrives {
		v.upTo("local_drives.capacity_gib", d.CapacityGiB, MaxCapacityGiB)
		v.oneOf("local_drives.type", d.Type, driveTypes)
		v.oneOf("local_drives.interface", d.Interface, driveInterfaces)
	}
	v.items("remote_drives", len(p.RemoteDrives), MaxListItems)
	for _, d := range p.RemoteDrives {
		v.upTo("remote_drives.capacity_gib", d.CapacityGiB, MaxCapacityGiB)
		v.oneOf("remote_drives.protocol", d.Protocol, driveProtocols)
	}
	v.items("network", len(p.Network), MaxListItems)
	for _, n := range p.Network {
		v.upTo("network.speed_mbps", n.SpeedMbps, MaxSpeedMbps)
		if n.VLAN < 0 || n.VLAN > MaxVLAN {
			v.fail("network.vlan must be between 0 and %d, not %d", MaxVLAN, n.VLAN)
		}
	}
	if d := p.PCIDevice; d != nil {
		v.items("pci_device.type", len(d.Type), MaxListItems)
		for _, t := range d.Type {
			v.text("pci_device.type", t, MaxNameLen)
		}
	}
}

// validator gathers every problem of a request, so one answer names them all.
type validator struct{ problems []string }

func (v *validator) fail(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) nonNegative(field string, n int) {
	if n < 0 {
		v.fail("%s must not be negative, not %d", field, n)
	}
}

func (v *validator) oneOf(field, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		v.fail("%s %q is not one of %s", field, Shortened(value, MaxNameLen), strings.Join(allowed, ", "))
	}
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return Errorf(Invalid, "%s", strings.Join(v.problems, "; "))
}

// FlavorSpec is what a caller sets on a flavor.
type FlavorSpec struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Properties  Properties `json:"properties"`
}

// Validate reports what is wrong with the spec, as a create or update
// would, without touching the store.
func (sp FlavorSpec) Validate() error { return sp.normalize() }

func (sp *FlavorSpec) normalize() error {
	v := &validator{}
	// The name as sent: a control character is refused even where trimming would drop it.
	v.name(sp.Name)
	sp.Name = strings.TrimSpace(sp.Name)
	v.text("description", sp.Description, MaxDescriptionLen)
	sp.Properties.check(v)
	return v.err()
}

// CreateFlavor stores a new flavor; its name must be unique.
func (s *Service) CreateFlavor(ctx context.Context, sp FlavorSpec) (Flavor, error) {
	if err := sp.normalize(); err != nil {
		return Flavor{}, err
	}
	now := s.now()
	f := Flavor{UUID: newID(), FlavorSpec: sp, CreatedAt: now, UpdatedAt: now}
	return f, s.flavors.create(ctx, f)
}

// GetFlavor returns one flavor.
func (s *Service) GetFlavor(ctx context.Context, id string) (Flavor, error) {
	f, _, err := s.flavors.get(ctx, id)
	return f, err
}

// ListFlavors returns a page of flavors.
func (s *Service) ListFlavors(ctx context.Context, filters map[string]string, p Page) ([]Flavor, bool, error) {
	if err := checkFilters(filters, flavorFilters...); err != nil {
		return nil, false, err
	}
	return s.flavors.list(ctx, pageOf(p, filters))
}

// UpdateFlavor applies change to a flavor's spec and checks it like a create.
func (s *Service) UpdateFlavor(ctx context.Context, id string, change func(*FlavorSpec) error) (Flavor, error) {
	return s.flavors.modify(ctx, id, func(f *Flavor) error {
		sp := f.FlavorSpec
		if err := change(&sp); err != nil {
			return err
		}
		if err := sp.normalize(); err != nil {
			return err
		}
		f.FlavorSpec = sp
		f.UpdatedAt = s.now()
		return nil
	})
}

// DeleteFlavor removes a flavor. Nodes composed from it keep their hardware.
func (s *Service) DeleteFlavor(ctx context.Context, id string) error {
	return s.flavors.delete(ctx, id)
}
