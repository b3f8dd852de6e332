package rsdsim

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type m = map[string]any

// maxOver returns the largest value of f over the systems of ts.
func (ts *testServer) maxOver(f func(*system) int) int {
	best := 0
	for _, sys := range ts.sim.systems {
		best = max(best, f(sys))
	}
	return best
}

func TestAllocateMatching(t *testing.T) {
	ts := newTestServer(t, Config{Seed: 3})
	maxCores := ts.maxOver(func(s *system) int { return s.totalCores() })
	maxMem := ts.maxOver(func(s *system) int { return s.totalMemoryMiB() })
	maxCPUCores := ts.maxOver(func(s *system) int { return s.procs[0].cores })
	sys2 := ts.sim.systems[1]
	tests := []struct {
		name     string
		template any
		status   int
		failed   string // the requirement the 409 must name
	}{
		{"empty template", m{}, 201, ""},
		{"valence template", m{"Name": "v", "Description": "d", "Memory": []any{m{"CapacityMiB": 8192, "DimmDeviceType": "DDR4"}},
			"Processors": []any{m{"Model": "Xeon", "TotalCores": 4}}}, 201, ""},
		{"everything satisfiable", m{"TotalSystemCoreCount": 4, "TotalSystemMemoryMiB": 8192,
			"Processors":         []any{m{"Model": "Intel", "TotalCores": 4, "AchievableSpeedMHz": 3000, "InstructionSet": "x86-64", "ProcessorType": "CPU", "Oem": m{"Capabilities": []any{"sse"}}}},
			"Memory":             []any{m{"CapacityMiB": 8192, "MemoryDeviceType": "DDR4", "SpeedMHz": 2133, "DataWidthBits": 64}},
			"LocalDrives":        []any{m{"CapacityGiB": 200}},
			"EthernetInterfaces": []any{m{"SpeedMbps": 1000}},
			"Oem":                m{"Simulator": "yes"}}, 201, ""},
		{"too many cores", m{"TotalSystemCoreCount": maxCores + 1}, 409, "TotalSystemCoreCount"},
		{"too much memory", m{"TotalSystemMemoryMiB": maxMem + 1}, 409, "TotalSystemMemoryMiB"},
		{"unknown model", m{"Processors": []any{m{"Model": "AMD EPYC"}}}, 409, "Processors[0].Model"},
		{"processor cores", m{"Processors": []any{m{"TotalCores": maxCPUCores + 1}}}, 409, "Processors[0].TotalCores"},
		{"processor speed", m{"Processors": []any{m{"AchievableSpeedMHz": 9000}}}, 409, "Processors[0].AchievableSpeedMHz"},
		{"instruction set", m{"Processors": []any{m{"InstructionSet": "ARM-A64"}}}, 409, "Processors[0].InstructionSet"},
		{"processor type", m{"Processors": []any{m{"ProcessorType": "FPGA"}}}, 409, "Processors[0].ProcessorType"},
		{"brand", m{"Processors": []any{m{"Oem": m{"Brand": "X7"}}}}, 409, "Processors[0].Oem.Brand"},
		{"capability", m{"Processors": []any{m{"Oem": m{"Capabilities": []any{"avx512"}}}}}, 409, "Processors[0].Oem.Capabilities"},
		{"three processors", m{"Processors": []any{m{}, m{}, m{}}}, 409, "Processors"},
		{"memory type", m{"Memory": []any{m{"MemoryDeviceType": "DDR3"}}}, 409, "Memory[0].MemoryDeviceType"},
		{"memory speed", m{"Memory": []any{m{"SpeedMHz": 4800}}}, 409, "Memory[0].SpeedMHz"},
		{"memory maker", m{"Memory": []any{m{"Manufacturer": "Kingston"}}}, 409, "Memory[0].Manufacturer"},
		{"memory width", m{"Memory": []any{m{"DataWidthBits": 72}}}, 409, "Memory[0].DataWidthBits"},
		{"memory capacity", m{"Memory": []any{m{"CapacityMiB": maxMem + 1}}}, 409, "Memory[0].CapacityMiB"},
		{"drive capacity", m{"LocalDrives": []any{m{"CapacityGiB": 100000}}}, 409, "LocalDrives[0].CapacityGiB"},
		{"drive rpm", m{"LocalDrives": []any{m{"MinRPM": 15000}}}, 409, "LocalDrives[0].MinRPM"},
		{"drive serial", m{"LocalDrives": []any{m{"SerialNumber": "nope"}}}, 409, "LocalDrives[0].SerialNumber"},
		{"SSD on SAS", m{"LocalDrives": []any{m{"Type": "SSD", "Interface": "SAS"}}}, 409, "LocalDrives[0]"},
		{"fabric drive", m{"LocalDrives": []any{m{"FabricSwitch": true}}}, 409, "LocalDrives[0].FabricSwitch"},
		{"nic speed", m{"EthernetInterfaces": []any{m{"SpeedMbps": 100000}}}, 409, "EthernetInterfaces[0].SpeedMbps"},
		{"remote drive too big", m{"RemoteDrives": []any{m{"CapacityGiB": 1 << 20}}}, 409, "RemoteDrives[0].CapacityGiB"},
		{"processor by resource", m{"Processors": []any{m{"Resource": m{"@odata.id": sys2.procs[0].path()}}}}, 201, ""},
		{"in a rack", m{"Processors": []any{m{"Chassis": m{"@odata.id": "/redfish/v1/Chassis/Rack2"}}}}, 201, ""},
		// 400: malformed templates and unknown resources.
		{"malformed", `{"Processors":[`, 400, ""},
		{"string for a number", `{"Processors":[{"TotalCores":"4"}]}`, 400, ""},
		{"negative", m{"TotalSystemMemoryMiB": -1}, 400, ""},
		{"bad enum", m{"Processors": []any{m{"InstructionSet": "x87"}}}, 400, ""},
		{"bad memory type", m{"Memory": []any{m{"MemoryDeviceType": "DDR9"}}}, 400, ""},
		{"bad drive type", m{"LocalDrives": []any{m{"Type": "Tape"}}}, 400, ""},
		{"bad vlan", m{"EthernetInterfaces": []any{m{"VLANs": []any{m{"VLANId": 5000}}}}}, 400, ""},
		{"vlan without id", m{"EthernetInterfaces": []any{m{"VLANs": []any{m{"Tagged": true}}}}}, 400, ""},
		{"bad tpm", m{"Security": m{"TpmInterfaceType": "TPM3"}}, 400, ""},
		{"oem not an object", m{"Oem": 5}, 400, ""},
		{"unknown processor", m{"Processors": []any{m{"Resource": m{"@odata.id": "/redfish/v1/Systems/Nope/Processors/CPU1"}}}}, 400, ""},
		{"unknown chassis", m{"Memory": []any{m{"Chassis": m{"@odata.id": "/redfish/v1/Chassis/Rack99"}}}}, 400, ""},
		{"system as processor", m{"Processors": []any{m{"Resource": m{"@odata.id": sys2.path()}}}}, 400, ""},
		{"unknown volume", m{"RemoteDrives": []any{m{"Resource": m{"@odata.id": "/redfish/v1/StorageServices/SS1/Volumes/99"}}}}, 400, ""},
		{"remote drive without size", m{"RemoteDrives": []any{m{"Protocol": "iSCSI"}}}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", tt.template).mustStatus(t, tt.status)
			switch tt.status {
			case 201:
				if len(r.raw) != 0 {
					t.Errorf("Allocate answered a body: %s", r.raw)
				}
				ts.do("DELETE", strings.TrimPrefix(r.header.Get("Location"), ts.srv.URL), nil).mustStatus(t, 204)
			case 400:
				if c := r.errorCode(t); c != codeUnsupportedCreation {
					t.Errorf("code %s, want %s", c, codeUnsupportedCreation)
				}
			case 409:
				if c := r.errorCode(t); c != codeResourcesMismatch {
					t.Errorf("code %s, want %s", c, codeResourcesMismatch)
				}
				msgs := strings.Join(r.extendedMessages(), "\n")
				if !strings.Contains(msgs, tt.failed+" (") && !strings.Contains(msgs, tt.failed+":") {
					t.Errorf("409 does not name %s:\n%s", tt.failed, msgs)
				}
			}
		})
	}
}

