package podm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/valence"
	"github.com/valence-rsd/valence/redfish"
)

// The composition mode of a connection: a service whose root links a DMTF
// CompositionService and no RSD Nodes. The core's node is the composed
// system (its URI the node's), Allocate composes it of blocks this package
// chooses (specific composition within one zone) or, where the service
// offers only that, by a constrained request, Assemble and
// WaitAssembled have nothing to do (a composed system is whole when the
// POST answers), and DeleteNode decomposes it.

// maxComposeAttempts bounds the choices of one Allocate: a block taken by
// another client between the read of the pool and the POST (the service
// answers 409 ResourceInUse) makes it read the pool and choose again.
const maxComposeAttempts = 3

// maxBlockZones bounds the zones a block is weighed in: a block shared by a
// few racks is listed in a few zones.
const maxBlockZones = 16

// composedState is the core's node state of a composed system: it is whole
// as soon as it exists.
const composedState = "Assembled"

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
	// drives and nics each take a drive or an interface of their own.
	drives []valence.LocalDriveReq
	nics   []valence.NetworkReq
}

// have is what chosen blocks give toward a need: drives and nics count the
// requirements met.
type have struct{ cores, count, memoryMiB, drives, nics int }

// most is, per property, the larger of h and o.
func (h have) most(o have) have {
	return have{max(h.cores, o.cores), max(h.count, o.count), max(h.memoryMiB, o.memoryMiB), max(h.drives, o.drives), max(h.nics, o.nics)}
}

// driveMatches reports whether a drive meets a local_drives requirement.
func driveMatches(r valence.LocalDriveReq, d redfish.Drive) bool {
	return d.CapacityGiB >= float64(r.CapacityGiB) && (r.Type == "" || d.Type == r.Type) && (r.Interface == "" || d.Interface == r.Interface)
}

// nicMatches reports whether an interface meets a network requirement.
func nicMatches(r valence.NetworkReq, e redfish.EthernetInterface) bool {
	return e.SpeedMbps >= r.SpeedMbps
}

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
	return h.cores >= n.cores && h.count >= n.count && h.memoryMiB >= n.memoryMiB && h.drives >= len(n.drives) && h.nics >= len(n.nics)
}

