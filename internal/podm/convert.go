package podm

import (
	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// capabilities are the redfish capabilities the core knows, in its words.
// Chassis and sessions are redfish's own business.
var capabilities = []struct {
	redfish redfish.Capability
	core    string
}{
	{redfish.CapSystems, valence.CapSystems},
	{redfish.CapCompose, valence.CapCompose},
	{redfish.CapStorage, valence.CapStorage},
	{redfish.CapRacks, valence.CapRacks},
}

// serviceInfo converts what redfish detected; compose is false for the
// plain Redfish driver, which never composes even when the root offers it
// (RSD Nodes or a DMTF CompositionService).
func serviceInfo(in redfish.ServiceInfo, compose bool) valence.ServiceInfo {
	out := valence.ServiceInfo{RedfishVersion: in.RedfishVersion, RSDVersion: in.RSDVersion, UUID: in.UUID}
	for _, c := range capabilities {
		if in.Has(c.redfish) && (compose || c.core != valence.CapCompose) {
			out.Capabilities = append(out.Capabilities, c.core)
		}
	}
	// A DMTF CompositionService composes too, in the composition mode.
	if compose && in.Has(redfish.CapComposition) && !in.Has(redfish.CapCompose) {
		out.Capabilities = append(out.Capabilities, valence.CapCompose)
	}
	return out
}

// allocateRequest converts the core's Allocate request, its Description
// marked with the compose. The core has already refused what the pod
// manager's RSD version cannot carry, and redfish lays the rest out for
// that version, so every field is mapped.
func allocateRequest(in valence.AllocateRequest) redfish.AllocateRequest {
	out := redfish.AllocateRequest{
		Name:                 in.Name,
		Description:          marked(in),
		TotalSystemCoreCount: in.TotalSystemCoreCount,
		TotalSystemMemoryMiB: in.TotalSystemMemoryMiB,
	}
	for _, p := range in.Processors {
		// RSD asks for processors one by one; Count says how many alike.
		for range max(p.Count, 1) {
			out.Processors = append(out.Processors, redfish.ProcessorRequest{
				Model: p.Model, InstructionSet: p.InstructionSet, TotalCores: p.TotalCores,
			})
		}
	}
	for _, m := range in.Memory {
		// The core's memory type is the DIMM's (DDR4 and the like), which RSD
		// 2.x calls MemoryDeviceType.
		out.Memory = append(out.Memory, redfish.MemoryRequest{CapacityMiB: m.CapacityMiB, MemoryDeviceType: m.Type})
	}
	for _, d := range in.LocalDrives {
		out.LocalDrives = append(out.LocalDrives, redfish.LocalDriveRequest{CapacityGiB: d.CapacityGiB, Type: d.Type, Interface: d.Interface})
	}
	for _, d := range in.RemoteDrives {
		out.RemoteDrives = append(out.RemoteDrives, redfish.RemoteDriveRequest{CapacityGiB: d.CapacityGiB, Protocol: d.Protocol})
	}
	for _, n := range in.EthernetInterfaces {
		e := redfish.EthernetInterfaceRequest{SpeedMbps: n.SpeedMbps}
		if n.VLAN > 0 {
			// Tagged membership adds the VLAN without moving the interface's
			// untagged (primary) VLAN, which PXE boot and management rely on.
			e.VLANs = []redfish.VLANRequest{{VLANID: n.VLAN, Tagged: true}}
		}
		out.EthernetInterfaces = append(out.EthernetInterfaces, e)
	}
	if s := in.Security; s != nil {
		out.Security = &redfish.SecurityRequest{TpmPresent: s.TPM, TxtEnabled: s.TXT}
	}
	return out
}

// podmNode converts a composed node and its parts; the compose mark at the
// head of its Description, if any, becomes its ComposeID.
func podmNode(n *redfish.ComposedNode, parts *redfish.NodeParts) valence.PodmNode {
	composeID, description := unmarked(n.Description)
	out := valence.PodmNode{
		Index:          n.ID,
		URI:            n.URI,
		Name:           n.Name,
		Description:    description,
		ComposeID:      composeID,
		State:          string(n.State),
		PowerState:     string(n.PowerState),
		Health:         string(n.Health),
		ComputerSystem: n.Links.ComputerSystem,
		Boot: valence.Boot{
			Enabled: string(n.Boot.Enabled),
			Target:  string(n.Boot.Target),
			Mode:    string(n.Boot.Mode),
		},
	}
	for _, r := range n.AllowedResetTypes {
		out.AllowedResets = append(out.AllowedResets, string(r))
	}
	if parts != nil {
		out.Metadata = metadata(parts)
	}
	return out
}

// metadata converts the parts of a node.
func metadata(p *redfish.NodeParts) valence.NodeMetadata {
	var m valence.NodeMetadata
	for _, c := range p.Processors {
		m.Processors = append(m.Processors, valence.ProcessorInfo{
			Model: c.Model, InstructionSet: c.InstructionSet, SpeedMHz: c.MaxSpeedMHz, TotalCores: c.TotalCores,
		})
	}
	for _, d := range p.Memory {
		m.Memory = append(m.Memory, valence.MemoryInfo{
			CapacityMiB: d.CapacityMiB, SpeedMHz: d.OperatingSpeedMHz, DataWidthBit: d.DataWidthBits,
		})
	}
	for _, e := range p.EthernetInterfaces {
		m.Network = append(m.Network, nic(e))
	}
	m.LocalDrives = convertAll(p.LocalDrives, drive)
	m.RemoteDrives = convertAll(p.RemoteDrives, drive)
	return m
}

// nic converts a network interface. redfish keeps a VLAN's VLANEnable where
// Valence showed Status.State, so Enabled/Disabled stands in for it.
func nic(e redfish.EthernetInterface) valence.NICInfo {
	out := valence.NICInfo{MAC: e.MACAddress, SpeedMbps: e.SpeedMbps, Status: e.State}
	for _, a := range e.IPv4 {
		out.IPv4 = append(out.IPv4, valence.IPv4Address{Address: a.Address, SubnetMask: a.SubnetMask, Gateway: a.Gateway})
	}
	for _, v := range e.VLANs {
		status := "Disabled"
		if v.Enabled {
			status = "Enabled"
		}
		out.VLANs = append(out.VLANs, valence.VLAN{ID: v.ID, Status: status})
	}
	return out
}

func drive(d redfish.Drive) valence.DriveInfo {
	return valence.DriveInfo{
		Name: d.Name, CapacityGiB: d.CapacityGiB, Type: d.Type, Interface: d.Interface,
		Protocol: d.Protocol, ResourceURI: d.URI,
	}
}

// bootSettings converts a boot override; empty fields stay empty, which
// redfish leaves as they are on the node.
func bootSettings(b valence.Boot) redfish.BootSettings {
	return redfish.BootSettings{
		Enabled: schemas.BootSourceOverrideEnabled(b.Enabled),
		Target:  schemas.BootSource(b.Target),
		Mode:    schemas.BootSourceOverrideMode(b.Mode),
	}
}

// system converts a system summary.
func system(s *redfish.System) valence.System {
	return valence.System{
		ID:          s.ID,
		UUID:        s.UUID,
		Name:        s.Name,
		Description: s.Description,
		ResourceURI: s.URI,
		Health:      string(s.Health),
		PowerState:  string(s.PowerState),
		NodeURI:     s.NodeURI,
		CPU:         valence.CPU{Cores: s.Cores, Count: s.ProcessorCount, Arch: s.Arch, Model: s.ProcessorModel},
		RAMGiB:      s.MemoryGiB,
		StorageGiB:  s.StorageGiB,
		NICs:        s.NICCount,
		Location:    s.Location,
		Accelerators: convertAll(s.Accelerators, func(a redfish.Accelerator) valence.Accelerator {
			return valence.Accelerator{Type: string(a.Type), Model: a.Model}
		}),
		Warnings: s.Warnings,
	}
}

// rack converts a rack; uuids maps system paths to UUIDs, and a system not
// in it (read after the systems were) is left out rather than named by path.
func rack(r *redfish.Chassis, uuids map[string]string) valence.Rack {
	out := valence.Rack{
		ID: r.ID, Name: r.Name, ResourceURI: r.URI, Manufacturer: r.Manufacturer, Model: r.Model,
		Description: r.Description, SerialNumber: r.SerialNumber, Systems: []string{},
	}
	for _, uri := range r.Systems {
		if u := uuids[uri]; u != "" {
			out.Systems = append(out.Systems, u)
		}
	}
	return out
}

// volume converts a volume. redfish reads no status for volumes, so Status
// stays empty.
func volume(v *redfish.Volume) valence.Volume {
	return valence.Volume{
		Name: v.Name, StorageService: v.ServiceURI, ResourceURI: v.URI, CapacityGiB: v.CapacityGiB,
		Protocol: v.Protocol, Bootable: v.Bootable, NodeURI: v.NodeURI, Status: v.Health,
	}
}

// volumeRequest converts a volume creation; a source is cloned (redfish's
// default copy).
func volumeRequest(r valence.VolumeRequest) redfish.VolumeRequest {
	return redfish.VolumeRequest{Name: r.Name, CapacityGiB: r.CapacityGiB, Bootable: r.Bootable, Source: r.SourceURI}
}

// convertAll converts every element of a list.
func convertAll[In, Out any](in []In, conv func(In) Out) []Out {
	if in == nil {
		return nil
	}
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}
