package api

// Error is the body of every 4xx and 5xx answer (OpenStack API-WG errors,
// the five keys Valence used plus the pod manager's own explanation).
type Error struct {
	// Code is a stable CamelCase name of the failure, e.g. "NotFound".
	Code string `json:"code"`
	// Title is a short human summary of Code.
	Title string `json:"title"`
	// Detail says what went wrong with this request.
	Detail string `json:"detail"`
	// Status repeats the HTTP status.
	Status int `json:"status"`
	// RequestID is the request's X-OpenStack-Request-Id.
	RequestID string `json:"request_id"`
	// ExtendedInfo carries the pod manager's @Message.ExtendedInfo messages.
	ExtendedInfo []string `json:"extended_info,omitempty"`
}

// Confirmation is the body of a successful DELETE (Valence's shape).
type Confirmation struct {
	// Code is always "DELETED".
	Code      string `json:"code"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

// Link is a hyperlink in the version documents.
type Link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
}

// Version describes one API version in the root document.
type Version struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Links      []Link `json:"links"`
	MinVersion string `json:"min_version"`
	MaxVersion string `json:"max_version"`
}

// Root is the body of GET /.
type Root struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Versions    []Version `json:"versions"`
}

// MediaType names a media type served by a version.
type MediaType struct {
	Base string `json:"base"`
	Type string `json:"type"`
}

// V1 is the body of GET /v1: the version and a self/bookmark link pair for
// each collection.
type V1 struct {
	ID          string      `json:"id"`
	Links       []Link      `json:"links"`
	MediaTypes  []MediaType `json:"media_types"`
	PodManagers []Link      `json:"pod_managers"`
	Flavors     []Link      `json:"flavors"`
	Nodes       []Link      `json:"nodes"`
	Systems     []Link      `json:"systems"`
	Storages    []Link      `json:"storages"`
	Racks       []Link      `json:"racks"`
}

// Health is the body of /healthz, and of /readyz when ready.
type Health struct {
	Status string `json:"status"`
}
