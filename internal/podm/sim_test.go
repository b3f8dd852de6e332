package podm_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/podm"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

// The adapter against the emulated pod manager, in-process, for every RSD
// version the simulator emulates.

var simVersions = []string{"2.1", "2.2", "2.3"}

const (
	simUser = "admin"
	simPass = "secret"
)

// sim is a running simulator and its server.
type sim struct {
	*rsdsim.Simulator
	srv *httptest.Server
}

// startSim serves a simulator of 2 racks × 2 drawers × 2 systems.
func startSim(t *testing.T, version string, faults rsdsim.Faults) sim {
	t.Helper()
	s, err := rsdsim.New(rsdsim.Config{RSDVersion: version, Racks: 2, DrawersPerRack: 2, SystemsPerDrawer: 2,
		Seed: 3, Username: simUser, Password: simPass, AssembleDelay: 20 * time.Millisecond, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s)
}

// serve serves s until the test ends.
func serve(t *testing.T, s *rsdsim.Simulator) sim {
	srv := httptest.NewServer(s)
	// Cleanups run last-in first-out: release hung requests before closing.
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	return sim{s, srv}
}

// eachVersion runs test against a fresh simulator of every RSD version,
// through a connection made by a default Connector.
func eachVersion(t *testing.T, test func(t *testing.T, s sim, conn valence.PodManagerConn)) {
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) {
			s := startSim(t, v, rsdsim.Faults{})
			test(t, s, connect(t, newConnector(), access(s.srv.URL)))
		})
	}
}

func access(url string) valence.Access {
	return valence.Access{URL: url, Driver: valence.DriverRSD, Username: simUser, Password: simPass}
}

func connect(t *testing.T, c valence.Connector, a valence.Access) valence.PodManagerConn {
	t.Helper()
	conn, err := c.Connect(context.Background(), a)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func newConnector() valence.Connector { return podm.NewConnector(podm.Options{Log: zerolog.Nop()}) }

// wantCode fails unless err is a *valence.Error with the code.
func wantCode(t *testing.T, err error, code valence.Code) *valence.Error {
	t.Helper()
	var e *valence.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	return e
}

// raw reads a resource of the simulator as JSON, bypassing the code under test.
func raw(t *testing.T, s sim, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	req.SetBasicAuth(simUser, simPass)
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return m
}

// members returns the member paths of a raw collection.
func members(t *testing.T, s sim, path string) []string {
	var out []string
	for _, m := range raw(t, s, path)["Members"].([]any) {
		out = append(out, m.(map[string]any)["@odata.id"].(string))
	}
	return out
}

func TestSimProbe(t *testing.T) {
	eachVersion(t, func(t *testing.T, s sim, conn valence.PodManagerConn) {
		info, err := conn.Probe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{valence.CapSystems, valence.CapCompose, valence.CapStorage, valence.CapRacks}
		if v := path.Base(t.Name()); info.RSDVersion != v+".0" || info.RedfishVersion == "" || !slices.Equal(info.Capabilities, want) {
			t.Errorf("Probe = %+v, want RSD %s.0 and %v", info, v, want)
		}
		if got := conn.NodeURI("7"); got != "/redfish/v1/Nodes/7" {
			t.Errorf("NodeURI(7) = %q", got)
		}
	})
}

func TestSimTLS(t *testing.T) {
	s, err := rsdsim.New(rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 1, Username: simUser, Password: simPass})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	tests := []struct {
		name   string
		verify bool
		ca     string
		code   valence.Code
	}{
		{"unknown certificate", true, "", valence.PodManagerUnavailable},
		{"trusted through ca_cert", true, ca, ""},
		{"verification off", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := access(srv.URL)
			a.TLSVerify, a.CACert = tt.verify, tt.ca
			conn, err := newConnector().Connect(context.Background(), a)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Systems(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSimLogsInAgainWhenTheSessionIsGone(t *testing.T) {
	ctx := context.Background()
	s := startSim(t, "2.3", rsdsim.Faults{})
	conn := connect(t, newConnector(), access(s.srv.URL))
	sessions := members(t, s, "/redfish/v1/SessionService/Sessions")
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want the connection's one", len(sessions))
	}
	// As a pod manager restart or a session timeout would.
	req, _ := http.NewRequest(http.MethodDelete, s.srv.URL+sessions[0], nil)
	req.SetBasicAuth(simUser, simPass)
	if resp, err := s.srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deleting the session: %v %v", resp, err)
	}
	if _, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "after-expiry"}); err != nil {
		t.Fatalf("Allocate after the session expired: %v", err)
	}
	if n := len(members(t, s, "/redfish/v1/SessionService/Sessions")); n != 1 {
		t.Errorf("%d sessions after logging in again, want 1", n)
	}
}

