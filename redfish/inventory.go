package redfish

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	// ProcessorCount is the number of processors; Cores is the sum of their
	// cores; ProcessorModel and Arch (the instruction set, e.g. x86-64) are
	// those of the first processor.
	ProcessorCount int
	Cores          int
	ProcessorModel string
	Arch           string
	// MemoryGiB is MemorySummary.TotalSystemMemoryGiB, or the sum of the DIMMs.
	MemoryGiB float64
	// StorageGiB sums the SimpleStorage devices, or else the Storage drives.
	StorageGiB float64
	// NICCount is the number of Ethernet interfaces.
	NICCount int
	// ChassisURI is the chassis that links the system (Links.Chassis).
	ChassisURI string
	// Location is the path of chassis Ids from the top down to ChassisURI,
	// e.g. "Rack1/Drawer2"; set by Systems, empty if unknown.
	Location string
	// NodeURI is the composed node using the system, from the system's
	// Links.Oem.Intel_RackScale.ComposedNode or, in Systems, from the nodes' links.
	NodeURI string
	// AllowedResetTypes comes from ResetType@Redfish.AllowableValues.
	AllowedResetTypes []schemas.ResetType
}

// systemLinks are the links of a ComputerSystem that gofish keeps private.
type systemLinks struct {
	EthernetInterfaces schemas.Link
	Links              struct {
		Chassis schemas.Links
		Oem     struct {
			IntelRackScale struct{ ComposedNode schemas.Link } `json:"Intel_RackScale"`
		}
	}
	Actions struct {
		Reset struct {
			Allowed []schemas.ResetType `json:"ResetType@Redfish.AllowableValues"`
		} `json:"#ComputerSystem.Reset"`
	}
}

// systemURI accepts a system's URI or its Id.
func (c *Client) systemURI(idOrURI string) (string, error) {
	if err := c.need(CapSystems); err != nil {
		return "", err
	}
	return member(c.links.systems, idOrURI), nil
}

// GetSystem reads one system, by URI or Id, with its processors, memory,
// storage and interfaces summed. Location is left empty.
func (c *Client) GetSystem(ctx context.Context, system string) (*System, error) {
	uri, err := c.systemURI(system)
	if err != nil {
		return nil, err
	}
	cs, err := schemas.GetObject[schemas.ComputerSystem](c.at(ctx), uri)
	if err != nil {
		return nil, wrapErr(http.MethodGet, uri, err)
	}
	var l systemLinks
	if err := json.Unmarshal(cs.RawData, &l); err != nil {
		return nil, wrapErr(http.MethodGet, uri, err)
	}
	s := &System{
		ID: cs.ID, URI: cmp.Or(cs.ODataID, uri), Name: cs.Name, Description: cs.Description, UUID: cs.UUID,
		Manufacturer: cs.Manufacturer, Model: cs.Model, SerialNumber: cs.SerialNumber,
		PowerState: cs.PowerState, Health: cs.Status.Health,
		NodeURI: l.Links.Oem.IntelRackScale.ComposedNode.String(), AllowedResetTypes: l.Actions.Reset.Allowed,
	}
	if len(l.Links.Chassis) > 0 {
		s.ChassisURI = l.Links.Chassis[0].String()
	}
	procs, err := cs.Processors()
	if err != nil {
		return nil, collectionErr(uri+"/Processors", err)
	}
	s.ProcessorCount = len(procs)
	for i, p := range procs {
		if i == 0 {
			s.ProcessorModel, s.Arch = p.Model, string(p.InstructionSet)
		}
		if p.TotalCores != nil {
			s.Cores += *p.TotalCores
		}
	}
	if s.MemoryGiB, err = memoryGiB(cs); err != nil {
		return nil, collectionErr(uri+"/Memory", err)
	}
	if s.StorageGiB, err = storageGiB(cs); err != nil {
		return nil, collectionErr(uri+"/Storage", err)
	}
	if nics := l.EthernetInterfaces.String(); nics != "" {
		// The count is all an operator reads; the collection alone gives it.
		members, err := c.members(ctx, nics)
		if err != nil {
			return nil, err
		}
		s.NICCount = len(members)
	}
	return s, nil
}

func memoryGiB(cs *schemas.ComputerSystem) (float64, error) {
	if t := cs.MemorySummary.TotalSystemMemoryGiB; t != nil && *t > 0 {
		return *t, nil
	}
	dimms, err := cs.Memory()
	mib := 0
	for _, d := range dimms {
		if d.CapacityMiB != nil {
			mib += *d.CapacityMiB
		}
	}
	return float64(mib) / 1024, err
}

const bytesPerGiB = 1 << 30

func storageGiB(cs *schemas.ComputerSystem) (float64, error) {
	simple, err := cs.SimpleStorage()
	if err != nil {
		return 0, err
	}
	var bytes float64
	for _, s := range simple {
		for _, d := range s.Devices {
			if d.CapacityBytes != nil {
				bytes += float64(*d.CapacityBytes)
			}
		}
	}
	if len(simple) > 0 {
		return bytes / bytesPerGiB, nil
	}
	storage, err := cs.Storage()
	if err != nil {
		return 0, err
	}
	for _, st := range storage {
		drives, err := st.Drives()
		if err != nil {
			return 0, err
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
// in flight). On partial failure it returns what it read with the error.
func (c *Client) Systems(ctx context.Context) ([]*System, error) {
	if err := c.need(CapSystems); err != nil {
		return nil, err
	}
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
	systems, sysErr := fetchAll(ctx, c, uris, c.GetSystem)
	wg.Wait()
	paths := locations(chassis)
	users := make(map[string]string, len(nodes))
	for _, n := range nodes {
		users[n.Links.ComputerSystem] = n.URI
	}
	for _, s := range systems {
		s.Location = paths[s.ChassisURI]
		s.NodeURI = cmp.Or(s.NodeURI, users[s.URI])
	}
	return systems, errors.Join(sysErr, chErr, nodeErr)
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
