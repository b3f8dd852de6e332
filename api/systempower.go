package api

// SystemAction is the body of POST /v1/systems/{id}/action: a node action's
// Reset or Boot (a system has no volumes attached through Valence); exactly
// one field is set. PUT /v1/systems/{id}/states/power takes a PowerTarget,
// as a node's does.
type SystemAction struct {
	Reset *ResetAction `json:"Reset,omitempty"`
	Boot  *BootAction  `json:"Boot,omitempty"`
}
