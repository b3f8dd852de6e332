package redfish

// DMTF composability (Redfish CompositionService, DSP0268): the standard
// successor of RSD's Nodes/Allocate. A composed system is a ComputerSystem
// of SystemType Composed made of resource blocks; it is created by a POST to
// the Systems collection and decomposed by a DELETE of the system.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stmcginnis/gofish/schemas"
)

// The use cases of @Redfish.CollectionCapabilities that mean "this
// collection composes systems" (CollectionCapabilities_v1.xml, UseCase).
const (
	// UseCaseSpecific: a POST names the blocks in Links.ResourceBlocks.
	UseCaseSpecific = "ComputerSystemComposition"
	// UseCaseConstrained: a POST gives requirements and the service picks the blocks.
	UseCaseConstrained = "ComputerSystemConstrainedComposition"
)

// Bounds of a composition request: a composed system is a handful of blocks,
// so more is a caller's mistake rather than a request to pass on.
const (
	MaxComposeBlocks       = 64
	MaxComposeRequirements = 16
)

// CompositionService is the part of the DMTF CompositionService this package
// reads.
type CompositionService struct {
	// URI, ID and Name identify the service.
	URI, ID, Name string
	// Enabled is ServiceEnabled: false means the service composes nothing.
	Enabled bool
	// AllowOverprovisioning: a constrained composition may get more than it asked for.
	AllowOverprovisioning bool
	// AllowZoneAffinity: a request may name the zone that must fulfil it.
	AllowZoneAffinity bool
	// State and Health are the service's Status.
	State, Health string
	// ResourceBlocks and ResourceZones are the URIs of the two collections.
	ResourceBlocks, ResourceZones string
}

// CollectionCapability is one entry of a collection's
// @Redfish.CollectionCapabilities: what a POST to TargetCollection does.
type CollectionCapability struct {
	// UseCase is, for composition, UseCaseSpecific or UseCaseConstrained.
	UseCase string
	// CapabilitiesObject is the URI of the resource whose annotations say
	// which properties a POST requires (…@Redfish.RequiredOnCreate) and how
	// many blocks of each type it takes (@Redfish.ResourceBlockLimits).
	CapabilitiesObject string
	// TargetCollection is where to POST.
	TargetCollection string
	// RelatedItems are the resources the capability applies to (the zones).
	RelatedItems []string
}

// Composition is what Client.Composition detected: the service and the ways
// the Systems collection composes.
type Composition struct {
	Service CompositionService
	// Capabilities are the composition entries of the Systems collection's
	// @Redfish.CollectionCapabilities (other use cases left out).
	Capabilities []CollectionCapability
}

// Capability returns the first capability of the use case and whether there is one.
func (c Composition) Capability(useCase string) (CollectionCapability, bool) {
	for _, cc := range c.Capabilities {
		if cc.UseCase == useCase {
			return cc, true
		}
	}
	return CollectionCapability{}, false
}

// CanCompose reports whether the service is enabled and the Systems
// collection advertises at least one of the two composition use cases.
func (c Composition) CanCompose() bool {
	_, specific := c.Capability(UseCaseSpecific)
	_, constrained := c.Capability(UseCaseConstrained)
	return c.Service.Enabled && (specific || constrained)
}

// Wire shapes.
type (
	statusJSON struct{ State, Health string }

	compositionServiceJSON struct {
		ODataID               string `json:"@odata.id"`
		ID                    string `json:"Id"`
		Name                  string
		Status                statusJSON
		ServiceEnabled        bool
		AllowOverprovisioning bool
		AllowZoneAffinity     bool
		ResourceBlocks        schemas.Link
		ResourceZones         schemas.Link
	}

	collectionCapabilitiesJSON struct {
		Capabilities []struct {
			CapabilitiesObject schemas.Link
			UseCase            string
			Links              struct {
				TargetCollection schemas.Link
				RelatedItem      schemas.Links
			}
		}
	}

	capableCollectionJSON struct {
		Capabilities collectionCapabilitiesJSON `json:"@Redfish.CollectionCapabilities"`
	}
)

