package podm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// The composition mode of a connection: a service whose root links a DMTF
// CompositionService and no RSD Nodes. The core's node is the composed
// system (its URI the node's), Allocate composes it of blocks this package
// chooses (specific composition within one zone), Assemble and
// WaitAssembled have nothing to do (a composed system is whole when the
// POST answers), and DeleteNode decomposes it.

// maxComposeAttempts bounds the choices of one Allocate: a block taken by
// another client between the read of the pool and the POST (the service
// answers 409 ResourceInUse) makes it read the pool and choose again.
const maxComposeAttempts = 3

// composedState is the core's node state of a composed system: it is whole
// as soon as it exists.
const composedState = "Assembled"

// composeMark starts the Description of a system this driver composes,
// followed by the compose's id and, after a space, the caller's description:
// the one place a specific composition request surely keeps (DMTF's
// capabilities objects allow Name and Description), so that recovery
// recognises the system of a compose whose answer was lost.
const composeMark = "valence-compose:"

// marked is the Description of the system composed for req.
func marked(req valence.AllocateRequest) string {
	switch {
	case req.ComposeID == "":
		return req.Description
	case req.Description == "":
		return composeMark + req.ComposeID
	}
	return composeMark + req.ComposeID + " " + req.Description
}

// unmarked splits a composed system's Description into the compose that
// made it (empty when no compose of Valence did) and the caller's description.
func unmarked(description string) (composeID, rest string) {
	tail, ok := strings.CutPrefix(description, composeMark)
	if !ok {
		return "", description
	}
	id, rest, _ := strings.Cut(tail, " ")
	if id == "" {
		return "", description
	}
	return id, rest
}

// blockInfo is a free block with the parts a choice weighs.
type blockInfo struct {
	redfish.ResourceBlock
	parts *redfish.NodeParts
}

// need is what a compose asks of the blocks, in the core's terms.
type need struct {
	cores, count          int
	model, instructionSet string
	memoryMiB             int
	memoryType            string
}

// have is what chosen blocks give toward a need.
type have struct{ cores, count, memoryMiB int }

// sum is what blocks give toward n: the processors and memory that match it.
func (n need) sum(blocks []blockInfo) have {
	var h have
	for _, b := range blocks {
		for _, p := range b.parts.Processors {
			if (n.model == "" || strings.Contains(p.Model, n.model)) && (n.instructionSet == "" || p.InstructionSet == n.instructionSet) {
				h.count++
				h.cores += p.TotalCores
			}
		}
		for _, m := range b.parts.Memory {
			if n.memoryType == "" || m.MemoryDeviceType == n.memoryType {
				h.memoryMiB += m.CapacityMiB
			}
		}
	}
	return h
}

// met reports whether h meets n.
func (n need) met(h have) bool {
	return h.cores >= n.cores && h.count >= n.count && h.memoryMiB >= n.memoryMiB
}

// compositionNeed maps an Allocate request onto blocks, refusing as Invalid
// what blocks of processors and memory cannot express yet.
func compositionNeed(req valence.AllocateRequest) (need, error) {
	var refused []string
	if len(req.LocalDrives) > 0 {
		refused = append(refused, "local_drives")
	}
	if len(req.RemoteDrives) > 0 {
		refused = append(refused, "remote_drives")
	}
	if len(req.EthernetInterfaces) > 0 {
		refused = append(refused, "network")
	}
	if req.Security != nil {
		refused = append(refused, "security")
	}
	if len(refused) > 0 {
		return need{}, valence.Errorf(valence.Invalid, "The composition driver cannot express %s on resource blocks.", strings.Join(refused, ", "))
	}
	n := need{cores: req.TotalSystemCoreCount, count: len(req.Processors), memoryMiB: req.TotalSystemMemoryMiB}
	if len(req.Processors) > 0 {
		n.model, n.instructionSet = req.Processors[0].Model, req.Processors[0].InstructionSet
	}
	if len(req.Memory) > 0 {
		n.memoryType = req.Memory[0].Type
	}
	return n, nil
}

