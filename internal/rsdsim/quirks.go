package rsdsim

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
)

// Quirks are the ways real Redfish services differ from a tidy pod manager, each an option so
// that clients meet them in tests; docs/architecture.md names the services each stands for.
// The zero value is a tidy pod manager.
type Quirks struct {
	// DeadLinks names the parts of a system that its links name but that answer 404: any of
	// the Part* names.
	DeadLinks []string
	// DeadLinkShare is the share of systems, spread evenly over the pod, whose DeadLinks are
	// dead: 0.25 picks System4, System8, ...; 0 means every system.
	DeadLinkShare float64
	// AbsentSockets adds that many empty CPU sockets (Status.State Absent) to every system's
	// Processors, which ProcessorSummary.Count does not count.
	AbsentSockets int
	// Accelerators adds one processor of each ProcessorType named (Accel*) to every system.
	Accelerators []string
	// SharedUUID makes the first that many systems share the UUID of System1.
	SharedUUID int
	// NoUUID leaves the UUID out of the last that many systems.
	NoUUID int
	// NoRacks makes the racks chassis of type Enclosure, so that no chassis is of type Rack.
	NoRacks bool
	// NoSystemNodeLink leaves Links.Oem.Intel_RackScale.ComposedNode out of every system, as
	// a real PODM does: there the node's Links.ComputerSystem is the only link between them.
	NoSystemNodeLink bool
	// ETags is how the service treats entity tags: "" sends a weak ETag on every resource
	// and answers a GET whose If-None-Match names it 304; ETagsNone sends none (and so
	// never answers 304); ETagsIgnored sends them but answers every GET in full.
	ETags string
	// PageSize, when > 0, answers every collection that many members a page: the page holds
	// Members@odata.count, the total, and Members@odata.nextLink, <path>?$skip=<k>, while
	// more remain; GET <path>?$skip=k is the page from member k. At most maxPageSize.
	PageSize int
	// IfMatchRequired, when not 0, is the status (428 or 412) of the answer to a PATCH that
	// carries no If-Match, as some BMCs refuse one; the PATCH changes nothing.
	IfMatchRequired int
	// DropDescription makes the RSD model's Allocate ignore the request's Description: the
	// node keeps the simulator's default (empty), as a pod manager would that did not keep
	// it. The RSD model only.
	DropDescription bool
}

// maxPageSize bounds Quirks.PageSize; a page of a real service holds a few hundred members.
const maxPageSize = 10_000

// Values of Quirks.ETags.
const (
	ETagsNone    = "none"
	ETagsIgnored = "ignored"
)

// Parts of a system that DeadLinks may name.
const (
	PartProcessors         = "processors"
	PartMemory             = "memory"
	PartEthernetInterfaces = "ethernet_interfaces"
	PartSimpleStorage      = "simple_storage"
	PartStorage            = "storage"
)

var parts = []string{PartProcessors, PartMemory, PartEthernetInterfaces, PartSimpleStorage, PartStorage}

// Processor types that Accelerators may name.
const (
	AccelFPGA = "FPGA"
	AccelGPU  = "GPU"
	AccelDSP  = "DSP"
	AccelGen  = "Accelerator"
)

var accelerators = []string{AccelFPGA, AccelGPU, AccelDSP, AccelGen}

// maxAbsentSockets bounds the empty sockets of a system; real boards have a few.
const maxAbsentSockets = 8

// acceleratorModels are the models the added processors report.
var acceleratorModels = map[string]string{
	AccelFPGA: "Intel(R) Stratix(R) 10 FPGA", AccelGPU: "NVIDIA A100", AccelDSP: "TI C6678", AccelGen: "Intel(R) QuickAssist",
}