func (cj collectionCapabilitiesJSON) composition() []CollectionCapability {
	var out []CollectionCapability
	for _, c := range cj.Capabilities {
		if c.UseCase != UseCaseSpecific && c.UseCase != UseCaseConstrained {
			continue
		}
		out = append(out, CollectionCapability{UseCase: c.UseCase, CapabilitiesObject: c.CapabilitiesObject.String(),
			TargetCollection: c.Links.TargetCollection.String(), RelatedItems: uris(c.Links.RelatedItem)})
	}
	return out
}

// Composition reads the CompositionService and the Systems collection's
// @Redfish.CollectionCapabilities; ErrNotSupported when the root links no
// CompositionService (an RSD pod manager, a plain BMC).
func (c *Client) Composition(ctx context.Context) (Composition, error) {
	if err := c.need(CapComposition); err != nil {
		return Composition{}, err
	}
	var sj compositionServiceJSON
	if err := c.getJSON(ctx, c.links.composition, &sj); err != nil {
		return Composition{}, err
	}
	out := Composition{Service: CompositionService{
		URI: sj.ODataID, ID: sj.ID, Name: sj.Name, Enabled: sj.ServiceEnabled,
		AllowOverprovisioning: sj.AllowOverprovisioning, AllowZoneAffinity: sj.AllowZoneAffinity,
		State: sj.Status.State, Health: sj.Status.Health,
		ResourceBlocks: sj.ResourceBlocks.String(), ResourceZones: sj.ResourceZones.String(),
	}}
	if c.links.systems == "" {
		return out, nil
	}
	var coll capableCollectionJSON
	if err := c.getJSON(ctx, c.links.systems, &coll); err != nil {
		return Composition{}, err
	}
	out.Capabilities = coll.Capabilities.composition()
	return out, nil
}

// BlockLimits reads @Redfish.ResourceBlockLimits of a capabilities object
// (CollectionCapability.CapabilitiesObject): how many blocks of each type a
// specific composition takes. A nil field has no limit.
func (c *Client) BlockLimits(ctx context.Context, capabilitiesObject string) (schemas.ResourceBlockLimits, error) {
	var v struct {
		Limits schemas.ResourceBlockLimits `json:"@Redfish.ResourceBlockLimits"`
	}
	err := c.getJSON(ctx, capabilitiesObject, &v)
	return v.Limits, err
}

// CreateFields are the properties of one member of a collection that a
// constrained composition request may carry, as a capabilities object lists
// them (…@Redfish.RequiredOnCreate, …@Redfish.OptionalOnCreate).
type CreateFields struct {
	// Offered: the capabilities object lists the collection (Processors, Memory)
	// as required or optional on create.
	Offered bool
	// Required: the collection must be in every request.
	Required bool
	// Fields maps each property a member may carry to whether it is required.
	Fields map[string]bool
	// CountRequired: each member must carry @Redfish.RequestedCount.
	CountRequired bool
}

// Allows reports whether a member may carry the property.
func (f CreateFields) Allows(property string) bool {
	_, ok := f.Fields[property]
	return ok
}

// ConstrainedCapabilities is what a constrained composition's capabilities
// object says a request may ask of processors, memory and Ethernet
// interfaces.
type ConstrainedCapabilities struct {
	Processors, Memory, EthernetInterfaces CreateFields
}

// Annotations of a capabilities object.
const (
	requiredOnCreate = "@Redfish.RequiredOnCreate"
	optionalOnCreate = "@Redfish.OptionalOnCreate"
)

// maxCreateFields bounds the properties read of one capabilities object's
// member: a schema's properties are a few dozen.
const maxCreateFields = 256

