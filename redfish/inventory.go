package redfish

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/stmcginnis/gofish/schemas"
)

// System is a computer system summed up the way an operator reads it.
type System struct {
	// ID is the system's Id and URI its @odata.id.
	ID, URI, Name, Description, UUID  string
	Manufacturer, Model, SerialNumber string
	// PowerState and Health (Status.Health) are as the system reports them.
	PowerState schemas.PowerState
	Health     schemas.Health
	// ProcessorCount is the number of present CPUs (ProcessorSummary.Count
	// where the service gives it); Cores is the sum of their cores;
	// ProcessorModel and Arch (the instruction set, e.g. x86-64) are those of
	// the first. Absent sockets are left out, accelerators listed apart.
	ProcessorCount int
	Cores          int
	ProcessorModel string
	Arch           string
	Accelerators   []Accelerator
	// MemoryGiB is MemorySummary.TotalSystemMemoryGiB, or the sum of the DIMMs.
	MemoryGiB float64
	// StorageGiB sums the SimpleStorage devices, or else the Storage drives.
	StorageGiB float64
	// NICCount is the number of Ethernet interfaces.
	NICCount int
	// ChassisURI is the chassis that links the system (Links.Chassis).
	ChassisURI string
	// Location is the path of chassis Ids from the top down to ChassisURI,
	// e.g. "Rack1/Drawer2"; set by Systems and LocateSystem, empty if unknown.
	Location string
	// NodeURI is the composed node using the system, from the system's
	// Links.Oem.Intel_RackScale.ComposedNode or, in Systems, from the nodes' links;
	// a system of SystemType Composed (DMTF composition) is its own.
	NodeURI string
	// NodeLinked says that the system itself tells which node uses it: it
	// has the ComposedNode link (null when none does), or it is a composed
	// system. A real RSD PODM leaves the link out (the node's
	// Links.ComputerSystem is the authoritative one), so that only a list of
	// the nodes (Systems reads it) can tell.
	NodeLinked bool
	// AllowedResetTypes comes from ResetType@Redfish.AllowableValues.
	AllowedResetTypes []schemas.ResetType
	// Warnings name the parts that could not be read, whose fields are zero.
	Warnings []string
}

// Accelerator is a present processor that is not a CPU: an FPGA, a GPU, a DSP, ...
type Accelerator struct {
	// Type is the ProcessorType, e.g. FPGA or GPU.
	Type  schemas.ProcessorType
	Model string
}

// systemJSON is what a summary reads of a ComputerSystem. A walk reads
// thousands of systems and several parts of each: gofish's typed structs
// decode (and allocate) every property of their schema, these only the few
// that are used.
type systemJSON struct {
	ODataID                           string `json:"@odata.id"`
	ID                                string `json:"Id"`
	Name, Description, UUID           string
	Manufacturer, Model, SerialNumber string
	PowerState                        schemas.PowerState
	SystemType                        schemas.SystemType
	Status                            struct{ Health schemas.Health }
	ProcessorSummary                  processorSummary
	MemorySummary                     struct{ TotalSystemMemoryGiB *float64 }
	Processors, Memory                schemas.Link
	SimpleStorage, Storage            schemas.Link
	EthernetInterfaces                schemas.Link
	Links                             struct {
		Chassis schemas.Links
		Oem     struct {
			// Raw, to tell a link of null (no node) from none at all.
			IntelRackScale struct{ ComposedNode json.RawMessage } `json:"Intel_RackScale"`
		}
	}
	Actions struct {
		Reset struct {
			Allowed []schemas.ResetType `json:"ResetType@Redfish.AllowableValues"`
		} `json:"#ComputerSystem.Reset"`
	}
}

type processorSummary struct {
	Count *uint
	Model string
}

// The parts of a system that its summary reads, each as small as systemJSON.
type (
	processorJSON struct {
		ProcessorType  schemas.ProcessorType
		Model          string
		InstructionSet schemas.InstructionSet
		TotalCores     *int
		Status         struct{ State schemas.State }
	}
	dimmJSON          struct{ CapacityMiB *int }
	simpleStorageJSON struct {
		Devices []struct{ CapacityBytes *uint }
	}
	storageJSON struct {
		ODataID string `json:"@odata.id"`
		Drives  schemas.Links
	}
	driveJSON struct{ CapacityBytes *int }
)

// getMembers reads every member of the collection at uri into a T, with at
// most c.max in flight; none when uri is empty. Like gofish's collections,
// it returns the members it could read with the failures of the others.
func getMembers[T any](ctx context.Context, c *Client, uri string) ([]T, error) {
	if uri == "" {
		return nil, nil
	}
	uris, err := c.members(ctx, uri)
	if err != nil {
		return nil, err
	}
	return getAll[T](ctx, c, uris)
}

