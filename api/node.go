package api

import "time"

// Composition states of a node (RSD ComposedNodeState), and Unknown when the
// pod manager cannot be asked.
const (
	NodeAllocating = "Allocating"
	NodeAllocated  = "Allocated"
	NodeAssembling = "Assembling"
	NodeAssembled  = "Assembled"
	NodeFailed     = "Failed"
	NodeUnknown    = "Unknown"
)

// Power states of nodes and systems (Redfish PowerState), and Unknown when
// the pod manager cannot be asked.
const (
	PowerOn          = "On"
	PowerOff         = "Off"
	PowerPoweringOn  = "PoweringOn"
	PowerPoweringOff = "PoweringOff"
	PowerUnknown     = "Unknown"
)

// Node is a composed node as stored: the body of a list, compose or adopt.
type Node struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	PodmID      string `json:"podm_id"`
	// Index is the pod manager's Id of the node.
	Index string `json:"index"`
	// ResourceURI is the node's URI on the pod manager.
	ResourceURI string `json:"resource_uri"`
	// NodeState is one of the Node* states.
	NodeState string `json:"node_state"`
	// NodePowerState is one of the Power* states, as last seen.
	NodePowerState string `json:"node_power_state"`
	// ProjectID is the project that composed or adopted the node.
	ProjectID string    `json:"project_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NodeDetail is the body of GET /v1/nodes/{uuid}: the stored node merged
// with the pod manager's live detail. When the pod manager cannot be reached
// the live fields are empty (absent on the wire), the states are Unknown and
// PodmStatus says why.
type NodeDetail struct {
	Node
	// BootSource and TargetBootSource are both the boot override target,
	// as Valence answered.
	BootSource       string `json:"boot_source,omitempty"`
	TargetBootSource string `json:"target_boot_source,omitempty"`
	HealthStatus     string `json:"health_status,omitempty"`
	// ComputerSystem links the node's system on the pod manager.
	ComputerSystem *ODataRef     `json:"computer_system,omitempty"`
	Metadata       *NodeMetadata `json:"metadata,omitempty"`
	// PodmStatus is the status of the node's pod manager (PodManager*).
	PodmStatus string `json:"podm_status"`
}

// ODataRef is a Redfish link, {"@odata.id": "/redfish/v1/Systems/1"}.
type ODataRef struct {
	ODataID string `json:"@odata.id"`
}

// NodeMetadata is the hardware a composed node is made of. The server sends
// an empty list, never null, for a kind the node has none of.
type NodeMetadata struct {
	Processor    []ProcessorInfo   `json:"processor"`
	Memory       []MemoryInfo      `json:"memory"`
	Network      []NetworkInfo     `json:"network"`
	LocalDrives  []LocalDriveInfo  `json:"local_drives"`
	RemoteDrives []RemoteDriveInfo `json:"remote_drives"`
}

// ProcessorInfo is one processor of a node.
type ProcessorInfo struct {
	Model          string `json:"model"`
	InstructionSet string `json:"instruction_set"`
	SpeedMHz       int    `json:"speed_mhz"`
	TotalCore      int    `json:"total_core"`
}

// MemoryInfo is one memory module of a node.
type MemoryInfo struct {
	TotalMemoryMB int `json:"total_memory_mb"`
	SpeedMHz      int `json:"speed_mhz"`
	DataWidthBit  int `json:"data_width_bit"`
}

// NetworkInfo is one Ethernet interface of a node; IPv4 and VLANs are empty
// lists, never null, when it has none.
type NetworkInfo struct {
	MAC       string        `json:"mac"`
	SpeedMbps int           `json:"speed_mbps"`
	Status    string        `json:"status"`
	IPv4      []IPv4Address `json:"ipv4"`
	VLANs     []VLAN        `json:"vlans"`
}

// IPv4Address is an address of a network interface.
type IPv4Address struct {
	Address    string `json:"address"`
	SubnetMask string `json:"subnet_mask"`
	Gateway    string `json:"gateway"`
}

// VLAN is a VLAN of a network interface.
type VLAN struct {
	VLANID int    `json:"vlanid"`
	Status string `json:"status"`
}

// LocalDriveInfo is one drive local to a node's system.
type LocalDriveInfo struct {
	Name        string  `json:"name"`
	CapacityGiB float64 `json:"capacity_gib"`
	// Type is HDD or SSD and Interface SAS, SATA or NVMe, when the pod
	// manager says.
	Type        string `json:"type"`
	Interface   string `json:"interface"`
	ResourceURI string `json:"resource_uri"`
}

// RemoteDriveInfo is one remote drive or volume of a node.
type RemoteDriveInfo struct {
	Name        string  `json:"name"`
	CapacityGiB float64 `json:"capacity_gib"`
	// Protocol is iSCSI or NVMeOverFabrics, when the pod manager says.
	Protocol    string `json:"protocol"`
	ResourceURI string `json:"resource_uri"`
}

// NodeCompose is the body of POST /v1/nodes: a node from a flavor or from
// inline properties, not both.
type NodeCompose struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// PodmID chooses the pod manager; empty lets the server pick one.
	PodmID     string                 `json:"podm_id,omitempty"`
	FlavorID   string                 `json:"flavor_id,omitempty"`
	Properties *FlavorPropertiesInput `json:"properties,omitempty"`
}

// NodeManage is the body of POST /v1/nodes/manage: a node composed outside
// Valence to adopt.
type NodeManage struct {
	// NodeIndex is the pod manager's Id of the node.
	NodeIndex string `json:"node_index"`
	PodmID    string `json:"podm_id"`
}

// NodeAction is the body of POST /v1/nodes/{uuid}/action; exactly one field
// is set.
type NodeAction struct {
	Reset  *ResetAction  `json:"Reset,omitempty"`
	Boot   *BootAction   `json:"Boot,omitempty"`
	Attach *AttachAction `json:"attach,omitempty"`
	Detach *AttachAction `json:"detach,omitempty"`
}

// ResetAction resets a node. Type is a Redfish ResetType: On, ForceOn,
// ForceOff, GracefulShutdown, GracefulRestart, ForceRestart, Nmi or
// PushPowerButton, if the node allows it.
type ResetAction struct {
	Type string `json:"Type"`
}

// BootAction sets a node's boot override.
type BootAction struct {
	// Enabled is Once, Continuous or Disabled.
	Enabled string `json:"Enabled"`
	// Target is Pxe, Hdd, RemoteDrive or None.
	Target string `json:"Target"`
	// Mode is Legacy or UEFI; empty leaves it as it is.
	Mode string `json:"Mode,omitempty"`
}

// AttachAction attaches a volume to a node, or detaches it.
type AttachAction struct {
	// ResourceID is the volume's id (Storage.ID).
	ResourceID string `json:"resource_id"`
}

// Power targets of PUT /v1/nodes/{uuid}/states/power (Ironic's words) and
// the Reset types they stand for.
const (
	PowerTargetOn         = "power on"       // On
	PowerTargetOff        = "power off"      // ForceOff
	PowerTargetSoftOff    = "soft power off" // GracefulShutdown
	PowerTargetReboot     = "rebooting"      // ForceRestart
	PowerTargetSoftReboot = "soft rebooting" // GracefulRestart
)

// PowerTarget is the body of PUT /v1/nodes/{uuid}/states/power.
type PowerTarget struct {
	// Target is one of the PowerTarget* values.
	Target string `json:"target"`
}

// NodeStates is the body of GET /v1/nodes/{uuid}/states.
type NodeStates struct {
	// PowerState is one of the Power* states.
	PowerState string `json:"power_state"`
	// NodeState is one of the Node* states.
	NodeState string `json:"node_state"`
}