// createFields reads the annotations of collection in a capabilities object.
func createFields(obj map[string]json.RawMessage, collection string) CreateFields {
	var f CreateFields
	var required, optional bool
	_ = json.Unmarshal(obj[collection+requiredOnCreate], &required)
	_ = json.Unmarshal(obj[collection+optionalOnCreate], &optional)
	f.Offered, f.Required = required || optional, required
	var coll struct{ Members []map[string]json.RawMessage }
	if !f.Offered || json.Unmarshal(obj[collection], &coll) != nil || len(coll.Members) == 0 {
		return f
	}
	f.Fields = map[string]bool{}
	for key, v := range coll.Members[0] {
		var on bool
		if json.Unmarshal(v, &on) != nil || !on {
			continue
		}
		if key == "@Redfish.RequestedCountRequired" {
			f.CountRequired = true
			continue
		}
		name, required := strings.CutSuffix(key, requiredOnCreate)
		if !required {
			var optional bool
			if name, optional = strings.CutSuffix(key, optionalOnCreate); !optional {
				continue
			}
		}
		if _, seen := f.Fields[name]; seen || len(f.Fields) < maxCreateFields {
			f.Fields[name] = f.Fields[name] || required
		}
	}
	return f
}

// ConstrainedCapabilities reads the capabilities object of constrained
// composition (CollectionCapability.CapabilitiesObject of
// UseCaseConstrained): which members of Processors and Memory a request may
// carry, with which properties, and likewise of EthernetInterfaces.
func (c *Client) ConstrainedCapabilities(ctx context.Context, capabilitiesObject string) (ConstrainedCapabilities, error) {
	var obj map[string]json.RawMessage
	if err := c.getJSON(ctx, capabilitiesObject, &obj); err != nil {
		return ConstrainedCapabilities{}, err
	}
	return ConstrainedCapabilities{Processors: createFields(obj, "Processors"), Memory: createFields(obj, "Memory"),
		EthernetInterfaces: createFields(obj, "EthernetInterfaces")}, nil
}

// ResourceBlock is a composable unit of a DMTF composition service.
type ResourceBlock struct {
	// URI, ID and Name identify the block.
	URI, ID, Name string
	// Types is ResourceBlockType: Compute, Processor, Memory, Storage, Network, …
	Types []schemas.ResourceBlockType
	// State is CompositionStatus.CompositionState: Unused, Composing, Composed, …
	State schemas.CompositionState
	// Reserved is set by a client that means to use the block (CompositionStatus.Reserved).
	Reserved bool
	// SharingCapable and SharingEnabled say whether the block may be in several compositions.
	SharingCapable, SharingEnabled bool
	// MaxCompositions and NumberOfCompositions count the compositions the block
	// may be in and is in; -1 when the service does not say.
	MaxCompositions, NumberOfCompositions int
	// Pool is Free, Active or Unassigned (ResourceBlock 1.4+); empty when absent.
	Pool string
	// StatusState and Health are the block's Status.
	StatusState, Health string
	// The devices of the block, by URI.
	Processors, Memory, Drives, Storage, SimpleStorage, EthernetInterfaces, NetworkInterfaces []string
	// Links: the systems composed with the block, its chassis and its zones.
	ComputerSystems, Chassis, Zones []string
}

// Has reports whether the block is of type t.
func (b ResourceBlock) Has(t schemas.ResourceBlockType) bool { return slices.Contains(b.Types, t) }

// Free reports whether a composition may take the block: Unused and not
// reserved, or shared with room for one more composition.
func (b ResourceBlock) Free() bool {
	if b.Reserved {
		return false
	}
	switch b.State {
	case schemas.UnusedCompositionState:
		return true
	case schemas.ComposedAndAvailableCompositionState, schemas.ComposedCompositionState:
		return b.SharingEnabled && b.MaxCompositions > b.NumberOfCompositions
	}
	return false
}

type resourceBlockJSON struct {
	ODataID           string `json:"@odata.id"`
	ID                string `json:"Id"`
	Name              string
	ResourceBlockType []schemas.ResourceBlockType
	Status            statusJSON
	Pool              string
	CompositionStatus struct {
		Reserved                              bool
		CompositionState                      schemas.CompositionState
		SharingCapable, SharingEnabled        bool
		MaxCompositions, NumberOfCompositions *int
	}
	Processors, Memory, Drives, Storage, SimpleStorage, EthernetInterfaces, NetworkInterfaces schemas.Links
	Links                                                                                     struct {
		ComputerSystems, Chassis, Zones schemas.Links
	}
}

