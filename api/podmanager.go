package api

import "time"

// Pod manager drivers. DriverRedfishV1 is Valence's name for DriverRSD and
// is accepted on input only.
const (
	DriverRSD       = "rsd"
	DriverRedfish   = "redfish"
	DriverRedfishV1 = "redfishv1"
)

// Pod manager statuses, as the last probe found the service.
const (
	PodManagerOnline               = "Online"
	PodManagerOffline              = "Offline"
	PodManagerAuthenticationFailed = "AuthenticationFailed"
	PodManagerUnknown              = "Unknown"
)

// RedactedPassword is what a response shows in place of a password.
const RedactedPassword = "******"

// PodManager is a registered pod manager as answered by /v1/pod_managers.
type PodManager struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// URL is the service's base URL (the part before /redfish/v1).
	URL string `json:"url"`
	// Driver is DriverRSD or DriverRedfish.
	Driver string `json:"driver"`
	// Authentication has its passwords replaced by RedactedPassword.
	Authentication []Authentication `json:"authentication"`
	TLSVerify      bool             `json:"tls_verify"`
	// CACert holds PEM certificates to verify the service with; empty for
	// the system's.
	CACert string `json:"ca_cert"`
	// Status is one of the PodManager* statuses.
	Status string `json:"status"`
	// StatusReason says why the status is not Online (the last probe's
	// failure); empty when Online.
	StatusReason   string `json:"status_reason"`
	RedfishVersion string `json:"redfish_version"`
	// RSDVersion is Oem.Intel_RackScale.ApiVersion, empty for plain Redfish.
	RSDVersion string `json:"rsd_version"`
	// Capabilities name what the service root offers, e.g. "compose".
	Capabilities []string  `json:"capabilities"`
	Description  string    `json:"description"`
	Location     string    `json:"location"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Authentication is one set of credentials for a pod manager (Valence's
// shape); Type is "basic".
type Authentication struct {
	Type      string    `json:"type"`
	AuthItems AuthItems `json:"auth_items"`
}

// AuthItems are the user name and password of a basic Authentication.
type AuthItems struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// PodManagerCreate is the body of POST /v1/pod_managers.
type PodManagerCreate struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Driver defaults to DriverRSD.
	Driver         string           `json:"driver,omitempty"`
	Authentication []Authentication `json:"authentication"`
	// TLSVerify defaults to true.
	TLSVerify   *bool  `json:"tls_verify,omitempty"`
	CACert      string `json:"ca_cert,omitempty"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
}

// PodManagerUpdate is the body of PATCH /v1/pod_managers/{uuid}, an RFC 7396
// JSON merge patch: a nil field is left as it is, and an empty string clears
// a text field.
type PodManagerUpdate struct {
	Name           *string          `json:"name,omitempty"`
	Authentication []Authentication `json:"authentication,omitempty"`
	TLSVerify      *bool            `json:"tls_verify,omitempty"`
	CACert         *string          `json:"ca_cert,omitempty"`
	Description    *string          `json:"description,omitempty"`
	Location       *string          `json:"location,omitempty"`
}

// Units of a Capacity.
const (
	// CapacityUnitSystem: free is a system no node uses (RSD, plain Redfish).
	CapacityUnitSystem = "system"
	// CapacityUnitBlock: free is a resource block a composition may take
	// (DMTF composition).
	CapacityUnitBlock = "block"
)

// Capacity is the free capacity of one pod manager, as answered by
// /v1/pod_managers/{uuid}/capacity.
type Capacity struct {
	PodmID string `json:"podm_id"`
	// Unit is CapacityUnitSystem or CapacityUnitBlock.
	Unit string `json:"unit"`
	// Systems counts systems, or Compute blocks in the unit block.
	Systems    Amount `json:"systems"`
	Cores      Amount `json:"cores"`
	MemoryGiB  Amount `json:"memory_gib"`
	StorageGiB Amount `json:"storage_gib"`
	// Warnings name what the pod manager did not give, counted as zero.
	Warnings []string `json:"warnings"`
}

// Amount is a total and the part of it that is free.
type Amount struct {
	Total int64 `json:"total"`
	Free  int64 `json:"free"`
}
