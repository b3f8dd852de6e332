package rsdsim

import (
	"fmt"
	"runtime"
	"sync"
)

const (
	eventServicePath     = rootPath + "/EventService"
	fabricsPath          = rootPath + "/Fabrics"
	ethernetSwitchesPath = rootPath + "/EthernetSwitches"
	telemetryPath        = rootPath + "/TelemetryService"
)

// renderAll renders, at start-up, every resource but the parts of systems (see
// renderSystemParts).
func (s *Simulator) renderAll() {
	s.renderRoot()
	s.renderServices()
	parallel(len(s.chassis), func(i int) { s.renderChassis(s.chassis[i]) })
	parallel(len(s.systems), func(i int) { s.renderSystem(s.systems[i]) })
	s.put(chassisPath, collection(chassisPath, "#ChassisCollection.ChassisCollection", "Chassis Collection",
		chassisPaths(s.chassis)))
	systemMembers := systemPaths(s.systems)
	s.put(systemsPath, collection(systemsPath, "#ComputerSystemCollection.ComputerSystemCollection",
		"Computer System Collection", systemMembers))
	s.renderNodes()
	s.renderSessions()
	s.renderStorage()
}

// parallel runs f(0..n-1) on every CPU: a pod of 10,000 systems starts with some 23,000
// JSON documents to render, and start-up should stay within a second or two.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}

// renderRoot renders the service root with the links of the chosen RSD version: Nodes both
// at the top (Valence reads it there) and under Oem.Intel_RackScale (rsd-lib ≥ 2.2 and PODM).
func (s *Simulator) renderRoot() {
	oem := obj{"@odata.type": "#Intel.Oem.ServiceRoot", "ApiVersion": s.ver.api, "Nodes": link(nodesPath)}
	root := s.serviceRoot("#ServiceRoot.v1_1_0.ServiceRoot")
	root["Nodes"] = link(nodesPath)
	root["Fabrics"] = link(fabricsPath)
	root["EthernetSwitches"] = link(ethernetSwitchesPath)
	switch s.ver.minor {
	case 1:
		root["Services"] = link(s.storageRootPath())
	case 2:
		oem["Services"] = link(s.storageRootPath())
		oem["EthernetSwitches"] = link(ethernetSwitchesPath)
		root["TelemetryService"] = link(telemetryPath)
	default:
		root["StorageServices"] = link(s.storageRootPath())
		oem["EthernetSwitches"] = link(ethernetSwitchesPath)
	}
	root["Oem"] = obj{"Intel_RackScale": oem}
	s.putRoot(root)
}

// serviceRoot is what the service root of every model holds: the Redfish version, the
// service's UUID, and the links to systems, chassis, managers, events and sessions. Each
// model adds its own links.
func (s *Simulator) serviceRoot(odataType string) obj {
	root := resource(rootPath+"/", odataType, "RootService", "Root Service")
	root["RedfishVersion"] = s.ver.redfish
	root["UUID"] = s.serviceUUID
	root["Systems"] = link(systemsPath)
	root["Chassis"] = link(chassisPath)
	root["Managers"] = link(managersPath)
	root["EventService"] = link(eventServicePath)
	root["SessionService"] = link(sessionServicePath)
	root["Links"] = obj{"Sessions": link(sessionsPath)}
	return root
}

// putRoot serves root at /redfish/v1, and /redfish's version document that points there.
func (s *Simulator) putRoot(root obj) {
	s.put(rootPath, root)
	s.put("/redfish", obj{"v1": rootPath + "/"})
}

