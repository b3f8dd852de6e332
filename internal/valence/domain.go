package valence

import (
	"slices"
	"time"
)

// Pod manager drivers.
const (
	// DriverRSD drives an Intel RSD Pod Manager (composition included).
	DriverRSD = "rsd"
	// DriverRedfish drives a plain Redfish service: systems and power, no composition.
	DriverRedfish = "redfish"
	// driverValence is Valence's own name for the RSD driver, taken as DriverRSD.
	driverValence = "redfishv1"
)

// Pod manager status values.
const (
	StatusOnline               = "Online"
	StatusOffline              = "Offline"
	StatusAuthenticationFailed = "AuthenticationFailed"
	StatusUnknown              = "Unknown"
)

// Capabilities a pod manager may offer, as detected from its service root.
const (
	CapSystems = "systems"
	CapCompose = "compose"
	CapStorage = "storage"
	CapRacks   = "racks"
)

// PodManager is a registered RSD Pod Manager (or plain Redfish service): what
// the caller set, and what probing it found.
type PodManager struct {
	UUID string `json:"uuid"`
	PodManagerSpec
	Status         string   `json:"status"`
	StatusReason   string   `json:"status_reason,omitempty"`
	RedfishVersion string   `json:"redfish_version,omitempty"`
	RSDVersion     string   `json:"rsd_version,omitempty"`
	Capabilities   []string `json:"capabilities,omitempty"`
	// ServiceUUID is the UUID of the service root, when it has one: one
	// service is registered once, whatever URL it is reached at.
	ServiceUUID string    `json:"service_uuid,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// ProbedAt is when Status was last established.
	ProbedAt time.Time `json:"probed_at"`
}

// Access is what a connection to the pod manager is made from.
func (p PodManager) Access() Access {
	return Access{URL: p.URL, Driver: p.Driver, Username: p.Username, Password: p.Password, TLSVerify: p.TLSVerify, CACert: p.CACert}
}

// Has reports whether the pod manager offers capability c.
func (p PodManager) Has(c string) bool { return slices.Contains(p.Capabilities, c) }

// lacks reports whether the pod manager's last probe found it without
// capability c (a pod manager never reached has no capabilities: it may
// offer anything).
func (p PodManager) lacks(c string) bool {
	return p.Status == StatusOnline && len(p.Capabilities) > 0 && !p.Has(c)
}

// Flavor is a named composition template.
type Flavor struct {
	UUID string `json:"uuid"`
	FlavorSpec
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Properties are the requirements of a composed node: Valence's processor,
// memory and pci_device, plus what RSD's Allocate request can express.
// Zero values mean "no requirement".
type Properties struct {
	Processor    *ProcessorReq    `json:"processor,omitempty"`
	Memory       *MemoryReq       `json:"memory,omitempty"`
	LocalDrives  []LocalDriveReq  `json:"local_drives,omitempty"`
	RemoteDrives []RemoteDriveReq `json:"remote_drives,omitempty"`
	Network      []NetworkReq     `json:"network,omitempty"`
	Security     *SecurityReq     `json:"security,omitempty"`
	PCIDevice    *PCIDeviceReq    `json:"pci_device,omitempty"`
}

// ProcessorReq asks for processors.
type ProcessorReq struct {
	TotalCores     int    `json:"total_cores,omitempty"`
	Model          string `json:"model,omitempty"`
	InstructionSet string `json:"instruction_set,omitempty"`
	Count          int    `json:"count,omitempty"`
}

// MemoryReq asks for memory.
type MemoryReq struct {
	CapacityMiB int    `json:"capacity_mib,omitempty"`
	Type        string `json:"type,omitempty"`
}

// LocalDriveReq asks for one local drive.
type LocalDriveReq struct {
	CapacityGiB int    `json:"capacity_gib,omitempty"`
	Type        string `json:"type,omitempty"`
	Interface   string `json:"interface,omitempty"`
}

// RemoteDriveReq asks for one remote drive.
type RemoteDriveReq struct {
	CapacityGiB int    `json:"capacity_gib,omitempty"`
	Protocol    string `json:"protocol,omitempty"`
}

// NetworkReq asks for one network interface.
type NetworkReq struct {
	SpeedMbps int `json:"speed_mbps,omitempty"`
	VLAN      int `json:"vlan,omitempty"`
}

// SecurityReq asks for security features.
type SecurityReq struct {
	TPM *bool `json:"tpm,omitempty"`
	TXT *bool `json:"txt,omitempty"`
}

// PCIDeviceReq is accepted and stored, as Valence did; RSD cannot allocate it.
type PCIDeviceReq struct {
	Type []string `json:"type,omitempty"`
}

// Composed node states (RSD ComposedNodeState), plus Unknown when the pod
// manager cannot be asked.
const (
	NodeAllocating = "Allocating"
	NodeAllocated  = "Allocated"
	NodeAssembling = "Assembling"
	NodeAssembled  = "Assembled"
	NodeFailed     = "Failed"
	NodeUnknown    = "Unknown"
)

// Node is a composed node as recorded by Valence.
type Node struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	PodmID      string `json:"podm_id"`
	// Index is the pod manager's Id of the node.
	Index string `json:"index"`
	// ResourceURI is the node's Redfish path on the pod manager.
	ResourceURI string    `json:"resource_uri"`
	State       string    `json:"node_state"`
	PowerState  string    `json:"node_power_state"`
	ProjectID   string    `json:"project_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NodeDetail is a node's record merged with what its pod manager says now.
type NodeDetail struct {
	Node
	BootSource       string
	TargetBootSource string
	BootEnabled      string
	BootMode         string
	HealthStatus     string
	// ComputerSystem is the Redfish path of the system the node runs on.
	ComputerSystem string
	// AllowedResets are the reset types the node accepts.
	AllowedResets []string
	Metadata      NodeMetadata
	// PodmStatus is the pod manager's status when it could not be asked.
	PodmStatus string
}

// NodeMetadata describes the hardware of a composed node.
type NodeMetadata struct {
	Processors   []ProcessorInfo
	Memory       []MemoryInfo
	Network      []NICInfo
	LocalDrives  []DriveInfo
	RemoteDrives []DriveInfo
}

// ProcessorInfo is one processor of a node.
type ProcessorInfo struct {
	Model          string
	InstructionSet string
	SpeedMHz       int
	TotalCores     int
}

// MemoryInfo is one memory module of a node.
type MemoryInfo struct {
	CapacityMiB  int
	SpeedMHz     int
	DataWidthBit int
}

// NICInfo is one network interface of a node.
type NICInfo struct {
	MAC       string
	SpeedMbps int
	Status    string
	IPv4      []IPv4Address
	VLANs     []VLAN
}

// IPv4Address is an address of a network interface.
type IPv4Address struct {
	Address    string
	SubnetMask string
	Gateway    string
}

// VLAN is a VLAN of a network interface.
type VLAN struct {
	ID     int
	Status string
}

// DriveInfo is one drive or volume of a node.
type DriveInfo struct {
	Name        string
	CapacityGiB float64
	Type        string
	Interface   string
	Protocol    string
	ResourceURI string
}

// System is a physical compute system of a pod manager.
type System struct {
	ID          string
	UUID        string
	Name        string
	Description string
	PodmID      string
	// PodmName is the name of the pod manager, for messages (set by the
	// list, from the record it asked).
	PodmName    string
	ResourceURI string
	Health      string
	PowerState  string
	// ComposedNode is the uuid of the Valence node using the system, if any.
	ComposedNode string
	// NodeURI is the pod manager's node using the system, if it says so.
	NodeURI string
	// NodeUnknown: read alone (PodManagerConn.System), the system did not
	// say whether a node uses it; only the list can tell.
	NodeUnknown bool
	CPU         CPU
	RAMGiB      float64
	StorageGiB  float64
	NICs        int
	Location    string
	// Accelerators are the present processors that are not CPUs.
	Accelerators []Accelerator
	// Warnings name the parts of the system the pod manager did not give,
	// whose fields are zero.
	Warnings []string
}

// CPU sums a system's present CPUs.
type CPU struct {
	Cores int
	Count int
	Arch  string
	Model string
}

// Accelerator is a processor that is not a CPU.
type Accelerator struct {
	// Type is the Redfish ProcessorType: FPGA, GPU, DSP, Accelerator, OEM.
	Type  string
	Model string
}

// Rack is a chassis of type Rack.
type Rack struct {
	ID           string
	Name         string
	PodmID       string
	ResourceURI  string
	Manufacturer string
	Model        string
	Description  string
	SerialNumber string
	// Systems are the UUIDs of the systems in the rack.
	Systems []string
}

// Volume is a remote storage volume of a pod manager.
type Volume struct {
	// ID is derived from the pod manager and the volume's path, so that it
	// is the same across restarts and replicas.
	ID             string
	Name           string
	PodmID         string
	StorageService string
	ResourceURI    string
	CapacityGiB    float64
	Protocol       string
	Bootable       bool
	// AttachedTo is the uuid of the Valence node using the volume, if any.
	AttachedTo string
	// NodeURI is the pod manager's node using the volume, if any.
	NodeURI string
	Status  string
}
