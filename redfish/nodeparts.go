package redfish

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

// NodeParts are the resources a composed node is made of, read through its links.
type NodeParts struct {
	// Processors, Memory, EthernetInterfaces and LocalDrives follow the
	// node's links of the same names (and Storage for 2.3+ local drives).
	Processors         []Processor
	Memory             []MemoryModule
	EthernetInterfaces []EthernetInterface
	LocalDrives        []Drive
	// RemoteDrives are remote targets (2.1/2.2) or volumes (2.3+).
	RemoteDrives []Drive
}

// Processor is one processor of a node.
type Processor struct {
	URI, Model, InstructionSet string
	MaxSpeedMHz, TotalCores    int
}

// MemoryModule is one DIMM of a node.
type MemoryModule struct {
	URI                                           string
	MemoryDeviceType                              string
	CapacityMiB, OperatingSpeedMHz, DataWidthBits int
}

// EthernetInterface is one network interface of a node.
type EthernetInterface struct {
	URI, MACAddress string
	SpeedMbps       int
	// State is the Status.State, e.g. Enabled.
	State string
	IPv4  []IPv4Address
	VLANs []VLAN
}

// IPv4Address is an IPv4 address of an interface.
type IPv4Address struct{ Address, SubnetMask, Gateway string }

// VLAN is a VLAN of an interface.
type VLAN struct {
	ID      int
	Enabled bool
}

// Drive is a local drive or a remote drive or volume of a node.
type Drive struct {
	URI, Name   string
	CapacityGiB float64
	// Type is the media type (HDD, SSD) of a local drive.
	Type string
	// Interface is the protocol of a local drive (SATA, NVMe, ...); Protocol
	// that of a remote one (iSCSI, NVMeOverFabrics).
	Interface, Protocol string
}

// NodeParts reads the processors, memory, interfaces and drives a node links,
// all kinds at once: the requests in flight stay bounded by the client's
// MaxConcurrent, and the answer comes after the longest chain of reads (an
// interface, then its VLANs), not after every kind in turn. On partial
// failure it returns what it read with the error.
func (c *Client) NodeParts(ctx context.Context, n *ComposedNode) (*NodeParts, error) {
	ctx = inFanOut(ctx)
	p := &NodeParts{}
	local, remote := n.Links.LocalDrives, n.Links.RemoteDrives
	// 2.3+ nodes list drives and volumes together under Storage.
	for _, uri := range n.Links.Storage {
		if strings.Contains(uri, "/Volumes/") {
			remote = append(remote, uri)
		} else {
			local = append(local, uri)
		}
	}
	var errs [5]error
	var wg sync.WaitGroup
	wg.Go(func() {
		p.Processors, errs[0] = readParts(ctx, c, n.Links.Processors, func(uri string, cpu *nodeProcessorJSON) Processor {
			return Processor{URI: uri, Model: cpu.Model, InstructionSet: string(cpu.InstructionSet),
				MaxSpeedMHz: gofish.Deref(cpu.MaxSpeedMHz), TotalCores: gofish.Deref(cpu.TotalCores)}
		})
	})
	wg.Go(func() {
		p.Memory, errs[1] = readParts(ctx, c, n.Links.Memory, func(uri string, m *nodeMemoryJSON) MemoryModule {
			return MemoryModule{URI: uri, MemoryDeviceType: m.MemoryDeviceType, CapacityMiB: gofish.Deref(m.CapacityMiB),
				OperatingSpeedMHz: gofish.Deref(m.OperatingSpeedMhz), DataWidthBits: gofish.Deref(m.DataWidthBits)}
		})
	})
	wg.Go(func() {
		p.EthernetInterfaces, errs[2] = fetchAll(ctx, c, n.Links.EthernetInterfaces, c.ethernetInterface)
	})
	wg.Go(func() {
		p.LocalDrives, errs[3] = readParts(ctx, c, local, func(uri string, d *nodeDriveJSON) Drive {
			return Drive{URI: uri, Name: d.Name, CapacityGiB: float64(gofish.Deref(d.CapacityBytes)) / bytesPerGiB,
				Type: d.MediaType, Interface: d.Protocol}
		})
	})
	wg.Go(func() {
		p.RemoteDrives, errs[4] = fetchAll(ctx, c, remote, func(ctx context.Context, uri string) (Drive, error) {
			v, err := c.GetVolume(ctx, uri)
			if err != nil {
				return Drive{}, err
			}
			d := Drive{URI: uri, Name: v.Name, CapacityGiB: v.CapacityGiB, Protocol: v.Protocol}
			// An RSS remote target (2.1/2.2) has no size of its own: the logical
			// drives behind its LUNs have.
			for _, lun := range v.luns {
				lv, err := c.GetVolume(ctx, lun)
				if err != nil {
					return Drive{}, err
				}
				d.CapacityGiB += lv.CapacityGiB
			}
			return d, nil
		})
	})
	wg.Wait()
	return p, errors.Join(errs[:]...)
}

// The parts of a node as its detail reads them: the walk's small structs
// (inventory.go) with the few fields more that a node shows, rather than
// gofish's typed structs, which decode every property of their schema.
type (
	nodeProcessorJSON struct {
		processorJSON
		MaxSpeedMHz *int
	}
	nodeMemoryJSON struct {
		dimmJSON
		MemoryDeviceType                 string
		OperatingSpeedMhz, DataWidthBits *int
	}
	nodeDriveJSON struct {
		driveJSON
		Name, MediaType, Protocol string
	}
	ethernetJSON struct {
		MACAddress    string
		SpeedMbps     *int
		Status        struct{ State string }
		IPv4Addresses []IPv4Address
		VLANs         schemas.Link
	}
	vlanJSON struct {
		VLANEnable bool
		VLANID     uint16 `json:"VLANId"`
	}
)

// readParts reads each of uris into a J, like getAll, and makes a P of it and
// the link the node gave, which is the part's URI.
func readParts[J, P any](ctx context.Context, c *Client, uris []string, part func(uri string, j *J) P) ([]P, error) {
	return fetchAll(ctx, c, uris, func(ctx context.Context, uri string) (P, error) {
		var j J
		if err := c.getJSON(ctx, uri, &j); err != nil {
			var zero P
			return zero, err
		}
		return part(uri, &j), nil
	})
}

// ethernetInterface reads one interface and then its VLANs, whose failure
// leaves the interface read, with the error.
func (c *Client) ethernetInterface(ctx context.Context, uri string) (EthernetInterface, error) {
	var e ethernetJSON
	if err := c.getJSON(ctx, uri, &e); err != nil {
		return EthernetInterface{}, err
	}
	nic := EthernetInterface{URI: uri, MACAddress: e.MACAddress, SpeedMbps: gofish.Deref(e.SpeedMbps), State: e.Status.State, IPv4: e.IPv4Addresses}
	vlans, err := getMembers[vlanJSON](ctx, c, e.VLANs.String())
	if err != nil {
		return nic, collectionErr(uri+"/VLANs", err)
	}
	for _, v := range vlans {
		nic.VLANs = append(nic.VLANs, VLAN{ID: int(v.VLANID), Enabled: v.VLANEnable})
	}
	return nic, nil
}
