package redfish

import (
	"slices"
	"strconv"
	"strings"

	"github.com/stmcginnis/gofish/schemas"
)

// Capability names something the service root links, hence something the
// pod manager can do.
type Capability string

// Capabilities detected from the service root.
const (
	CapSystems  Capability = "systems"  // Systems collection: inventory, ComputerSystem.Reset
	CapChassis  Capability = "chassis"  // Chassis collection
	CapRacks    Capability = "racks"    // a Chassis of type Rack exists (see detectRacks)
	CapCompose  Capability = "compose"  // RSD Nodes collection: Allocate, Assemble, composed nodes
	CapStorage  Capability = "storage"  // StorageServices (2.3+) or RSS Services (2.1/2.2)
	CapSessions Capability = "sessions" // Links.Sessions: Redfish session login
	// CapComposition: the root links a DMTF CompositionService (resource blocks
	// and zones); whether the Systems collection accepts a composition is told
	// by Client.Composition, which reads its collection capabilities.
	CapComposition Capability = "composition"
)

// ServiceInfo describes the pod manager as detected from its service root.
type ServiceInfo struct {
	// RedfishVersion is the root's RedfishVersion, e.g. "1.1.0".
	RedfishVersion string
	// RSDVersion is Oem.Intel_RackScale.ApiVersion, e.g. "2.3.0"; empty for
	// a plain Redfish service.
	RSDVersion string
	// UUID identifies the service instance.
	UUID string
	// Capabilities lists what the root links, in the order of the Cap constants.
	Capabilities []Capability
}

// IsRSD reports whether the service is an RSD pod manager.
func (s ServiceInfo) IsRSD() bool { return s.RSDVersion != "" }

// Has reports whether the service offers the capability.
func (s ServiceInfo) Has(c Capability) bool { return slices.Contains(s.Capabilities, c) }

// rsdAtLeast reports whether the RSD API version is at least major.minor;
// false for plain Redfish.
func (s ServiceInfo) rsdAtLeast(major, minor int) bool {
	parts := strings.SplitN(s.RSDVersion, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// storageKind tells the two RSD storage models apart.
type storageKind int

const (
	storageNone      storageKind = iota
	storageRSS                   // 2.1/2.2: Services/{id} with Targets and LogicalDrives
	storageSwordfish             // 2.3+: StorageServices/{id} with Volumes
)

// rootLinks are the collections the client walks, read from the root.
type rootLinks struct {
	systems, chassis, nodes, storage string
	storageKind                      storageKind
	composition                      string // the DMTF CompositionService
}

// rootJSON is the part of the service root this package reads. gofish's
// Service keeps Links.Sessions private and knows neither Nodes nor Services.
type rootJSON struct {
	RedfishVersion  string
	UUID            string
	Systems         schemas.Link
	Chassis         schemas.Link
	Nodes           schemas.Link // 2.1 puts Nodes at the top level
	Services        schemas.Link // 2.1 RSS storage
	StorageServices schemas.Link
	// CompositionService is DMTF composability (CompositionService_v1.xml).
	CompositionService schemas.Link
	Links              struct{ Sessions schemas.Link }
	Oem                struct {
		IntelRackScale struct {
			APIVersion string       `json:"ApiVersion"`
			Nodes      schemas.Link // 2.2+ put Nodes here
			Services   schemas.Link // 2.2 RSS storage
		} `json:"Intel_RackScale"`
	}
}

func (r *rootJSON) detect() (ServiceInfo, rootLinks) {
	rsd := r.Oem.IntelRackScale
	info := ServiceInfo{RedfishVersion: r.RedfishVersion, RSDVersion: rsd.APIVersion, UUID: r.UUID}
	l := rootLinks{systems: r.Systems.String(), chassis: r.Chassis.String(), nodes: firstLink(rsd.Nodes, r.Nodes),
		composition: r.CompositionService.String()}
	switch {
	case r.StorageServices != "":
		l.storage, l.storageKind = r.StorageServices.String(), storageSwordfish
	case firstLink(r.Services, rsd.Services) != "":
		l.storage, l.storageKind = firstLink(r.Services, rsd.Services), storageRSS
	}
	add := func(ok bool, c Capability) {
		if ok {
			info.Capabilities = append(info.Capabilities, c)
		}
	}
	add(l.systems != "", CapSystems)
	add(l.chassis != "", CapChassis)
	add(l.chassis != "", CapRacks)
	add(l.nodes != "" && info.IsRSD(), CapCompose)
	add(l.storage != "", CapStorage)
	add(r.Links.Sessions != "", CapSessions)
	add(l.composition != "", CapComposition)
	return info, l
}

func firstLink(links ...schemas.Link) string {
	for _, l := range links {
		if l != "" {
			return l.String()
		}
	}
	return ""
}