func TestAllocateHonoursChoices(t *testing.T) {
	ts := newTestServer(t, Config{Seed: 5})
	sys := ts.sim.systems[2]
	n := ts.allocate(m{"Processors": []any{m{"Resource": m{"@odata.id": sys.procs[0].path()}}}})
	node := ts.do("GET", n, nil).mustStatus(t, 200)
	if got := get(node.body, "Links", "ComputerSystem", "@odata.id"); got != sys.path() {
		t.Errorf("node on %v, want %s", got, sys.path())
	}
	n2 := ts.allocate(m{"Memory": []any{m{"Chassis": m{"@odata.id": "/redfish/v1/Chassis/Rack2-Drawer2"}}}})
	node2 := ts.do("GET", n2, nil).mustStatus(t, 200)
	sysPath := get(node2.body, "Links", "ComputerSystem", "@odata.id").(string)
	chassisOf := ts.do("GET", sysPath, nil).body
	if blade := get(chassisOf, "Links", "Chassis", 0, "@odata.id").(string); !strings.HasPrefix(blade, "/redfish/v1/Chassis/Rack2-Drawer2-") {
		t.Errorf("system %s is in %s, not in Rack2-Drawer2", sysPath, blade)
	}
	// Security: only systems with TPM 2.0 and TXT qualify.
	n3 := ts.allocate(m{"Security": m{"TpmPresent": true, "TpmInterfaceType": "TPM2_0", "TxtEnabled": true}})
	sys3 := ts.sim.byPath[get(ts.do("GET", n3, nil).body, "Links", "ComputerSystem", "@odata.id").(string)].(*system)
	if !sys3.tpm || sys3.tpmType != "TPM2_0" || !sys3.txt {
		t.Errorf("security template got %+v", sys3)
	}
	// Oem is kept on the node.
	n4 := ts.allocate(m{"Oem": m{"Tag": "x"}})
	if got := get(ts.do("GET", n4, nil).body, "Oem", "Tag"); got != "x" {
		t.Errorf("node Oem.Tag = %v", got)
	}
}