func (j *resourceBlockJSON) block() ResourceBlock {
	cs := j.CompositionStatus
	count := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	return ResourceBlock{
		URI: j.ODataID, ID: j.ID, Name: j.Name, Types: j.ResourceBlockType, State: cs.CompositionState,
		Reserved: cs.Reserved, SharingCapable: cs.SharingCapable, SharingEnabled: cs.SharingEnabled,
		MaxCompositions: count(cs.MaxCompositions), NumberOfCompositions: count(cs.NumberOfCompositions),
		Pool: j.Pool, StatusState: j.Status.State, Health: j.Status.Health,
		Processors: uris(j.Processors), Memory: uris(j.Memory), Drives: uris(j.Drives),
		Storage: uris(j.Storage), SimpleStorage: uris(j.SimpleStorage),
		EthernetInterfaces: uris(j.EthernetInterfaces), NetworkInterfaces: uris(j.NetworkInterfaces),
		ComputerSystems: uris(j.Links.ComputerSystems), Chassis: uris(j.Links.Chassis), Zones: uris(j.Links.Zones),
	}
}

// GetResourceBlock reads one resource block by URI.
func (c *Client) GetResourceBlock(ctx context.Context, uri string) (ResourceBlock, error) {
	var j resourceBlockJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return ResourceBlock{}, err
	}
	return j.block(), nil
}

// ResourceBlocks reads every block of the CompositionService's ResourceBlocks
// collection, at most Config.MaxConcurrent requests at a time. Blocks that
// cannot be read are left out and their errors joined, as in the inventory.
func (c *Client) ResourceBlocks(ctx context.Context, comp CompositionService) ([]ResourceBlock, error) {
	return readCollection(ctx, c, comp.ResourceBlocks, "resource blocks", c.GetResourceBlock)
}

// readCollection reads every member of the collection at uri with get;
// ErrNotSupported when the service links no such collection.
func readCollection[T any](ctx context.Context, c *Client, uri, what string, get func(context.Context, string) (T, error)) ([]T, error) {
	if uri == "" {
		return nil, fmt.Errorf("redfish: %s: %w", what, ErrNotSupported)
	}
	members, err := c.members(ctx, uri)
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, members, get)
}

// ResourceZone is a Zone of ZoneType ZoneOfResourceBlocks: blocks that can be
// composed together.
type ResourceZone struct {
	// URI, ID and Name identify the zone.
	URI, ID, Name string
	// ZoneType is ZoneOfResourceBlocks for a composition zone.
	ZoneType string
	// StatusState and Health are the zone's Status.
	StatusState, Health string
	// ResourceBlocks are the blocks of the zone (Links.ResourceBlocks).
	ResourceBlocks []string
	// Capabilities are the zone's own composition @Redfish.CollectionCapabilities,
	// which some services put on the zone rather than on the Systems collection.
	Capabilities []CollectionCapability
}

type resourceZoneJSON struct {
	ODataID      string `json:"@odata.id"`
	ID           string `json:"Id"`
	Name         string
	ZoneType     string
	Status       statusJSON
	Links        struct{ ResourceBlocks schemas.Links }
	Capabilities collectionCapabilitiesJSON `json:"@Redfish.CollectionCapabilities"`
}

func (c *Client) getResourceZone(ctx context.Context, uri string) (ResourceZone, error) {
	var j resourceZoneJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return ResourceZone{}, err
	}
	return ResourceZone{URI: j.ODataID, ID: j.ID, Name: j.Name, ZoneType: j.ZoneType,
		StatusState: j.Status.State, Health: j.Status.Health, ResourceBlocks: uris(j.Links.ResourceBlocks),
		Capabilities: j.Capabilities.composition()}, nil
}

