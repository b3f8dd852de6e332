package rsdsim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The DMTF composability model (Config.Model ModelDMTF): the successor of RSD that today's
// composable hardware speaks (Redfish CompositionService, DSP0268). The generated pod is the
// same as in the RSD model, but its blades are not systems: their parts are resource blocks
// in one zone per rack, and the Systems collection holds only the systems composed of them.
//
// Each blade n gives the blocks
//
//	Compute<n>      Compute: the first processor and the first half of the DIMMs
//	                (every DIMM on a one-socket blade)
//	Processor<n>    Processor: the other processors (two-socket blades only)
//	Memory<n>       Memory: the other half of the DIMMs (two-socket blades only)
//	Drive<n>-<k>    Storage: one per local drive
//	Network<n>-<k>  Network: one per NIC
//
// and a composed system takes exactly one Compute block and any others of its zone
// (@Redfish.ResourceBlockLimits). dmtf_compose.go serves the composition requests.

// Models of Config.Model.
const (
	// ModelRSD is the Intel RSD Pod Manager (Nodes, Allocate, Assemble); the default.
	ModelRSD = "rsd"
	// ModelDMTF is DMTF composability: CompositionService, ResourceBlocks, ResourceZones,
	// composition by POST to Systems and decomposition by DELETE.
	ModelDMTF = "dmtf"
)

// Forms of composition of Config.Composition.
const (
	// CompositionBoth offers specific and constrained composition; the default.
	CompositionBoth = "both"
	// CompositionSpecific offers only a POST naming the blocks (Links.ResourceBlocks).
	CompositionSpecific = "specific"
	// CompositionConstrained offers only a POST of requirements, the service choosing the blocks.
	CompositionConstrained = "constrained"
)

// validateModel refuses the options of one model given to the other.
func (cfg *Config) validateModel() error {
	if cfg.Model == ModelDMTF {
		if err := dmtfFaults(cfg.Faults); err != nil {
			return err
		}
		q := cfg.Quirks
		var unused []string
		for _, o := range []struct {
			name string
			set  bool
		}{
			{"an assembly delay", cfg.AssembleDelay != 0},
			{"dead links", len(q.DeadLinks) > 0},
			{"absent sockets", q.AbsentSockets > 0},
			{"accelerators", len(q.Accelerators) > 0},
			{"shared UUIDs", q.SharedUUID > 0},
			{"missing UUIDs", q.NoUUID > 0},
			{"a dropped Description", q.DropDescription},
		} {
			if o.set {
				unused = append(unused, o.name)
			}
		}
		if len(unused) > 0 {
			// They shape RSD's nodes or the generated systems, which the DMTF model serves as
			// blocks and composed systems of its own.
			return fmt.Errorf("rsdsim: %s apply to the %s model only", strings.Join(unused, ", "), ModelRSD)
		}
	}
	switch {
	case cfg.Model != ModelDMTF && cfg.Composition != "":
		return fmt.Errorf("rsdsim: a form of composition (%q) applies to the %s model only", cfg.Composition, ModelDMTF)
	case cfg.Model != ModelDMTF && cfg.SharedStorage:
		return fmt.Errorf("rsdsim: shared storage blocks apply to the %s model only", ModelDMTF)
	case cfg.Model != ModelDMTF && (cfg.ComposeDelay != 0 || cfg.ComposeTask != 0):
		return fmt.Errorf("rsdsim: a compose delay or task applies to the %s model only (the %s model's is the assembly delay)", ModelDMTF, ModelRSD)
	case cfg.ComposeDelay < 0 || cfg.ComposeTask < 0:
		return fmt.Errorf("rsdsim: negative compose delay or task")
	case cfg.Composition != "" && cfg.Composition != CompositionBoth && cfg.Composition != CompositionSpecific &&
		cfg.Composition != CompositionConstrained:
		return fmt.Errorf("rsdsim: unknown form of composition %q (want %s, %s or %s)", cfg.Composition,
			CompositionSpecific, CompositionConstrained, CompositionBoth)
	}
	return nil
}

// dmtfFaults refuses the faults the DMTF model never plays: a failed assembly, and errors of
// operations it does not serve (it has no assembly, volumes or attach).
func dmtfFaults(f Faults) error {
	var unused []string
	if f.FailAssembly {
		unused = append(unused, "a failed assembly")
	}
	for _, op := range []string{OpAssemble, OpVolume, OpAttach} {
		if _, ok := f.ErrorRate[op]; ok {
			unused = append(unused, "errors of "+op)
		}
	}
	if len(unused) > 0 {
		return fmt.Errorf("rsdsim: %s apply to the %s model only", strings.Join(unused, ", "), ModelRSD)
	}
	return nil
}