// renderServices renders the manager and the services this simulator only describes.
func (s *Simulator) renderServices() {
	s.put(managersPath, collection(managersPath, "#ManagerCollection.ManagerCollection", "Manager Collection",
		[]string{podmManager}))
	m := resource(podmManager, "#Manager.v1_2_0.Manager", "PODM", "Pod Manager")
	m["ManagerType"] = "AuxiliaryController"
	m["Description"] = "Emulated Intel RSD Pod Manager"
	m["Model"] = "rsd-simulator"
	m["FirmwareVersion"] = s.ver.api
	m["PowerState"] = "On"
	m["Status"] = statusOK()
	m["Links"] = obj{"ManagerForChassis": links([]string{s.chassis[0].path()})}
	s.put(podmManager, m)

	ev := resource(eventServicePath, "#EventService.v1_0_0.EventService", "EventService", "Event Service")
	ev["ServiceEnabled"] = true
	ev["DeliveryRetryAttempts"] = 3
	ev["DeliveryRetryIntervalSeconds"] = 60
	ev["EventTypesForSubscription"] = []string{"StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert"}
	ev["Status"] = statusOK()
	ev["Subscriptions"] = link(eventServicePath + "/Subscriptions")
	s.put(eventServicePath, ev)
	s.put(eventServicePath+"/Subscriptions", collection(eventServicePath+"/Subscriptions",
		"#EventDestinationCollection.EventDestinationCollection", "Event Subscriptions Collection", nil))
	s.put(fabricsPath, collection(fabricsPath, "#FabricCollection.FabricCollection", "Fabric Collection", nil))
	s.put(ethernetSwitchesPath, collection(ethernetSwitchesPath,
		"#EthernetSwitchCollection.EthernetSwitchCollection", "Ethernet Switches Collection", nil))
	if s.ver.minor == 2 {
		t := resource(telemetryPath, "#TelemetryService.v1_0_0.TelemetryService", "TelemetryService", "Telemetry Service")
		t["Status"] = statusOK()
		t["MetricDefinitions"] = link(telemetryPath + "/MetricDefinitions")
		s.put(telemetryPath, t)
		s.put(telemetryPath+"/MetricDefinitions", collection(telemetryPath+"/MetricDefinitions",
			"#MetricDefinitionCollection.MetricDefinitionCollection", "Metric Definition Collection", nil))
	}
}

// renderChassis renders a pod, rack, drawer or blade with its RSD location.
func (s *Simulator) renderChassis(c *chassis) {
	d := resource(c.path(), "#Chassis.v1_3_0.Chassis", c.id, c.kind+" "+c.id)
	d["ChassisType"] = c.kind
	d["Description"] = "Emulated " + c.kind
	d["Manufacturer"] = "Intel Corporation"
	d["Model"] = "RSD " + c.kind
	d["SerialNumber"] = "CH-" + c.id
	d["Status"] = statusOK()
	loc := obj{"Id": c.id, "ParentId": nil}
	l := obj{"Contains": links(chassisPaths(c.children)), "ManagedBy": links([]string{podmManager})}
	if c.parent != nil {
		loc["ParentId"] = c.parent.id
		l["ContainedBy"] = link(c.parent.path())
		if s.dmtf == nil { // in the DMTF model, blades are blocks, not systems
			l["ComputerSystems"] = links(systemPaths(c.systems))
		}
	}
	if c.kind == "Drawer" {
		loc["ULocation"], loc["UHeight"] = 2*c.location-1, 2
	}
	d["Oem"] = obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.Chassis", "Location": loc}}
	d["Links"] = l
	if c.kind == "Blade" && s.dmtf == nil {
		d["Drives"] = link(c.path() + "/Drives") // rendered with the parts of its system
	}
	s.put(c.path(), d)
}

func chassisPaths(cs []*chassis) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.path()
	}
	return out
}

func systemPaths(ss []*system) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.path()
	}
	return out
}

// allowedResetTypes are the ResetType values of RSD 2.x for systems and nodes alike.
var allowedResetTypes = []string{"On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi",
	"ForceOn", "PushPowerButton"}

// renderSystem renders the ComputerSystem itself: it changes with power, boot and allocation.
func (s *Simulator) renderSystem(sys *system) {
	p := sys.path()
	d := resource(p, "#ComputerSystem.v1_1_0.ComputerSystem", sys.id, "Computer System "+sys.id)
	d["Description"] = "Compute blade " + sys.blade.id
	if sys.uuid != "" {
		d["UUID"] = sys.uuid
	}
	d["SystemType"] = "Physical"
	d["Manufacturer"] = "Intel Corporation"
	d["Model"] = "S2600KP"
	d["SerialNumber"] = sys.serial
	d["BiosVersion"] = "SE5C610.86B.01.01.0016"
	d["Status"] = statusOK()
	d["PowerState"] = sys.power
	d["Boot"] = bootObject(sys.boot)
	d["ProcessorSummary"] = obj{"Count": len(sys.procs), "Model": sys.procs[0].model, "Status": statusOK()}
	d["MemorySummary"] = obj{"TotalSystemMemoryGiB": sys.totalMemoryMiB() / 1024, "Status": statusOK()}
	d["Processors"] = link(p + "/Processors")
	d["Memory"] = link(p + "/Memory")
	d["EthernetInterfaces"] = link(p + "/EthernetInterfaces")
	d["SimpleStorage"] = link(p + "/SimpleStorage")
	d["Storage"] = link(p + "/Storage")
	if sys.tpm {
		d["TrustedModules"] = []obj{{"InterfaceType": sys.tpmType, "FirmwareVersion": "1.3.2.8", "Status": statusOK()}}
	}
	rackscale := obj{"@odata.type": "#Intel.Oem.ComputerSystemLinks", "ComposedNode": nil}
	if sys.node != nil {
		rackscale["ComposedNode"] = link(sys.node.path())
	}
	if s.cfg.Quirks.NoSystemNodeLink {
		delete(rackscale, "ComposedNode")
	}
	d["Links"] = obj{"Chassis": links([]string{sys.blade.path()}), "ManagedBy": links([]string{podmManager}),
		"Endpoints": []obj{}, "Oem": obj{"Intel_RackScale": rackscale}}
	d["Actions"] = obj{"#ComputerSystem.Reset": obj{"target": p + "/Actions/ComputerSystem.Reset",
		"ResetType@Redfish.AllowableValues": allowedResetTypes}}
	d["Oem"] = obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.ComputerSystem", "DiscoveryState": "Deep",
		"ProcessorSockets": len(sys.procs), "MemorySockets": len(sys.dimms), "UserModeEnabled": false,
		"TrustedExecutionTechnologyEnabled": sys.txt, "PciDevices": []obj{}, "PCIeConnectionId": []string{},
		"Allocated": sys.node != nil}}
	s.put(p, d)
}

