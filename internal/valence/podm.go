package valence

import "context"

// Access is what a connection to a pod manager is made from.
type Access struct {
	URL       string
	Driver    string
	Username  string
	Password  string
	TLSVerify bool
	// CACert is a PEM bundle trusted for the pod manager's certificate.
	CACert string
}

// ServiceInfo is what probing a pod manager's service root learns.
type ServiceInfo struct {
	RedfishVersion string
	// RSDVersion is Oem.Intel_RackScale.ApiVersion; empty for plain Redfish.
	RSDVersion   string
	Capabilities []string
	// UUID is the service root's UUID; empty when it has none.
	UUID string
}

// Connector opens connections to pod managers. Connect may fail with
// PodManagerUnavailable (unreachable), or PodManagerAuthFailed (credentials
// refused).
type Connector interface {
	Connect(ctx context.Context, a Access) (PodManagerConn, error)
}

// PodManagerConn is one live connection to a pod manager. Nodes and volumes
// are named by their Redfish paths. Failures are *Error values:
// PodManagerUnavailable when it cannot be reached, Timeout past ctx's
// deadline, NotFound for a missing resource, Conflict when it has no
// resources for a request, Invalid when it refuses a request as malformed,
// PodManagerAuthFailed when it refuses Valence's credentials (from any
// operation: a session may expire), NotImplemented when it does not do what
// it was asked, PodManagerError otherwise, each with the pod manager's
// ExtendedInfo.
type PodManagerConn interface {
	// Probe reads the service root with the connection's credentials and
	// tells what the service is and offers.
	Probe(ctx context.Context) (ServiceInfo, error)
	// NodeURI is the path of the node whose Id is index.
	NodeURI(index string) string

	// Allocate asks for a node of req and says where it is and whether it
	// is known to carry req.ComposeID (see Allocation).
	Allocate(ctx context.Context, req AllocateRequest) (Allocation, error)
	Assemble(ctx context.Context, nodeURI string) error
	// WaitAssembled returns the node once it is Assembled, as read then:
	// its identity and state at least (a compose records no more than
	// Index and PowerState), or an error when it failed or ctx ended first.
	WaitAssembled(ctx context.Context, nodeURI string) (PodmNode, error)
	GetNode(ctx context.Context, nodeURI string) (PodmNode, error)
	// ListNodes returns every composed node of the pod manager, without
	// its hardware detail (Metadata).
	ListNodes(ctx context.Context) ([]PodmNode, error)
	// DeleteNode removes the node; a node already gone is not an error.
	DeleteNode(ctx context.Context, nodeURI string) error
	// ResetNode sends ComposedNode.Reset to the node at nodeURI; a reset type
	// the node does not list is refused as Invalid, naming those it lists.
	ResetNode(ctx context.Context, nodeURI, resetType string) error
	SetBoot(ctx context.Context, nodeURI string, boot Boot) error
	AttachVolume(ctx context.Context, nodeURI, volumeURI string) error
	DetachVolume(ctx context.Context, nodeURI, volumeURI string) error

	Systems(ctx context.Context) ([]System, error)
	// System reads the system whose Redfish Id is id by its path, without
	// the walk of Systems: its Location from its chassis' links where the
	// service gives them, its NodeURI from its own links. NotFound when the
	// path answers 404.
	System(ctx context.Context, id string) (System, error)
	// ResetSystem sends ComputerSystem.Reset to the system at systemURI; a
	// reset type the system does not list is refused as Invalid.
	ResetSystem(ctx context.Context, systemURI, resetType string) error
	// SetSystemBoot sets the system's boot override, likewise checked
	// against the values it lists.
	SetSystemBoot(ctx context.Context, systemURI string, boot Boot) error
	// BlockCapacity counts the resource blocks of a pod manager that
	// composes of them (DMTF composition): Systems counts its Compute
	// blocks, the other amounts their parts, free what a composition may
	// take. ok is false, with no call, for a pod manager that does not: its
	// capacity is counted in systems.
	BlockCapacity(ctx context.Context) (c Capacity, ok bool, err error)
	Racks(ctx context.Context) ([]Rack, error)
	Volumes(ctx context.Context) ([]Volume, error)
	CreateVolume(ctx context.Context, req VolumeRequest) (Volume, error)
	DeleteVolume(ctx context.Context, volumeURI string) error

	// Close logs out and releases the connection.
	Close() error
}

// PodmNode is a composed node as its pod manager describes it.
type PodmNode struct {
	Index          string
	URI            string
	Name           string
	Description    string
	State          string
	PowerState     string
	Health         string
	Boot           Boot
	ComputerSystem string
	AllowedResets  []string
	Metadata       NodeMetadata
	// ComposeID is the AllocateRequest.ComposeID that made the node, read
	// back from the pod manager where the driver keeps it (at the head of
	// the node's Description); empty when it is not there: a node made
	// outside Valence, or by a pod manager that did not keep it.
	ComposeID string
}

// Allocation is what an Allocate made.
type Allocation struct {
	// URI is the node's path.
	URI string
	// Marked says that the node is known to carry the request's ComposeID,
	// so that recovery finds it by PodmNode.ComposeID in any state, without
	// the intent naming it. False when it is not known: the pod manager was
	// seen to drop the mark, or could not be asked yet.
	Marked bool
}

// Boot is a boot override.
type Boot struct {
	// Enabled is Once, Continuous or Disabled.
	Enabled string
	// Target is Pxe, Hdd, RemoteDrive or None.
	Target string
	// Mode is Legacy or UEFI; empty leaves it as it is.
	Mode string
}

// AllocateRequest is RSD's Allocate request in the core's terms; the
// connection turns it into the request of the pod manager's RSD version.
type AllocateRequest struct {
	Name        string
	Description string
	// ComposeID is the compose's intent (the uuid its node will have): a
	// driver that can keep it on what it makes reports it as
	// PodmNode.ComposeID, so that recovery finds what an Allocate whose
	// answer was lost made.
	ComposeID            string
	TotalSystemCoreCount int
	TotalSystemMemoryMiB int
	Processors           []ProcessorReq
	Memory               []MemoryReq
	LocalDrives          []LocalDriveReq
	RemoteDrives         []RemoteDriveReq
	EthernetInterfaces   []NetworkReq
	Security             *SecurityReq
}

// VolumeRequest asks a pod manager for a new volume.
type VolumeRequest struct {
	Name           string
	StorageService string
	CapacityGiB    float64
	Bootable       bool
	// SourceURI, when set, is a volume to clone.
	SourceURI string
}