func TestSimPlainRedfishDriverDoesNotCompose(t *testing.T) {
	s := startSim(t, "2.3", rsdsim.Faults{})
	conn := plainDriverRefusesToCompose(t, s)
	if systems, err := conn.Systems(context.Background()); err != nil || len(systems) != 8 {
		t.Errorf("Systems = %d, %v; the plain driver still lists systems", len(systems), err)
	}
}

// plainDriverRefusesToCompose connects to s with the plain Redfish driver,
// checks that it neither offers nor does composition, and returns the connection.
func plainDriverRefusesToCompose(t *testing.T, s sim) valence.PodManagerConn {
	t.Helper()
	a := access(s.srv.URL)
	a.Driver = valence.DriverRedfish
	conn := connect(t, newConnector(), a)
	info, err := conn.Probe(context.Background())
	if err != nil || slices.Contains(info.Capabilities, valence.CapCompose) {
		t.Errorf("Probe = %+v, %v; want no compose", info, err)
	}
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "n"})
	wantCode(t, err, valence.Invalid)
	return conn
}

func TestSimNodeLifecycle(t *testing.T) {
	eachVersion(t, func(t *testing.T, s sim, conn valence.PodManagerConn) {
		ctx := context.Background()
		alloc, err := conn.Allocate(ctx, valence.AllocateRequest{
			Name: "n1", Description: "test node", TotalSystemCoreCount: 1,
			Processors:         []valence.ProcessorReq{{InstructionSet: "x86-64"}},
			Memory:             []valence.MemoryReq{{CapacityMiB: 1024}},
			EthernetInterfaces: []valence.NetworkReq{{VLAN: 100}},
		})
		if err != nil {
			t.Fatalf("Allocate: %v", err)
		}
		uri := alloc.URI
		listed, err := conn.ListNodes(ctx)
		if err != nil || len(listed) != 1 || listed[0].URI != uri || listed[0].Name != "n1" || listed[0].State != valence.NodeAllocated {
			t.Errorf("ListNodes = %+v, %v; want the one Allocated node", listed, err)
		}
		if err := conn.Assemble(ctx, uri); err != nil {
			t.Fatalf("Assemble: %v", err)
		}
		w, err := conn.WaitAssembled(ctx, uri)
		if err != nil {
			t.Fatalf("WaitAssembled: %v", err)
		}
		if w.URI != uri || conn.NodeURI(w.Index) != uri || w.State != valence.NodeAssembled || w.PowerState == "" || len(w.Metadata.Processors) != 0 {
			t.Errorf("WaitAssembled = %+v, want the Assembled node without its parts", w)
		}
		n, err := conn.GetNode(ctx, uri)
		if err != nil {
			t.Fatalf("GetNode: %v", err)
		}
		if n.URI != uri || conn.NodeURI(n.Index) != uri || n.Name != "n1" || n.State != valence.NodeAssembled ||
			n.ComputerSystem == "" || len(n.AllowedResets) == 0 {
			t.Errorf("node = %+v", n)
		}
		md := n.Metadata
		if len(md.Processors) == 0 || md.Processors[0].TotalCores == 0 || md.Processors[0].Model == "" ||
			len(md.Memory) == 0 || md.Memory[0].CapacityMiB == 0 || len(md.Network) == 0 || md.Network[0].MAC == "" {
			t.Errorf("metadata = %+v", md)
		}
		if !slices.ContainsFunc(md.Network, func(n valence.NICInfo) bool {
			return slices.Contains(n.VLANs, valence.VLAN{ID: 100, Status: "Enabled"})
		}) {
			t.Errorf("no interface carries the requested VLAN 100: %+v", md.Network)
		}

		reset := n.AllowedResets[0]
		if slices.Contains(n.AllowedResets, "ForceOff") {
			reset = "ForceOff"
		}
		if err := conn.ResetNode(ctx, uri, reset); err != nil {
			t.Errorf("ResetNode(%s): %v", reset, err)
		}
		err = conn.ResetNode(ctx, uri, "NoSuchReset")
		wantCode(t, err, valence.Invalid)

		if err := conn.SetBoot(ctx, uri, valence.Boot{Enabled: "Once", Target: "Pxe"}); err != nil {
			t.Errorf("SetBoot: %v", err)
		}
		if n, err := conn.GetNode(ctx, uri); err != nil || n.Boot.Enabled != "Once" || n.Boot.Target != "Pxe" {
			t.Errorf("boot after SetBoot = %+v, %v", n.Boot, err)
		}

		systems, err := conn.Systems(ctx)
		if err != nil {
			t.Fatalf("Systems: %v", err)
		}
		used := 0
		for _, sys := range systems {
			if sys.NodeURI != "" {
				used++
				if sys.NodeURI != uri || sys.ResourceURI != n.ComputerSystem {
					t.Errorf("system %s says node %q; the node says system %s", sys.ResourceURI, sys.NodeURI, n.ComputerSystem)
				}
			}
		}
		if used != 1 {
			t.Errorf("%d systems name a node, want 1", used)
		}

		if err := conn.DeleteNode(ctx, uri); err != nil {
			t.Fatalf("DeleteNode: %v", err)
		}
		if err := conn.DeleteNode(ctx, uri); err != nil {
			t.Errorf("DeleteNode again: %v", err)
		}
	})
}