// compositionAllocate chooses blocks and composes a system of them,
// returning its URI. The connection's choices are serialised, so that its
// own composes never pick one block; another client's are settled by the
// service (409) and a new choice.
func (c *conn) compositionAllocate(ctx context.Context, rc *redfish.Client, req valence.AllocateRequest) (string, error) {
	n, err := compositionNeed(req)
	if err != nil {
		return "", err
	}
	comp, err := rc.Composition(ctx)
	if err != nil {
		return "", err
	}
	if _, ok := comp.Capability(redfish.UseCaseSpecific); !ok || !comp.Service.Enabled {
		return "", valence.Errorf(valence.NotImplemented, "Pod manager %s does not offer specific composition (Links.ResourceBlocks), the one this driver sends.", c.url)
	}
	c.composeMu.Lock()
	defer c.composeMu.Unlock()
	for attempt := 1; ; attempt++ {
		blocks, err := c.chooseBlocks(ctx, rc, comp.Service, n)
		if err != nil {
			return "", err
		}
		uri, err := rc.ComposeSystem(ctx, redfish.ComposeRequest{Name: req.Name, Description: marked(req), Blocks: blocks})
		var rf *redfish.Error
		if err != nil && errors.As(err, &rf) && rf.StatusCode == http.StatusConflict && attempt < maxComposeAttempts {
			c.log.Info().Err(err).Int("attempt", attempt).Msg("compose: a chosen block was taken; choosing again")
			continue
		}
		return uri, err
	}
}

// chooseBlocks reads the free blocks and returns, in the first zone whose
// free blocks meet n, one Compute block and the Processor and Memory blocks
// that make up what it lacks. A need no zone meets is a Conflict naming, per
// property, the most one zone could give.
func (c *conn) chooseBlocks(ctx context.Context, rc *redfish.Client, service redfish.CompositionService, n need) ([]string, error) {
	all, err := rc.ResourceBlocks(ctx, service)
	if err = c.tolerateGone(opAllocate, err); err != nil {
		return nil, err
	}
	zones := map[string][]blockInfo{}
	var order []string
	for _, b := range all {
		if !b.Free() || len(b.Zones) == 0 { // a block of no zone composes with nothing
			continue
		}
		parts, err := rc.NodeParts(ctx, &redfish.ComposedNode{Links: redfish.NodeLinks{Processors: b.Processors, Memory: b.Memory}})
		if err != nil {
			return nil, err
		}
		z := b.Zones[0] // a block of several zones is weighed in its first only
		if _, ok := zones[z]; !ok {
			order = append(order, z)
		}
		zones[z] = append(zones[z], blockInfo{b, parts})
	}
	var best have
	for _, z := range order {
		chosen, h := choose(zones[z], n)
		if chosen != nil {
			return chosen, nil
		}
		best = have{max(best.cores, h.cores), max(best.count, h.count), max(best.memoryMiB, h.memoryMiB)}
	}
	return nil, shortage(c.url, n, best)
}

// choose returns the blocks of one zone that meet n, the Compute block first,
// or nil and the most that a Compute block with the zone's other free blocks
// gives.
func choose(zone []blockInfo, n need) ([]string, have) {
	var best have
	for _, compute := range zone {
		if !compute.Has(schemas.ComputeResourceBlockType) {
			continue
		}
		chosen := []blockInfo{compute}
		h := n.sum(chosen)
		for _, b := range zone {
			if n.met(h) {
				break
			}
			if b.Has(schemas.ComputeResourceBlockType) {
				continue
			}
			gain := n.sum([]blockInfo{b})
			if (gain.count > 0 && (h.count < n.count || h.cores < n.cores)) || (gain.memoryMiB > 0 && h.memoryMiB < n.memoryMiB) {
				chosen = append(chosen, b)
				h = n.sum(chosen)
			}
		}
		if n.met(h) {
			uris := make([]string, len(chosen))
			for i, b := range chosen {
				uris[i] = b.URI
			}
			return uris, h
		}
		best = have{max(best.cores, h.cores), max(best.count, h.count), max(best.memoryMiB, h.memoryMiB)}
	}
	return nil, best
}

