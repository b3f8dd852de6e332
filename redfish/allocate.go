package redfish

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
)

// AllocateRequest is the body of the RSD Allocate action: the node to
// compose. Every field is optional; an empty request asks for any free
// system. Fields name the RSD version that introduced them; older pod
// managers reject or ignore what they do not know.
type AllocateRequest struct {
	// Name and Description label the node (PODM's default name is "Composed Node").
	Name        string `json:",omitempty"`
	Description string `json:",omitempty"`
	// TotalSystemCoreCount and TotalSystemMemoryMiB are minimums over the whole node.
	TotalSystemCoreCount int `json:",omitempty"`
	TotalSystemMemoryMiB int `json:",omitempty"`
	// Processors, Memory, RemoteDrives, LocalDrives and EthernetInterfaces
	// each ask for one resource per element.
	Processors         []ProcessorRequest         `json:",omitempty"`
	Memory             []MemoryRequest            `json:",omitempty"`
	RemoteDrives       []RemoteDriveRequest       `json:",omitempty"`
	LocalDrives        []LocalDriveRequest        `json:",omitempty"`
	EthernetInterfaces []EthernetInterfaceRequest `json:",omitempty"`
	// Security is RSD 2.2+.
	Security *SecurityRequest `json:",omitempty"`
	// Oem is sent as given.
	Oem json.RawMessage `json:",omitempty"`
}

// ProcessorRequest asks for a processor.
type ProcessorRequest struct {
	// Model, TotalCores and AchievableSpeedMHz are matched by the pod manager
	// (RSD treats the numbers as minimums).
	Model              string `json:",omitempty"`
	TotalCores         int    `json:",omitempty"`
	AchievableSpeedMHz int    `json:",omitempty"`
	// InstructionSet is x86, x86-64, IA-64, ARM-A32, ARM-A64, MIPS32, MIPS64 or OEM.
	InstructionSet string `json:",omitempty"`
	// ProcessorType (CPU, FPGA, GPU, DSP, Accelerator, OEM) is RSD 2.2+.
	ProcessorType string `json:",omitempty"`
	// Connectivity (Local, Ethernet, RemotePCIe) is RSD 2.4+.
	Connectivity []string `json:",omitempty"`
	// Brand (E5, Gold, ...) and Capabilities go under Oem up to RSD 2.3 and
	// under Oem.Intel_RackScale from 2.4; Allocate places them.
	Brand        string   `json:"-"`
	Capabilities []string `json:"-"`
	// Resource asks for one specific processor, Chassis for one in that
	// chassis; the same holds in the other requests.
	Resource Ref `json:",omitempty"`
	Chassis  Ref `json:",omitempty"`
}

// MemoryRequest asks for memory.
type MemoryRequest struct {
	CapacityMiB int `json:",omitempty"`
	// MemoryType (DRAM, NVDIMM_N, NVDIMM_F, NVMDIMM_P, IntelOptane) is RSD 2.4+.
	MemoryType string `json:",omitempty"`
	// MemoryDeviceType is DDR4 and the like (RSD 1.x called it DimmDeviceType).
	MemoryDeviceType string `json:",omitempty"`
	SpeedMHz         int    `json:",omitempty"`
	Manufacturer     string `json:",omitempty"`
	DataWidthBits    int    `json:",omitempty"`
	Resource         Ref    `json:",omitempty"`
	Chassis          Ref    `json:",omitempty"`
}

// RemoteDriveRequest asks for a remote (iSCSI or NVMe-oF) drive.
type RemoteDriveRequest struct {
	CapacityGiB int `json:",omitempty"`
	// ISCSIAddress is RSD 2.1/2.2.
	ISCSIAddress string `json:"iSCSIAddress,omitempty"`
	// Protocol (iSCSI, NVMeOverFabrics) is RSD 2.3+.
	Protocol string `json:",omitempty"`
	// Master makes the drive a clone or snapshot of an existing one.
	Master *MasterDrive `json:",omitempty"`
	// Resource names an existing volume to use (RSD 2.3+).
	Resource Ref `json:",omitempty"`
}

// MasterDrive is the source of a cloned or snapshotted remote drive.
type MasterDrive struct {
	// Type is Snapshot or Clone.
	Type string
	// Source is the URI of the source drive or volume; Allocate sends it as
	// Address (RSD 2.1/2.2) or Resource (2.3+).
	Source string
}

// LocalDriveRequest asks for a drive local to the system.
type LocalDriveRequest struct {
	CapacityGiB int `json:",omitempty"`
	// Type is HDD or SSD.
	Type   string `json:",omitempty"`
	MinRPM int    `json:",omitempty"`
	// SerialNumber asks for one specific drive.
	SerialNumber string `json:",omitempty"`
	// Interface is SAS, SATA or NVMe.
	Interface    string `json:",omitempty"`
	Resource     Ref    `json:",omitempty"`
	Chassis      Ref    `json:",omitempty"`
	FabricSwitch *bool  `json:",omitempty"`
}

