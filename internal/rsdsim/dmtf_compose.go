package rsdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Composition and decomposition in the DMTF model: POST /Systems composes (specific with
// Links.ResourceBlocks, or constrained with Processors and Memory requirements), DELETE of
// a composed system returns its blocks, and a composed system is reset and its boot
// override patched as any ComputerSystem.
//
// Refusals carry a Base message registry MessageId in code and @Message.ExtendedInfo, with
// RelatedProperties pointing into the request:
//
//	400 MalformedJSON          the body is not JSON
//	400 PropertyUnknown        a property this service does not take (RelatedProperties names it),
//	                           or the properties of a form of composition it does not offer
//	400 PropertyMissing        no Name, or neither Links.ResourceBlocks nor requirements
//	400 PropertyValueConflict  both forms at once, a block named twice, blocks of different zones
//	400 PropertyValueIncorrect not exactly one Compute block, a count or size out of range
//	400 ResourceMissingAtURI   a block that does not exist
//	400 ArraySizeTooLong       more blocks or requirement members than the bounds below
//	409 ResourceInUse          a block already composed
//	409 ResourceExhaustion     no zone has the free blocks a constrained request needs
//
// The registry leaves the HTTP status to the service; these are this simulator's choice.

// baseRegistry is the version of the Base message registry whose MessageIds the DMTF model
// sends.
const baseRegistry = "Base.1.15."

// Bounds of a composition request.
const (
	maxComposeBlocks  = 32
	maxComposeMembers = 16
	maxComposeCount   = 1024
	maxComposeCores   = 1024
	maxComposeMiB     = 1 << 24
	maxComposeMbps    = 1 << 20
	maxComposeName    = 255
)

// dmtfError is a refusal of the DMTF model: one extended message with its MessageId and the
// JSON pointers of the request properties it is about.
func dmtfError(status int, id, message string, related ...string) *apiError {
	code := baseRegistry + id
	return &apiError{status: status, code: code, message: message, extended: []extendedInfo{{
		MessageID: code, Message: message, Severity: "Warning", RelatedProperties: related}}}
}

// dmtfRoutes lists the operations of the DMTF model.
func (s *Simulator) dmtfRoutes() []route {
	r := func(method, pattern, op string, h func(http.ResponseWriter, *http.Request, []string) *apiError) route {
		return route{method: method, pattern: strings.Split(strings.TrimPrefix(pattern, "/"), "/"), op: op, handle: h}
	}
	return []route{
		r(http.MethodPost, sessionsPath, OpSession, s.createSession),
		r(http.MethodGet, taskMonitorsPath+"/*", OpGet, s.getTaskMonitor),
		r(http.MethodGet, tasksPath+"/*", OpGet, s.getTask),
		r(http.MethodDelete, sessionsPath+"/*", OpSession, s.deleteSession),
		r(http.MethodPost, systemsPath, OpAllocate, s.composeSystem),
		r(http.MethodDelete, systemsPath+"/*", OpDelete, s.decomposeSystem),
		r(http.MethodPatch, systemsPath+"/*", OpPatch, s.patchComposed),
		r(http.MethodPost, systemsPath+"/*/Actions/ComputerSystem.Reset", OpReset, s.resetComposed),
		r(http.MethodPost, systemsPath+"/*/Actions/ComputerSystem.AddResourceBlock", OpPatch, s.blockAction(true)),
		r(http.MethodPost, systemsPath+"/*/Actions/ComputerSystem.RemoveResourceBlock", OpPatch, s.blockAction(false)),
	}
}

type (
	composeBody struct {
		Name        *string
		Description *string
		Links       *struct {
			ResourceBlocks []struct {
				ID string `json:"@odata.id"`
			}
		}
		Processors         *struct{ Members []processorRequirement }
		Memory             *struct{ Members []memoryRequirement }
		EthernetInterfaces *struct{ Members []ethernetRequirement }
	}
	processorRequirement struct {
		Count          *int `json:"@Redfish.RequestedCount"`
		ProcessorType  string
		Model          string
		InstructionSet string
		TotalCores     int
	}
	ethernetRequirement struct {
		Count     *int `json:"@Redfish.RequestedCount"`
		SpeedMbps int
	}
	memoryRequirement struct {
		Count            *int `json:"@Redfish.RequestedCount"`
		MemoryType       string
		MemoryDeviceType string
		CapacityMiB      int
	}
)

// parseCompose decodes and bounds a composition request.
func parseCompose(body []byte) (*composeBody, *apiError) {
	var req composeBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			return nil, dmtfError(http.StatusBadRequest, "PropertyUnknown",
				"The property "+name+" is not in the list of valid properties for the resource.", "/"+name)
		}
		return nil, dmtfError(http.StatusBadRequest, "MalformedJSON",
			"The request body submitted was malformed JSON and could not be parsed by the receiving service.")
	}
	if req.Name == nil || *req.Name == "" {
		return nil, dmtfError(http.StatusBadRequest, "PropertyMissing",
			"The property Name is a required property and must be included in the request.", "/Name")
	}
	for prop, v := range map[string]*string{"/Name": req.Name, "/Description": req.Description} {
		if v != nil && len(*v) > maxComposeName {
			return nil, dmtfError(http.StatusBadRequest, "PropertyValueIncorrect",
				fmt.Sprintf("The property %s is longer than %d bytes.", prop, maxComposeName), prop)
		}
	}
	specific := req.Links != nil && len(req.Links.ResourceBlocks) > 0
	constrained := req.Processors != nil || req.Memory != nil || req.EthernetInterfaces != nil
	switch {
	case specific && constrained:
		return nil, dmtfError(http.StatusBadRequest, "PropertyValueConflict",
			"The property Links/ResourceBlocks could not be written because its value would conflict with the value of the Processors and Memory properties.",
			"/Links/ResourceBlocks", "/Processors", "/Memory")
	case !specific && !constrained:
		return nil, dmtfError(http.StatusBadRequest, "PropertyMissing",
			"The property Links/ResourceBlocks is a required property and must be included in the request.", "/Links/ResourceBlocks")
	case specific && len(req.Links.ResourceBlocks) > maxComposeBlocks:
		return nil, dmtfError(http.StatusBadRequest, "ArraySizeTooLong",
			fmt.Sprintf("The array provided for property Links/ResourceBlocks exceeds the size limit %d.", maxComposeBlocks), "/Links/ResourceBlocks")
	}
	if constrained {
		if e := req.checkRequirements(); e != nil {
			return nil, e
		}
	}
	return &req, nil
}

