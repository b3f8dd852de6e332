package server

import (
	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

// This file maps the core's types onto the wire types and back. The wire
// keeps Valence's names; the core keeps its own.

func podManagerOut(p valence.PodManager) api.PodManager {
	caps := p.Capabilities
	if caps == nil {
		caps = []string{}
	}
	return api.PodManager{
		UUID: p.UUID, Name: p.Name, URL: p.URL, Driver: p.Driver,
		Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: p.Username, Password: api.RedactedPassword}}},
		TLSVerify:      p.TLSVerify, CACert: p.CACert, Status: p.Status, StatusReason: p.StatusReason,
		RedfishVersion: p.RedfishVersion, RSDVersion: p.RSDVersion, Capabilities: caps,
		Description: p.Description, Location: p.Location, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func capacityOut(c valence.Capacity) api.Capacity {
	amount := func(a valence.Amount) api.Amount { return api.Amount{Total: a.Total, Free: a.Free} }
	w := c.Warnings
	if w == nil {
		w = []string{}
	}
	return api.Capacity{PodmID: c.PodmID, Unit: c.Unit, Systems: amount(c.Systems), Cores: amount(c.Cores),
		MemoryGiB: amount(c.MemoryGiB), StorageGiB: amount(c.StorageGiB), Warnings: w}
}

// podManagerIn maps a create body onto the core's spec.
func podManagerIn(c api.PodManagerCreate) (valence.PodManagerSpec, error) {
	sp := valence.PodManagerSpec{
		Name: c.Name, URL: c.URL, Driver: c.Driver, TLSVerify: true, CACert: c.CACert,
		Description: c.Description, Location: c.Location,
	}
	if c.TLSVerify != nil {
		sp.TLSVerify = *c.TLSVerify
	}
	// Only this layer sees the list; the core checks the entry it keeps.
	if len(c.Authentication) > valence.MaxListItems {
		return sp, valence.Errorf(valence.Invalid, "authentication may have at most %d entries, not %d", valence.MaxListItems, len(c.Authentication))
	}
	for _, a := range c.Authentication {
		if a.Type == "basic" {
			sp.Username, sp.Password = a.AuthItems.Username, a.AuthItems.Password
			return sp, nil
		}
	}
	return sp, valence.Errorf(valence.Invalid, "authentication needs an entry of type basic with username and password")
}

// podManagerCreateOf is the create body that would make spec: the document
// a PATCH merges onto.
func podManagerCreateOf(sp valence.PodManagerSpec) api.PodManagerCreate {
	return api.PodManagerCreate{
		Name: sp.Name, URL: sp.URL, Driver: sp.Driver,
		Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: sp.Username, Password: sp.Password}}},
		TLSVerify:      &sp.TLSVerify, CACert: sp.CACert, Description: sp.Description, Location: sp.Location,
	}
}

