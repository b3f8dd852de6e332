package functional

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// redfishSystem is what the requirements of testComposeProperties are taken
// from: one system of the simulator as its Redfish API shows it.
type redfishSystem struct {
	api.System
	drive struct {
		MediaType, Protocol string
		CapacityBytes       int64
	}
	nicSpeed int  // Mbps of a VLAN-capable interface
	tpm      bool // a TrustedModule is fitted
}

// get reads a Redfish document of the simulator into v.
func (s *simulator) get(t *testing.T, path string, v any) {
	t.Helper()
	status, body := s.call(t, http.MethodGet, path, "")
	if status != http.StatusOK {
		t.Fatalf("simulator GET %s: %d %s", path, status, body)
	}
	decodeJSON(t, body, v)
}

// inspect reads a system's first drive, its VLAN-capable interface and TPM.
func (s *simulator) inspect(t *testing.T, sys api.System) redfishSystem {
	t.Helper()
	out := redfishSystem{System: sys}
	var coll struct{ Members []api.ODataRef }
	var doc struct {
		Drives         []api.ODataRef
		TrustedModules []any
		SpeedMbps      int
		VLAN           struct{ VLANEnable bool }
	}
	s.get(t, sys.ResourceURI, &doc)
	out.tpm = len(doc.TrustedModules) > 0
	s.get(t, sys.ResourceURI+"/Storage", &coll)
	for _, m := range coll.Members {
		s.get(t, m.ODataID, &doc)
		if len(doc.Drives) > 0 {
			s.get(t, doc.Drives[0].ODataID, &out.drive)
			break
		}
	}
	s.get(t, sys.ResourceURI+"/EthernetInterfaces", &coll)
	for _, m := range coll.Members {
		s.get(t, m.ODataID, &doc)
		if doc.VLAN.VLANEnable {
			out.nicSpeed = doc.SpeedMbps
			break
		}
	}
	return out
}

// testComposeProperties composes with every kind of requirement, taken from
// a system of the inventory so that they can be met, and checks that the
// node has what was asked for: the mapping onto RSD's Allocate request.
func testComposeProperties(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "4", "--seed", "3"}}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]

	var target redfishSystem
	for _, sys := range decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems")) {
		rs := sim.inspect(t, sys)
		if rs.drive.MediaType != "" && rs.nicSpeed > 0 && (rs.tpm || target.nicSpeed == 0) {
			target = rs
		}
	}
	if target.nicSpeed == 0 {
		t.Fatal("no simulated system has a local drive and a VLAN-capable interface; change --seed")
	}
	driveGiB := int(target.drive.CapacityBytes >> 30)
	props := fmt.Sprintf(`{
		"processor":{"total_cores":%d,"instruction_set":%q},
		"memory":{"capacity_mib":"%d"},
		"local_drives":[{"capacity_gib":%d,"type":%q,"interface":%q}],
		"remote_drives":[{"capacity_gib":"20","protocol":"NVMeOverFabrics"}],
		"network":[{"speed_mbps":%d,"vlan":"101"}],
		"security":{"tpm":%t}}`,
		target.CPU.Cores, target.CPU.Arch, int(target.RAM)*1024, driveGiB, target.drive.MediaType, target.drive.Protocol,
		target.nicSpeed, target.tpm)
	n := e.api.compose(t, `{"name":"exact","podm_id":"`+pm.UUID+`","properties":`+props+`}`)
	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID))
	if d.Metadata == nil || d.ComputerSystem == nil {
		t.Fatalf("node without metadata: %+v", d)
	}
	m := d.Metadata
	if d.ComputerSystem.ODataID != target.ResourceURI {
		t.Errorf("composed on %s, but only %s meets the requirements %s", d.ComputerSystem.ODataID, target.ResourceURI, props)
	}
	cores, mem := 0, 0
	for _, p := range m.Processor {
		cores += p.TotalCore
		if p.InstructionSet != target.CPU.Arch {
			t.Errorf("processor %+v, want instruction set %s", p, target.CPU.Arch)
		}
	}
	for _, dimm := range m.Memory {
		mem += dimm.TotalMemoryMB
	}
	if cores < target.CPU.Cores || mem < int(target.RAM)*1024 {
		t.Errorf("node has %d cores and %d MiB, asked for %d and %d", cores, mem, target.CPU.Cores, int(target.RAM)*1024)
	}
	if !slices.ContainsFunc(m.LocalDrives, func(l api.LocalDriveInfo) bool {
		return l.Type == target.drive.MediaType && l.Interface == target.drive.Protocol && l.CapacityGiB >= float64(driveGiB)
	}) {
		t.Errorf("local drives %+v, asked for %d GiB %s over %s", m.LocalDrives, driveGiB, target.drive.MediaType, target.drive.Protocol)
	}
	if len(m.RemoteDrives) != 1 || m.RemoteDrives[0].CapacityGiB < 20 || m.RemoteDrives[0].Protocol != "NVMeOverFabrics" {
		t.Errorf("remote drives %+v, asked for 20 GiB over NVMeOverFabrics", m.RemoteDrives)
	}
	if !slices.ContainsFunc(m.Network, func(nic api.NetworkInfo) bool {
		return nic.SpeedMbps >= target.nicSpeed && slices.ContainsFunc(nic.VLANs, func(v api.VLAN) bool { return v.VLANID == 101 })
	}) {
		t.Errorf("network %+v, asked for %d Mbps with VLAN 101", m.Network, target.nicSpeed)
	}
	// The volume made for the node is the node's, and goes with it.
	if got := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID+"/storages")); len(got) != 1 || got[0].ResourceURI != m.RemoteDrives[0].ResourceURI {
		t.Errorf("GET /v1/nodes/%s/storages: %+v, want the remote drive %s", n.UUID, got, m.RemoteDrives[0].ResourceURI)
	}
	volumes := len(decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, "/v1/storages")))
	c.deleted(t, "/v1/nodes/"+n.UUID)
	if after := len(decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, "/v1/storages"))); after != volumes-1 {
		t.Errorf("%d volumes before decomposing the node, %d after; its remote drive should go with it", volumes, after)
	}

	// A remote drive over a protocol the pod manager does not serve (an RSD
	// 2.3 simulator serves NVMe-oF only) cannot be met: 409, not a node with
	// another protocol.
	r := c.do(t, http.MethodPost, "/v1/nodes", `{"name":"iscsi","podm_id":"`+pm.UUID+`","properties":{"remote_drives":[{"capacity_gib":20,"protocol":"iSCSI"}]}}`)
	if r.status == http.StatusCreated {
		got := decodeAs[api.Node](t, r)
		d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+got.UUID))
		t.Errorf("asked for an iSCSI remote drive, got a node with %+v", d.Metadata.RemoteDrives)
	} else if e := decodeAs[api.Error](t, r); r.status != http.StatusConflict || len(e.ExtendedInfo) == 0 {
		t.Errorf("compose with an iSCSI remote drive on RSD 2.3: %d %s, want 201 with iSCSI or 409 saying why", r.status, r.body)
	}
}
