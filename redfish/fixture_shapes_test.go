package redfish_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/redfish"
)

// Tests against JSON fixtures for the shapes the simulator does not produce:
// a plain-Redfish root, RSD 2.4 nodes, the RSD 1.x @DMTF annotation, absolute
// and relative Locations, sessions, error bodies, TLS and unreachable pod managers.

func connect(t *testing.T, srv *httptest.Server, cfg redfish.Config) *redfish.Client {
	t.Helper()
	cfg.Endpoint = srv.URL
	c, err := redfish.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func plainFiles() map[string]string {
	return map[string]string{
		"/redfish/v1":                                        "plain_root.json",
		"/redfish/v1/Systems":                                "plain_systems.json",
		"/redfish/v1/Systems/437XR1138R2":                    "plain_system.json",
		"/redfish/v1/Systems/437XR1138R2/Processors":         "plain_processors.json",
		"/redfish/v1/Systems/437XR1138R2/Processors/CPU1":    "plain_cpu1.json",
		"/redfish/v1/Systems/437XR1138R2/Processors/CPU2":    "plain_cpu2.json",
		"/redfish/v1/Systems/437XR1138R2/EthernetInterfaces": "plain_nics.json",
		"/redfish/v1/Systems/437XR1138R2/SimpleStorage":      "plain_simplestorage.json",
		"/redfish/v1/Systems/437XR1138R2/SimpleStorage/1":    "plain_simplestorage1.json",
		"/redfish/v1/Chassis":                                "plain_chassis.json",
		"/redfish/v1/Chassis/Rack1":                          "plain_rack.json",
		"/redfish/v1/Chassis/1U":                             "plain_1u.json",
	}
}

func TestPlainRedfish(t *testing.T) {
	ctx := context.Background()
	const resetPath = "/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset"
	f, srv := newFixture(t, plainFiles(), map[string]http.HandlerFunc{"POST " + resetPath: status(http.StatusNoContent, "")})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})

	info := c.Info()
	if info.IsRSD() || info.RedfishVersion != "1.11.0" || info.Has(redfish.CapCompose) || info.Has(redfish.CapStorage) ||
		!info.Has(redfish.CapSystems) || !info.Has(redfish.CapRacks) || info.Has(redfish.CapSessions) {
		t.Errorf("Info = %+v", info)
	}

	systems, err := c.Systems(ctx)
	if err != nil || len(systems) != 1 {
		t.Fatalf("Systems = %v, %v", systems, err)
	}
	s := systems[0]
	want := redfish.System{ID: "437XR1138R2", URI: "/redfish/v1/Systems/437XR1138R2", Name: "WebFrontEnd483",
		UUID: "38947555-7742-3448-3784-823347823834", Manufacturer: "Contoso", Model: "3500", SerialNumber: "437XR1138R2",
		PowerState: schemas.OnPowerState, Health: schemas.OKHealth, ProcessorCount: 2, Cores: 16,
		ProcessorModel: "Multi-Core Intel(R) Xeon(R) processor 7xxx Series", Arch: "x86-64", MemoryGiB: 96,
		StorageGiB: 12e12 / (1 << 30), NICCount: 2, ChassisURI: "/redfish/v1/Chassis/1U", Location: "Rack1/1U"}
	// One system read alone is the system of the list, Location included.
	if one, err := c.LocateSystem(ctx, s.ID); err != nil || !reflect.DeepEqual(one, s) {
		t.Errorf("LocateSystem\n got %+v, %v\nwant %+v", one, err, s)
	}
	if len(s.AllowedResetTypes) != 9 {
		t.Errorf("AllowedResetTypes = %v", s.AllowedResetTypes)
	}
	s.AllowedResetTypes = nil
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("system\n got %+v\nwant %+v", *s, want)
	}
	if r, ok := f.last(http.MethodGet, "/redfish/v1/Systems/437XR1138R2"); !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
		t.Errorf("no Basic auth on a plain Redfish service without Links.Sessions: %v", r.Header)
	}

	racks, err := c.Racks(ctx)
	if err != nil || len(racks) != 1 || racks[0].ID != "Rack1" || !slices.Equal(racks[0].Systems, []string{s.URI}) {
		t.Errorf("Racks = %+v, %v", racks, err)
	}

	// The RSD 2.1 sample chassis writes its OEM key Intel:RackScale.
	all, err := c.Chassis(ctx)
	if err != nil || len(all) != 2 || all[1].RackLocation != "R-07" || all[1].ContainedBy != "/redfish/v1/Chassis/Rack1" {
		t.Errorf("Chassis = %+v, %v", all, err)
	}

	if err := c.ResetSystem(ctx, "437XR1138R2", schemas.ForceOffResetType); err != nil {
		t.Fatalf("ResetSystem: %v", err)
	}
	if r, _ := f.last(http.MethodPost, resetPath); r.Body["ResetType"] != "ForceOff" {
		t.Errorf("reset body = %v", r.Body)
	}
	if err := c.ResetSystem(ctx, s.URI, "Hibernate"); !errors.Is(err, redfish.ErrNotAllowed) {
		t.Errorf("ResetSystem(Hibernate) = %v, want ErrNotAllowed", err)
	}

	_, err = c.Allocate(ctx, redfish.AllocateRequest{Name: "n"})
	if !errors.Is(err, redfish.ErrNotSupported) || !strings.Contains(err.Error(), "not supported by this pod manager") {
		t.Errorf("Allocate on plain Redfish = %v, want ErrNotSupported", err)
	}
	if _, err := c.ListNodes(ctx); !errors.Is(err, redfish.ErrNotSupported) {
		t.Errorf("ListNodes on plain Redfish = %v", err)
	}
}