func flavorOut(f valence.Flavor) api.Flavor {
	return api.Flavor{UUID: f.UUID, Name: f.Name, Description: f.Description, Properties: propertiesOut(f.Properties), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

func propertiesOut(p valence.Properties) api.FlavorProperties {
	var out api.FlavorProperties
	if c := p.Processor; c != nil {
		out.Processor = &api.ProcessorRequirement{TotalCores: c.TotalCores, Model: c.Model, InstructionSet: c.InstructionSet, Count: c.Count}
	}
	if m := p.Memory; m != nil {
		out.Memory = &api.MemoryRequirement{CapacityMiB: m.CapacityMiB, Type: m.Type}
	}
	for _, d := range p.LocalDrives {
		out.LocalDrives = append(out.LocalDrives, api.LocalDriveRequirement{CapacityGiB: d.CapacityGiB, Type: d.Type, Interface: d.Interface})
	}
	for _, d := range p.RemoteDrives {
		out.RemoteDrives = append(out.RemoteDrives, api.RemoteDriveRequirement{CapacityGiB: d.CapacityGiB, Protocol: d.Protocol})
	}
	for _, n := range p.Network {
		out.Network = append(out.Network, api.NetworkRequirement{SpeedMbps: n.SpeedMbps, VLAN: n.VLAN})
	}
	if s := p.Security; s != nil {
		out.Security = &api.SecurityRequirement{TPM: s.TPM, TXT: s.TXT}
	}
	if d := p.PCIDevice; d != nil {
		out.PCIDevice = &api.PCIDeviceRequirement{Type: d.Type}
	}
	return out
}

func propertiesIn(p api.FlavorPropertiesInput) valence.Properties {
	var out valence.Properties
	if c := p.Processor; c != nil {
		out.Processor = &valence.ProcessorReq{TotalCores: int(c.TotalCores), Model: c.Model, InstructionSet: c.InstructionSet, Count: int(c.Count)}
	}
	if m := p.Memory; m != nil {
		out.Memory = &valence.MemoryReq{CapacityMiB: int(m.CapacityMiB), Type: m.Type}
	}
	for _, d := range p.LocalDrives {
		out.LocalDrives = append(out.LocalDrives, valence.LocalDriveReq{CapacityGiB: int(d.CapacityGiB), Type: d.Type, Interface: d.Interface})
	}
	for _, d := range p.RemoteDrives {
		out.RemoteDrives = append(out.RemoteDrives, valence.RemoteDriveReq{CapacityGiB: int(d.CapacityGiB), Protocol: d.Protocol})
	}
	for _, n := range p.Network {
		out.Network = append(out.Network, valence.NetworkReq{SpeedMbps: int(n.SpeedMbps), VLAN: int(n.VLAN)})
	}
	if s := p.Security; s != nil {
		out.Security = &valence.SecurityReq{TPM: s.TPM, TXT: s.TXT}
	}
	if d := p.PCIDevice; d != nil {
		out.PCIDevice = &valence.PCIDeviceReq{Type: d.Type}
	}
	return out
}

// composeIn maps a compose body onto the core's request (without its project).
func composeIn(b api.NodeCompose) valence.ComposeRequest {
	req := valence.ComposeRequest{Name: b.Name, Description: b.Description, PodmID: b.PodmID, FlavorID: b.FlavorID}
	if b.Properties != nil {
		props := propertiesIn(*b.Properties)
		req.Properties = &props
	}
	return req
}

// volumeIn maps a volume create body onto the core's request.
func volumeIn(b api.StorageCreate) valence.VolumeCreate {
	return valence.VolumeCreate{
		PodmID: b.PodmID, Name: b.Name, CapacityGiB: float64(b.CapacityGiB),
		Bootable: b.Bootable, StorageService: b.StorageService, Source: b.Source,
	}
}

func nodeOut(n valence.Node) api.Node {
	return api.Node{
		UUID: n.UUID, Name: n.Name, Description: n.Description, PodmID: n.PodmID, Index: n.Index,
		ResourceURI: n.ResourceURI, NodeState: n.State, NodePowerState: orUnknown(n.PowerState),
		ProjectID: n.ProjectID, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
	}
}

func orUnknown(s string) string {
	if s == "" {
		return valence.NodeUnknown
	}
	return s
}

func nodeDetailOut(d valence.NodeDetail) api.NodeDetail {
	out := api.NodeDetail{
		Node: nodeOut(d.Node), BootSource: d.BootSource, TargetBootSource: d.TargetBootSource,
		HealthStatus: d.HealthStatus, PodmStatus: d.PodmStatus,
	}
	if out.PodmStatus == "" {
		out.PodmStatus = valence.StatusOnline
	}
	if d.ComputerSystem != "" {
		out.ComputerSystem = &api.ODataRef{ODataID: d.ComputerSystem}
	}
	if d.PodmStatus == "" {
		out.Metadata = metadataOut(d.Metadata)
	}
	return out
}

func metadataOut(m valence.NodeMetadata) *api.NodeMetadata {
	out := &api.NodeMetadata{
		Processor: []api.ProcessorInfo{}, Memory: []api.MemoryInfo{}, Network: []api.NetworkInfo{},
		LocalDrives: []api.LocalDriveInfo{}, RemoteDrives: []api.RemoteDriveInfo{},
	}
	for _, p := range m.Processors {
		out.Processor = append(out.Processor, api.ProcessorInfo{Model: p.Model, InstructionSet: p.InstructionSet, SpeedMHz: p.SpeedMHz, TotalCore: p.TotalCores})
	}
	for _, mm := range m.Memory {
		out.Memory = append(out.Memory, api.MemoryInfo{TotalMemoryMB: mm.CapacityMiB, SpeedMHz: mm.SpeedMHz, DataWidthBit: mm.DataWidthBit})
	}
	for _, n := range m.Network {
		nic := api.NetworkInfo{MAC: n.MAC, SpeedMbps: n.SpeedMbps, Status: n.Status, IPv4: []api.IPv4Address{}, VLANs: []api.VLAN{}}
		for _, a := range n.IPv4 {
			nic.IPv4 = append(nic.IPv4, api.IPv4Address{Address: a.Address, SubnetMask: a.SubnetMask, Gateway: a.Gateway})
		}
		for _, v := range n.VLANs {
			nic.VLANs = append(nic.VLANs, api.VLAN{VLANID: v.ID, Status: v.Status})
		}
		out.Network = append(out.Network, nic)
	}
	for _, d := range m.LocalDrives {
		out.LocalDrives = append(out.LocalDrives, api.LocalDriveInfo{Name: d.Name, CapacityGiB: d.CapacityGiB, Type: d.Type, Interface: d.Interface, ResourceURI: d.ResourceURI})
	}
	for _, d := range m.RemoteDrives {
		out.RemoteDrives = append(out.RemoteDrives, api.RemoteDriveInfo{Name: d.Name, CapacityGiB: d.CapacityGiB, Protocol: d.Protocol, ResourceURI: d.ResourceURI})
	}
	return out
}

// nullable is nil for "", so that the wire shows null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func systemOut(s valence.System) api.System {
	return api.System{
		ID: s.ID, UUID: s.UUID, Name: s.Name, Description: s.Description, PodmID: s.PodmID,
		ResourceURI: s.ResourceURI, Health: s.Health, PowerState: orUnknown(s.PowerState),
		ComposedNode: nullable(s.ComposedNode),
		CPU:          api.CPU{Cores: s.CPU.Cores, Count: s.CPU.Count, Arch: s.CPU.Arch, Model: s.CPU.Model},
		RAM:          s.RAMGiB, Storage: s.StorageGiB, Network: s.NICs, Location: s.Location,
		Accelerators: mapAll(s.Accelerators, func(a valence.Accelerator) api.Accelerator { return api.Accelerator{Type: a.Type, Model: a.Model} }),
		Warnings:     s.Warnings,
	}
}

func rackOut(r valence.Rack) api.Rack {
	systems := r.Systems
	if systems == nil {
		systems = []string{}
	}
	return api.Rack{
		ID: r.ID, Name: r.Name, PodmID: r.PodmID, Manufacturer: r.Manufacturer, Model: r.Model,
		Description: r.Description, SerialNumber: r.SerialNumber, Systems: systems,
	}
}

func storageOut(v valence.Volume) api.Storage {
	return api.Storage{
		ID: v.ID, Name: v.Name, PodmID: v.PodmID, StorageService: v.StorageService, ResourceURI: v.ResourceURI,
		CapacityGiB: v.CapacityGiB, Protocol: v.Protocol, Bootable: v.Bootable,
		AttachedTo: nullable(v.AttachedTo), Status: v.Status,
	}
}

// mapAll converts a list, answering [] rather than null for none.
func mapAll[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