// getAll reads every resource of uris into a T (see getMembers).
func getAll[T any](ctx context.Context, c *Client, uris []string) ([]T, error) {
	return fetchAll(ctx, c, uris, func(ctx context.Context, uri string) (T, error) {
		var v T
		err := c.getJSON(ctx, uri, &v)
		return v, err
	})
}

// systemURI accepts a system's URI or its Id.
func (c *Client) systemURI(idOrURI string) (string, error) {
	if err := c.need(CapSystems); err != nil {
		return "", err
	}
	return member(c.links.systems, idOrURI), nil
}

// GetSystem reads one system, by URI or Id, with its processors, memory,
// storage and interfaces summed. Location is left empty. A part that cannot
// be read (a dead link, an error after the retries) stays zero and is named
// in Warnings; only the system's own failure, or the end of ctx, is an error.
func (c *Client) GetSystem(ctx context.Context, system string) (*System, error) {
	return c.getSystem(ctx, system, false)
}

// maxChassisDepth bounds the chain of chassis LocateSystem follows up.
const maxChassisDepth = 16

// LocateSystem is GetSystem that also fills Location, from the chain of
// ContainedBy links of the system's chassis, read beside its parts: the
// handful of requests of one system rather than the walk of every chassis
// that Systems does. The top of the chain is the first chassis that names
// no container, so a service that links its chassis only downwards
// (Contains) gives the system's own chassis alone; a chassis that cannot be
// read leaves Location empty, named in Warnings.
func (c *Client) LocateSystem(ctx context.Context, system string) (*System, error) {
	return c.getSystem(ctx, system, true)
}

// chassisPath is the path of chassis Ids from the top of uri's chain of
// ContainedBy links down to uri.
func (c *Client) chassisPath(ctx context.Context, uri string) (string, error) {
	var ids []string
	seen := map[string]bool{}
	for uri != "" {
		if seen[uri] || len(ids) == maxChassisDepth {
			return "", fmt.Errorf("redfish: chassis %s: ContainedBy goes round or deeper than %d", uri, maxChassisDepth)
		}
		seen[uri] = true
		// Only the Id and the link up: a rack links every system under it.
		var ch struct {
			ID    string `json:"Id"`
			Links struct{ ContainedBy schemas.Link }
		}
		if err := c.getJSON(ctx, uri, &ch); err != nil {
			return "", err
		}
		ids = append(ids, ch.ID)
		uri = ch.Links.ContainedBy.String()
	}
	slices.Reverse(ids)
	return strings.Join(ids, "/"), nil
}

func (c *Client) getSystem(ctx context.Context, system string, locate bool) (*System, error) {
	uri, err := c.systemURI(system)
	if err != nil {
		return nil, err
	}
	var cs systemJSON
	if err := c.getJSON(ctx, uri, &cs); err != nil {
		return nil, err
	}
	s := &System{
		ID: cs.ID, URI: cmp.Or(cs.ODataID, uri), Name: cs.Name, Description: cs.Description, UUID: cs.UUID,
		Manufacturer: cs.Manufacturer, Model: cs.Model, SerialNumber: cs.SerialNumber,
		PowerState: cs.PowerState, Health: cs.Status.Health,
		AllowedResetTypes: cs.Actions.Reset.Allowed,
	}
	if raw := cs.Links.Oem.IntelRackScale.ComposedNode; len(raw) > 0 {
		var node schemas.Link
		if err := json.Unmarshal(raw, &node); err != nil {
			return nil, wrapErr(http.MethodGet, uri, err)
		}
		s.NodeURI, s.NodeLinked = node.String(), true
	}
	if len(cs.Links.Chassis) > 0 {
		s.ChassisURI = cs.Links.Chassis[0].String()
	}
	if cs.SystemType == schemas.ComposedSystemType && s.NodeURI == "" {
		s.NodeURI, s.NodeLinked = s.URI, true // a DMTF composed system is its own node
	}
	// The parts (and the chassis, to locate the system) are read at once,
	// each into its own variables; the answer is put together in order.
	var (
		wg               sync.WaitGroup
		procs            []processorJSON
		nics             []string
		location         string
		procErr, memErr  error
		storeErr, nicErr error
		locErr           error
		nicLink          = cs.EthernetInterfaces.String()
		memGiB, storeGiB float64
		locating         = locate && s.ChassisURI != ""
	)
	wg.Go(func() { procs, procErr = getMembers[processorJSON](ctx, c, cs.Processors.String()) })
	wg.Go(func() { memGiB, memErr = c.memoryGiB(ctx, &cs) })
	wg.Go(func() { storeGiB, storeErr = c.storageGiB(ctx, &cs, uri) })
	if nicLink != "" {
		// The count is all an operator reads; the collection alone gives it.
		wg.Go(func() { nics, nicErr = c.members(ctx, nicLink) })
	}
	if locating {
		wg.Go(func() { location, locErr = c.chassisPath(ctx, s.ChassisURI) })
	}
	wg.Wait()
	s.addProcessors(cs.ProcessorSummary, procs)
	s.MemoryGiB, s.StorageGiB, s.NICCount, s.Location = memGiB, storeGiB, len(nics), location
	// A part that could not be read is noted, unless the caller's time is
	// up, which ends the read.
	for _, p := range []struct {
		part, link string
		err        error
	}{
		{"processors", uri + "/Processors", procErr}, {"memory", uri + "/Memory", memErr},
		{"storage", uri + "/Storage", storeErr}, {"network interfaces", nicLink, nicErr},
		{"location", s.ChassisURI, locErr},
	} {
		if p.err == nil {
			continue
		}
		err := collectionErr(p.link, p.err)
		if ctx.Err() != nil {
			return nil, err
		}
		s.warn(p.part, err)
	}
	return s, nil
}

