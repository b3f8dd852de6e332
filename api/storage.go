package api

// Storage is a remote volume of a pod manager's storage service, as answered
// by /v1/storages.
type Storage struct {
	// ID is derived from the pod manager and the volume's URI, so it is
	// stable across restarts and replicas.
	ID     string `json:"id"`
	Name   string `json:"name"`
	PodmID string `json:"podm_id"`
	// StorageService is the URI of the storage service holding the volume.
	StorageService string  `json:"storage_service"`
	ResourceURI    string  `json:"resource_uri"`
	CapacityGiB    float64 `json:"capacity_gib"`
	// Protocol is iSCSI or NVMeOverFabrics, empty when the pod manager does
	// not say.
	Protocol string `json:"protocol"`
	Bootable bool   `json:"bootable"`
	// AttachedTo is the uuid of the node using the volume, nil (null on the
	// wire) when none does.
	AttachedTo *string `json:"attached_to"`
	Status     string  `json:"status"`
}

// StorageCreate is the body of POST /v1/storages.
type StorageCreate struct {
	PodmID      string  `json:"podm_id"`
	CapacityGiB FlexInt `json:"capacity_gib"`
	Name        string  `json:"name,omitempty"`
	Bootable    bool    `json:"bootable,omitempty"`
	// StorageService is the URI of the storage service to use; empty lets
	// the server pick one.
	StorageService string `json:"storage_service,omitempty"`
	// Source is the id of an existing volume to copy.
	Source string `json:"source,omitempty"`
}
