package rsdsim

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/google/uuid"
)

// maxSystems bounds the inventory so that a typo in a flag cannot exhaust memory.
const maxSystems = 100_000

// layout is the shape of the generated pod.
type layout struct{ racks, drawers, perDrawer, total int }

func newLayout(cfg Config) (layout, error) {
	l := layout{racks: cfg.Racks, drawers: cfg.DrawersPerRack, perDrawer: cfg.SystemsPerDrawer}
	if l.racks < 0 || l.drawers < 0 || l.perDrawer < 0 || cfg.Systems < 0 {
		return l, fmt.Errorf("rsdsim: racks, drawers, systems per drawer and systems must not be negative")
	}
	l.racks = cmp.Or(l.racks, 2)
	l.drawers = cmp.Or(l.drawers, 4)
	l.perDrawer = cmp.Or(l.perDrawer, 4)
	l.total = l.racks * l.drawers * l.perDrawer
	if cfg.Systems > 0 {
		l.total = cfg.Systems
		perRack := l.drawers * l.perDrawer
		l.racks = (l.total + perRack - 1) / perRack
	}
	if l.total > maxSystems {
		return l, fmt.Errorf("rsdsim: %d systems is more than the %d supported", l.total, maxSystems)
	}
	return l, nil
}

// chassis is the pod, a rack, a drawer or a blade.
type chassis struct {
	id, kind string // kind is the Redfish ChassisType: Pod, Rack, Drawer or Blade
	parent   *chassis
	children []*chassis
	systems  []*system // the systems in this chassis and below it (not kept for the pod)
	location int       // position in its parent, from 1
}

func (c *chassis) path() string { return chassisPath + "/" + c.id }

type processor struct {
	sys                              *system
	id, model, brand, instructionSet string
	cores, speedMHz                  int
	capabilities                     []string
	kind                             string // ProcessorType of an accelerator; "" is a CPU
	absent                           bool   // an empty socket
}

func (p *processor) path() string { return p.sys.path() + "/Processors/" + p.id }

type dimm struct {
	sys                              *system
	id, deviceType, manufacturer     string
	capacityMiB, speedMHz, widthBits int
}

func (m *dimm) path() string { return m.sys.path() + "/Memory/" + m.id }

type localDrive struct {
	sys                             *system
	id, mediaType, protocol, serial string
	capacityGiB, rpm                int
}

func (d *localDrive) path() string { return d.sys.blade.path() + "/Drives/" + d.id }

type nic struct {
	sys         *system
	id, mac, ip string
	speedMbps   int
	vlanCapable bool
	vlans       []vlan
}

func (n *nic) path() string { return n.sys.path() + "/EthernetInterfaces/" + n.id }

type vlan struct {
	id     int
	tagged bool
}

// bootSettings is the boot override of a system; a node shows the one of its system.
type bootSettings struct{ enabled, target, mode string }

// system is a compute blade; node is set while a composed node uses it.
type system struct {
	id, uuid, serial string
	blade            *chassis
	procs            []*processor
	dimms            []*dimm
	drives           []*localDrive
	nics             []*nic
	tpm, txt         bool
	tpmType          string
	power            string
	boot             bootSettings
	node             *node
	partsRendered    bool         // see renderSystemParts
	oddProcs         []*processor // absent sockets and accelerators, see Quirks
	deadLinks        []string     // parts whose links answer 404, see Quirks
}

func (s *system) path() string { return systemsPath + "/" + s.id }

func (s *system) totalCores() int {
	n := 0
	for _, p := range s.procs {
		n += p.cores
	}
	return n
}

func (s *system) totalMemoryMiB() int {
	n := 0
	for _, m := range s.dimms {
		n += m.capacityMiB
	}
	return n
}

// cpuModel is one entry of the processor catalogue the generator draws from.
type cpuModel struct {
	model, brand    string
	cores, speedMHz int
	sockets         int
	minMinor        int // first RSD 2.x version whose Brand enum has this brand
}

var cpuCatalogue = []cpuModel{
	{"Intel(R) Xeon(R) CPU E3-1240 v6 @ 3.70GHz", "E3", 4, 4100, 1, 1},
	{"Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz", "E5", 10, 3100, 2, 1},
	{"Intel(R) Xeon(R) CPU E5-2699 v4 @ 2.20GHz", "E5", 22, 3600, 2, 1},
	{"Intel(R) Xeon(R) Silver 4114 CPU @ 2.20GHz", "Silver", 10, 3000, 2, 2},
	{"Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", "Gold", 20, 3700, 2, 2},
	{"Intel(R) Xeon(R) Platinum 8180 CPU @ 2.50GHz", "Platinum", 28, 3800, 2, 2},
}

var cpuCapabilities = []string{"sse", "sse2", "sse3", "avx", "avx2"}

// driveModel is one entry of the local drive catalogue.
type driveModel struct {
	mediaType, protocol string
	sizesGiB            []int
	rpm                 int
}

var driveCatalogue = []driveModel{
	{"HDD", "SATA", []int{1000, 2000, 4000}, 7200},
	{"HDD", "SAS", []int{600, 1200}, 10000},
	{"SSD", "SATA", []int{240, 480, 960}, 0},
	{"SSD", "NVMe", []int{800, 1600, 3200}, 0},
}

