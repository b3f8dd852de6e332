package valence

import (
	"strconv"
	"strings"
)

// allocateRequest maps a node's requirements onto RSD's Allocate request for
// a pod manager of the given RSD version, refusing what that version cannot
// express rather than dropping it silently.
func allocateRequest(name, description string, p Properties, rsdVersion string) (AllocateRequest, error) {
	req := AllocateRequest{Name: name, Description: description}
	if c := p.Processor; c != nil {
		req.TotalSystemCoreCount = c.TotalCores
		if c.Model != "" || c.InstructionSet != "" || c.Count > 0 {
			for range max(c.Count, 1) {
				req.Processors = append(req.Processors, ProcessorReq{Model: c.Model, InstructionSet: c.InstructionSet})
			}
		}
	}
	if m := p.Memory; m != nil {
		req.TotalSystemMemoryMiB = m.CapacityMiB
		if m.Type != "" {
			req.Memory = []MemoryReq{{Type: m.Type}}
		}
	}
	req.LocalDrives = p.LocalDrives
	req.RemoteDrives = p.RemoteDrives
	req.EthernetInterfaces = p.Network
	req.Security = p.Security

	v := &validator{}
	if req.Security != nil && !rsdAtLeast(rsdVersion, 2, 2) {
		v.fail("security requirements need RSD 2.2 or later; this pod manager is RSD %s", rsdVersion)
	}
	for _, d := range req.RemoteDrives {
		if d.Protocol == "NVMeOverFabrics" && !rsdAtLeast(rsdVersion, 2, 3) {
			v.fail("remote drives over NVMeOverFabrics need RSD 2.3 or later; this pod manager is RSD %s", rsdVersion)
		}
	}
	return req, v.err()
}

// rsdAtLeast reports whether version ("2.3", "2.3.0") is at least major.minor.
func rsdAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