// requirements are the members of a constrained request, each asking for its count of
// items (processors, DIMMs, interfaces) that match it.
type requirements struct {
	procs []processorRequirement
	mems  []memoryRequirement
	nics  []ethernetRequirement
}

func (req *composeBody) requirements() requirements {
	var rq requirements
	if req.Processors != nil {
		rq.procs = req.Processors.Members
	}
	if req.Memory != nil {
		rq.mems = req.Memory.Members
	}
	if req.EthernetInterfaces != nil {
		rq.nics = req.EthernetInterfaces.Members
	}
	return rq
}

// checkRequirements bounds the members of a constrained request.
func (req *composeBody) checkRequirements() *apiError {
	rq := req.requirements()
	procs, mems := rq.procs, rq.mems
	members := []string{"/Processors/Members", "/Memory/Members", "/EthernetInterfaces/Members"}
	if len(procs)+len(mems)+len(rq.nics) == 0 {
		return dmtfError(http.StatusBadRequest, "PropertyMissing",
			"The property Members is a required property and must be included in the request.", members...)
	}
	if len(procs) > maxComposeMembers || len(mems) > maxComposeMembers || len(rq.nics) > maxComposeMembers {
		return dmtfError(http.StatusBadRequest, "ArraySizeTooLong",
			fmt.Sprintf("The array provided for property Members exceeds the size limit %d.", maxComposeMembers), members...)
	}
	bad := func(prop string) *apiError {
		return dmtfError(http.StatusBadRequest, "PropertyValueIncorrect",
			"The property "+prop+" is missing a count of at least 1 or is out of range.", prop)
	}
	// counted checks a member's count and its one bounded property.
	counted := func(at string, count *int, prop string, v, limit int) *apiError {
		switch {
		case count == nil || *count < 1 || *count > maxComposeCount:
			return bad(at + "/@Redfish.RequestedCount")
		case v < 0 || v > limit:
			return bad(at + "/" + prop)
		}
		return nil
	}
	for i, p := range procs {
		at := "/Processors/Members/" + strconv.Itoa(i)
		if e := counted(at, p.Count, "TotalCores", p.TotalCores, maxComposeCores); e != nil {
			return e
		}
		if p.ProcessorType != "" && p.ProcessorType != "CPU" {
			return dmtfError(http.StatusBadRequest, "PropertyValueNotInList",
				"The value "+p.ProcessorType+" for the property ProcessorType is not in the list of acceptable values.", at+"/ProcessorType")
		}
	}
	for i, m := range mems {
		if e := counted("/Memory/Members/"+strconv.Itoa(i), m.Count, "CapacityMiB", m.CapacityMiB, maxComposeMiB); e != nil {
			return e
		}
	}
	for i, n := range rq.nics {
		if e := counted("/EthernetInterfaces/Members/"+strconv.Itoa(i), n.Count, "SpeedMbps", n.SpeedMbps, maxComposeMbps); e != nil {
			return e
		}
	}
	return nil
}