func (q Quirks) validate() error {
	for _, p := range q.DeadLinks {
		if !slices.Contains(parts, p) {
			return fmt.Errorf("rsdsim: dead link %q is not a part of a system (want one of %v)", p, parts)
		}
	}
	if math.IsNaN(q.DeadLinkShare) || q.DeadLinkShare < 0 || q.DeadLinkShare > 1 {
		return fmt.Errorf("rsdsim: dead link share %v is not in [0, 1]", q.DeadLinkShare)
	}
	if q.AbsentSockets < 0 || q.AbsentSockets > maxAbsentSockets {
		return fmt.Errorf("rsdsim: %d absent sockets is not in [0, %d]", q.AbsentSockets, maxAbsentSockets)
	}
	for _, a := range q.Accelerators {
		if !slices.Contains(accelerators, a) {
			return fmt.Errorf("rsdsim: accelerator %q is not one of %v", a, accelerators)
		}
	}
	if q.ETags != "" && q.ETags != ETagsNone && q.ETags != ETagsIgnored {
		return fmt.Errorf("rsdsim: ETags %q is not %q, %q or empty", q.ETags, ETagsNone, ETagsIgnored)
	}
	if q.PageSize < 0 || q.PageSize > maxPageSize {
		return fmt.Errorf("rsdsim: page size %d is not in [0, %d]", q.PageSize, maxPageSize)
	}
	if q.IfMatchRequired != 0 && q.IfMatchRequired != http.StatusPreconditionRequired && q.IfMatchRequired != http.StatusPreconditionFailed {
		return fmt.Errorf("rsdsim: If-Match required status %d is not %d, %d or 0", q.IfMatchRequired,
			http.StatusPreconditionRequired, http.StatusPreconditionFailed)
	}
	if q.IfMatchRequired != 0 && q.ETags == ETagsNone {
		return errors.New("rsdsim: If-Match cannot be required of clients that are sent no ETags")
	}
	if q.SharedUUID < 0 || q.SharedUUID > maxSystems || q.NoUUID < 0 || q.NoUUID > maxSystems {
		return fmt.Errorf("rsdsim: shared and missing UUIDs must be in [0, %d]", maxSystems)
	}
	return nil
}

// etagQuirk returns w and r as the service of Quirks.ETags sees and answers them: without
// If-None-Match when it does not honour it, and without ETag headers when it sends none.
func (s *Simulator) etagQuirk(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	mode := s.cfg.Quirks.ETags
	if mode == "" {
		return w, r
	}
	if r.Header.Get("If-None-Match") != "" {
		r = r.Clone(r.Context()) // a handler does not change the request it is given
		r.Header.Del("If-None-Match")
	}
	if mode == ETagsNone {
		w = &noETag{ResponseWriter: w}
	}
	return w, r
}

// noETag drops the ETag header of every answer written through it.
type noETag struct {
	http.ResponseWriter
	wrote bool
}

func (w *noETag) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Del("ETag")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *noETag) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// rackType is the ChassisType of the chassis that hold the drawers.
func (q Quirks) rackType() string {
	if q.NoRacks {
		return "Enclosure"
	}
	return "Rack"
}

// applyQuirks changes the n-th (from 1) of total systems as the quirks say; the systems
// before it are in s.systems already.
func (s *Simulator) applyQuirks(sys *system, n, total int) {
	q := s.cfg.Quirks
	if n > 1 && n <= q.SharedUUID {
		sys.uuid = s.systems[0].uuid
	}
	if n > total-q.NoUUID {
		sys.uuid = ""
	}
	if len(q.DeadLinks) > 0 && (q.DeadLinkShare == 0 || math.Floor(float64(n)*q.DeadLinkShare) > math.Floor(float64(n-1)*q.DeadLinkShare)) {
		sys.deadLinks = q.DeadLinks
	}
	for i := range q.AbsentSockets {
		sys.oddProcs = append(sys.oddProcs, &processor{sys: sys, id: "CPU" + strconv.Itoa(len(sys.procs)+i+1), absent: true})
	}
	for _, a := range q.Accelerators {
		sys.oddProcs = append(sys.oddProcs, &processor{sys: sys, id: a + "1", kind: a, model: acceleratorModels[a]})
	}
}

// renderOddProcessors renders the absent sockets and accelerators of a system and returns
// their paths; the caller holds s.mu.
func (s *Simulator) renderOddProcessors(sys *system) []string {
	var paths []string
	for _, c := range sys.oddProcs {
		d := resource(c.path(), "#Processor.v1_0_0.Processor", c.id, "Processor "+c.id)
		d["Socket"] = c.id
		if c.absent {
			d["ProcessorType"] = "CPU"
			d["Status"] = obj{"State": "Absent"}
		} else {
			d["ProcessorType"] = c.kind
			d["Manufacturer"] = "Emulated"
			d["Model"] = c.model
			d["Status"] = statusOK()
		}
		s.put(c.path(), d)
		paths = append(paths, c.path())
	}
	return paths
}

// putPart stores the collection of one part of a system, unless the quirks make its link dead.
func (s *Simulator) putPart(sys *system, part, path string, v any) {
	if !slices.Contains(sys.deadLinks, part) {
		s.put(path, v)
	}
}
