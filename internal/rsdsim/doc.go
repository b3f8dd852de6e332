// Package rsdsim emulates an Intel Rack Scale Design (RSD) 2.x Pod Manager: a Redfish service
// with a generated inventory of racks, drawers and systems, node composition, power control,
// remote storage, sessions and injectable faults.
//
// It imports nothing of Valence on purpose: it is the independent counterpart of the project's
// Redfish client, so a misreading of RSD in the client shows up as a failure instead of being
// shared by both sides.
//
// # Resources
//
// /redfish/v1 (public), Systems/{id} with Processors, Memory, EthernetInterfaces (with
// VLANs), SimpleStorage and Storage; Chassis (Pod1 → RackN → RackN-DrawerM → …-BladeK, local
// drives under the blade); Managers/PODM; Nodes with Actions/Allocate; EventService;
// SessionService; remote storage as StorageServices/SS1 (2.3: Volumes, StoragePools, Drives)
// or Services/RSS1 (2.1/2.2: LogicalDrives in the volume group vg1, Targets, Drives).
//
// Composition: Allocate answers 201 with an absolute Location and no body; Assemble 204
// (Allocated → Assembling → Assembled or Failed); ComposedNode.Reset 204 (only once
// Assembled); PATCH of a node's Boot 200 with the node; DELETE 204 (the system is shut down
// and freed, VLANs Allocate added are removed, volumes Allocate created are deleted).
// A Memory item of a template asks for CapacityMiB in total over the DIMMs meeting its other
// conditions; Processors[].Model matches as a substring. The node keeps the Allocate's Name
// and Description; Quirks.DropDescription ignores the Description, as a PODM would that did
// not keep it (rsd-simulator --drop-description).
//
// A system shows its node in Links.Oem.Intel_RackScale.ComposedNode and
// Oem.Intel_RackScale.Allocated (simulator additions; on a real PODM the authoritative link
// is the node's Links.ComputerSystem; Quirks.NoSystemNodeLink leaves the first out).
//
// A PATCH whose If-Match is not the resource's current ETag (compared as strings, weak ETags
// included) or "*" is answered 412 and changes nothing; Quirks.IfMatchRequired refuses a PATCH
// without If-Match with 428 or 412, as some BMCs do.
//
// # Collections in pages
//
// Quirks.PageSize (rsd-simulator --page-size N) answers every collection of every model N
// members a page, as Redfish allows: Members@odata.count is the total,
// Members@odata.nextLink is <path>?$skip=<k> while more remain, and GET <path>?$skip=k is
// the page from member k (past the end, an empty page without a next link; a $skip that is
// not a count, 400). Each page is a resource of its own for ETags and If-None-Match.
//
// # Plain Redfish and unimplemented operations
//
// Config.RSDVersion VersionNone ("none") serves plain Redfish: the same systems, chassis and
// managers without any Oem.Intel_RackScale, Nodes, RSD storage or Ethernet switches.
// Config.UnimplementedResets lists reset types that are advertised and answered 501.
//
// # DMTF composability
//
// Config.Model ModelDMTF serves the same generated pod as a DMTF composition service
// (dmtf.go, dmtf_compose.go): a plain Redfish root with a CompositionService; each blade cut
// into resource blocks (Compute, Processor, Memory, Storage, Network) with a
// CompositionStatus, one ResourceZone per rack; a Systems collection that holds only composed
// systems and advertises specific and constrained composition in its
// @Redfish.CollectionCapabilities. POST /Systems composes (201, Location, the system), DELETE
// of a composed system decomposes (204), Reset and a PATCH of Boot work on it; refusals carry
// Base registry MessageIds (ResourceInUse, PropertyValueConflict, …) in @Message.ExtendedInfo.
// Faults, sessions and the journal work as in the RSD model (composition counts as the
// "allocate" operation of Faults.ErrorRate, AddResourceBlock, RemoveResourceBlock and PATCH
// as "patch"); the options that only shape RSD's nodes or the generated systems are refused.
// Config.Composition offers one form of composition or both, Config.ComposeTask answers a
// composition with a task (dmtf_task.go), Config.SharedStorage lists Storage blocks in two
// zones; a composed system also takes ComputerSystem.AddResourceBlock, RemoveResourceBlock
// and a PATCH of Links.ResourceBlocks.
//
// # Restarts
//
// With Config.Journal set, every request that changed the state is written as a JSON line;
// Replay applies such a journal to a new simulator of the same Config before it serves, so
// that composed nodes, volumes and power states survive a restart of the process, as on a
// real Pod Manager (rsd-simulator --state FILE). Sessions do not survive it.
//
// # Fault console
//
// GET, PUT and DELETE on /admin/faults read, replace and clear the active Faults; the body is
//
//	{"latency":"200ms","jitter":"50ms","error_rate":{"allocate":0.5,"*":0.1},
//	 "error_status":503,"fail_assembly":true,"down":"refuse"}
//
// An error_status of 401, 403, 501 or 503 comes with the MessageId of that status.
//
// It needs no credentials and is never subject to the faults it sets.
package rsdsim