// shortage is the Conflict of a need no zone meets, naming what is missing.
func shortage(url string, n need, best have) error {
	var missing []string
	if best.count < n.count {
		missing = append(missing, fmt.Sprintf("processor.count %d (at most %d free in one zone)", n.count, best.count))
	}
	if best.cores < n.cores {
		missing = append(missing, fmt.Sprintf("processor.total_cores %d (at most %d free in one zone)", n.cores, best.cores))
	}
	if best.memoryMiB < n.memoryMiB {
		missing = append(missing, fmt.Sprintf("memory.capacity_mib %d (at most %d free in one zone)", n.memoryMiB, best.memoryMiB))
	}
	if len(missing) == 0 {
		missing = append(missing, "a free Compute block")
	}
	return valence.Errorf(valence.Conflict, "Pod manager %s has no free resource blocks for %s.", url, strings.Join(missing, ", "))
}

// composedNode converts a composed system, without its parts, to the core's node.
func composedNode(cs redfish.ComposedSystem) valence.PodmNode {
	composeID, description := unmarked(cs.Description)
	return valence.PodmNode{Index: cs.ID, URI: cs.URI, Name: cs.Name, Description: description, ComposeID: composeID,
		State: composedState, PowerState: cs.PowerState, ComputerSystem: cs.URI,
		Boot: valence.Boot{Enabled: string(cs.Boot.Enabled), Target: string(cs.Boot.Target), Mode: string(cs.Boot.Mode)}}
}

// composedSystem reads a composed system; a system that is not composed is
// NotFound, as no node.
func (c *conn) composedSystem(ctx context.Context, rc *redfish.Client, uri string) (redfish.ComposedSystem, error) {
	cs, err := rc.GetComposedSystem(ctx, uri)
	if err != nil {
		return redfish.ComposedSystem{}, err
	}
	if !cs.IsComposed() {
		return redfish.ComposedSystem{}, valence.Errorf(valence.NotFound, "System %s of pod manager %s is not a composed system.", uri, c.url)
	}
	return cs, nil
}

// compositionNode reads a composed system and its parts as the core's node.
func (c *conn) compositionNode(ctx context.Context, rc *redfish.Client, uri string) (valence.PodmNode, error) {
	cs, err := c.composedSystem(ctx, rc, uri)
	if err != nil {
		return valence.PodmNode{}, err
	}
	out := composedNode(cs)
	sys, err := rc.GetSystem(ctx, uri)
	if err != nil {
		return valence.PodmNode{}, err
	}
	out.Health, out.PowerState = string(sys.Health), string(sys.PowerState)
	for _, r := range sys.AllowedResetTypes {
		out.AllowedResets = append(out.AllowedResets, string(r))
	}
	links := redfish.NodeLinks{}
	for _, b := range cs.Blocks {
		blk, err := rc.GetResourceBlock(ctx, b)
		if err != nil {
			return valence.PodmNode{}, err
		}
		links.Processors = append(links.Processors, blk.Processors...)
		links.Memory = append(links.Memory, blk.Memory...)
		links.EthernetInterfaces = append(links.EthernetInterfaces, blk.EthernetInterfaces...)
		links.LocalDrives = append(links.LocalDrives, blk.Drives...)
	}
	parts, err := rc.NodeParts(ctx, &redfish.ComposedNode{Links: links})
	if err = c.tolerateGone(opGetNode, err); err != nil {
		return valence.PodmNode{}, err
	}
	out.Metadata = metadata(parts)
	return out, nil
}

// compositionNodes lists the composed systems as nodes, without their parts.
func (c *conn) compositionNodes(ctx context.Context, rc *redfish.Client) ([]valence.PodmNode, error) {
	systems, err := rc.ComposedSystems(ctx)
	if err = c.tolerateGone(opListNodes, err); err != nil {
		return nil, err
	}
	var out []valence.PodmNode
	for _, cs := range systems {
		if cs.IsComposed() {
			out = append(out, composedNode(cs))
		}
	}
	return out, nil
}

// compositionDelete decomposes a composed system; one already gone is done.
func compositionDelete(ctx context.Context, rc *redfish.Client, uri string) error {
	return firstFailure(rc.DecomposeSystem(ctx, uri))
}