// offers reports whether the DMTF model's Systems collection offers the form of composition.
func (s *Simulator) offers(form string) bool {
	return s.cfg.Composition == "" || s.cfg.Composition == CompositionBoth || s.cfg.Composition == form
}

// dmtfRedfishVersion is the RedfishVersion of the DMTF model, that of DMTF's composition
// mockups.
const dmtfRedfishVersion = "1.15.0"

const (
	compositionPath      = rootPath + "/CompositionService"
	blocksPath           = compositionPath + "/ResourceBlocks"
	zonesPath            = compositionPath + "/ResourceZones"
	specificCapsPath     = systemsPath + "/Capabilities"
	constrainedCapsPath  = systemsPath + "/ConstrainedCompositionCapabilities"
	useCaseSpecific      = "ComputerSystemComposition"
	useCaseConstrained   = "ComputerSystemConstrainedComposition"
	composedSystemPrefix = "Composed"
)

// Block types (ResourceBlockType).
const (
	blockCompute   = "Compute"
	blockProcessor = "Processor"
	blockMemory    = "Memory"
	blockStorage   = "Storage"
	blockNetwork   = "Network"
)

// dmtfPool is the state of the DMTF model; the caller of its methods holds s.mu.
type dmtfPool struct {
	blocks   []*block
	byPath   map[string]*block
	zones    []*zone
	composed map[string]*composedSystem
	seq      int // the number of the last composed system
	// tasks are the compositions answered as tasks (Config.ComposeTask), by Id; taskOrder
	// their Ids, oldest first, and taskSeq the number of the last.
	tasks     map[string]*task
	taskOrder []string
	taskSeq   int
}

// zone is a ResourceZone: the blocks of one rack, which compose together.
type zone struct {
	id     string
	blocks []*block
}

func (z *zone) path() string { return zonesPath + "/" + z.id }

// block is a ResourceBlock over parts of one blade.
type block struct {
	id, kind string
	zones    []*zone // the rack's, and the next rack's for a shared Storage block
	blade    *chassis
	procs    []*processor
	dimms    []*dimm
	drives   []*localDrive
	nics     []*nic
	owner    *composedSystem // nil while Unused
}

func (b *block) path() string { return blocksPath + "/" + b.id }

// composedSystem is a ComputerSystem of SystemType Composed.
type composedSystem struct {
	num                         int // the order of composition, which orders the collection
	id, uuid, name, description string
	blocks                      []*block
	power                       string
	boot                        bootSettings
}

func (c *composedSystem) path() string { return systemsPath + "/" + c.id }

// newDMTFPool cuts the generated blades into blocks, a zone per rack; with sharedStorage each
// Storage block is also in the next rack's zone.
func newDMTFPool(systems []*system, sharedStorage bool) *dmtfPool {
	p := &dmtfPool{byPath: make(map[string]*block), composed: make(map[string]*composedSystem)}
	zones := make(map[*chassis]*zone)
	for n, sys := range systems {
		rack := sys.blade.parent.parent
		z := zones[rack]
		if z == nil {
			z = &zone{id: strconv.Itoa(len(p.zones) + 1)}
			zones[rack] = z
			p.zones = append(p.zones, z)
		}
		num := strconv.Itoa(n + 1)
		add := func(id, kind string) *block {
			b := &block{id: id, kind: kind, zones: []*zone{z}, blade: sys.blade}
			p.blocks = append(p.blocks, b)
			p.byPath[b.path()] = b
			z.blocks = append(z.blocks, b)
			return b
		}
		compute := add(blockCompute+num, blockCompute)
		compute.procs = sys.procs[:1]
		compute.dimms = sys.dimms
		if len(sys.procs) > 1 {
			half := len(sys.dimms) / 2
			compute.dimms = sys.dimms[:half]
			add(blockProcessor+num, blockProcessor).procs = sys.procs[1:]
			add(blockMemory+num, blockMemory).dimms = sys.dimms[half:]
		}
		for k, d := range sys.drives {
			add(fmt.Sprintf("Drive%s-%d", num, k+1), blockStorage).drives = []*localDrive{d}
		}
		for k, e := range sys.nics {
			add(fmt.Sprintf("Network%s-%d", num, k+1), blockNetwork).nics = []*nic{e}
		}
	}
	if sharedStorage && len(p.zones) > 1 {
		for i, z := range p.zones {
			next := p.zones[(i+1)%len(p.zones)]
			for _, b := range z.blocks {
				if b.kind == blockStorage && b.zones[0] == z {
					b.zones = append(b.zones, next)
					next.blocks = append(next.blocks, b)
				}
			}
		}
	}
	return p
}