// ResourceZones reads every zone of the CompositionService's ResourceZones
// collection, like ResourceBlocks.
func (c *Client) ResourceZones(ctx context.Context, comp CompositionService) ([]ResourceZone, error) {
	return readCollection(ctx, c, comp.ResourceZones, "resource zones", c.getResourceZone)
}

// ComposeRequest is the body of a POST to the Systems collection. Give
// either Blocks (specific composition) or requirements (constrained
// composition), not both.
type ComposeRequest struct {
	// Name is required by the DMTF capabilities objects; Description is optional.
	Name, Description string
	// Blocks are the URIs of the resource blocks to compose (Links.ResourceBlocks).
	Blocks []string
	// Processors, Memory and EthernetInterfaces are constrained-composition
	// requirements, each asking for Count items that meet its other fields.
	Processors         []ProcessorRequirement
	Memory             []MemoryRequirement
	EthernetInterfaces []EthernetRequirement
}

// ProcessorRequirement is one member of a constrained composition's Processors.
type ProcessorRequirement struct {
	// Count is sent as @Redfish.RequestedCount (at least 1).
	Count int `json:"@Redfish.RequestedCount"`
	// ProcessorType (CPU, GPU, FPGA, …) and TotalCores are required by the DMTF mockup's capabilities.
	ProcessorType string `json:",omitempty"`
	TotalCores    int    `json:",omitempty"`
	Model         string `json:",omitempty"`
	// InstructionSet is x86-64, ARM-A64 and the like.
	InstructionSet string `json:",omitempty"`
}

// MemoryRequirement is one member of a constrained composition's Memory.
type MemoryRequirement struct {
	// Count is sent as @Redfish.RequestedCount (at least 1).
	Count int `json:"@Redfish.RequestedCount"`
	// MemoryType (DRAM, …) and CapacityMiB (per item) are required by the DMTF mockup's capabilities.
	MemoryType       string `json:",omitempty"`
	CapacityMiB      int    `json:",omitempty"`
	MemoryDeviceType string `json:",omitempty"`
}

// EthernetRequirement is one member of a constrained composition's EthernetInterfaces.
type EthernetRequirement struct {
	// Count is sent as @Redfish.RequestedCount (at least 1).
	Count int `json:"@Redfish.RequestedCount"`
	// SpeedMbps is the least speed of each interface (required by the DMTF mockup's capabilities).
	SpeedMbps int `json:",omitempty"`
}

type (
	membersJSON[T any] struct{ Members []T }
	blockLinksJSON     struct{ ResourceBlocks []Ref }
	composeJSON        struct {
		Name        string
		Description string                             `json:",omitempty"`
		Links       *blockLinksJSON                    `json:",omitempty"`
		Processors  *membersJSON[ProcessorRequirement] `json:",omitempty"`
		Memory      *membersJSON[MemoryRequirement]    `json:",omitempty"`
		// EthernetInterfaces is a constrained request's interfaces.
		EthernetInterfaces *membersJSON[EthernetRequirement] `json:",omitempty"`
	}
)

// ErrBadRequest is returned, before anything is sent, for a compose request
// that is not one of the two forms or breaks a bound.
var ErrBadRequest = errors.New("invalid composition request")

// blockRefs checks the blocks of a composition or of a PATCH (op names it):
// some, at most MaxComposeBlocks, none empty or named twice.
func blockRefs(op string, blocks []string) ([]Ref, error) {
	if len(blocks) == 0 || len(blocks) > MaxComposeBlocks {
		return nil, fmt.Errorf("redfish: %s: %w: %d blocks, want 1 to %d", op, ErrBadRequest, len(blocks), MaxComposeBlocks)
	}
	refs := make([]Ref, 0, len(blocks))
	for _, b := range blocks {
		if b == "" || slices.Contains(refs, Ref(b)) {
			return nil, fmt.Errorf("redfish: %s: %w: block %q empty or named twice", op, ErrBadRequest, b)
		}
		refs = append(refs, Ref(b))
	}
	return refs, nil
}