// composeSystem serves POST /Systems: 201 with the composed system and its Location.
func (s *Simulator) composeSystem(w http.ResponseWriter, r *http.Request, _ []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	req, e := parseCompose(body)
	if e != nil {
		return e
	}
	specific := req.Links != nil && len(req.Links.ResourceBlocks) > 0
	if e := s.checkOffered(specific); e != nil {
		return e
	}
	s.mu.Lock()
	var blocks []*block
	if specific {
		blocks, e = s.specificBlocks(req)
	} else {
		blocks, e = s.constrainedBlocks(req)
	}
	if e != nil && (e.status != http.StatusConflict || s.cfg.ComposeTask == 0) {
		s.mu.Unlock()
		return e
	}
	var c *composedSystem
	if e == nil {
		c = s.composeBlocks(req, blocks)
	}
	if s.cfg.ComposeTask > 0 {
		// The blocks' refusal is the task's to report, as the service finds it while composing.
		t := s.startTask(c, e)
		s.mu.Unlock()
		return s.serveTaskMonitor(w, r, t)
	}
	d := s.docs[c.path()]
	s.mu.Unlock()
	if delay := s.cfg.ComposeDelay; delay > 0 && !s.replaying {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done(): // the client left: the system stays, its answer is lost
			return nil
		case <-s.done:
		}
	}
	w.Header().Set("Location", c.path())
	serveDoc(w, r, http.StatusCreated, d)
	return nil
}

// composeBlocks makes a composed system of the blocks req was given; the caller holds s.mu.
func (s *Simulator) composeBlocks(req *composeBody, blocks []*block) *composedSystem {
	p := s.dmtf
	p.seq++
	c := &composedSystem{num: p.seq, id: composedSystemPrefix + strconv.Itoa(p.seq), name: *req.Name, blocks: blocks,
		power: "Off", boot: bootSettings{enabled: "Disabled", target: "None", mode: "UEFI"},
		uuid: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "rsdsim/%s/composed/%d", s.serviceUUID, p.seq)).String()}
	if req.Description != nil {
		c.description = *req.Description
	}
	p.composed[c.id] = c
	for _, b := range blocks {
		b.owner = c
		s.renderBlock(b, false)
	}
	s.renderComposed(c)
	s.renderComposedCollection()
	return c
}

// checkOffered refuses a form of composition the service does not offer (Config.Composition)
// as a service whose capabilities object does not list the properties of that form does.
func (s *Simulator) checkOffered(specific bool) *apiError {
	switch {
	case specific && !s.offers(CompositionSpecific):
		return dmtfError(http.StatusBadRequest, "PropertyUnknown",
			"The property Links/ResourceBlocks is not in the list of valid properties for the resource: this service offers constrained composition only.",
			"/Links/ResourceBlocks")
	case !specific && !s.offers(CompositionConstrained):
		return dmtfError(http.StatusBadRequest, "PropertyUnknown",
			"The properties Processors and Memory are not in the list of valid properties for the resource: this service offers specific composition only.",
			"/Processors", "/Memory")
	}
	return nil
}