func TestNodeLifecycle(t *testing.T) {
	ts := newTestServer(t, Config{})
	n := ts.allocate(m{"Name": "web1", "EthernetInterfaces": []any{m{"SpeedMbps": 10000, "PrimaryVLAN": 10,
		"VLANs": []any{m{"VLANId": 10, "Tagged": false}, m{"VLANId": 200, "Tagged": true}}}}})
	node := ts.do("GET", n, nil).mustStatus(t, 200)
	if node.body["ComposedNodeState"] != "Allocated" || node.body["Name"] != "web1" || node.body["PowerState"] != "Off" {
		t.Fatalf("new node: %s", node.raw)
	}
	sysPath := get(node.body, "Links", "ComputerSystem", "@odata.id").(string)
	sys := ts.do("GET", sysPath, nil).body
	if get(sys, "Oem", "Intel_RackScale", "Allocated") != true || get(sys, "Links", "Oem", "Intel_RackScale", "ComposedNode", "@odata.id") != n {
		t.Errorf("system does not show its node: %v %v", get(sys, "Oem"), get(sys, "Links"))
	}
	nicPath := get(node.body, "Links", "EthernetInterfaces", 0, "@odata.id").(string)
	for _, v := range []string{"10", "200"} {
		if r := ts.do("GET", nicPath+"/VLANs/"+v, nil); r.status != 200 {
			t.Errorf("VLAN %s not configured on %s: %d", v, nicPath, r.status)
		}
	}
	if got := len(get(node.body, "Actions", "#ComposedNode.Reset", "ResetType@Redfish.AllowableValues").([]any)); got != 8 {
		t.Errorf("%d reset types", got)
	}

	ts.do("POST", n+"/Actions/ComposedNode.Reset", m{"ResetType": "On"}).mustStatus(t, 400) // not assembled yet
	ts.do("POST", n+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	if st := ts.do("GET", n, nil).body["ComposedNodeState"]; st != "Assembled" {
		t.Fatalf("state %v after Assemble", st)
	}
	r := ts.do("POST", n+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 400)
	if c := r.errorCode(t); c != codeInvalidPayload {
		t.Errorf("assemble twice: %s", c)
	}
	ts.do("POST", n+"/Actions/ComposedNode.Reset", m{"ResetType": "Reboot"}).mustStatus(t, 400)
	ts.do("POST", n+"/Actions/ComposedNode.Reset", m{"ResetType": "On"}).mustStatus(t, 204)
	if p := ts.do("GET", n, nil).body["PowerState"]; p != "On" {
		t.Errorf("node power %v after On", p)
	}
	if p := ts.do("GET", sysPath, nil).body["PowerState"]; p != "On" {
		t.Errorf("system power %v after node On", p)
	}

	r = ts.do("PATCH", n, m{"Boot": m{"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe", "BootSourceOverrideMode": "UEFI"}}).mustStatus(t, 200)
	if get(r.body, "Boot", "BootSourceOverrideTarget") != "Pxe" || get(r.body, "Boot", "BootSourceOverrideMode") != "UEFI" {
		t.Errorf("PATCH answer: %s", r.raw)
	}
	if get(ts.do("GET", sysPath, nil).body, "Boot", "BootSourceOverrideEnabled") != "Once" {
		t.Error("node boot override not applied to its system")
	}
	ts.do("PATCH", n, m{"Boot": m{"BootSourceOverrideTarget": "Usb"}}).mustStatus(t, 400)
	ts.do("PATCH", n, m{"Name": "x"}).mustStatus(t, 400)
	ts.do("PATCH", n, `{"Boot":`).mustStatus(t, 400)
	r = ts.do("PATCH", n, m{"ClearTPMOnDelete": true}).mustStatus(t, 200)
	if r.body["ClearTPMOnDelete"] != true {
		t.Errorf("ClearTPMOnDelete not set: %s", r.raw)
	}

	ts.do("DELETE", n, nil).mustStatus(t, 204)
	ts.do("GET", n, nil).mustStatus(t, 404)
	ts.do("DELETE", n, nil).mustStatus(t, 404)
	sys = ts.do("GET", sysPath, nil).body
	if get(sys, "Oem", "Intel_RackScale", "Allocated") != false || sys["PowerState"] != "Off" {
		t.Errorf("system after delete: allocated %v power %v", get(sys, "Oem", "Intel_RackScale", "Allocated"), sys["PowerState"])
	}
	if r := ts.do("GET", nicPath+"/VLANs/200", nil); r.status != 404 {
		t.Errorf("VLAN 200 left on %s after delete", nicPath)
	}
	if c := get(ts.do("GET", "/redfish/v1/Nodes", nil).body, "Members@odata.count"); c != 0.0 {
		t.Errorf("Nodes has %v members after delete", c)
	}
}

func TestAssembleDelayAndFailure(t *testing.T) {
	ts := newTestServer(t, Config{AssembleDelay: 50 * time.Millisecond})
	n := ts.allocate(m{})
	ts.do("POST", n+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	if st := ts.do("GET", n, nil).body["ComposedNodeState"]; st != "Assembling" {
		t.Errorf("state %v right after Assemble, want Assembling", st)
	}
	waitState(t, ts, n, "Assembled")

	ts.sim.SetFaults(Faults{FailAssembly: true})
	n2 := ts.allocate(m{})
	ts.do("POST", n2+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	waitState(t, ts, n2, "Failed")
	if h := get(ts.do("GET", n2, nil).body, "Status", "Health"); h != "Critical" {
		t.Errorf("failed node health %v", h)
	}
	ts.do("DELETE", n2, nil).mustStatus(t, 204)

	// A node deleted while assembling stays deleted.
	ts.sim.SetFaults(Faults{})
	n3 := ts.allocate(m{})
	ts.do("POST", n3+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	ts.do("DELETE", n3, nil).mustStatus(t, 204)
	time.Sleep(80 * time.Millisecond)
	ts.do("GET", n3, nil).mustStatus(t, 404)
}

func waitState(t *testing.T, ts *testServer, node, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if ts.do("GET", node, nil).body["ComposedNodeState"] == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never reached %s", node, want)
}

// TestConcurrentAllocateLastSystem: of many Allocates racing for the last free system,
// exactly one wins and the others get 409.
func TestConcurrentAllocateLastSystem(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 3})
	ts.allocate(m{})
	ts.allocate(m{})
	const racers = 16
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { statuses[i] = ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}).status })
	}
	wg.Wait()
	won, lost := 0, 0
	for _, s := range statuses {
		switch s {
		case 201:
			won++
		case 409:
			lost++
		}
	}
	if won != 1 || lost != racers-1 {
		t.Errorf("%d won, %d got 409, statuses %v", won, lost, statuses)
	}
}