// renderSystemParts renders the processors, memory, NICs and storage of a system. It runs
// on the first GET of any of them (see lookup): a pod of 10,000 systems has some 200,000
// parts, and rendering them all at start-up would take seconds that most runs never use.
func (s *Simulator) renderSystemParts(sys *system) {
	sys.partsRendered = true
	p := sys.path()
	var paths []string
	for _, c := range sys.procs {
		s.put(c.path(), processorDoc(c, c.path()))
		paths = append(paths, c.path())
	}
	paths = append(paths, s.renderOddProcessors(sys)...)
	s.putPart(sys, PartProcessors, p+"/Processors", collection(p+"/Processors", "#ProcessorCollection.ProcessorCollection", "Processors Collection", paths))
	paths = nil
	for _, m := range sys.dimms {
		s.put(m.path(), dimmDoc(m, m.path()))
		paths = append(paths, m.path())
	}
	s.putPart(sys, PartMemory, p+"/Memory", collection(p+"/Memory", "#MemoryCollection.MemoryCollection", "Memory Collection", paths))
	paths = nil
	for _, n := range sys.nics {
		s.renderNIC(n)
		paths = append(paths, n.path())
	}
	s.putPart(sys, PartEthernetInterfaces, p+"/EthernetInterfaces", collection(p+"/EthernetInterfaces",
		"#EthernetInterfaceCollection.EthernetInterfaceCollection", "Ethernet Interface Collection", paths))
	s.renderLocalStorage(sys)
}

// renderNIC renders an Ethernet interface and its VLANs; it changes when a node adds VLANs.
func (s *Simulator) renderNIC(n *nic) {
	d := nicDoc(n, n.path())
	if n.vlanCapable {
		vp := n.path() + "/VLANs"
		d["VLANs"] = link(vp)
		paths := make([]string, len(n.vlans))
		for i, v := range n.vlans {
			paths[i] = fmt.Sprintf("%s/%d", vp, v.id)
			vd := resource(paths[i], "#VLanNetworkInterface.v1_0_1.VLanNetworkInterface", fmt.Sprint(v.id), fmt.Sprintf("VLAN %d", v.id))
			vd["VLANEnable"] = true
			vd["VLANId"] = v.id
			vd["Status"] = statusOK()
			vd["Oem"] = obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.VLanNetworkInterface", "Tagged": v.tagged}}
			s.put(paths[i], vd)
		}
		s.put(vp, collection(vp, "#VLanNetworkInterfaceCollection.VLanNetworkInterfaceCollection", "VLAN Network Interface Collection", paths))
	}
	s.put(n.path(), d)
}