// commonZones returns the zones every block is in: blocks compose together only where one
// zone holds them all.
func commonZones(blocks []*block) []*zone {
	if len(blocks) == 0 {
		return nil
	}
	common := slices.Clone(blocks[0].zones)
	for _, b := range blocks[1:] {
		common = slices.DeleteFunc(common, func(z *zone) bool { return !slices.Contains(b.zones, z) })
	}
	return common
}

// renderDMTF renders, at start-up, the resources of the DMTF model.
func (s *Simulator) renderDMTF() {
	root := s.serviceRoot("#ServiceRoot.v1_15_0.ServiceRoot")
	root["CompositionService"] = link(compositionPath)
	s.putRoot(root)
	s.renderServices()
	parallel(len(s.chassis), func(i int) { s.renderChassis(s.chassis[i]) })
	s.put(chassisPath, collection(chassisPath, "#ChassisCollection.ChassisCollection", "Chassis Collection",
		chassisPaths(s.chassis)))
	s.renderSessions()

	cs := resource(compositionPath, "#CompositionService.v1_2_0.CompositionService", "CompositionService", "Composition Service")
	cs["Status"] = statusOK()
	cs["ServiceEnabled"] = true
	cs["AllowOverprovisioning"] = true // a constrained composition gets whole blocks
	cs["AllowZoneAffinity"] = false
	cs["ResourceBlocks"] = link(blocksPath)
	cs["ResourceZones"] = link(zonesPath)
	s.put(compositionPath, cs)
	paths := make([]string, len(s.dmtf.blocks))
	for i, b := range s.dmtf.blocks {
		paths[i] = b.path()
	}
	s.put(blocksPath, collection(blocksPath, "#ResourceBlockCollection.ResourceBlockCollection", "Resource Block Collection", paths))
	parallel(len(s.dmtf.blocks), func(i int) { s.renderBlock(s.dmtf.blocks[i], true) })
	zonePaths := make([]string, len(s.dmtf.zones))
	for i, z := range s.dmtf.zones {
		zonePaths[i] = z.path()
		d := resource(z.path(), "#Zone.v1_6_0.Zone", z.id, "Resource Zone "+z.id)
		d["Status"] = statusOK()
		d["ZoneType"] = "ZoneOfResourceBlocks"
		bp := make([]string, len(z.blocks))
		for j, b := range z.blocks {
			bp[j] = b.path()
		}
		d["Links"] = obj{"ResourceBlocks": links(bp)}
		s.put(z.path(), d)
	}
	s.put(zonesPath, collection(zonesPath, "#ZoneCollection.ZoneCollection", "Resource Zone Collection", zonePaths))
	s.renderCapabilities(zonePaths)
	s.renderComposedCollection()
}

// renderCapabilities renders the capabilities objects of the forms of composition offered
// (Config.Composition), shaped as DMTF's public-composability and
// public-constrained-composition mockups.
func (s *Simulator) renderCapabilities(zonePaths []string) {
	s.dmtfCapabilities = []obj{}
	if s.offers(CompositionSpecific) {
		s.renderSpecificCapabilities()
		s.dmtfCapabilities = append(s.dmtfCapabilities, obj{"CapabilitiesObject": link(specificCapsPath), "UseCase": useCaseSpecific,
			"Links": obj{"TargetCollection": link(systemsPath), "RelatedItem": links(zonePaths)}})
	}
	if s.offers(CompositionConstrained) {
		s.renderConstrainedCapabilities()
		s.dmtfCapabilities = append(s.dmtfCapabilities, obj{"CapabilitiesObject": link(constrainedCapsPath), "UseCase": useCaseConstrained,
			"Links": obj{"TargetCollection": link(systemsPath), "RelatedItem": links(zonePaths)}})
	}
}