// TestConcurrentAllocatesGetDistinctSystems: parallel Allocates never share a system.
func TestConcurrentAllocatesGetDistinctSystems(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 12})
	nodes := make([]string, 12)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i] = ts.allocate(m{}) })
	}
	wg.Wait()
	var systems []string
	for _, n := range nodes {
		systems = append(systems, get(ts.do("GET", n, nil).body, "Links", "ComputerSystem", "@odata.id").(string))
	}
	slices.Sort(systems)
	if len(slices.Compact(systems)) != 12 {
		t.Errorf("systems shared: %v", systems)
	}
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}).mustStatus(t, http.StatusConflict)
}

// TestConcurrentMixedLoad runs reads, compositions, power changes and volume operations in
// parallel (meaningful under -race) and checks the pod is consistent afterwards.
func TestConcurrentMixedLoad(t *testing.T) {
	ts := newTestServer(t, Config{Systems: 16})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				switch (w + i) % 4 {
				case 0:
					r := ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{"RemoteDrives": []any{m{"CapacityGiB": 1}}})
					if r.status == 201 {
						n := strings.TrimPrefix(r.header.Get("Location"), ts.srv.URL)
						ts.do("POST", n+"/Actions/ComposedNode.Assemble", nil)
						ts.do("POST", n+"/Actions/ComposedNode.Reset", m{"ResetType": "On"})
						ts.do("DELETE", n, nil)
					}
				case 1:
					ts.do("GET", "/redfish/v1/Systems/System3/Processors/CPU1", nil)
					ts.do("GET", "/redfish/v1/Nodes", nil)
				case 2:
					ts.do("POST", "/redfish/v1/Systems/System5/Actions/ComputerSystem.Reset", m{"ResetType": "PushPowerButton"})
				case 3:
					v := ts.do("POST", volumes23, m{"CapacityBytes": 1 << 30}).header.Get("Location")
					ts.do("GET", volumes23, nil)
					ts.do("DELETE", v, nil)
				}
			}
		})
	}
	wg.Wait()
	if n := get(ts.do("GET", "/redfish/v1/Nodes", nil).body, "Members@odata.count"); n != 0.0 {
		t.Errorf("%v nodes left", n)
	}
	if n := get(ts.do("GET", volumes23, nil).body, "Members@odata.count"); n != 1.0 {
		t.Errorf("%v volumes left, want the golden image only", n)
	}
	for _, sys := range ts.sim.systems {
		if sys.node != nil {
			t.Errorf("%s still allocated", sys.id)
		}
	}
}
