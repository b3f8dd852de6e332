package redfish

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/stmcginnis/gofish/schemas"
)

// ComposedNodeState is the composition state of an RSD composed node.
type ComposedNodeState string

// Composed node states. Allocate leaves a node Allocated; Assemble moves it
// through Assembling to Assembled, or to Failed.
const (
	NodeAllocating ComposedNodeState = "Allocating"
	NodeAllocated  ComposedNodeState = "Allocated"
	NodeAssembling ComposedNodeState = "Assembling"
	NodeAssembled  ComposedNodeState = "Assembled"
	NodeFailed     ComposedNodeState = "Failed"
)

// BootSettings is a node's boot source override.
type BootSettings struct {
	// Enabled is Disabled, Once or Continuous.
	Enabled schemas.BootSourceOverrideEnabled `json:"BootSourceOverrideEnabled,omitempty"`
	// Target is the override boot source, e.g. Pxe, Hdd, RemoteDrive.
	Target schemas.BootSource `json:"BootSourceOverrideTarget,omitempty"`
	// Mode is Legacy or UEFI.
	Mode schemas.BootSourceOverrideMode `json:"BootSourceOverrideMode,omitempty"`
}

// Boot is a node's boot override with the values the pod manager allows.
type Boot struct {
	BootSettings
	// AllowedEnabled, AllowedTargets and AllowedModes come from the
	// @Redfish.AllowableValues annotations; empty when the node gives none.
	AllowedEnabled []schemas.BootSourceOverrideEnabled `json:"BootSourceOverrideEnabled@Redfish.AllowableValues"`
	AllowedTargets []schemas.BootSource                `json:"BootSourceOverrideTarget@Redfish.AllowableValues"`
	AllowedModes   []schemas.BootSourceOverrideMode    `json:"BootSourceOverrideMode@Redfish.AllowableValues"`
}

// NodeLinks are the URIs of the resources a composed node is made of.
type NodeLinks struct {
	// ComputerSystem is the system the node runs on.
	ComputerSystem     string
	Processors         []string
	Memory             []string
	EthernetInterfaces []string
	LocalDrives        []string
	// RemoteDrives are remote targets (2.1/2.2) or volumes.
	RemoteDrives []string
	// Storage is the 2.3+ list of drives and volumes.
	Storage []string
}

// ComposedNode is an RSD composed node (/redfish/v1/Nodes/{id}).
type ComposedNode struct {
	// ID is the node's Id and URI its @odata.id, the handle for the other calls.
	ID, URI, Name, Description, UUID string
	// State is the ComposedNodeState.
	State ComposedNodeState
	// PowerState is On, Off, PoweringOn or PoweringOff.
	PowerState schemas.PowerState
	// Health is Status.Health: OK, Warning or Critical.
	Health schemas.Health
	// ProcessorCount, ProcessorModel and MemoryGiB are the summaries of RSD
	// 2.1/2.2 nodes; zero when the node does not carry them.
	ProcessorCount int
	ProcessorModel string
	MemoryGiB      float64
	// Boot is the boot override and its allowed values.
	Boot Boot
	// Links name the resources the node is made of; see NodeParts.
	Links NodeLinks
	// AllowedResetTypes comes from ResetType@Redfish.AllowableValues, or
	// from the RSD 1.x ResetType@DMTF.AllowableValues annotation.
	AllowedResetTypes []schemas.ResetType

	actions nodeActions
}

type actionTarget struct {
	// @Redfish.ActionInfo is not read: RSD 2.3 sends it as an object, the
	// 2.4 PODM as a string, and gofish's ActionTarget decodes only strings.
	Target string `json:"target"`
}

type nodeActions struct {
	Reset struct {
		Target      string              `json:"target"`
		Allowed     []schemas.ResetType `json:"ResetType@Redfish.AllowableValues"`
		AllowedDMTF []schemas.ResetType `json:"ResetType@DMTF.AllowableValues"`
	} `json:"#ComposedNode.Reset"`
	Assemble       actionTarget `json:"#ComposedNode.Assemble"`
	AttachResource actionTarget `json:"#ComposedNode.AttachResource"`
	DetachResource actionTarget `json:"#ComposedNode.DetachResource"`
	AttachEndpoint actionTarget `json:"#ComposedNode.AttachEndpoint"`
	DetachEndpoint actionTarget `json:"#ComposedNode.DetachEndpoint"`
}

type nodeJSON struct {
	ODataID           string `json:"@odata.id"`
	ID                string `json:"Id"`
	Name, Description string
	UUID              string
	PowerState        schemas.PowerState
	Status            schemas.Status
	ComposedNodeState ComposedNodeState
	Processors        struct {
		Count int
		Model string
	}
	Memory struct{ TotalSystemMemoryGiB float64 }
	Boot   Boot
	Links  struct {
		ComputerSystem                         schemas.Link
		Processors, Memory, EthernetInterfaces schemas.Links
		LocalDrives, RemoteDrives, Storage     schemas.Links
	}
	Actions nodeActions
}