func (r *ComposeRequest) wire() (composeJSON, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("redfish: compose: %w: "+format, append([]any{ErrBadRequest}, a...)...)
	}
	requirements := len(r.Processors) + len(r.Memory) + len(r.EthernetInterfaces)
	constrained := requirements > 0
	switch {
	case r.Name == "":
		return composeJSON{}, bad("Name is required")
	case len(r.Blocks) > 0 && constrained:
		return composeJSON{}, bad("blocks and requirements are two forms of composition; give one")
	case len(r.Blocks) == 0 && !constrained:
		return composeJSON{}, bad("neither blocks nor requirements")
	case requirements > MaxComposeRequirements:
		return composeJSON{}, bad("%d requirements, at most %d", requirements, MaxComposeRequirements)
	}
	w := composeJSON{Name: r.Name, Description: r.Description}
	if len(r.Blocks) > 0 {
		refs, err := blockRefs("compose", r.Blocks)
		w.Links = &blockLinksJSON{refs}
		return w, err
	}
	for _, p := range r.Processors {
		if p.Count < 1 || p.TotalCores < 0 {
			return composeJSON{}, bad("processor count %d, cores %d", p.Count, p.TotalCores)
		}
	}
	for _, m := range r.Memory {
		if m.Count < 1 || m.CapacityMiB < 0 {
			return composeJSON{}, bad("memory count %d, capacity %d MiB", m.Count, m.CapacityMiB)
		}
	}
	for _, e := range r.EthernetInterfaces {
		if e.Count < 1 || e.SpeedMbps < 0 {
			return composeJSON{}, bad("interface count %d, speed %d Mbps", e.Count, e.SpeedMbps)
		}
	}
	if len(r.EthernetInterfaces) > 0 {
		w.EthernetInterfaces = &membersJSON[EthernetRequirement]{r.EthernetInterfaces}
	}
	if len(r.Processors) > 0 {
		w.Processors = &membersJSON[ProcessorRequirement]{r.Processors}
	}
	if len(r.Memory) > 0 {
		w.Memory = &membersJSON[MemoryRequirement]{r.Memory}
	}
	return w, nil
}

// ComposeSystem POSTs the request to the Systems collection and returns the
// composed system's URI (the path of the Location header). A refusal is an
// *Error: 409 for blocks in use, 400 for blocks of different zones, a
// missing property or requirements no blocks meet, as the service says in
// its ExtendedInfo.
//
// A service that answers 202 Accepted composes in a task (DSP0266's
// asynchronous operations): ComposeSystem follows the task monitor until the
// task ends or ctx does (see sendAsync), and returns the system the finished
// operation names: its Location, or the Task's Links.CreatedResources.
func (c *Client) ComposeSystem(ctx context.Context, req ComposeRequest) (string, error) {
	if err := c.need(CapComposition); err != nil {
		return "", err
	}
	body, err := req.wire()
	if err != nil {
		return "", err
	}
	uri := c.links.systems
	h, task, err := c.sendAsync(ctx, http.MethodPost, uri, body)
	switch {
	case err != nil:
		return "", err
	case h.Get("Location") == "" && task != nil && len(task.Links.CreatedResources) > 0:
		return task.Links.CreatedResources[0].String(), nil
	}
	return locationPath(h, http.MethodPost, uri)
}

// Polling of a task monitor: a backoff from taskPollMin doubling to
// taskPollMax, or the service's Retry-After up to taskRetryAfterMax; the
// caller's deadline bounds the whole.
const (
	taskPollMin       = 250 * time.Millisecond
	taskPollMax       = 5 * time.Second
	taskRetryAfterMax = time.Minute
)

// taskJSON is the part of a Task this package reads.
type taskJSON struct {
	TaskState string
	Messages  []struct {
		MessageID string `json:"MessageId"`
		Message   string
	}
	Links struct{ CreatedResources schemas.Links }
}

// failedTaskStates are the TaskStates of a task that ended without its result.
var failedTaskStates = []string{"Exception", "Killed", "Cancelled", "Interrupted"}