// EthernetInterfaceRequest asks for a network interface.
type EthernetInterfaceRequest struct {
	SpeedMbps   int           `json:",omitempty"`
	PrimaryVLAN int           `json:",omitempty"`
	VLANs       []VLANRequest `json:",omitempty"`
	Resource    Ref           `json:",omitempty"`
	Chassis     Ref           `json:",omitempty"`
}

// VLANRequest is one VLAN of an EthernetInterfaceRequest.
type VLANRequest struct {
	VLANID int `json:"VLANId"`
	Tagged bool
}

// SecurityRequest asks for security features (RSD 2.2+).
type SecurityRequest struct {
	TpmPresent *bool `json:",omitempty"`
	// TpmInterfaceType is TPM1_2 or TPM2_0.
	TpmInterfaceType string `json:",omitempty"`
	TxtEnabled       *bool  `json:",omitempty"`
	// ClearTPMOnDelete is RSD 2.3+.
	ClearTPMOnDelete *bool `json:",omitempty"`
	// PersistentMemoryOperationOnDelete (PreserveConfiguration, SecureErase,
	// OverwritePCD) is RSD 2.4+.
	PersistentMemoryOperationOnDelete string `json:",omitempty"`
}

// Wire forms: the fields whose place depends on the RSD version.
type (
	wireAllocate struct {
		AllocateRequest
		Processors   []wireProcessor   `json:",omitempty"`
		RemoteDrives []wireRemoteDrive `json:",omitempty"`
	}
	wireProcessor struct {
		ProcessorRequest
		Oem any `json:",omitempty"`
	}
	wireRemoteDrive struct {
		RemoteDriveRequest
		Master *wireMaster `json:",omitempty"`
	}
	wireMaster struct {
		Type     string
		Address  Ref `json:",omitempty"`
		Resource Ref `json:",omitempty"`
	}
	processorOem struct {
		Brand        string   `json:",omitempty"`
		Capabilities []string `json:",omitempty"`
	}
)

// wire lays the request out for the pod manager's RSD version.
func (r *AllocateRequest) wire(info ServiceInfo) wireAllocate {
	w := wireAllocate{AllocateRequest: *r}
	for _, p := range r.Processors {
		wp := wireProcessor{ProcessorRequest: p}
		if p.Brand != "" || len(p.Capabilities) > 0 {
			oem := processorOem{Brand: p.Brand, Capabilities: p.Capabilities}
			if info.rsdAtLeast(2, 4) {
				wp.Oem = map[string]processorOem{"Intel_RackScale": oem}
			} else {
				wp.Oem = oem
			}
		}
		w.Processors = append(w.Processors, wp)
	}
	for _, d := range r.RemoteDrives {
		wd := wireRemoteDrive{RemoteDriveRequest: d}
		if d.Master != nil {
			wd.Master = &wireMaster{Type: d.Master.Type}
			if info.rsdAtLeast(2, 3) {
				wd.Master.Resource = Ref(d.Master.Source)
			} else {
				wd.Master.Address = Ref(d.Master.Source)
			}
		}
		w.RemoteDrives = append(w.RemoteDrives, wd)
	}
	return w
}

// Allocate asks the pod manager to compose a node and returns the new
// node's URI (the path of the Location header, absolute or relative). The
// node is then Allocated; Assemble it to make it usable.
func (c *Client) Allocate(ctx context.Context, req AllocateRequest) (string, error) {
	if err := c.need(CapCompose); err != nil {
		return "", err
	}
	target, err := c.allocateTarget(ctx)
	if err != nil {
		return "", err
	}
	h, err := c.send(ctx, http.MethodPost, *target, req.wire(c.info))
	if IsNotFound(err) {
		// The service no longer has the action there (another version
		// since, say): read the collection again next time.
		c.allocate.CompareAndSwap(target, nil)
	}
	if err != nil {
		return "", err
	}
	return locationPath(h, http.MethodPost, *target)
}

// allocateTarget returns the Allocate action's target, read from the Nodes
// collection the first time only: reading and decoding the collection, one
// member per node, cost more than the Allocate itself on a large pod
// manager, and the target does not change.
func (c *Client) allocateTarget(ctx context.Context) (*string, error) {
	if t := c.allocate.Load(); t != nil {
		return t, nil
	}
	var coll struct {
		Actions struct {
			Allocate actionTarget `json:"#ComposedNodeCollection.Allocate"`
		}
	}
	if err := c.getJSON(ctx, c.links.nodes, &coll); err != nil {
		return nil, err
	}
	target := cmp.Or(coll.Actions.Allocate.Target, c.links.nodes+"/Actions/Allocate")
	c.allocate.Store(&target)
	return &target, nil
}