func (j *nodeJSON) node(uri string) *ComposedNode {
	n := &ComposedNode{
		ID: j.ID, URI: cmp.Or(j.ODataID, uri), Name: j.Name, Description: j.Description, UUID: j.UUID,
		State: j.ComposedNodeState, PowerState: j.PowerState, Health: j.Status.Health,
		ProcessorCount: j.Processors.Count, ProcessorModel: j.Processors.Model, MemoryGiB: j.Memory.TotalSystemMemoryGiB,
		Boot: j.Boot,
		Links: NodeLinks{
			ComputerSystem:     j.Links.ComputerSystem.String(),
			Processors:         j.Links.Processors.ToStrings(),
			Memory:             j.Links.Memory.ToStrings(),
			EthernetInterfaces: j.Links.EthernetInterfaces.ToStrings(),
			LocalDrives:        j.Links.LocalDrives.ToStrings(),
			RemoteDrives:       j.Links.RemoteDrives.ToStrings(),
			Storage:            j.Links.Storage.ToStrings(),
		},
		AllowedResetTypes: j.Actions.Reset.Allowed,
		actions:           j.Actions,
	}
	if len(n.AllowedResetTypes) == 0 {
		n.AllowedResetTypes = j.Actions.Reset.AllowedDMTF
	}
	return n
}

// uses reports whether the node links the resource as one of its drives or volumes.
func (n *ComposedNode) uses(uri string) bool {
	return slices.Contains(n.Links.RemoteDrives, uri) || slices.Contains(n.Links.Storage, uri) ||
		slices.Contains(n.Links.LocalDrives, uri)
}

// NodeURI returns the URI of the node with the given Id in the Nodes
// collection; a URI, or any Id on a service that does not compose, is returned as is.
func (c *Client) NodeURI(id string) string { return member(c.links.nodes, id) }

// nodeURI accepts a node's URI or Id and fails on a service that does not compose.
func (c *Client) nodeURI(idOrURI string) (string, error) {
	if err := c.need(CapCompose); err != nil {
		return "", err
	}
	return c.NodeURI(idOrURI), nil
}

// need fails with ErrNotSupported unless the service has the capability.
func (c *Client) need(cp Capability) error {
	if !c.info.Has(cp) {
		return fmt.Errorf("redfish: %s: %w", cp, ErrNotSupported)
	}
	return nil
}

// GetNode reads one composed node, by URI or Id.
func (c *Client) GetNode(ctx context.Context, node string) (*ComposedNode, error) {
	uri, err := c.nodeURI(node)
	if err != nil {
		return nil, err
	}
	var j nodeJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return nil, err
	}
	return j.node(uri), nil
}

// ListNodes reads every composed node, fetching them in parallel. On partial
// failure it returns the nodes it read together with the error.
func (c *Client) ListNodes(ctx context.Context) ([]*ComposedNode, error) {
	if err := c.need(CapCompose); err != nil {
		return nil, err
	}
	uris, err := c.members(ctx, c.links.nodes)
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, uris, c.GetNode)
}

// Assemble starts the assembly of an Allocated node. Assembly is
// asynchronous: follow it with WaitAssembled. The node is read for its
// action's target until one node of the service has it at the path RSD
// defines (assemblePath); from then on it is posted there unread, and read
// again only after a 404 (this node's is elsewhere, or the node is gone).
func (c *Client) Assemble(ctx context.Context, node string) error {
	if c.assembleAtNode.Load() {
		_, err := c.send(ctx, http.MethodPost, assemblePath(node), nil)
		if !IsNotFound(err) {
			return err
		}
		c.assembleAtNode.Store(false)
	}
	n, err := c.GetNode(ctx, node)
	if err != nil {
		return err
	}
	target := cmp.Or(n.actions.Assemble.Target, assemblePath(n.URI))
	if _, err = c.send(ctx, http.MethodPost, target, nil); err != nil {
		return err
	}
	if target == assemblePath(node) {
		c.assembleAtNode.Store(true)
	}
	return nil
}

// assemblePath is the Assemble action's target that RSD defines for node.
func assemblePath(node string) string { return node + "/Actions/ComposedNode.Assemble" }

// Backoff of WaitAssembled: the first poll comes soon since assembly is often
// quick, later ones spread out to spare a busy pod manager.
const (
	pollFirst = 50 * time.Millisecond
	pollMax   = 2 * time.Second
)

// nodeStateJSON is what NodeState (WaitAssembled's polls) reads of a node: its identity
// and state, not the links, boot settings and actions that GetNode decodes
// (the better part of a compose's decoding, one poll or more per compose).
type nodeStateJSON struct {
	ODataID           string `json:"@odata.id"`
	ID                string `json:"Id"`
	Name, Description string
	UUID              string
	ComposedNodeState ComposedNodeState
	PowerState        schemas.PowerState
	Status            struct{ Health schemas.Health }
}