// sendAsync sends a request as send does and, when the service answers 202
// Accepted, follows the task monitor (the Location) until the operation's
// own answer: it waits as the monitor's Retry-After says, or with a backoff,
// until ctx ends. It returns the headers of the operation's answer, and the
// Task when the monitor ended with a Task rather than that answer. The
// failed operation's answer (a 409 and its messages) or a Task that ended in
// failure is an *Error with those messages.
func (c *Client) sendAsync(ctx context.Context, method, uri string, body any) (http.Header, *taskJSON, error) {
	h, status, err := c.sendStatus(ctx, method, uri, body)
	if err != nil || status != http.StatusAccepted {
		return h, nil, err
	}
	monitor, err := locationPath(h, method, uri)
	if err != nil {
		return nil, nil, err
	}
	backoff := taskPollMin
	for {
		wait := backoff
		if after, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
			wait = min(after, taskRetryAfterMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, fmt.Errorf("redfish: %s %s: task %s: %w", method, uri, monitor, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, taskPollMax)
		resp, err := c.at(ctx).RunRawRequestWithHeaders(http.MethodGet, monitor, nil, "", nil)
		if err != nil {
			// The failed operation's own answer comes as the monitor's.
			return nil, nil, wrapErr(method, uri, err)
		}
		var task taskJSON
		decodeErr := json.NewDecoder(resp.Body).Decode(&task)
		schemas.DeferredCleanupHTTPResponse(resp)
		if h = resp.Header; resp.StatusCode == http.StatusAccepted {
			continue
		}
		if decodeErr != nil || !slices.Contains(failedTaskStates, task.TaskState) {
			return h, &task, nil // the operation's answer, or the Task of its success
		}
		e := &Error{Method: method, URI: clip(uri), StatusCode: resp.StatusCode, Code: "TaskState " + clip(task.TaskState),
			Message: "the task ended in " + clip(task.TaskState)}
		for _, m := range task.Messages {
			e.addExtended(m.Message, m.MessageID)
		}
		return nil, nil, e
	}
}

// ComposedSystem is what this package reads of a system to tell a composed
// one and its blocks.
type ComposedSystem struct {
	// URI, ID and Name identify the system.
	URI, ID, Name string
	// Description is the one the composition request gave, if any.
	Description string
	// SystemType is Composed for a system made of resource blocks (Physical,
	// Virtual, … otherwise).
	SystemType string
	// PowerState is On, Off, …
	PowerState string
	// Blocks are Links.ResourceBlocks.
	Blocks []string
	// Boot is the system's boot override.
	Boot BootSettings
	// AddBlockTarget and RemoveBlockTarget are the targets of the
	// ComputerSystem.AddResourceBlock and RemoveResourceBlock actions, empty
	// where the system does not offer them.
	AddBlockTarget, RemoveBlockTarget string
}

// IsComposed reports whether the system was composed of resource blocks.
func (s ComposedSystem) IsComposed() bool { return s.SystemType == "Composed" }

// GetComposedSystem reads a system's type, resource blocks and boot
// override, by URI or Id.
func (c *Client) GetComposedSystem(ctx context.Context, system string) (ComposedSystem, error) {
	uri := member(c.links.systems, system)
	var j struct {
		ODataID     string `json:"@odata.id"`
		ID          string `json:"Id"`
		Name        string
		Description string
		SystemType  string
		PowerState  string
		Boot        BootSettings
		Links       struct{ ResourceBlocks schemas.Links }
		Actions     struct {
			Add    struct{ Target string } `json:"#ComputerSystem.AddResourceBlock"`
			Remove struct{ Target string } `json:"#ComputerSystem.RemoveResourceBlock"`
		}
	}
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return ComposedSystem{}, err
	}
	return ComposedSystem{URI: j.ODataID, ID: j.ID, Name: j.Name, Description: j.Description, SystemType: j.SystemType,
		PowerState: j.PowerState, Blocks: uris(j.Links.ResourceBlocks), Boot: j.Boot,
		AddBlockTarget: j.Actions.Add.Target, RemoveBlockTarget: j.Actions.Remove.Target}, nil
}

