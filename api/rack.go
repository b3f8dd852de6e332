package api

// Rack is a chassis of type Rack of a pod manager, as answered by
// /v1/racks.
type Rack struct {
	// ID is the Redfish Id of the chassis.
	ID           string `json:"id"`
	Name         string `json:"name"`
	PodmID       string `json:"podm_id"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Description  string `json:"description"`
	SerialNumber string `json:"serial_number"`
	// Systems are the UUIDs of the systems in the rack, an empty list, never
	// null, when there are none.
	Systems []string `json:"systems"`
}