// compositionNeed maps an Allocate request onto blocks, refusing as Invalid
// what resource blocks cannot express.
func compositionNeed(req valence.AllocateRequest) (need, error) {
	var refused []string
	if len(req.RemoteDrives) > 0 {
		refused = append(refused, "remote_drives")
	}
	for i, e := range req.EthernetInterfaces {
		if e.VLAN != 0 {
			// A Network block is an interface; its VLANs are the host's to set.
			refused = append(refused, fmt.Sprintf("network[%d].vlan", i))
		}
	}
	if req.Security != nil {
		refused = append(refused, "security")
	}
	if len(refused) > 0 {
		return need{}, valence.Errorf(valence.Invalid, "The composition driver cannot express %s on resource blocks.", strings.Join(refused, ", "))
	}
	n := need{cores: req.TotalSystemCoreCount, count: len(req.Processors), memoryMiB: req.TotalSystemMemoryMiB,
		drives: req.LocalDrives, nics: req.EthernetInterfaces}
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
	_, specific := comp.Capability(redfish.UseCaseSpecific)
	constrained, isConstrained := comp.Capability(redfish.UseCaseConstrained)
	switch {
	case !comp.Service.Enabled || (!specific && !isConstrained):
		return "", valence.Errorf(valence.NotImplemented, "Pod manager %s offers no composition (its CompositionService is disabled or its Systems collection advertises neither form).", c.url)
	case !specific:
		return c.constrainedAllocate(ctx, rc, constrained, req, n)
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

// constrainedAllocate composes by a constrained request, for a service that
// offers only that form: the service picks the blocks, so there is nothing
// to serialise or choose again, and its refusal (ResourceExhaustion) is the
// caller's answer.
func (c *conn) constrainedAllocate(ctx context.Context, rc *redfish.Client, cc redfish.CollectionCapability, req valence.AllocateRequest, n need) (string, error) {
	if len(req.LocalDrives) > 0 {
		return "", valence.Errorf(valence.Invalid, "Pod manager %s offers only constrained composition, in which Valence sends processors, memory and interfaces: it cannot express local_drives.",
			c.url)
	}
	caps, err := rc.ConstrainedCapabilities(ctx, cc.CapabilitiesObject)
	if err != nil {
		return "", err
	}
	cr, err := constrainedRequest(c.url, n, caps)
	if err != nil {
		return "", err
	}
	cr.Name, cr.Description = req.Name, marked(req)
	return rc.ComposeSystem(ctx, cr)
}

// constrainedRequest maps n onto the members of a constrained request that
// caps allows. A member states a minimum per item, so Valence's totals become
// per-item minimums: total_cores split evenly over the processors asked (at
// least one), memory one item of capacity_mib, and the interfaces one member
// of the fastest speed asked (members are met each on its own, so that two
// members could count one interface). What caps does not list,
// or a property caps requires that Valence has no value for, is Invalid.
func constrainedRequest(url string, n need, caps redfish.ConstrainedCapabilities) (redfish.ComposeRequest, error) {
	var out redfish.ComposeRequest
	var refused []string
	// member collects the properties of one member that caps allows, naming
	// the Valence property of each one it does not.
	type member struct {
		caps redfish.CreateFields
		set  map[string]bool
	}
	put := func(m member, field, property string, has bool, assign func()) {
		switch {
		case !has:
		case m.caps.Allows(field):
			assign()
			m.set[field] = true
		default:
			refused = append(refused, property)
		}
	}
	// done refuses the properties caps requires that were left unset.
	done := func(m member, collection string) {
		for field, required := range m.caps.Fields {
			if required && !m.set[field] {
				refused = append(refused, collection+"/"+field+" (required by the pod manager)")
			}
		}
	}
	askProcessors := n.count > 0 || n.cores > 0 || n.model != "" || n.instructionSet != ""
	askMemory := n.memoryMiB > 0 || n.memoryType != ""
	if !askProcessors && !askMemory {
		// A request must ask for something: one processor, the least a system has.
		askProcessors, askMemory = caps.Processors.Offered, !caps.Processors.Offered
	}
	if askProcessors || caps.Processors.Required {
		if !caps.Processors.Offered {
			return out, valence.Errorf(valence.Invalid, "Pod manager %s cannot be asked for processors in a constrained composition.", url)
		}
		m := member{caps.Processors, map[string]bool{}}
		p := redfish.ProcessorRequirement{Count: max(n.count, 1)}
		// Where caps requires them, the values that ask nothing more: a CPU of a core.
		put(m, "ProcessorType", "", m.caps.Fields["ProcessorType"], func() { p.ProcessorType = "CPU" })
		cores := (n.cores + p.Count - 1) / p.Count
		if cores == 0 && m.caps.Fields["TotalCores"] {
			cores = 1
		}
		put(m, "TotalCores", "processor.total_cores", cores > 0, func() { p.TotalCores = cores })
		put(m, "Model", "processor.model", n.model != "", func() { p.Model = n.model })
		put(m, "InstructionSet", "processor.instruction_set", n.instructionSet != "", func() { p.InstructionSet = n.instructionSet })
		done(m, "Processors")
		out.Processors = []redfish.ProcessorRequirement{p}
	}
	if askMemory || caps.Memory.Required {
		if !caps.Memory.Offered {
			return out, valence.Errorf(valence.Invalid, "Pod manager %s cannot be asked for memory in a constrained composition.", url)
		}
		m := member{caps.Memory, map[string]bool{}}
		r := redfish.MemoryRequirement{Count: 1}
		put(m, "MemoryType", "", m.caps.Fields["MemoryType"], func() { r.MemoryType = "DRAM" })
		mib := n.memoryMiB
		if mib == 0 && m.caps.Fields["CapacityMiB"] {
			mib = 1
		}
		put(m, "CapacityMiB", "memory.capacity_mib", mib > 0, func() { r.CapacityMiB = mib })
		put(m, "MemoryDeviceType", "memory.type", n.memoryType != "", func() { r.MemoryDeviceType = n.memoryType })
		done(m, "Memory")
		out.Memory = []redfish.MemoryRequirement{r}
	}
	if len(n.nics) > 0 || caps.EthernetInterfaces.Required {
		if !caps.EthernetInterfaces.Offered {
			return out, valence.Errorf(valence.Invalid, "Pod manager %s cannot be asked for network interfaces in a constrained composition.", url)
		}
		m := member{caps.EthernetInterfaces, map[string]bool{}}
		e := redfish.EthernetRequirement{Count: max(len(n.nics), 1)}
		speed := 0
		for _, nic := range n.nics {
			speed = max(speed, nic.SpeedMbps)
		}
		if speed == 0 && m.caps.Fields["SpeedMbps"] {
			speed = 1
		}
		put(m, "SpeedMbps", "network.speed_mbps", speed > 0, func() { e.SpeedMbps = speed })
		done(m, "EthernetInterfaces")
		out.EthernetInterfaces = []redfish.EthernetRequirement{e}
	}
	if len(refused) > 0 {
		slices.Sort(refused)
		return out, valence.Errorf(valence.Invalid, "Pod manager %s offers only constrained composition, whose capabilities do not let Valence express %s.",
			url, strings.Join(slices.Compact(refused), ", "))
	}
	return out, nil
}

// chooseBlocks reads the free blocks and returns, in the first zone whose
// free blocks meet n, one Compute block, the Processor and Memory blocks
// that make up what it lacks, and the blocks of the drives and interfaces n
// asks for. A need no zone meets is a Conflict naming, per
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
		links := redfish.NodeLinks{Processors: b.Processors, Memory: b.Memory}
		if len(n.drives) > 0 { // the parts a need does not weigh are not read
			links.LocalDrives = b.Drives
		}
		if len(n.nics) > 0 {
			links.EthernetInterfaces = b.EthernetInterfaces
		}
		parts, err := rc.NodeParts(ctx, &redfish.ComposedNode{Links: links})
		if err != nil {
			return nil, err
		}
		for i, z := range b.Zones[:min(len(b.Zones), maxBlockZones)] { // a block of several zones composes in any of them
			if slices.Contains(b.Zones[:i], z) {
				continue
			}
			if _, ok := zones[z]; !ok {
				order = append(order, z)
			}
			zones[z] = append(zones[z], blockInfo{b, parts})
		}
	}
	var best have
	for _, z := range order {
		chosen, h := choose(zones[z], n)
		if chosen != nil {
			return chosen, nil
		}
		best = best.most(h)
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
		chosen, h.drives = matchItems(chosen, zone, n.drives, func(b blockInfo) []redfish.Drive { return b.parts.LocalDrives }, driveMatches)
		chosen, h.nics = matchItems(chosen, zone, n.nics, func(b blockInfo) []redfish.EthernetInterface { return b.parts.EthernetInterfaces }, nicMatches)
		if n.met(h) {
			uris := make([]string, len(chosen))
			for i, b := range chosen {
				uris[i] = b.URI
			}
			return uris, h
		}
		best = best.most(h)
	}
	return nil, best
}