// specificBlocks checks the blocks a specific composition names; the caller holds s.mu.
func (s *Simulator) specificBlocks(req *composeBody) ([]*block, *apiError) {
	paths := make([]string, len(req.Links.ResourceBlocks))
	for i, ref := range req.Links.ResourceBlocks {
		paths[i] = ref.ID
	}
	return s.resolveBlocks(paths, nil, func(i int) string { return "/Links/ResourceBlocks/" + strconv.Itoa(i) })
}

// resolveBlocks checks the blocks a composed system is to have: they exist, are named once,
// include exactly one Compute block, share a zone, and are free or already owner's (nil for
// a new system). at is the JSON pointer of the i-th in the request. The caller holds s.mu.
func (s *Simulator) resolveBlocks(paths []string, owner *composedSystem, at func(int) string) ([]*block, *apiError) {
	blocks := make([]*block, len(paths))
	compute := 0
	for i, p := range paths {
		b := s.dmtf.byPath[cleanPath(p)]
		if b == nil {
			return nil, dmtfError(http.StatusBadRequest, "ResourceMissingAtURI",
				"The resource at the URI "+p+" was not found.", at(i))
		}
		if j := slices.Index(blocks[:i], b); j >= 0 {
			return nil, dmtfError(http.StatusBadRequest, "PropertyValueConflict",
				"The property "+at(i)+" could not be written because its value would conflict with the value of the "+at(j)+" property.", at(j), at(i))
		}
		blocks[i] = b
		if len(commonZones(blocks[:i+1])) == 0 {
			return nil, dmtfError(http.StatusBadRequest, "PropertyValueConflict",
				"The property "+at(i)+" could not be written because its value would conflict with the value of the "+at(0)+
					" property: "+b.path()+" shares no zone with the blocks before it, and only blocks of one zone compose together.", at(0), at(i))
		}
		if b.kind == blockCompute {
			compute++
		}
	}
	if compute != 1 {
		return nil, dmtfError(http.StatusBadRequest, "PropertyValueIncorrect",
			fmt.Sprintf("The property Links/ResourceBlocks with the requested value of %d Compute blocks could not be written because the value does not meet the constraints of the implementation: exactly one Compute block (@Redfish.ResourceBlockLimits).", compute),
			"/Links/ResourceBlocks")
	}
	for i, b := range blocks {
		if b.owner != nil && b.owner != owner {
			return nil, dmtfError(http.StatusConflict, "ResourceInUse",
				"The change to the requested resource failed because the resource is in use or in transition: "+b.path()+" is composed in "+b.owner.path()+".", at(i))
		}
	}
	return blocks, nil
}

// setBlocks gives a composed system the blocks (checked by resolveBlocks): those it leaves
// go back to Unused. The caller holds s.mu.
func (s *Simulator) setBlocks(c *composedSystem, blocks []*block) {
	for _, b := range c.blocks {
		if !slices.Contains(blocks, b) {
			b.owner = nil
			s.renderBlock(b, false)
		}
	}
	for _, b := range blocks {
		if b.owner != c {
			b.owner = c
			s.renderBlock(b, false)
		}
	}
	c.blocks = blocks
	s.renderComposed(c)
}