// AddResourceBlock adds a block to a composed system, by URI or Id, with its
// ComputerSystem.AddResourceBlock action (ErrNotSupported where the system
// does not offer it). The service refuses a block in use (409) or one that
// breaks its rules (400: another zone, a second Compute block), as for a
// composition; an answer 202 is followed as sendAsync does.
func (c *Client) AddResourceBlock(ctx context.Context, system, block string) error {
	return c.blockAction(ctx, system, block, true)
}

// RemoveResourceBlock takes a block out of a composed system, by URI or Id,
// with its ComputerSystem.RemoveResourceBlock action, as AddResourceBlock.
func (c *Client) RemoveResourceBlock(ctx context.Context, system, block string) error {
	return c.blockAction(ctx, system, block, false)
}

func (c *Client) blockAction(ctx context.Context, system, block string, add bool) error {
	if err := c.need(CapComposition); err != nil {
		return err
	}
	if block == "" {
		return fmt.Errorf("redfish: resource block action: %w: no block", ErrBadRequest)
	}
	cs, err := c.GetComposedSystem(ctx, system)
	if err != nil {
		return err
	}
	target, action := cs.RemoveBlockTarget, "RemoveResourceBlock"
	if add {
		target, action = cs.AddBlockTarget, "AddResourceBlock"
	}
	if target == "" {
		return fmt.Errorf("redfish: %s of %s: %w", action, cs.URI, ErrNotSupported)
	}
	_, _, err = c.sendAsync(ctx, http.MethodPost, target, struct{ ResourceBlock Ref }{Ref(block)})
	return err
}

// BlocksUpdatable reads whether a specific composition's capabilities object
// lets a client replace a composed system's blocks with a PATCH of
// Links.ResourceBlocks (ResourceBlocks@Redfish.UpdatableAfterCreate).
func (c *Client) BlocksUpdatable(ctx context.Context, capabilitiesObject string) (bool, error) {
	var v struct {
		Links struct {
			Updatable bool `json:"ResourceBlocks@Redfish.UpdatableAfterCreate"`
		}
	}
	err := c.getJSON(ctx, capabilitiesObject, &v)
	return v.Links.Updatable, err
}

// SetResourceBlocks replaces the blocks of a composed system, by URI or Id,
// with a PATCH of Links.ResourceBlocks, where BlocksUpdatable says the
// service allows it; the blocks left go back to the free pool. The service
// applies the rules of a composition to the new list.
func (c *Client) SetResourceBlocks(ctx context.Context, system string, blocks []string) error {
	if err := c.need(CapComposition); err != nil {
		return err
	}
	refs, err := blockRefs("set resource blocks", blocks)
	if err != nil {
		return err
	}
	_, _, err = c.sendAsync(ctx, http.MethodPatch, member(c.links.systems, system), struct{ Links blockLinksJSON }{blockLinksJSON{refs}})
	return err
}

// ComposedSystems reads every system of the Systems collection as
// GetComposedSystem does (one request each, no parts), composed or not;
// like ResourceBlocks, the ones that cannot be read are left out and their
// errors joined.
func (c *Client) ComposedSystems(ctx context.Context) ([]ComposedSystem, error) {
	return readCollection(ctx, c, c.links.systems, "systems", c.GetComposedSystem)
}

// SystemURI is the path of the system whose Id is id, where a composed
// system is created.
func (c *Client) SystemURI(id string) string { return member(c.links.systems, id) }

// DecomposeSystem DELETEs a composed system, by URI or Id, which returns its
// blocks to the free pool; a service that answers 202 is followed to the
// task's end, as ComposeSystem does.
func (c *Client) DecomposeSystem(ctx context.Context, system string) error {
	if err := c.need(CapComposition); err != nil {
		return err
	}
	_, _, err := c.sendAsync(ctx, http.MethodDelete, member(c.links.systems, system), nil)
	return err
}

// uris returns the targets of links, nil when there are none (gofish gives
// an empty slice), so that "no link" reads one way whatever the service sent.
func uris(l schemas.Links) []string {
	if len(l) == 0 {
		return nil
	}
	return l.ToStrings()
}
