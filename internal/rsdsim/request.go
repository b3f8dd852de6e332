package rsdsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// allocationRequest is the body of POST /redfish/v1/Nodes/Actions/Allocate, all RSD 2.1–2.3
// fields (PODM's RequestedNodeJson). Every field is optional; unknown fields are ignored, as
// PODM does (Valence sends the RSD 1.x DimmDeviceType). Pointers tell "absent" from zero.
type allocationRequest struct {
	Name                 *string
	Description          *string
	TotalSystemCoreCount *int
	TotalSystemMemoryMiB *int
	Processors           []processorRequest
	Memory               []memoryRequest
	LocalDrives          []localDriveRequest
	RemoteDrives         []remoteDriveRequest
	EthernetInterfaces   []ethernetRequest
	Security             *securityRequest
	Oem                  json.RawMessage
}

type ref struct {
	ID string `json:"@odata.id"`
}

type processorRequest struct {
	Model              *string
	TotalCores         *int
	AchievableSpeedMHz *int
	InstructionSet     *string
	ProcessorType      *string
	Oem                *struct {
		Brand        *string
		Capabilities []string
	}
	Resource, Chassis *ref
}

type memoryRequest struct {
	CapacityMiB      *int
	MemoryDeviceType *string
	SpeedMHz         *int
	Manufacturer     *string
	DataWidthBits    *int
	Resource         *ref
	Chassis          *ref
}

type localDriveRequest struct {
	CapacityGiB       *float64
	Type              *string
	MinRPM            *int
	SerialNumber      *string
	Interface         *string
	FabricSwitch      *bool
	Resource, Chassis *ref
}

type remoteDriveRequest struct {
	CapacityGiB  *float64
	Protocol     *string
	ISCSIAddress *string `json:"iSCSIAddress"`
	Master       *struct {
		Type     *string
		Address  *ref // 2.1/2.2
		Resource *ref // 2.3
	}
	Resource *ref // 2.3: an existing volume
}

type ethernetRequest struct {
	SpeedMbps   *int
	PrimaryVLAN *int
	VLANs       []struct {
		VLANId *int
		Tagged *bool
	}
	Resource, Chassis *ref
}

type securityRequest struct {
	TpmPresent       *bool
	TpmInterfaceType *string
	TxtEnabled       *bool
	ClearTPMOnDelete *bool
}

// Enumerations of the Allocate request (rsd-lib v2_x node schemas), checked so that a bad
// template is a 400 as on PODM rather than a silent "no match".
var (
	instructionSets = []string{"x86", "x86-64", "IA-64", "ARM-A32", "ARM-A64", "MIPS32", "MIPS64", "OEM"}
	processorTypes  = []string{"CPU", "FPGA", "GPU", "DSP", "Accelerator", "OEM"}
	brands21        = []string{"E3", "E5", "E7", "X3", "X5", "X7", "I3", "I5", "I7", "Unknown"}
	brands22        = append(slices.Clone(brands21), "Silver", "Gold", "Platinum")
	memoryTypes     = []string{"DDR", "DDR2", "DDR3", "DDR4", "DDR4_SDRAM", "DDR4E_SDRAM", "LPDDR4_SDRAM",
		"DDR3_SDRAM", "LPDDR3_SDRAM", "DDR2_SDRAM", "DDR2_SDRAM_FB_DIMM", "DDR2_SDRAM_FB_DIMM_PROBE",
		"DDR_SGRAM", "DDR_SDRAM", "ROM", "SDRAM", "EDO", "FastPageMode", "PipelinedNibble"}
	driveTypes      = []string{"HDD", "SSD"}
	driveInterfaces = []string{"SAS", "SATA", "NVMe"}
	remoteProtocols = []string{"iSCSI", "NVMeOverFabrics"}
	replicaTypes    = []string{"Snapshot", "Clone"}
	tpmTypes        = []string{"TPM1_2", "TPM2_0"}
)

