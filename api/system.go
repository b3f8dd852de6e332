package api

// System is a physical compute system of a pod manager, as answered by
// /v1/systems.
type System struct {
	// ID is the Redfish Id and UUID the Redfish UUID.
	ID          string `json:"id"`
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	PodmID      string `json:"podm_id"`
	ResourceURI string `json:"resource_uri"`
	Health      string `json:"health"`
	// PowerState is one of the Power* states.
	PowerState string `json:"power_state"`
	// ComposedNode is the uuid of the node using the system, nil (null on
	// the wire) when none does.
	ComposedNode *string `json:"composed_node"`
	CPU          CPU     `json:"cpu"`
	// RAM and Storage are in GiB.
	RAM     float64 `json:"ram"`
	Storage float64 `json:"storage"`
	// Network is the number of network interfaces.
	Network int `json:"network"`
	// Location is the chassis path down to the system, e.g. "Rack1/Drawer2".
	Location string `json:"location"`
	// Accelerators are the processors that are not CPUs (FPGA, GPU, ...);
	// never null.
	Accelerators []Accelerator `json:"accelerators"`
	// Warnings name the parts of the system the pod manager did not give
	// (their fields are zero or empty).
	Warnings []string `json:"warnings,omitempty"`
}

// Accelerator is a processor of a System that is not a CPU.
type Accelerator struct {
	// Type is the Redfish ProcessorType, e.g. "FPGA" or "GPU".
	Type  string `json:"type"`
	Model string `json:"model"`
}

// CPU sums up the present CPUs of a System.
type CPU struct {
	// Cores is the sum of the cores of the CPUs.
	Cores int `json:"cores"`
	// Count is the number of CPUs present: absent sockets and accelerators
	// are not counted.
	Count int `json:"count"`
	// Arch is the instruction set, e.g. "x86-64".
	Arch  string `json:"arch"`
	Model string `json:"model"`
}