// matchItems gives each requirement a distinct item (a drive, an interface)
// of the chosen blocks or of the zone's other non-Compute blocks, the chosen
// ones first, and returns chosen with the blocks of the items taken and how
// many requirements got one. The assignment is a maximum bipartite matching
// (augmenting paths), so that a loose requirement never takes the one item a
// strict one needs; requirements and items are a handful per zone.
func matchItems[R, I any](chosen, zone []blockInfo, reqs []R, items func(blockInfo) []I, matches func(R, I) bool) ([]blockInfo, int) {
	if len(reqs) == 0 {
		return chosen, 0
	}
	type item struct {
		block int // index in candidates
		value I
	}
	candidates := slices.Clone(chosen)
	for _, b := range zone {
		if !b.Has(schemas.ComputeResourceBlockType) && !slices.ContainsFunc(chosen, func(c blockInfo) bool { return c.URI == b.URI }) {
			candidates = append(candidates, b)
		}
	}
	var all []item
	for i, b := range candidates {
		for _, v := range items(b) {
			all = append(all, item{i, v})
		}
	}
	holder := make([]int, len(all)) // the requirement holding each item, or -1
	for i := range holder {
		holder[i] = -1
	}
	var assign func(r int, seen []bool) bool
	assign = func(r int, seen []bool) bool {
		for i, it := range all {
			if seen[i] || !matches(reqs[r], it.value) {
				continue
			}
			seen[i] = true
			if holder[i] < 0 || assign(holder[i], seen) {
				holder[i] = r
				return true
			}
		}
		return false
	}
	met := 0
	for r := range reqs {
		if assign(r, make([]bool, len(all))) {
			met++
		}
	}
	for i, r := range holder {
		b := candidates[all[i].block]
		if r >= 0 && !slices.ContainsFunc(chosen, func(c blockInfo) bool { return c.URI == b.URI }) {
			chosen = append(chosen, b)
		}
	}
	return chosen, met
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
	if best.drives < len(n.drives) {
		missing = append(missing, fmt.Sprintf("local_drives %d (at most %d met by free Storage blocks of one zone)", len(n.drives), best.drives))
	}
	if best.nics < len(n.nics) {
		missing = append(missing, fmt.Sprintf("network %d (at most %d met by free Network blocks of one zone)", len(n.nics), best.nics))
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
