package rsdsim

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// check is one requirement a system must meet; the checks of a template are applied in order
// so that a refusal can name the first requirement no free system satisfies.
type check struct {
	name string // the request field, e.g. "Processors[0].TotalCores"
	want string // the condition, e.g. ">= 16"
	ok   func(*system) bool
}

// pred is one condition on a component (a processor, DIMM, drive or NIC) of a system.
type pred[T any] struct {
	name, want string
	ok         func(T) bool
}

// componentChecks turns per-item conditions into checks: each field on its own, then each
// item as a whole, then all items together on distinct components.
func componentChecks[T any](kind string, parts func(*system) []T, items [][]pred[T]) []check {
	var out []check
	for i, preds := range items {
		for _, p := range preds {
			out = append(out, check{fmt.Sprintf("%s[%d].%s", kind, i, p.name), p.want,
				func(sys *system) bool { return slices.ContainsFunc(parts(sys), p.ok) }})
		}
		if len(preds) > 1 {
			out = append(out, check{fmt.Sprintf("%s[%d]", kind, i), "all its conditions on one component",
				func(sys *system) bool { return slices.ContainsFunc(parts(sys), allOf(preds)) }})
		}
	}
	if len(items) > 1 {
		out = append(out, check{kind, fmt.Sprintf("%d distinct components", len(items)),
			func(sys *system) bool { return assign(parts(sys), items) != nil }})
	}
	return out
}

func allOf[T any](preds []pred[T]) func(T) bool {
	return func(x T) bool {
		for _, p := range preds {
			if !p.ok(x) {
				return false
			}
		}
		return true
	}
}

// assign gives each item a distinct component meeting all its conditions (result[i] is the
// index of item i's component), or nil. Backtracking is fine: a system has a handful of each.
func assign[T any](parts []T, items [][]pred[T]) []int {
	result := make([]int, len(items))
	used := make([]bool, len(parts))
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(items) {
			return true
		}
		ok := allOf(items[i])
		for j, p := range parts {
			if !used[j] && ok(p) {
				used[j], result[i] = true, j
				if try(i + 1) {
					return true
				}
				used[j] = false
			}
		}
		return false
	}
	if !try(0) {
		return nil
	}
	return result
}

// resolve finds the pod resource of type T that a template references; the caller holds s.mu.
func resolve[T any](s *Simulator, field string, r *ref, what string) (T, *apiError) {
	var zero T
	p := r.ID
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	v, ok := s.byPath[cleanPath(p)].(T)
	if !ok {
		return zero, errCreation(fmt.Sprintf("%s: %q is not a %s of this pod.", field, r.ID, what))
	}
	return v, nil
}

// within reports whether sys sits in chassis c (its blade, drawer, rack or the pod).
func within(sys *system, c *chassis) bool {
	for b := sys.blade; b != nil; b = b.parent {
		if b == c {
			return true
		}
	}
	return false
}

func atLeast(n int) string { return ">= " + strconv.Itoa(n) }

// systemChecks turns a template into the ordered checks of a system; unknown referenced
// resources are a 400. The caller holds s.mu.
func (s *Simulator) systemChecks(req *allocationRequest) ([]check, *apiError) {
	var checks []check
	if n := req.TotalSystemCoreCount; n != nil {
		checks = append(checks, check{"TotalSystemCoreCount", atLeast(*n), func(sys *system) bool { return sys.totalCores() >= *n }})
	}
	if n := req.TotalSystemMemoryMiB; n != nil {
		checks = append(checks, check{"TotalSystemMemoryMiB", atLeast(*n), func(sys *system) bool { return sys.totalMemoryMiB() >= *n }})
	}
	procs, e := s.processorPreds(req.Processors)
	if e != nil {
		return nil, e
	}
	checks = append(checks, componentChecks("Processors", func(sys *system) []*processor { return sys.procs }, procs)...)
	mem, e := s.memoryChecks(req.Memory)
	if e != nil {
		return nil, e
	}
	checks = append(checks, mem...)
	drives, e := s.localDrivePreds(req.LocalDrives)
	if e != nil {
		return nil, e
	}
	checks = append(checks, componentChecks("LocalDrives", func(sys *system) []*localDrive { return sys.drives }, drives)...)
	nics, e := s.ethernetPreds(req.EthernetInterfaces)
	if e != nil {
		return nil, e
	}
	checks = append(checks, componentChecks("EthernetInterfaces", func(sys *system) []*nic { return sys.nics }, nics)...)
	if sec := req.Security; sec != nil {
		if sec.TpmPresent != nil && *sec.TpmPresent {
			checks = append(checks, check{"Security.TpmPresent", "true", func(sys *system) bool { return sys.tpm }})
		}
		if t := sec.TpmInterfaceType; t != nil {
			checks = append(checks, check{"Security.TpmInterfaceType", "= " + *t,
				func(sys *system) bool { return sys.tpm && sys.tpmType == *t }})
		}
		if sec.TxtEnabled != nil && *sec.TxtEnabled {
			checks = append(checks, check{"Security.TxtEnabled", "true", func(sys *system) bool { return sys.txt }})
		}
	}
	return checks, nil
}