// renderSpecificCapabilities renders the capabilities object of specific composition.
func (s *Simulator) renderSpecificCapabilities() {
	specific := resource(specificCapsPath, "#ComputerSystem.v1_20_0.ComputerSystem", "Capabilities", "Capabilities for the system collection")
	specific["Name@Redfish.RequiredOnCreate"] = true
	specific["Description@Redfish.OptionalOnCreate"] = true
	specific["Links@Redfish.RequiredOnCreate"] = true
	specific["Links"] = obj{"ResourceBlocks@Redfish.RequiredOnCreate": true, "ResourceBlocks@Redfish.UpdatableAfterCreate": true}
	specific["@Redfish.ResourceBlockLimits"] = obj{"MinCompute": 1, "MaxCompute": 1}
	s.put(specificCapsPath, specific)
}

// renderConstrainedCapabilities renders the capabilities object of constrained composition.
func (s *Simulator) renderConstrainedCapabilities() {
	constrained := resource(constrainedCapsPath, "#ComputerSystem.v1_20_0.ComputerSystem", "ConstrainedCompositionCapabilities",
		"Capabilities for constrained composition")
	constrained["Name@Redfish.RequiredOnCreate"] = true
	constrained["Description@Redfish.OptionalOnCreate"] = true
	constrained["Processors@Redfish.OptionalOnCreate"] = true
	constrained["Processors"] = obj{"Members@Redfish.RequiredOnCreate": true, "Members": []obj{{
		"@Redfish.RequestedCountRequired": true, "ProcessorType@Redfish.OptionalOnCreate": true,
		"TotalCores@Redfish.OptionalOnCreate": true, "Model@Redfish.OptionalOnCreate": true,
		"InstructionSet@Redfish.OptionalOnCreate": true}}}
	constrained["Memory@Redfish.OptionalOnCreate"] = true
	constrained["Memory"] = obj{"Members@Redfish.RequiredOnCreate": true, "Members": []obj{{
		"@Redfish.RequestedCountRequired": true, "MemoryType@Redfish.OptionalOnCreate": true,
		"CapacityMiB@Redfish.OptionalOnCreate": true, "MemoryDeviceType@Redfish.OptionalOnCreate": true}}}
	constrained["EthernetInterfaces@Redfish.OptionalOnCreate"] = true
	constrained["EthernetInterfaces"] = obj{"Members@Redfish.RequiredOnCreate": true, "Members": []obj{{
		"@Redfish.RequestedCountRequired": true, "SpeedMbps@Redfish.OptionalOnCreate": true}}}
	s.put(constrainedCapsPath, constrained)
}

// renderComposedCollection renders the Systems collection: the composed systems, and how
// to compose one.
func (s *Simulator) renderComposedCollection() {
	all := slices.SortedFunc(maps.Values(s.dmtf.composed), func(a, b *composedSystem) int { return cmp.Compare(a.num, b.num) })
	paths := make([]string, len(all))
	for i, c := range all {
		paths[i] = c.path()
	}
	coll := collection(systemsPath, "#ComputerSystemCollection.ComputerSystemCollection", "Computer System Collection", paths)
	coll["@Redfish.CollectionCapabilities"] = obj{"@odata.type": "#CollectionCapabilities.v1_4_0.CollectionCapabilities",
		"Capabilities": s.dmtfCapabilities}
	s.put(systemsPath, coll)
}