// maxWarning bounds one warning, which quotes the pod manager's message.
const maxWarning = 300

// warn adds "<part> unknown: <why>" to the system's warnings.
func (s *System) warn(part string, err error) {
	// Joined errors come one per line; a warning is one line.
	msg := part + " unknown: " + strings.ReplaceAll(strings.TrimPrefix(err.Error(), "redfish: "), "\n", "; ")
	if len(msg) > maxWarning {
		msg = strings.ToValidUTF8(msg[:maxWarning], "") + "…"
	}
	s.Warnings = append(s.Warnings, msg)
}

// addProcessors counts the present CPUs, with their cores, and lists the
// accelerators apart. An Absent socket is no processor; the summary's Count,
// where the service gives one, is the service's own count of CPUs and wins.
func (s *System) addProcessors(summary processorSummary, procs []processorJSON) {
	for _, p := range procs {
		if p.Status.State == schemas.AbsentState {
			continue
		}
		switch p.ProcessorType {
		case "", schemas.CPUProcessorType:
			if s.ProcessorCount == 0 {
				s.ProcessorModel, s.Arch = p.Model, string(p.InstructionSet)
			}
			s.ProcessorCount++
			if p.TotalCores != nil {
				s.Cores += *p.TotalCores
			}
		case schemas.CoreProcessorType, schemas.ThreadProcessorType, schemas.PartitionProcessorType:
			// Parts of a CPU, which counts them already.
		default:
			s.Accelerators = append(s.Accelerators, Accelerator{Type: p.ProcessorType, Model: p.Model})
		}
	}
	if summary.Count != nil {
		s.ProcessorCount = int(*summary.Count)
	}
	s.ProcessorModel = cmp.Or(s.ProcessorModel, summary.Model)
}

func (c *Client) memoryGiB(ctx context.Context, cs *systemJSON) (float64, error) {
	if t := cs.MemorySummary.TotalSystemMemoryGiB; t != nil && *t > 0 {
		return *t, nil
	}
	dimms, err := getMembers[dimmJSON](ctx, c, cs.Memory.String())
	mib := 0
	for _, d := range dimms {
		if d.CapacityMiB != nil {
			mib += *d.CapacityMiB
		}
	}
	return float64(mib) / 1024, err
}

const bytesPerGiB = 1 << 30

// storageGiB sums the SimpleStorage devices or, when there are none or they
// cannot be read, the Storage drives; it fails only when neither gives a total.
func (c *Client) storageGiB(ctx context.Context, cs *systemJSON, uri string) (float64, error) {
	simple, simpleErr := getMembers[simpleStorageJSON](ctx, c, cs.SimpleStorage.String())
	var bytes float64
	for _, s := range simple {
		for _, d := range s.Devices {
			if d.CapacityBytes != nil {
				bytes += float64(*d.CapacityBytes)
			}
		}
	}
	if simpleErr == nil && len(simple) > 0 {
		return bytes / bytesPerGiB, nil
	}
	storage, err := getMembers[storageJSON](ctx, c, cs.Storage.String())
	if err != nil {
		return 0, collectionErr(uri+"/Storage", err)
	}
	if len(storage) == 0 && simpleErr != nil {
		return 0, collectionErr(uri+"/SimpleStorage", simpleErr)
	}
	bytes = 0
	for _, st := range storage {
		drives, err := getAll[driveJSON](ctx, c, st.Drives.ToStrings())
		if err != nil {
			return 0, collectionErr(st.ODataID+"/Drives", err)
		}
		for _, d := range drives {
			if d.CapacityBytes != nil {
				bytes += float64(*d.CapacityBytes)
			}
		}
	}
	return bytes / bytesPerGiB, nil
}