// renderLocalStorage renders SimpleStorage and Storage of a system over its blade's drives.
func (s *Simulator) renderLocalStorage(sys *system) {
	p := sys.path()
	devices := make([]obj, len(sys.drives))
	drives := make([]string, len(sys.drives))
	protocols := []string{}
	for i, dr := range sys.drives {
		devices[i] = obj{"Name": "Drive " + dr.id, "Manufacturer": "Intel", "Model": dr.mediaType + " " + dr.protocol,
			"CapacityBytes": int64(dr.capacityGiB) << 30, "Status": statusOK()}
		drives[i] = dr.path()
		protocols = append(protocols, dr.protocol)
	}
	ss := resource(p+"/SimpleStorage/1", "#SimpleStorage.v1_1_0.SimpleStorage", "1", "Simple Storage Controller")
	ss["Devices"] = devices
	ss["Status"] = statusOK()
	s.put(p+"/SimpleStorage/1", ss)
	s.putPart(sys, PartSimpleStorage, p+"/SimpleStorage", collection(p+"/SimpleStorage", "#SimpleStorageCollection.SimpleStorageCollection",
		"Simple Storage Collection", []string{p + "/SimpleStorage/1"}))
	st := resource(p+"/Storage/1", "#Storage.v1_1_0.Storage", "1", "Local Storage")
	st["Status"] = statusOK()
	st["Drives"] = links(drives)
	st["StorageControllers"] = []obj{{"@odata.id": p + "/Storage/1#/StorageControllers/0", "MemberId": "0",
		"Name": "Storage Controller", "Status": statusOK(), "SupportedDeviceProtocols": protocols}}
	s.put(p+"/Storage/1", st)
	s.putPart(sys, PartStorage, p+"/Storage", collection(p+"/Storage", "#StorageCollection.StorageCollection", "Storage Collection",
		[]string{p + "/Storage/1"}))
	for _, dr := range sys.drives {
		s.renderLocalDrive(dr)
	}
	blade := sys.blade.path()
	s.put(blade+"/Drives", collection(blade+"/Drives", "#DriveCollection.DriveCollection", "Drive Collection", drives))
}

// renderLocalDrive renders a blade's drive (RSD keeps local drives under the chassis).
func (s *Simulator) renderLocalDrive(dr *localDrive) {
	d := driveDoc(dr, dr.path())
	d["Links"] = obj{"Chassis": link(dr.sys.blade.path())}
	s.put(dr.path(), d)
}

// The documents of a processor, DIMM, NIC and drive at path: under their system in the RSD
// model, under their resource block in the DMTF one.

func processorDoc(c *processor, path string) obj {
	d := resource(path, "#Processor.v1_0_0.Processor", c.id, "Processor "+c.id)
	d["Socket"] = c.id
	d["ProcessorType"] = "CPU"
	d["ProcessorArchitecture"] = "x86"
	d["InstructionSet"] = c.instructionSet
	d["Manufacturer"] = "Intel(R) Corporation"
	d["Model"] = c.model
	d["MaxSpeedMHz"] = c.speedMHz
	d["TotalCores"] = c.cores
	d["TotalThreads"] = 2 * c.cores
	d["Status"] = statusOK()
	d["Oem"] = obj{"Intel_RackScale": obj{"@odata.type": "#Intel.Oem.Processor", "Brand": c.brand,
		"Capabilities": c.capabilities}}
	return d
}

func dimmDoc(m *dimm, path string) obj {
	d := resource(path, "#Memory.v1_1_0.Memory", m.id, "DIMM "+m.id)
	d["MemoryType"] = "DRAM"
	d["MemoryDeviceType"] = m.deviceType
	d["CapacityMiB"] = m.capacityMiB
	d["OperatingSpeedMhz"] = m.speedMHz
	d["AllowedSpeedsMHz"] = []int{m.speedMHz}
	d["DataWidthBits"] = m.widthBits
	d["BusWidthBits"] = m.widthBits + 8
	d["Manufacturer"] = m.manufacturer
	d["DeviceLocator"] = m.id
	d["Status"] = statusOK()
	return d
}

func nicDoc(n *nic, path string) obj {
	d := resource(path, "#EthernetInterface.v1_1_0.EthernetInterface", n.id, "Ethernet Interface "+n.id)
	d["Status"] = statusOK()
	d["InterfaceEnabled"] = true
	d["MACAddress"] = n.mac
	d["PermanentMACAddress"] = n.mac
	d["SpeedMbps"] = n.speedMbps
	d["AutoNeg"] = true
	d["FullDuplex"] = true
	d["IPv4Addresses"] = []obj{{"Address": n.ip, "SubnetMask": "255.255.0.0", "AddressOrigin": "DHCP", "Gateway": "10.0.0.1"}}
	d["IPv6Addresses"] = []obj{}
	d["VLAN"] = obj{"VLANEnable": n.vlanCapable}
	return d
}

func driveDoc(dr *localDrive, path string) obj {
	d := resource(path, "#Drive.v1_1_0.Drive", dr.id, "Drive "+dr.id)
	d["MediaType"] = dr.mediaType
	d["Protocol"] = dr.protocol
	d["CapacityBytes"] = int64(dr.capacityGiB) << 30
	d["SerialNumber"] = dr.serial
	d["Manufacturer"] = "Intel"
	d["Model"] = dr.mediaType + " " + dr.protocol
	if dr.rpm > 0 {
		d["RotationSpeedRPM"] = dr.rpm
	}
	d["Status"] = statusOK()
	return d
}