// NodeState reads the node once, as WaitAssembled's polls do: its identity
// (ID, URI, Name, Description, UUID), State, PowerState and Health only.
func (c *Client) NodeState(ctx context.Context, node string) (*ComposedNode, error) {
	uri, err := c.nodeURI(node)
	if err != nil {
		return nil, err
	}
	var j nodeStateJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return nil, err
	}
	return &ComposedNode{ID: j.ID, URI: cmp.Or(j.ODataID, uri), Name: j.Name, Description: j.Description, UUID: j.UUID,
		State: j.ComposedNodeState, PowerState: j.PowerState, Health: j.Status.Health}, nil
}

// WaitAssembled polls the node (NodeState), with backoff, until it is
// Assembled (and returns it), Failed (ErrAssemblyFailed) or ctx is done
// (ctx's error). GetNode reads what the node returned lacks.
func (c *Client) WaitAssembled(ctx context.Context, node string) (*ComposedNode, error) {
	wait := pollFirst
	for {
		n, err := c.NodeState(ctx, node)
		if err != nil {
			return nil, err
		}
		switch n.State {
		case NodeAssembled:
			return n, nil
		case NodeFailed:
			return n, fmt.Errorf("redfish: node %s: %w", n.URI, ErrAssemblyFailed)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, fmt.Errorf("redfish: waiting for node %s to assemble (state %s): %w", n.URI, n.State, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, pollMax)
	}
}

// Reset sends ComposedNode.Reset with the given type, which must be among
// the node's AllowedResetTypes when the node lists any.
func (c *Client) Reset(ctx context.Context, node string, resetType schemas.ResetType) error {
	n, err := c.GetNode(ctx, node)
	if err != nil {
		return err
	}
	if err := allowed("reset type", resetType, n.AllowedResetTypes); err != nil {
		return err
	}
	target := cmp.Or(n.actions.Reset.Target, n.URI+"/Actions/ComposedNode.Reset")
	_, err = c.send(ctx, http.MethodPost, target, map[string]schemas.ResetType{"ResetType": resetType})
	return err
}

// SetBoot patches the node's boot override. Empty fields are left as they
// are; set fields must be among the allowed values when the node lists any.
// Any 2xx answer is success (the PODM answers 200 with the node, Valence expected 204).
func (c *Client) SetBoot(ctx context.Context, node string, boot BootSettings) error {
	n, err := c.GetNode(ctx, node)
	if err != nil {
		return err
	}
	if err := n.Boot.allows(boot); err != nil {
		return err
	}
	_, err = c.send(ctx, http.MethodPatch, n.URI, map[string]BootSettings{"Boot": boot})
	return err
}

// DeleteNode disassembles the node and frees its resources. A node that is
// already gone (404) is not an error.
func (c *Client) DeleteNode(ctx context.Context, node string) error {
	uri, err := c.nodeURI(node)
	if err != nil {
		return err
	}
	if _, err := c.send(ctx, http.MethodDelete, uri, nil); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// AttachVolume attaches a volume (or drive) to the node, with
// ComposedNode.AttachResource (2.3+, with protocol if not empty) or
// ComposedNode.AttachEndpoint (2.1/2.2), whichever the node offers.
func (c *Client) AttachVolume(ctx context.Context, node, volume, protocol string) error {
	return c.attachDetach(ctx, node, volume, protocol, true)
}

// DetachVolume detaches a volume (or drive) from the node, with
// ComposedNode.DetachResource (2.3+) or ComposedNode.DetachEndpoint (2.1/2.2).
func (c *Client) DetachVolume(ctx context.Context, node, volume string) error {
	return c.attachDetach(ctx, node, volume, "", false)
}

func (c *Client) attachDetach(ctx context.Context, node, volume, protocol string, attach bool) error {
	n, err := c.GetNode(ctx, node)
	if err != nil {
		return err
	}
	resource, endpoint := n.actions.DetachResource, n.actions.DetachEndpoint
	if attach {
		resource, endpoint = n.actions.AttachResource, n.actions.AttachEndpoint
	}
	body := map[string]any{"Resource": Ref(volume)}
	switch {
	case resource.Target != "":
		if protocol != "" {
			body["Protocol"] = protocol
		}
		_, err = c.send(ctx, http.MethodPost, resource.Target, body)
	case endpoint.Target != "":
		_, err = c.send(ctx, http.MethodPost, endpoint.Target, body)
	default:
		return fmt.Errorf("redfish: node %s offers no attach or detach action: %w", n.URI, ErrNotSupported)
	}
	return err
}

// allows checks each set field of s against the values b lists, for a node
// or a system alike.
func (b Boot) allows(s BootSettings) error {
	return errors.Join(
		allowed("boot override", s.Enabled, b.AllowedEnabled),
		allowed("boot target", s.Target, b.AllowedTargets),
		allowed("boot mode", s.Mode, b.AllowedModes))
}

// allowed checks a set v against a non-empty list of allowable values.
func allowed[T ~string](what string, v T, list []T) error {
	if v == "" || len(list) == 0 || slices.Contains(list, v) {
		return nil
	}
	return fmt.Errorf("redfish: %s %q (allowed: %v): %w", what, v, list, ErrNotAllowed)
}