func TestSimSystemsAndRacks(t *testing.T) {
	eachVersion(t, func(t *testing.T, s sim, conn valence.PodManagerConn) {
		ctx := context.Background()
		systems, err := conn.Systems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(systems) != s.SystemCount() {
			t.Fatalf("%d systems, the simulator has %d", len(systems), s.SystemCount())
		}
		uuids := map[string]bool{}
		for _, sys := range systems {
			uuids[sys.UUID] = true
		}

		sys := systems[len(systems)-1]
		want := newSums(t, s, sys.ResourceURI)
		got := sums{cores: sys.CPU.Cores, cpus: sys.CPU.Count, ramGiB: sys.RAMGiB, storageGiB: sys.StorageGiB, nics: sys.NICs}
		if got != want {
			t.Errorf("system %s sums to %+v, the simulator says %+v", sys.ResourceURI, got, want)
		}
		if sys.ID == "" || sys.UUID == "" || sys.Name == "" || sys.CPU.Arch == "" || sys.CPU.Model == "" ||
			sys.PowerState == "" || sys.Health == "" || !strings.Contains(sys.Location, "/") {
			t.Errorf("system = %+v", sys)
		}

		racks, err := conn.Racks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(racks) != 2 {
			t.Fatalf("%d racks, want 2", len(racks))
		}
		seen := map[string]bool{}
		for _, r := range racks {
			if r.ID == "" || r.ResourceURI == "" || len(r.Systems) != 4 {
				t.Errorf("rack = %+v, want 4 systems", r)
			}
			for _, u := range r.Systems {
				if !uuids[u] || seen[u] {
					t.Errorf("rack %s names system %q, unknown or in two racks", r.ID, u)
				}
				seen[u] = true
			}
		}
	})
}