// blockAction serves ComputerSystem.AddResourceBlock and RemoveResourceBlock of a composed
// system: 204 once the block is in or out; the system keeps one Compute block of one zone.
func (s *Simulator) blockAction(add bool) func(http.ResponseWriter, *http.Request, []string) *apiError {
	return func(w http.ResponseWriter, r *http.Request, params []string) *apiError {
		body, e := readBody(w, r)
		if e != nil {
			return e
		}
		var req struct {
			ResourceBlock *struct {
				ID string `json:"@odata.id"`
			}
		}
		action := "ComputerSystem.RemoveResourceBlock"
		if add {
			action = "ComputerSystem.AddResourceBlock"
		}
		if err := json.Unmarshal(body, &req); err != nil || req.ResourceBlock == nil || req.ResourceBlock.ID == "" {
			return dmtfError(http.StatusBadRequest, "ActionParameterMissing",
				"The action "+action+" requires the parameter ResourceBlock to be present in the request body.", "/ResourceBlock")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c, e := s.composedByID(r, params[0])
		if e != nil {
			return e
		}
		var paths []string
		for _, b := range c.blocks {
			paths = append(paths, b.path())
		}
		ref := cleanPath(req.ResourceBlock.ID)
		if add {
			paths = append(paths, ref)
		} else {
			n := len(paths)
			if paths = slices.DeleteFunc(paths, func(p string) bool { return p == ref }); len(paths) == n {
				return dmtfError(http.StatusBadRequest, "ActionParameterValueError",
					"The value for the parameter ResourceBlock in the action "+action+" is invalid: "+ref+" is not a block of "+c.path()+".", "/ResourceBlock")
			}
		}
		blocks, e := s.resolveBlocks(paths, c, func(int) string { return "/ResourceBlock" })
		if e != nil {
			return e
		}
		s.setBlocks(c, blocks)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// constrainedBlocks picks one free Compute block and free Processor, Memory and Network
// blocks of its zone that together meet the requirements, the fewest blocks of all the
// Compute blocks tried (the first in order among equals); whole blocks are taken, so the
// system may get more than asked (AllowOverprovisioning). Each member is met on its own: two
// members may count the same processor. The caller holds s.mu.
func (s *Simulator) constrainedBlocks(req *composeBody) ([]*block, *apiError) {
	rq := req.requirements()
	var best []*block
	for _, z := range s.dmtf.zones {
		for _, compute := range z.blocks {
			if compute.kind != blockCompute || compute.owner != nil {
				continue
			}
			chosen := []*block{compute}
			for _, b := range z.blocks {
				if b.owner != nil || b.kind == blockCompute || b.kind == blockStorage || rq.lacking(chosen) == 0 {
					continue
				}
				if rq.lacking(append(slices.Clip(chosen), b)) < rq.lacking(chosen) { // b brings a missing item
					chosen = append(chosen, b)
				}
			}
			if rq.lacking(chosen) == 0 && (best == nil || len(chosen) < len(best)) {
				best = chosen
			}
		}
	}
	if best != nil {
		return best, nil
	}
	var want []string
	for _, p := range rq.procs {
		want = append(want, fmt.Sprintf("%d processors of at least %d cores", *p.Count, p.TotalCores))
	}
	for _, m := range rq.mems {
		want = append(want, fmt.Sprintf("%d DIMMs of at least %d MiB", *m.Count, m.CapacityMiB))
	}
	for _, n := range rq.nics {
		want = append(want, fmt.Sprintf("%d interfaces of at least %d Mbps", *n.Count, n.SpeedMbps))
	}
	return nil, dmtfError(http.StatusConflict, "ResourceExhaustion",
		"The resource "+systemsPath+" was unable to satisfy the request due to unavailability of resources: no zone has free blocks with "+
			strings.Join(want, " and ")+".", "/Processors", "/Memory", "/EthernetInterfaces")
}

func (p processorRequirement) wanted() int { return *p.Count }

func (p processorRequirement) matches(c *processor) bool {
	return c.cores >= p.TotalCores && strings.Contains(c.model, p.Model) &&
		(p.InstructionSet == "" || p.InstructionSet == c.instructionSet)
}

func (m memoryRequirement) wanted() int { return *m.Count }

func (m memoryRequirement) matches(d *dimm) bool {
	return d.capacityMiB >= m.CapacityMiB && (m.MemoryType == "" || m.MemoryType == "DRAM") &&
		(m.MemoryDeviceType == "" || m.MemoryDeviceType == d.deviceType)
}

func (n ethernetRequirement) wanted() int { return *n.Count }

func (n ethernetRequirement) matches(e *nic) bool { return e.speedMbps >= n.SpeedMbps }

// member is a requirement of a constrained request for items of type I.
type member[I any] interface {
	wanted() int
	matches(I) bool
}

// lackingOf sums, over reqs, how many matching items blocks lack.
func lackingOf[R member[I], I any](blocks []*block, reqs []R, items func(*block) []I) int {
	total := 0
	for _, r := range reqs {
		n := r.wanted()
		for _, b := range blocks {
			for _, x := range items(b) {
				if r.matches(x) {
					n--
				}
			}
		}
		total += max(n, 0)
	}
	return total
}

// lacking is how many items, over every member, blocks lack to meet rq.
func (rq requirements) lacking(blocks []*block) int {
	return lackingOf(blocks, rq.procs, func(b *block) []*processor { return b.procs }) +
		lackingOf(blocks, rq.mems, func(b *block) []*dimm { return b.dimms }) +
		lackingOf(blocks, rq.nics, func(b *block) []*nic { return b.nics })
}

// composedByID returns the composed system, a 405 for another resource of the collection
// (a capabilities object) or a 404; the caller holds s.mu.
func (s *Simulator) composedByID(r *http.Request, id string) (*composedSystem, *apiError) {
	if c := s.dmtf.composed[id]; c != nil {
		return c, nil
	}
	if s.docs[systemsPath+"/"+id] != nil {
		return nil, newError(http.StatusMethodNotAllowed, codeInvalidHTTPMethod,
			"The HTTP method "+r.Method+" is not allowed on "+r.URL.Path+".")
	}
	return nil, errNotFound(r.URL.Path)
}

// decomposeSystem serves DELETE of a composed system: 204, its blocks back to Unused.
func (s *Simulator) decomposeSystem(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.composedByID(r, params[0])
	if e != nil {
		return e
	}
	if e := s.checkIfMatch(r, c.path()); e != nil {
		return e
	}
	delete(s.dmtf.composed, c.id)
	for _, b := range c.blocks {
		b.owner = nil
		s.renderBlock(b, false)
	}
	delete(s.docs, c.path())
	for _, sub := range composedParts {
		delete(s.docs, c.path()+sub)
	}
	s.renderComposedCollection()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchedBlocks checks the Links of a PATCH of a composed system: only ResourceBlocks, the
// whole new list (ResourceBlocks@Redfish.UpdatableAfterCreate). The caller holds s.mu.
func (s *Simulator) patchedBlocks(c *composedSystem, raw json.RawMessage) ([]*block, *apiError) {
	var links struct {
		ResourceBlocks []struct {
			ID string `json:"@odata.id"`
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&links); err != nil || links.ResourceBlocks == nil {
		return nil, dmtfError(http.StatusBadRequest, "PropertyValueFormatError",
			"The value of the property Links is not in a supported format: only Links/ResourceBlocks, a list of blocks, may be written.", "/Links")
	}
	if len(links.ResourceBlocks) > maxComposeBlocks {
		return nil, dmtfError(http.StatusBadRequest, "ArraySizeTooLong",
			fmt.Sprintf("The array provided for property Links/ResourceBlocks exceeds the size limit %d.", maxComposeBlocks), "/Links/ResourceBlocks")
	}
	paths := make([]string, len(links.ResourceBlocks))
	for i, ref := range links.ResourceBlocks {
		paths[i] = ref.ID
	}
	return s.resolveBlocks(paths, c, func(i int) string { return "/Links/ResourceBlocks/" + strconv.Itoa(i) })
}

// resetComposed serves ComputerSystem.Reset of a composed system.
func (s *Simulator) resetComposed(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.composedByID(r, params[0])
	if e != nil {
		return e
	}
	t, e := s.resetType(body)
	if e != nil {
		return e
	}
	c.power = nextPowerState(c.power, t)
	s.renderComposed(c)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchComposed serves a PATCH of a composed system's Boot: 200 with the system.
func (s *Simulator) patchComposed(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	c, e := s.composedByID(r, params[0])
	if e == nil {
		e = s.checkIfMatch(r, c.path())
	}
	var props map[string]json.RawMessage
	if e == nil {
		props, e = parsePatch(body, "Boot", "Links")
	}
	var blocks []*block
	if e == nil && props["Links"] != nil {
		blocks, e = s.patchedBlocks(c, props["Links"])
	}
	var boot bootSettings
	if e == nil && props["Boot"] != nil {
		boot, e = patchBoot(c.boot, props["Boot"])
	}
	if e == nil { // all or nothing
		if props["Boot"] != nil {
			c.boot = boot
			s.renderComposed(c)
		}
		if blocks != nil {
			s.setBlocks(c, blocks)
		}
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	return s.serveCurrent(w, r, systemsPath+"/"+params[0])
}
