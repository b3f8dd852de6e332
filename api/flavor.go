package api

import "time"

// Flavor is a named composition template as answered by /v1/flavors.
type Flavor struct {
	UUID        string           `json:"uuid"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Properties  FlavorProperties `json:"properties"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// FlavorCreate is the body of POST /v1/flavors.
type FlavorCreate struct {
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Properties  FlavorPropertiesInput `json:"properties"`
}

// FlavorUpdate is the body of PATCH /v1/flavors/{uuid}, an RFC 7396 JSON
// merge patch: a nil field is left as it is, and Properties merges key by key
// into the flavor's.
type FlavorUpdate struct {
	Name        *string                `json:"name,omitempty"`
	Description *string                `json:"description,omitempty"`
	Properties  *FlavorPropertiesInput `json:"properties,omitempty"`
}

// FlavorProperties is what a composed node needs, as answered: numbers are
// numbers, and what was not asked for is absent (a zero number, an empty
// string or list, a nil pointer).
type FlavorProperties struct {
	Processor    *ProcessorRequirement    `json:"processor,omitempty"`
	Memory       *MemoryRequirement       `json:"memory,omitempty"`
	LocalDrives  []LocalDriveRequirement  `json:"local_drives,omitempty"`
	RemoteDrives []RemoteDriveRequirement `json:"remote_drives,omitempty"`
	Network      []NetworkRequirement     `json:"network,omitempty"`
	Security     *SecurityRequirement     `json:"security,omitempty"`
	PCIDevice    *PCIDeviceRequirement    `json:"pci_device,omitempty"`
}

// ProcessorRequirement asks for processors.
type ProcessorRequirement struct {
	TotalCores     int    `json:"total_cores,omitempty"`
	Model          string `json:"model,omitempty"`
	InstructionSet string `json:"instruction_set,omitempty"`
	// Count is the number of processors.
	Count int `json:"count,omitempty"`
}

// MemoryRequirement asks for memory.
type MemoryRequirement struct {
	CapacityMiB int `json:"capacity_mib,omitempty"`
	// Type is the memory device type, e.g. "DDR4".
	Type string `json:"type,omitempty"`
}

// LocalDriveRequirement asks for a drive local to the system.
type LocalDriveRequirement struct {
	CapacityGiB int `json:"capacity_gib,omitempty"`
	// Type is "HDD" or "SSD".
	Type string `json:"type,omitempty"`
	// Interface is "SAS", "SATA" or "NVMe".
	Interface string `json:"interface,omitempty"`
}

// RemoteDriveRequirement asks for a remote drive.
type RemoteDriveRequirement struct {
	CapacityGiB int `json:"capacity_gib,omitempty"`
	// Protocol is "iSCSI" or "NVMeOverFabrics".
	Protocol string `json:"protocol,omitempty"`
}

// NetworkRequirement asks for a network interface.
type NetworkRequirement struct {
	SpeedMbps int `json:"speed_mbps,omitempty"`
	VLAN      int `json:"vlan,omitempty"`
}

// SecurityRequirement asks for a TPM or TXT; nil is "don't care".
type SecurityRequirement struct {
	TPM *bool `json:"tpm,omitempty"`
	TXT *bool `json:"txt,omitempty"`
}

// PCIDeviceRequirement asks for PCI devices by type; accepted and stored,
// as Valence did.
type PCIDeviceRequirement struct {
	Type []string `json:"type,omitempty"`
}

// FlavorPropertiesInput is FlavorProperties as sent in a flavor or compose
// request, where every number may also be a string of digits.
type FlavorPropertiesInput struct {
	Processor    *ProcessorRequirementInput    `json:"processor,omitempty"`
	Memory       *MemoryRequirementInput       `json:"memory,omitempty"`
	LocalDrives  []LocalDriveRequirementInput  `json:"local_drives,omitempty"`
	RemoteDrives []RemoteDriveRequirementInput `json:"remote_drives,omitempty"`
	Network      []NetworkRequirementInput     `json:"network,omitempty"`
	Security     *SecurityRequirement          `json:"security,omitempty"`
	PCIDevice    *PCIDeviceRequirement         `json:"pci_device,omitempty"`
}

// ProcessorRequirementInput is ProcessorRequirement as sent.
type ProcessorRequirementInput struct {
	TotalCores     FlexInt `json:"total_cores,omitempty"`
	Model          string  `json:"model,omitempty"`
	InstructionSet string  `json:"instruction_set,omitempty"`
	Count          FlexInt `json:"count,omitempty"`
}

// MemoryRequirementInput is MemoryRequirement as sent.
type MemoryRequirementInput struct {
	CapacityMiB FlexInt `json:"capacity_mib,omitempty"`
	Type        string  `json:"type,omitempty"`
}

// LocalDriveRequirementInput is LocalDriveRequirement as sent.
type LocalDriveRequirementInput struct {
	CapacityGiB FlexInt `json:"capacity_gib,omitempty"`
	Type        string  `json:"type,omitempty"`
	Interface   string  `json:"interface,omitempty"`
}

// RemoteDriveRequirementInput is RemoteDriveRequirement as sent.
type RemoteDriveRequirementInput struct {
	CapacityGiB FlexInt `json:"capacity_gib,omitempty"`
	Protocol    string  `json:"protocol,omitempty"`
}

// NetworkRequirementInput is NetworkRequirement as sent.
type NetworkRequirementInput struct {
	SpeedMbps FlexInt `json:"speed_mbps,omitempty"`
	VLAN      FlexInt `json:"vlan,omitempty"`
}