func TestRSD24Shapes(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes":   "rsd24_nodes.json",
		"/redfish/v1/Nodes/7": "rsd24_node.json",
	}
	f, srv := newFixture(t, files, map[string]http.HandlerFunc{
		// The 2.4 PODM (Spring) sends the Location as given: a bare path.
		"POST /redfish/v1/Nodes/Actions/Allocate":                      status(http.StatusCreated, "", "Location", "/redfish/v1/Nodes/8"),
		"POST /redfish/v1/Nodes/7/Actions/ComposedNode.AttachResource": status(http.StatusNoContent, ""),
		"POST /redfish/v1/Nodes/7/Actions/ComposedNode.DetachResource": status(http.StatusNoContent, ""),
		"PATCH /redfish/v1/Nodes/7":                                    status(http.StatusOK, "rsd24_node.json"),
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	if info := c.Info(); info.RSDVersion != "2.4.0" || !info.Has(redfish.CapCompose) || !info.Has(redfish.CapStorage) || info.Has(redfish.CapSessions) {
		t.Errorf("Info = %+v", info)
	}

	n, err := c.GetNode(ctx, "7")
	if err != nil {
		t.Fatal(err)
	}
	if n.State != redfish.NodeAssembled || n.PowerState != schemas.OffPowerState || n.URI != "/redfish/v1/Nodes/7" ||
		len(n.AllowedResetTypes) != 5 || !slices.Equal(n.Links.Storage, []string{"/redfish/v1/StorageServices/nvme1/Volumes/v1"}) ||
		n.Links.ComputerSystem != "/redfish/v1/Systems/s1" || !slices.Contains(n.Boot.AllowedModes, schemas.UEFIBootSourceOverrideMode) {
		t.Errorf("node = %+v", n)
	}

	uri, err := c.Allocate(ctx, redfish.AllocateRequest{
		Name:       "test",
		Processors: []redfish.ProcessorRequest{{TotalCores: 2, Brand: "E5", Capabilities: []string{"sse"}, Connectivity: []string{"Local"}}},
		Memory:     []redfish.MemoryRequest{{CapacityMiB: 16000, MemoryType: "DRAM"}},
		RemoteDrives: []redfish.RemoteDriveRequest{{CapacityGiB: 80, Protocol: "iSCSI",
			Master: &redfish.MasterDrive{Type: "Snapshot", Source: "/redfish/v1/StorageServices/iscsi1/Volumes/1"}}},
		Security: &redfish.SecurityRequest{PersistentMemoryOperationOnDelete: "OverwritePCD"},
	})
	if err != nil || uri != "/redfish/v1/Nodes/8" {
		t.Fatalf("Allocate = %q, %v", uri, err)
	}
	r, _ := f.last(http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate")
	if jsonPath(r.Body, "Processors", 0, "Oem", "Intel_RackScale", "Brand") != "E5" ||
		jsonPath(r.Body, "RemoteDrives", 0, "Master", "Resource", "@odata.id") != "/redfish/v1/StorageServices/iscsi1/Volumes/1" ||
		jsonPath(r.Body, "RemoteDrives", 0, "Master", "Address") != nil ||
		jsonPath(r.Body, "Security", "PersistentMemoryOperationOnDelete") != "OverwritePCD" ||
		jsonPath(r.Body, "Processors", 0, "Connectivity", 0) != "Local" || jsonPath(r.Body, "LocalDrives") != nil {
		t.Errorf("2.4 allocate body = %v", r.Body)
	}

	vol := "/redfish/v1/StorageServices/nvme1/Volumes/v2"
	if err := c.AttachVolume(ctx, "7", vol, "NVMeOverFabrics"); err != nil {
		t.Fatal(err)
	}
	r, _ = f.last(http.MethodPost, "/redfish/v1/Nodes/7/Actions/ComposedNode.AttachResource")
	if jsonPath(r.Body, "Resource", "@odata.id") != vol || r.Body["Protocol"] != "NVMeOverFabrics" {
		t.Errorf("attach body = %v", r.Body)
	}
	if err := c.DetachVolume(ctx, "/redfish/v1/Nodes/7", vol); err != nil {
		t.Fatal(err)
	}

	// The PODM answers a boot PATCH with 200 and the node; that is success.
	if err := c.SetBoot(ctx, "7", redfish.BootSettings{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}); err != nil {
		t.Fatal(err)
	}
	r, _ = f.last(http.MethodPatch, "/redfish/v1/Nodes/7")
	if jsonPath(r.Body, "Boot", "BootSourceOverrideTarget") != "Pxe" || jsonPath(r.Body, "Boot", "BootSourceOverrideEnabled") != "Once" {
		t.Errorf("boot body = %v", r.Body)
	}
	if err := c.SetBoot(ctx, "7", redfish.BootSettings{Target: "Floppy", Mode: "Legacy"}); !errors.Is(err, redfish.ErrNotAllowed) {
		t.Errorf("SetBoot(Floppy) = %v, want ErrNotAllowed", err)
	}
	if err := c.Reset(ctx, "7", schemas.PushPowerButtonResetType); !errors.Is(err, redfish.ErrNotAllowed) {
		t.Errorf("Reset(PushPowerButton) = %v, want ErrNotAllowed", err)
	}
}

func TestRSD21DMTFSessionsAbsoluteLocation(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"/redfish/v1":             "rsd21_root.json",
		"/redfish/v1/Nodes":       "rsd21_nodes.json",
		"/redfish/v1/Nodes/Node1": "rsd21_node_dmtf.json",
	}
	const session = "/redfish/v1/SessionService/Sessions/1"
	f, srv := newFixture(t, files, map[string]http.HandlerFunc{
		"POST /redfish/v1/SessionService/Sessions": status(http.StatusCreated, "",
			"X-Auth-Token", "tok-123", "Location", "https://podm.example:8443"+session),
		"DELETE " + session: status(http.StatusNoContent, ""),
		// The 2.1 PODM (JAX-RS) makes the Location absolute.
		"POST /redfish/v1/Nodes/Actions/Allocate": status(http.StatusCreated, "",
			"Location", "https://podm.example:8443/redfish/v1/Nodes/Node2"),
		"POST /redfish/v1/Nodes/Node1/Actions/ComposedNode.Reset":          status(http.StatusNoContent, ""),
		"POST /redfish/v1/Nodes/Node1/Actions/ComposedNode.AttachEndpoint": status(http.StatusNoContent, ""),
		// Any 2xx is success, even one gofish does not list.
		"PATCH /redfish/v1/Nodes/Node1": status(http.StatusNonAuthoritativeInfo, ""),
	})
	cfg := redfish.Config{Endpoint: srv.URL + "/redfish/v1/", Username: "admin", Password: "secret"}
	c, err := redfish.Connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if info := c.Info(); info.RSDVersion != "2.1.0" || !info.Has(redfish.CapSessions) || !info.Has(redfish.CapCompose) || !info.Has(redfish.CapStorage) {
		t.Errorf("Info = %+v", info)
	}
	if r, ok := f.last(http.MethodPost, "/redfish/v1/SessionService/Sessions"); !ok || r.Body["UserName"] != "admin" {
		t.Fatalf("no session login: %v", r)
	}

	n, err := c.GetNode(ctx, "Node1")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := f.last(http.MethodGet, "/redfish/v1/Nodes/Node1"); r.Header.Get("X-Auth-Token") != "tok-123" {
		t.Errorf("session token not sent: %v", r.Header)
	}
	if len(n.AllowedResetTypes) != 8 || n.ProcessorCount != 2 || n.MemoryGiB != 32 || n.State != redfish.NodeAllocated ||
		!slices.Equal(n.Links.RemoteDrives, []string{"/redfish/v1/Services/RSS1/Targets/target1"}) {
		t.Errorf("node from @DMTF annotation = %+v", n)
	}
	// The fixture node stays Allocated: waiting ends with the caller's deadline.
	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := c.WaitAssembled(short, "Node1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitAssembled past the deadline = %v", err)
	}
	if err := c.Reset(ctx, "Node1", schemas.NmiResetType); err != nil {
		t.Fatal(err)
	}

	uri, err := c.Allocate(ctx, redfish.AllocateRequest{
		Processors:   []redfish.ProcessorRequest{{Model: "Xeon", Brand: "E5"}},
		RemoteDrives: []redfish.RemoteDriveRequest{{CapacityGiB: 10, ISCSIAddress: "iqn.x", Master: &redfish.MasterDrive{Type: "Clone", Source: "/redfish/v1/Services/RSS1/LogicalDrives/2"}}},
	})
	if err != nil || uri != "/redfish/v1/Nodes/Node2" {
		t.Fatalf("Allocate = %q, %v", uri, err)
	}
	r, _ := f.last(http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate")
	if jsonPath(r.Body, "Processors", 0, "Oem", "Brand") != "E5" ||
		jsonPath(r.Body, "RemoteDrives", 0, "Master", "Address", "@odata.id") != "/redfish/v1/Services/RSS1/LogicalDrives/2" ||
		jsonPath(r.Body, "RemoteDrives", 0, "iSCSIAddress") != "iqn.x" {
		t.Errorf("2.1 allocate body = %v", r.Body)
	}

	drive := "/redfish/v1/Chassis/PCIeSwitchChassis/Drives/Disk.Bay.1"
	if err := c.AttachVolume(ctx, "Node1", drive, "NVMeOverFabrics"); err != nil {
		t.Fatal(err)
	}
	r, _ = f.last(http.MethodPost, "/redfish/v1/Nodes/Node1/Actions/ComposedNode.AttachEndpoint")
	if jsonPath(r.Body, "Resource", "@odata.id") != drive || r.Body["Protocol"] != nil {
		t.Errorf("AttachEndpoint body = %v", r.Body)
	}
	if err := c.SetBoot(ctx, "Node1", redfish.BootSettings{Target: "Hdd"}); err != nil {
		t.Errorf("SetBoot answered 203: %v", err)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.last(http.MethodDelete, session); !ok {
		t.Error("Close did not delete the session")
	}
}

func TestErrorBodies(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{"/redfish/v1": "rsd21_root.json", "/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes": "rsd21_nodes.json"}
	_, srv := newFixture(t, files, map[string]http.HandlerFunc{
		"POST /redfish/v1/Nodes/Actions/Allocate": status(http.StatusConflict, "error_409.json"),
		"POST /redfish/v1/Nodes/Actions/Nobody":   status(http.StatusBadGateway, ""),
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret", Auth: redfish.AuthBasic})

	_, err := c.Allocate(ctx, redfish.AllocateRequest{TotalSystemCoreCount: 1000})
	var rfErr *redfish.Error
	if !errors.As(err, &rfErr) || !redfish.IsConflict(err) {
		t.Fatalf("Allocate = %v, want a 409 *redfish.Error", err)
	}
	if rfErr.Code != "Base.1.0.ResourcesStateMismatch" || rfErr.Message != "Conflict during allocation" ||
		len(rfErr.ExtendedInfo) != 2 || !strings.HasPrefix(rfErr.ExtendedInfo[0], "There are no computer systems") ||
		errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("error = %#v", rfErr)
	}
	if !strings.Contains(err.Error(), "409 Base.1.0.ResourcesStateMismatch: Conflict during allocation (There are no computer systems") {
		t.Errorf("message = %s", err)
	}

	if _, err := c.GetNode(ctx, "Gone"); !redfish.IsNotFound(err) {
		t.Errorf("GetNode(Gone) = %v, want 404", err)
	}
	if err := c.DeleteNode(ctx, "Gone"); err != nil {
		t.Errorf("DeleteNode of a node already gone = %v, want nil", err)
	}
	if err := c.DeleteVolume(ctx, "/redfish/v1/Services/RSS1/LogicalDrives/9"); err != nil {
		t.Errorf("DeleteVolume of a volume already gone = %v, want nil", err)
	}
}

func TestUnreachable(t *testing.T) {
	ctx := context.Background()
	_, srv := newFixture(t, map[string]string{"/redfish/v1": "rsd24_root.json"}, map[string]http.HandlerFunc{
		"GET /redfish/v1/Nodes/slow": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	})
	c := connect(t, srv, redfish.Config{})

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := c.GetNode(short, "slow")
	if !errors.Is(err, redfish.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) || redfish.StatusCode(err) != 0 {
		t.Errorf("GetNode past its deadline = %v, want ErrUnreachable and DeadlineExceeded", err)
	}

	srv.Close()
	if _, err := c.GetNode(ctx, "7"); !errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("GetNode on a closed server = %v, want ErrUnreachable", err)
	}
	if _, err := redfish.Connect(ctx, redfish.Config{Endpoint: srv.URL}); !errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("Connect to a closed server = %v, want ErrUnreachable", err)
	}
	if _, err := redfish.Connect(ctx, redfish.Config{Endpoint: "podm:8443"}); err == nil {
		t.Error("Connect accepted an endpoint without scheme")
	}
}

func TestTLSVerification(t *testing.T) {
	ctx := context.Background()
	f := &fixture{t: t, files: map[string]string{"/redfish/v1": "plain_root.json"}}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()

	if _, err := redfish.Connect(ctx, redfish.Config{Endpoint: srv.URL}); !errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("Connect to an unknown CA = %v, want a verification failure", err)
	}
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if _, err := x509.ParseCertificate(srv.Certificate().Raw); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]redfish.Config{
		"CACert":   {Endpoint: srv.URL, CACert: pemCert},
		"Insecure": {Endpoint: srv.URL, Insecure: true},
	} {
		c, err := redfish.Connect(ctx, cfg)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		_ = c.Close()
	}
	if _, err := redfish.Connect(ctx, redfish.Config{Endpoint: srv.URL, CACert: []byte("junk")}); err == nil {
		t.Error("Connect accepted a CACert without PEM")
	}
}