// parseAllocation decodes and validates a template; fields that the chosen version does not
// have are dropped like unknown fields.
func parseAllocation(body []byte, minor int) (*allocationRequest, *apiError) {
	var req allocationRequest
	if err := unmarshal(body, &req); err != nil {
		return nil, errCreation("Malformed allocation request: " + err.Error())
	}
	if minor < 2 {
		req.Security = nil
		for i := range req.Processors {
			req.Processors[i].ProcessorType = nil
		}
	}
	brands := brands22
	if minor < 2 {
		brands = brands21
	}
	v := &validator{}
	v.nonNegative("TotalSystemCoreCount", req.TotalSystemCoreCount)
	v.nonNegative("TotalSystemMemoryMiB", req.TotalSystemMemoryMiB)
	for i, p := range req.Processors {
		f := fmt.Sprintf("Processors[%d].", i)
		v.nonNegative(f+"TotalCores", p.TotalCores)
		v.nonNegative(f+"AchievableSpeedMHz", p.AchievableSpeedMHz)
		v.oneOf(f+"InstructionSet", p.InstructionSet, instructionSets)
		v.oneOf(f+"ProcessorType", p.ProcessorType, processorTypes)
		if p.Oem != nil {
			v.oneOf(f+"Oem.Brand", p.Oem.Brand, brands)
		}
	}
	for i, m := range req.Memory {
		f := fmt.Sprintf("Memory[%d].", i)
		v.nonNegative(f+"CapacityMiB", m.CapacityMiB)
		v.nonNegative(f+"SpeedMHz", m.SpeedMHz)
		v.nonNegative(f+"DataWidthBits", m.DataWidthBits)
		v.oneOf(f+"MemoryDeviceType", m.MemoryDeviceType, memoryTypes)
	}
	for i, d := range req.LocalDrives {
		f := fmt.Sprintf("LocalDrives[%d].", i)
		v.nonNegativeFloat(f+"CapacityGiB", d.CapacityGiB)
		v.nonNegative(f+"MinRPM", d.MinRPM)
		v.oneOf(f+"Type", d.Type, driveTypes)
		v.oneOf(f+"Interface", d.Interface, driveInterfaces)
	}
	for i, d := range req.RemoteDrives {
		f := fmt.Sprintf("RemoteDrives[%d].", i)
		v.nonNegativeFloat(f+"CapacityGiB", d.CapacityGiB)
		v.oneOf(f+"Protocol", d.Protocol, remoteProtocols)
		if d.Master != nil {
			v.oneOf(f+"Master.Type", d.Master.Type, replicaTypes)
		}
	}
	for i, e := range req.EthernetInterfaces {
		f := fmt.Sprintf("EthernetInterfaces[%d].", i)
		v.nonNegative(f+"SpeedMbps", e.SpeedMbps)
		v.vlanID(f+"PrimaryVLAN", e.PrimaryVLAN)
		for j, vl := range e.VLANs {
			if vl.VLANId == nil {
				v.fail(fmt.Sprintf("%sVLANs[%d].VLANId is required.", f, j))
			}
			v.vlanID(fmt.Sprintf("%sVLANs[%d].VLANId", f, j), vl.VLANId)
		}
	}
	if req.Security != nil {
		v.oneOf("Security.TpmInterfaceType", req.Security.TpmInterfaceType, tpmTypes)
	}
	if len(req.Oem) > 0 && req.Oem[0] != '{' && string(req.Oem) != "null" {
		v.fail("Oem must be an object.")
	}
	if v.errs != nil {
		return nil, errCreation(v.errs...)
	}
	return &req, nil
}

// validator collects every problem of a template, so one answer names them all.
type validator struct{ errs []string }

func (v *validator) fail(msg string) { v.errs = append(v.errs, msg) }

func (v *validator) nonNegative(field string, n *int) {
	if n != nil && *n < 0 {
		v.fail(field + " must not be negative.")
	}
}

func (v *validator) nonNegativeFloat(field string, n *float64) {
	if n != nil && *n < 0 {
		v.fail(field + " must not be negative.")
	}
}

func (v *validator) oneOf(field string, s *string, allowed []string) {
	if s != nil && !slices.Contains(allowed, *s) {
		v.fail(fmt.Sprintf("%s: %q is not one of %s.", field, *s, strings.Join(allowed, ", ")))
	}
}

func (v *validator) vlanID(field string, n *int) {
	if n != nil && (*n < 1 || *n > 4094) {
		v.fail(field + " must be between 1 and 4094.")
	}
}