// chassisPred is the Chassis condition shared by every kind of component.
func chassisPred[T any](s *Simulator, field string, r *ref, sysOf func(T) *system) (pred[T], *apiError) {
	c, e := resolve[*chassis](s, field+".Chassis", r, "chassis")
	if e != nil {
		return pred[T]{}, e
	}
	return pred[T]{"Chassis", "in " + c.id, func(x T) bool { return within(sysOf(x), c) }}, nil
}

// resourcePred is the Resource condition: the component must be the one referenced.
func resourcePred[T comparable](s *Simulator, field string, r *ref, what string) (pred[T], *apiError) {
	want, e := resolve[T](s, field+".Resource", r, what)
	if e != nil {
		return pred[T]{}, e
	}
	return pred[T]{"Resource", "= " + r.ID, func(x T) bool { return x == want }}, nil
}

func (s *Simulator) processorPreds(reqs []processorRequest) ([][]pred[*processor], *apiError) {
	out := make([][]pred[*processor], len(reqs))
	for i, r := range reqs {
		field := fmt.Sprintf("Processors[%d]", i)
		var ps []pred[*processor]
		if m := r.Model; m != nil {
			ps = append(ps, pred[*processor]{"Model", "contains " + strconv.Quote(*m),
				func(p *processor) bool { return strings.Contains(p.model, *m) }})
		}
		if n := r.TotalCores; n != nil {
			ps = append(ps, pred[*processor]{"TotalCores", atLeast(*n), func(p *processor) bool { return p.cores >= *n }})
		}
		if n := r.AchievableSpeedMHz; n != nil {
			ps = append(ps, pred[*processor]{"AchievableSpeedMHz", atLeast(*n), func(p *processor) bool { return p.speedMHz >= *n }})
		}
		if v := r.InstructionSet; v != nil {
			ps = append(ps, pred[*processor]{"InstructionSet", "= " + *v, func(p *processor) bool { return p.instructionSet == *v }})
		}
		if v := r.ProcessorType; v != nil {
			ps = append(ps, pred[*processor]{"ProcessorType", "= " + *v, func(p *processor) bool { return *v == "CPU" }})
		}
		if r.Oem != nil && r.Oem.Brand != nil {
			b := *r.Oem.Brand
			ps = append(ps, pred[*processor]{"Oem.Brand", "= " + b, func(p *processor) bool { return p.brand == b }})
		}
		if r.Oem != nil && len(r.Oem.Capabilities) > 0 {
			want := r.Oem.Capabilities
			ps = append(ps, pred[*processor]{"Oem.Capabilities", "include " + strings.Join(want, ", "), func(p *processor) bool {
				return !slices.ContainsFunc(want, func(c string) bool { return !slices.Contains(p.capabilities, c) })
			}})
		}
		if r.Resource != nil {
			p, e := resourcePred[*processor](s, field, r.Resource, "processor")
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		if r.Chassis != nil {
			p, e := chassisPred(s, field, r.Chassis, func(p *processor) *system { return p.sys })
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		out[i] = ps
	}
	return out, nil
}

// memoryChecks: a Memory item asks for CapacityMiB in total over the DIMMs that meet its
// other conditions, since a flavor's memory size is the node's, not one module's.
func (s *Simulator) memoryChecks(reqs []memoryRequest) ([]check, *apiError) {
	var out []check
	for i, r := range reqs {
		field := fmt.Sprintf("Memory[%d]", i)
		var ps []pred[*dimm]
		if v := r.MemoryDeviceType; v != nil {
			ps = append(ps, pred[*dimm]{"MemoryDeviceType", "= " + *v, func(m *dimm) bool { return m.deviceType == *v }})
		}
		if n := r.SpeedMHz; n != nil {
			ps = append(ps, pred[*dimm]{"SpeedMHz", atLeast(*n), func(m *dimm) bool { return m.speedMHz >= *n }})
		}
		if v := r.Manufacturer; v != nil {
			ps = append(ps, pred[*dimm]{"Manufacturer", "= " + *v, func(m *dimm) bool { return m.manufacturer == *v }})
		}
		if n := r.DataWidthBits; n != nil {
			ps = append(ps, pred[*dimm]{"DataWidthBits", "= " + strconv.Itoa(*n), func(m *dimm) bool { return m.widthBits == *n }})
		}
		if r.Resource != nil {
			p, e := resourcePred[*dimm](s, field, r.Resource, "memory module")
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		if r.Chassis != nil {
			p, e := chassisPred(s, field, r.Chassis, func(m *dimm) *system { return m.sys })
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		for _, p := range ps {
			out = append(out, check{field + "." + p.name, p.want,
				func(sys *system) bool { return slices.ContainsFunc(sys.dimms, p.ok) }})
		}
		if n := r.CapacityMiB; n != nil {
			match := allOf(ps)
			out = append(out, check{field + ".CapacityMiB", atLeast(*n) + " in total", func(sys *system) bool {
				total := 0
				for _, m := range sys.dimms {
					if match(m) {
						total += m.capacityMiB
					}
				}
				return total >= *n
			}})
		}
	}
	return out, nil
}

func (s *Simulator) localDrivePreds(reqs []localDriveRequest) ([][]pred[*localDrive], *apiError) {
	out := make([][]pred[*localDrive], len(reqs))
	for i, r := range reqs {
		field := fmt.Sprintf("LocalDrives[%d]", i)
		var ps []pred[*localDrive]
		if n := r.CapacityGiB; n != nil {
			ps = append(ps, pred[*localDrive]{"CapacityGiB", ">= " + strconv.FormatFloat(*n, 'f', -1, 64),
				func(d *localDrive) bool { return float64(d.capacityGiB) >= *n }})
		}
		if v := r.Type; v != nil {
			ps = append(ps, pred[*localDrive]{"Type", "= " + *v, func(d *localDrive) bool { return d.mediaType == *v }})
		}
		if v := r.Interface; v != nil {
			ps = append(ps, pred[*localDrive]{"Interface", "= " + *v, func(d *localDrive) bool { return d.protocol == *v }})
		}
		if n := r.MinRPM; n != nil {
			ps = append(ps, pred[*localDrive]{"MinRPM", atLeast(*n), func(d *localDrive) bool { return d.rpm >= *n }})
		}
		if v := r.SerialNumber; v != nil {
			ps = append(ps, pred[*localDrive]{"SerialNumber", "= " + *v, func(d *localDrive) bool { return d.serial == *v }})
		}
		if r.FabricSwitch != nil && *r.FabricSwitch {
			// Every drive of this pod sits in its blade; none is behind a PCIe fabric switch.
			ps = append(ps, pred[*localDrive]{"FabricSwitch", "true", func(*localDrive) bool { return false }})
		}
		if r.Resource != nil {
			p, e := resourcePred[*localDrive](s, field, r.Resource, "local drive")
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		if r.Chassis != nil {
			p, e := chassisPred(s, field, r.Chassis, func(d *localDrive) *system { return d.sys })
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		out[i] = ps
	}
	return out, nil
}

func (s *Simulator) ethernetPreds(reqs []ethernetRequest) ([][]pred[*nic], *apiError) {
	out := make([][]pred[*nic], len(reqs))
	for i, r := range reqs {
		field := fmt.Sprintf("EthernetInterfaces[%d]", i)
		var ps []pred[*nic]
		if n := r.SpeedMbps; n != nil {
			ps = append(ps, pred[*nic]{"SpeedMbps", atLeast(*n), func(e *nic) bool { return e.speedMbps >= *n }})
		}
		if r.PrimaryVLAN != nil {
			ps = append(ps, pred[*nic]{"PrimaryVLAN", "a VLAN-capable interface", func(e *nic) bool { return e.vlanCapable }})
		}
		if len(r.VLANs) > 0 {
			ps = append(ps, pred[*nic]{"VLANs", "a VLAN-capable interface", func(e *nic) bool { return e.vlanCapable }})
		}
		if r.Resource != nil {
			p, e := resourcePred[*nic](s, field, r.Resource, "Ethernet interface")
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		if r.Chassis != nil {
			p, e := chassisPred(s, field, r.Chassis, func(e *nic) *system { return e.sys })
			if e != nil {
				return nil, e
			}
			ps = append(ps, p)
		}
		out[i] = ps
	}
	return out, nil
}

// selectSystem applies the checks in order to the free systems and returns the first system
// left, or a 409 naming the first check that left none, with the count after each filter
// (the shape of PODM's "Available assets count after applying filters" message).
func (s *Simulator) selectSystem(checks []check) (*system, *apiError) {
	var candidates []*system
	for _, sys := range s.systems {
		if sys.node == nil {
			candidates = append(candidates, sys)
		}
	}
	counts := []string{fmt.Sprintf("available: %d", len(candidates))}
	failed := check{name: "available", want: "a free system"}
	if len(candidates) > 0 {
		failed.name = ""
		for _, c := range checks {
			candidates = slices.DeleteFunc(candidates, func(sys *system) bool { return !c.ok(sys) })
			counts = append(counts, fmt.Sprintf("%s: %d", c.name, len(candidates)))
			if len(candidates) == 0 {
				failed = c
				break
			}
		}
	}
	if failed.name == "" {
		return candidates[0], nil
	}
	e := errConflict("Conflict during allocation", messageNoSystemsAvailable)
	e.extended = append(e.extended,
		extendedInfo{MessageID: codeResourcesMismatch, Severity: "Warning",
			Message:           fmt.Sprintf("No free system satisfies the requirement %s (%s).", failed.name, failed.want),
			RelatedProperties: []string{jsonPointer(failed.name)}},
		extendedInfo{MessageID: codeResourcesMismatch, Severity: "Warning",
			Message: "Available assets count after applying filters: [" + strings.Join(counts, " -> ") + "]"})
	return nil, e
}

// jsonPointer turns "Processors[0].TotalCores" into "#/Processors/0/TotalCores".
func jsonPointer(field string) string {
	r := strings.NewReplacer("[", "/", "]", "", ".", "/")
	return "#/" + r.Replace(field)
}