// sums is what a system sums to, read from the simulator directly.
type sums struct {
	cores, cpus        int
	ramGiB, storageGiB float64
	nics               int
}

func newSums(t *testing.T, s sim, uri string) sums {
	var out sums
	for _, p := range members(t, s, uri+"/Processors") {
		out.cpus++
		out.cores += int(raw(t, s, p)["TotalCores"].(float64))
	}
	for _, m := range members(t, s, uri+"/Memory") {
		out.ramGiB += raw(t, s, m)["CapacityMiB"].(float64) / 1024
	}
	for _, ss := range members(t, s, uri+"/SimpleStorage") {
		for _, d := range raw(t, s, ss)["Devices"].([]any) {
			out.storageGiB += d.(map[string]any)["CapacityBytes"].(float64) / (1 << 30)
		}
	}
	out.nics = len(members(t, s, uri+"/EthernetInterfaces"))
	return out
}

func TestSimVolumes(t *testing.T) {
	ctx := context.Background()
	s := startSim(t, "2.3", rsdsim.Faults{})
	conn := connect(t, newConnector(), access(s.srv.URL))
	before, err := conn.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	created, err := conn.CreateVolume(ctx, valence.VolumeRequest{Name: "vol-a", CapacityGiB: 10, Bootable: true})
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	if created.ResourceURI == "" || created.StorageService == "" || created.CapacityGiB != 10 || !created.Bootable ||
		created.Name != "vol-a" || created.Protocol != "NVMeOverFabrics" || created.Status != "OK" {
		t.Errorf("created = %+v", created)
	}
	find := func() valence.Volume {
		t.Helper()
		vols, err := conn.Volumes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(vols) != len(before)+1 {
			t.Fatalf("%d volumes, want %d", len(vols), len(before)+1)
		}
		for _, v := range vols {
			if v.ResourceURI == created.ResourceURI {
				return v
			}
		}
		t.Fatalf("created volume %s not listed", created.ResourceURI)
		return valence.Volume{}
	}
	if v := find(); v.NodeURI != "" || v.StorageService != created.StorageService {
		t.Errorf("listed = %+v", v)
	}

	alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "with-volume"})
	if err != nil {
		t.Fatal(err)
	}
	node := alloc.URI
	if err := conn.AttachVolume(ctx, node, created.ResourceURI); err != nil {
		t.Fatalf("AttachVolume: %v", err)
	}
	if v := find(); v.NodeURI != node {
		t.Errorf("attached volume says node %q, want %s", v.NodeURI, node)
	}
	n, err := conn.GetNode(ctx, node)
	if err != nil || !slices.ContainsFunc(n.Metadata.RemoteDrives, func(d valence.DriveInfo) bool {
		return d.ResourceURI == created.ResourceURI && d.CapacityGiB == 10
	}) {
		t.Errorf("node's remote drives = %+v, %v", n.Metadata.RemoteDrives, err)
	}
	if err := conn.DetachVolume(ctx, node, created.ResourceURI); err != nil {
		t.Fatalf("DetachVolume: %v", err)
	}
	if v := find(); v.NodeURI != "" {
		t.Errorf("detached volume says node %q", v.NodeURI)
	}
	if err := conn.DeleteVolume(ctx, created.ResourceURI); err != nil {
		t.Fatalf("DeleteVolume: %v", err)
	}
	if err := conn.DeleteVolume(ctx, created.ResourceURI); err != nil {
		t.Errorf("DeleteVolume again: %v", err)
	}
	if vols, err := conn.Volumes(ctx); err != nil || len(vols) != len(before) {
		t.Errorf("after delete: %d volumes, %v; want %d", len(vols), err, len(before))
	}
	_, err = conn.CreateVolume(ctx, valence.VolumeRequest{StorageService: "no-such-service", CapacityGiB: 1})
	wantCode(t, err, valence.NotFound)
}

func TestSimErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no resources", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{})
		conn := connect(t, newConnector(), access(s.srv.URL))
		_, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "huge", TotalSystemCoreCount: 100000})
		e := wantCode(t, err, valence.Conflict)
		if !strings.HasPrefix(e.Message, "Pod manager refused the allocation: ") || len(e.ExtendedInfo) == 0 || e.Err == nil {
			t.Errorf("error = %q, extended %q, cause %v", e.Message, e.ExtendedInfo, e.Err)
		}
	})
	t.Run("missing node", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{})
		conn := connect(t, newConnector(), access(s.srv.URL))
		_, err := conn.GetNode(ctx, conn.NodeURI("404"))
		wantCode(t, err, valence.NotFound)
	})
	t.Run("wrong password", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{})
		a := access(s.srv.URL)
		a.Password = "wrong"
		_, err := newConnector().Connect(ctx, a)
		wantCode(t, err, valence.PodManagerAuthFailed)
	})
	t.Run("server stopped", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{})
		conn := connect(t, newConnector(), access(s.srv.URL))
		s.srv.Close()
		_, err := conn.Systems(ctx)
		e := wantCode(t, err, valence.PodManagerUnavailable)
		if want := "Pod manager " + s.srv.URL + " cannot be reached."; e.Message != want {
			t.Errorf("Message = %q, want %q", e.Message, want)
		}
		_, err = newConnector().Connect(ctx, access(s.srv.URL))
		wantCode(t, err, valence.PodManagerUnavailable)
		_, err = conn.Probe(ctx)
		wantCode(t, err, valence.PodManagerUnavailable)
	})
	t.Run("hanging server", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{})
		conn := connect(t, newConnector(), access(s.srv.URL))
		s.SetFaults(rsdsim.Faults{Down: rsdsim.DownHang})
		// Healed before the connection's Close logs out, which would hang too.
		defer s.SetFaults(rsdsim.Faults{})
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := conn.GetNode(short, conn.NodeURI("1"))
		wantCode(t, err, valence.Timeout)
		shorter, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel2()
		_, err = newConnector().Connect(shorter, access(s.srv.URL))
		wantCode(t, err, valence.Timeout)
	})
	t.Run("assembly fails", func(t *testing.T) {
		s := startSim(t, "2.3", rsdsim.Faults{FailAssembly: true})
		conn := connect(t, newConnector(), access(s.srv.URL))
		alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "doomed"})
		if err != nil {
			t.Fatal(err)
		}
		uri := alloc.URI
		if err := conn.Assemble(ctx, uri); err != nil {
			t.Fatal(err)
		}
		_, err = conn.WaitAssembled(ctx, uri)
		wantCode(t, err, valence.PodManagerError)
	})
}

// A system read alone by its Id is the system of the list; it names the
// node that uses it when the system links it, and says it cannot tell when
// the system does not (a real PODM); a system of another Id is NotFound.
func TestSimSystemReadAlone(t *testing.T) {
	for _, noLink := range []bool{false, true} {
		s, err := rsdsim.New(rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2, Seed: 3,
			Username: simUser, Password: simPass, Quirks: rsdsim.Quirks{NoSystemNodeLink: noLink}})
		if err != nil {
			t.Fatal(err)
		}
		conn := connect(t, newConnector(), access(serve(t, s).srv.URL))
		ctx := context.Background()
		alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "web"})
		if err != nil {
			t.Fatal(err)
		}
		nodeURI := alloc.URI
		systems, err := conn.Systems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range systems {
			got, err := conn.System(ctx, want.ID)
			if noLink {
				want.NodeURI, want.NodeUnknown = "", true
			}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("no link %t: System(%s)\n got %+v, %v\nwant %+v", noLink, want.ID, got, err, want)
			}
		}
		if !slices.ContainsFunc(systems, func(sys valence.System) bool { return sys.NodeURI == nodeURI }) {
			t.Errorf("no link %t: no system listed as used by %s", noLink, nodeURI)
		}
		_, err = conn.System(ctx, "System99")
		wantCode(t, err, valence.NotFound)
	}
}