var dimmManufacturers = []string{"Samsung", "Micron", "SK Hynix"}

// pick returns a random element; the generator's only source of variation is its rand.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// generate builds the pod → racks → drawers → blades tree and one system per blade. Each
// system draws from its own generator seeded by (Seed, index), so a system's hardware does
// not depend on how many systems come before it.
func (s *Simulator) generate(l layout) {
	pod := &chassis{id: "Pod1", kind: "Pod", location: 1}
	s.chassis = append(s.chassis, pod)
	cpus := make([]cpuModel, 0, len(cpuCatalogue))
	for _, c := range cpuCatalogue {
		if c.minMinor <= s.ver.minor {
			cpus = append(cpus, c)
		}
	}
	n := 0
	for r := 1; r <= l.racks && n < l.total; r++ {
		rack := s.addChassis(pod, "Rack"+strconv.Itoa(r), s.cfg.Quirks.rackType(), r)
		for d := 1; d <= l.drawers && n < l.total; d++ {
			drawer := s.addChassis(rack, rack.id+"-Drawer"+strconv.Itoa(d), "Drawer", d)
			for b := 1; b <= l.perDrawer && n < l.total; b++ {
				n++
				blade := s.addChassis(drawer, drawer.id+"-Blade"+strconv.Itoa(b), "Blade", b)
				sys := s.newSystem(n, blade, cpus)
				s.applyQuirks(sys, n, l.total)
				s.systems = append(s.systems, sys)
				for c := blade; c != pod; c = c.parent {
					c.systems = append(c.systems, sys)
				}
			}
		}
	}
}

func (s *Simulator) addChassis(parent *chassis, id, kind string, location int) *chassis {
	c := &chassis{id: id, kind: kind, parent: parent, location: location}
	parent.children = append(parent.children, c)
	s.chassis = append(s.chassis, c)
	s.byPath[c.path()] = c
	return c
}

func (s *Simulator) newSystem(n int, blade *chassis, cpus []cpuModel) *system {
	rng := rand.New(rand.NewPCG(uint64(s.cfg.Seed), uint64(n)))
	sys := &system{
		id:     "System" + strconv.Itoa(n),
		uuid:   uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "rsdsim/%d/%d", s.cfg.Seed, n)).String(),
		serial: fmt.Sprintf("SIM%08d", n),
		blade:  blade,
		power:  "Off",
		boot:   bootSettings{enabled: "Disabled", target: "None", mode: "Legacy"},
	}
	cpu := pick(rng, cpus)
	caps := cpuCapabilities[:2+rng.IntN(len(cpuCapabilities)-1)]
	for i := 1; i <= cpu.sockets; i++ {
		sys.procs = append(sys.procs, &processor{sys: sys, id: "CPU" + strconv.Itoa(i), model: cpu.model,
			brand: cpu.brand, instructionSet: "x86-64", cores: cpu.cores, speedMHz: cpu.speedMHz, capabilities: caps})
	}
	size, speed, maker := pick(rng, []int{8192, 16384, 32768}), pick(rng, []int{2133, 2400, 2666}), pick(rng, dimmManufacturers)
	dimms := 2 * cpu.sockets * (1 + rng.IntN(3))
	for i := 1; i <= dimms; i++ {
		sys.dimms = append(sys.dimms, &dimm{sys: sys, id: "Dimm" + strconv.Itoa(i), deviceType: "DDR4",
			manufacturer: maker, capacityMiB: size, speedMHz: speed, widthBits: 64})
	}
	drives := 1 + rng.IntN(3)
	for i := 1; i <= drives; i++ {
		m := pick(rng, driveCatalogue)
		sys.drives = append(sys.drives, &localDrive{sys: sys, id: strconv.Itoa(i), mediaType: m.mediaType,
			protocol: m.protocol, serial: fmt.Sprintf("%s-%d", sys.serial, i), capacityGiB: pick(rng, m.sizesGiB), rpm: m.rpm})
	}
	nics := 1 + rng.IntN(2)
	for i := 1; i <= nics; i++ {
		speeds := []int{1000, 10000}
		if i > 1 {
			speeds = []int{10000, 25000}
		}
		sp := pick(rng, speeds)
		sys.nics = append(sys.nics, &nic{sys: sys, id: "NIC" + strconv.Itoa(i), speedMbps: sp, vlanCapable: sp >= 10000,
			mac: fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", n>>16&0xff, n>>8&0xff, n&0xff, i),
			ip:  fmt.Sprintf("10.%d.%d.%d", i, n>>8&0xff, n&0xff)})
	}
	sys.tpm = rng.IntN(2) == 0
	sys.tpmType = pick(rng, []string{"TPM2_0", "TPM2_0", "TPM1_2"})
	sys.txt = rng.IntN(2) == 0
	s.byPath[sys.path()] = sys
	for _, p := range sys.procs {
		s.byPath[p.path()] = p
	}
	for _, m := range sys.dimms {
		s.byPath[m.path()] = m
	}
	for _, d := range sys.drives {
		s.byPath[d.path()] = d
	}
	for _, e := range sys.nics {
		s.byPath[e.path()] = e
	}
	return sys
}