// collectionErr unwraps the first failure of a gofish *schemas.CollectionError,
// which hides its causes in a map, and wraps it like any other.
func collectionErr(uri string, err error) error {
	var ce *schemas.CollectionError
	if errors.As(err, &ce) {
		for link, e := range ce.Failures {
			return wrapErr(http.MethodGet, link, e)
		}
	}
	return wrapErr(http.MethodGet, uri, err)
}

// Systems reads every system with its summary, its Location and the node
// using it, fetching with bounded parallelism (Config.MaxConcurrent requests
// in flight). It degrades per part: a system that answers but cannot be read
// is listed with its Id and URI only, and chassis or nodes that cannot be
// read leave Location or NodeURI empty, each named in the systems' Warnings.
// The error holds only the systems gone (404) and the end of ctx.
//
// Where the service sends ETags, a system the last complete walk read is
// asked for again with its resources' ETags (If-None-Match), and its
// summary kept when the service says none changed (304): see walkSystem.
func (c *Client) Systems(ctx context.Context) ([]*System, error) {
	if err := c.need(CapSystems); err != nil {
		return nil, err
	}
	walk := c.revalidating()
	uris, err := c.members(ctx, c.links.systems)
	if err != nil {
		return nil, err
	}
	var (
		wg             sync.WaitGroup
		chassis        []*Chassis
		nodes          []*ComposedNode
		chErr, nodeErr error
	)
	// Chassis and nodes are few; read them beside the systems, not after.
	wg.Add(2)
	go func() {
		defer wg.Done()
		if c.info.Has(CapChassis) {
			chassis, chErr = c.Chassis(ctx)
		}
	}()
	go func() {
		defer wg.Done()
		if c.info.Has(CapCompose) {
			nodes, nodeErr = c.ListNodes(ctx)
		}
	}()
	systems, sysErr := fetchAll(ctx, c, uris, func(ctx context.Context, uri string) (*System, error) {
		s, err := c.walkSystem(ctx, walk, uri)
		if err == nil || IsNotFound(err) || ctx.Err() != nil {
			return s, err
		}
		unread := &System{ID: path.Base(uri), URI: uri}
		unread.warn("system", err)
		return unread, nil
	})
	wg.Wait()
	if ctx.Err() != nil {
		return systems, errors.Join(sysErr, chErr, nodeErr)
	}
	c.keep(walk)
	paths := locations(chassis)
	users := make(map[string]string, len(nodes))
	for _, n := range nodes {
		users[n.Links.ComputerSystem] = n.URI
	}
	for _, s := range systems {
		s.Location = paths[s.ChassisURI]
		s.NodeURI = cmp.Or(s.NodeURI, users[s.URI])
		if chErr != nil {
			s.warn("location", chErr)
		}
		if nodeErr != nil {
			s.warn("composed node", nodeErr)
		}
	}
	return systems, sysErr
}

// ResetSystem sends ComputerSystem.Reset to a system, by URI or Id; the
// type must be among the system's allowed reset types when it lists any.
func (c *Client) ResetSystem(ctx context.Context, system string, resetType schemas.ResetType) error {
	uri, err := c.systemURI(system)
	if err != nil {
		return err
	}
	cs, err := schemas.GetObject[schemas.ComputerSystem](c.at(ctx), uri)
	if err != nil {
		return wrapErr(http.MethodGet, uri, err)
	}
	allowedTypes, err := cs.GetSupportedResetTypes()
	if err != nil {
		return wrapErr(http.MethodGet, uri, err)
	}
	if err := allowed("reset type", resetType, allowedTypes); err != nil {
		return err
	}
	if _, err := cs.Reset(resetType); err != nil && !success2xx(err) {
		return wrapErr(http.MethodPost, uri+"/Actions/ComputerSystem.Reset", err)
	}
	return nil
}

// Chassis is a chassis (rack, drawer, sled, ...) with the systems under it.
type Chassis struct {
	// ID is the chassis' Id and URI its @odata.id.
	ID, URI, Name, Description string
	// Type is the ChassisType: Rack, Drawer, Sled, ...
	Type                              schemas.ChassisType
	Manufacturer, Model, SerialNumber string
	// RackLocation is the RSD Oem.Intel_RackScale.Location.Rack, if given.
	RackLocation string
	// ContainedBy and Contains link the chassis tree.
	ContainedBy string
	Contains    []string
	// Systems lists the URIs of the systems in this chassis and in every
	// chassis it contains.
	Systems []string
}