// renderBlock renders a resource block and, with parts, the devices under it (they never
// change, so only start-up renders them).
func (s *Simulator) renderBlock(b *block, parts bool) {
	p := b.path()
	d := resource(p, "#ResourceBlock.v1_4_0.ResourceBlock", b.id, b.kind+" Block "+b.id)
	d["ResourceBlockType"] = []string{b.kind}
	d["Status"] = statusOK()
	state, used, systems := "Unused", 0, []string{}
	if b.owner != nil {
		state, used, systems = "Composed", 1, []string{b.owner.path()}
	}
	d["CompositionStatus"] = obj{"Reserved": false, "CompositionState": state, "SharingCapable": false,
		"MaxCompositions": 1, "NumberOfCompositions": used}
	d["Pool"] = map[bool]string{true: "Active", false: "Free"}[b.owner != nil]
	part := func(key string, ids []string, doc func(i int, path string) obj) {
		if len(ids) == 0 {
			return
		}
		paths := make([]string, len(ids))
		for i, id := range ids {
			paths[i] = b.partPath(key, id)
			if parts {
				s.put(paths[i], doc(i, paths[i]))
			}
		}
		d[key] = links(paths)
	}
	part("Processors", idsOf(b.procs, func(c *processor) string { return c.id }),
		func(i int, path string) obj { return processorDoc(b.procs[i], path) })
	part("Memory", idsOf(b.dimms, func(m *dimm) string { return m.id }),
		func(i int, path string) obj { return dimmDoc(b.dimms[i], path) })
	part("Drives", idsOf(b.drives, func(dr *localDrive) string { return dr.id }),
		func(i int, path string) obj { return driveDoc(b.drives[i], path) })
	part("EthernetInterfaces", idsOf(b.nics, func(n *nic) string { return n.id }),
		func(i int, path string) obj { return nicDoc(b.nics[i], path) })
	d["Links"] = obj{"ComputerSystems": links(systems), "Chassis": links([]string{b.blade.path()}),
		"Zones": links(idsOf(b.zones, (*zone).path))}
	s.put(p, d)
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// partPath is where a block renders one of its devices.
func (b *block) partPath(key, id string) string { return b.path() + "/" + key + "/" + id }

// renderComposed renders a composed system and its collections of the blocks' devices.
func (s *Simulator) renderComposed(c *composedSystem) {
	p := c.path()
	d := resource(p, "#ComputerSystem.v1_20_0.ComputerSystem", c.id, c.name)
	if c.description != "" {
		d["Description"] = c.description
	}
	d["SystemType"] = "Composed"
	d["UUID"] = c.uuid
	d["Status"] = statusOK()
	d["PowerState"] = c.power
	d["Boot"] = bootObject(c.boot)
	var procs, dimms, nics, blocks []string
	var devices []obj
	cores, mib, model := 0, 0, ""
	for _, b := range c.blocks {
		blocks = append(blocks, b.path())
		for _, x := range b.procs {
			procs = append(procs, b.partPath("Processors", x.id))
			cores += x.cores
			model = x.model
		}
		for _, x := range b.dimms {
			dimms = append(dimms, b.partPath("Memory", x.id))
			mib += x.capacityMiB
		}
		for _, x := range b.nics {
			nics = append(nics, b.partPath("EthernetInterfaces", x.id))
		}
		for _, x := range b.drives {
			devices = append(devices, obj{"Name": "Drive " + b.id, "Model": x.mediaType + " " + x.protocol,
				"CapacityBytes": int64(x.capacityGiB) << 30, "Status": statusOK()})
		}
	}
	d["ProcessorSummary"] = obj{"Count": len(procs), "CoreCount": cores, "Model": model, "Status": statusOK()}
	d["MemorySummary"] = obj{"TotalSystemMemoryGiB": mib / 1024, "Status": statusOK()}
	sub := func(key, odataType, name string, members []string) {
		d[key] = link(p + "/" + key)
		s.put(p+"/"+key, collection(p+"/"+key, odataType, name, members))
	}
	sub("Processors", "#ProcessorCollection.ProcessorCollection", "Processors Collection", procs)
	sub("Memory", "#MemoryCollection.MemoryCollection", "Memory Collection", dimms)
	sub("EthernetInterfaces", "#EthernetInterfaceCollection.EthernetInterfaceCollection", "Ethernet Interface Collection", nics)
	sub("SimpleStorage", "#SimpleStorageCollection.SimpleStorageCollection", "Simple Storage Collection", []string{p + "/SimpleStorage/1"})
	ss := resource(p+"/SimpleStorage/1", "#SimpleStorage.v1_1_0.SimpleStorage", "1", "Storage blocks")
	if devices == nil {
		devices = []obj{}
	}
	ss["Devices"] = devices
	ss["Status"] = statusOK()
	s.put(p+"/SimpleStorage/1", ss)
	d["Links"] = obj{"ResourceBlocks": links(blocks), "Chassis": links([]string{c.blocks[0].blade.path()})}
	d["Actions"] = obj{"#ComputerSystem.Reset": obj{"target": p + "/Actions/ComputerSystem.Reset",
		"ResetType@Redfish.AllowableValues": allowedResetTypes},
		"#ComputerSystem.AddResourceBlock":    obj{"target": p + "/Actions/ComputerSystem.AddResourceBlock"},
		"#ComputerSystem.RemoveResourceBlock": obj{"target": p + "/Actions/ComputerSystem.RemoveResourceBlock"}}
	s.put(p, d)
}

// composedParts are the documents renderComposed puts under a composed system.
var composedParts = []string{"/Processors", "/Memory", "/EthernetInterfaces", "/SimpleStorage", "/SimpleStorage/1"}