type chassisJSON struct {
	ODataID                           string `json:"@odata.id"`
	ID                                string `json:"Id"`
	Name, Description                 string
	ChassisType                       schemas.ChassisType
	Manufacturer, Model, SerialNumber string
	Links                             struct {
		ContainedBy     schemas.Link
		Contains        schemas.Links
		ComputerSystems schemas.Links
	}
	Oem map[string]struct {
		Location struct{ Rack string }
	}
}

// getChassis reads one chassis with only the systems it links directly.
func (c *Client) getChassis(ctx context.Context, uri string) (*Chassis, error) {
	var j chassisJSON
	if err := c.getJSON(ctx, uri, &j); err != nil {
		return nil, err
	}
	ch := &Chassis{
		ID: j.ID, URI: cmp.Or(j.ODataID, uri), Name: j.Name, Description: j.Description, Type: j.ChassisType,
		Manufacturer: j.Manufacturer, Model: j.Model, SerialNumber: j.SerialNumber,
		ContainedBy: j.Links.ContainedBy.String(), Contains: j.Links.Contains.ToStrings(),
		Systems: j.Links.ComputerSystems.ToStrings(),
	}
	// RSD writes Intel_RackScale; an RSD 2.1 sample writes Intel:RackScale.
	for _, key := range []string{"Intel_RackScale", "Intel:RackScale"} {
		if o, ok := j.Oem[key]; ok && ch.RackLocation == "" {
			ch.RackLocation = o.Location.Rack
		}
	}
	return ch, nil
}

// Chassis reads every chassis, in parallel, each with the systems under it.
func (c *Client) Chassis(ctx context.Context) ([]*Chassis, error) {
	if err := c.need(CapChassis); err != nil {
		return nil, err
	}
	uris, err := c.members(ctx, c.links.chassis)
	if err != nil {
		return nil, err
	}
	all, err := fetchAll(ctx, c, uris, c.getChassis)
	rollUpSystems(all)
	return all, err
}

// Racks reads the chassis of type Rack, each with the systems under it.
func (c *Client) Racks(ctx context.Context) ([]*Chassis, error) {
	all, err := c.Chassis(ctx)
	var racks []*Chassis
	for _, ch := range all {
		if ch.Type == schemas.RackChassisType {
			racks = append(racks, ch)
		}
	}
	return racks, err
}

// rollUpSystems replaces each chassis' direct systems by all the systems
// below it. The tree is read from Contains and from ContainedBy, since pod
// managers fill one or the other or both.
func rollUpSystems(all []*Chassis) {
	byURI := make(map[string]*Chassis, len(all))
	children := make(map[string][]string)
	for _, ch := range all {
		byURI[ch.URI] = ch
		children[ch.URI] = append(children[ch.URI], ch.Contains...)
		if ch.ContainedBy != "" {
			children[ch.ContainedBy] = append(children[ch.ContainedBy], ch.URI)
		}
	}
	direct := make(map[string][]string, len(all))
	for _, ch := range all {
		direct[ch.URI] = ch.Systems
	}
	for _, ch := range all {
		seen := map[string]bool{}
		var systems []string
		var walk func(string)
		walk = func(uri string) {
			if seen[uri] || byURI[uri] == nil {
				return
			}
			seen[uri] = true
			for _, s := range direct[uri] {
				if !seen[s] {
					seen[s] = true
					systems = append(systems, s)
				}
			}
			for _, child := range children[uri] {
				walk(child)
			}
		}
		walk(ch.URI)
		ch.Systems = systems
	}
}

// locations maps each chassis URI to the path of chassis Ids from the top of
// its tree, e.g. "Rack1/Drawer2".
func locations(all []*Chassis) map[string]string {
	byURI := make(map[string]*Chassis, len(all))
	parent := make(map[string]string)
	for _, ch := range all {
		byURI[ch.URI] = ch
		for _, child := range ch.Contains {
			parent[child] = ch.URI
		}
	}
	for _, ch := range all {
		if ch.ContainedBy != "" {
			parent[ch.URI] = ch.ContainedBy
		}
	}
	out := make(map[string]string, len(all))
	for _, ch := range all {
		var ids []string
		for uri, depth := ch.URI, 0; byURI[uri] != nil && depth < len(all); uri, depth = parent[uri], depth+1 {
			ids = append([]string{byURI[uri].ID}, ids...)
		}
		out[ch.URI] = strings.Join(ids, "/")
	}
	return out
}
