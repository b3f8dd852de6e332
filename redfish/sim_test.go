package redfish_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// Every operation against the emulated pod manager, in-process, for each RSD
// version it emulates.

var simVersions = []string{"2.1", "2.2", "2.3"}

const (
	simUser = "admin"
	simPass = "secret"
)

// startSim serves a simulator of racks×2×2 systems and returns it with its URL.
func startSim(t testing.TB, version string, racks int, faults rsdsim.Faults) (*rsdsim.Simulator, string) {
	t.Helper()
	sim, err := rsdsim.New(rsdsim.Config{RSDVersion: version, Racks: racks, DrawersPerRack: 2, SystemsPerDrawer: 2,
		Seed: 7, Username: simUser, Password: simPass, AssembleDelay: 30 * time.Millisecond, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return sim, serve(t, sim)
}

// serve serves the simulator until the test ends and returns its URL.
func serve(t testing.TB, sim *rsdsim.Simulator) string {
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return srv.URL
}

func simClient(t testing.TB, url string, auth redfish.Auth) *redfish.Client {
	t.Helper()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: url, Username: simUser, Password: simPass, Auth: auth})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestSimDetectAndInventory(t *testing.T) {
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) {
			ctx := context.Background()
			_, url := startSim(t, v, 2, rsdsim.Faults{})
			c := simClient(t, url, redfish.AuthAuto)
			info := c.Info()
			if info.RSDVersion != v+".0" || info.RedfishVersion == "" || !info.Has(redfish.CapCompose) ||
				!info.Has(redfish.CapStorage) || !info.Has(redfish.CapSessions) || !info.Has(redfish.CapRacks) {
				t.Errorf("Info = %+v", info)
			}

			systems, err := c.Systems(ctx)
			if err != nil || len(systems) != 8 {
				t.Fatalf("Systems: %d, %v", len(systems), err)
			}
			for _, s := range systems {
				if s.Cores <= 0 || s.ProcessorCount <= 0 || s.MemoryGiB <= 0 || s.StorageGiB <= 0 || s.NICCount <= 0 ||
					s.Arch == "" || s.UUID == "" || s.Location == "" || s.ChassisURI == "" || s.NodeURI != "" || len(s.AllowedResetTypes) == 0 {
					t.Errorf("system summary incomplete: %+v", s)
				}
			}
			one, err := c.GetSystem(ctx, systems[0].ID)
			if err != nil || one.URI != systems[0].URI || one.Cores != systems[0].Cores {
				t.Errorf("GetSystem = %+v, %v", one, err)
			}
			// One system read alone is the system of the list, Location included.
			for _, s := range systems {
				one, err := c.LocateSystem(ctx, s.ID)
				if err != nil || !reflect.DeepEqual(one, s) || !one.NodeLinked {
					t.Errorf("LocateSystem(%s)\n got %+v, %v\nwant %+v", s.ID, one, err, s)
				}
			}

			racks, err := c.Racks(ctx)
			if err != nil || len(racks) != 2 {
				t.Fatalf("Racks = %+v, %v", racks, err)
			}
			var under []string
			for _, r := range racks {
				under = append(under, r.Systems...)
			}
			slices.Sort(under)
			var all []string
			for _, s := range systems {
				all = append(all, s.URI)
			}
			slices.Sort(all)
			if !slices.Equal(under, all) {
				t.Errorf("systems under racks %v, want %v", under, all)
			}

			if err := c.ResetSystem(ctx, systems[0].URI, schemas.OnResetType); err != nil {
				t.Fatal(err)
			}
			if s, _ := c.GetSystem(ctx, systems[0].URI); s.PowerState != schemas.OnPowerState {
				t.Errorf("after ComputerSystem.Reset On: %s", s.PowerState)
			}
		})
	}
}

func TestSimComposeLifecycle(t *testing.T) {
	for _, v := range simVersions {
		for name, auth := range map[string]redfish.Auth{"session": redfish.AuthSession, "basic": redfish.AuthBasic} {
			t.Run(v+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				_, url := startSim(t, v, 1, rsdsim.Faults{})
				c := simClient(t, url, auth)

				uri, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "web-1", Description: "test node",
					Processors: []redfish.ProcessorRequest{{TotalCores: 1, InstructionSet: "x86-64"}},
					Memory:     []redfish.MemoryRequest{{CapacityMiB: 1024}}})
				if err != nil {
					t.Fatalf("Allocate: %v", err)
				}
				n, err := c.GetNode(ctx, uri)
				if err != nil || n.State != redfish.NodeAllocated || n.Name != "web-1" || n.Links.ComputerSystem == "" {
					t.Fatalf("GetNode = %+v, %v", n, err)
				}
				if err := c.Assemble(ctx, uri); err != nil {
					t.Fatalf("Assemble: %v", err)
				}
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if n, err = c.WaitAssembled(wctx, uri); err != nil || n.State != redfish.NodeAssembled {
					t.Fatalf("WaitAssembled = %+v, %v", n, err)
				}
				if err := c.Assemble(ctx, uri); redfish.StatusCode(err) != 400 {
					t.Errorf("Assemble of an Assembled node = %v, want 400", err)
				}

				if err := c.Reset(ctx, n.ID, schemas.OnResetType); err != nil {
					t.Fatal(err)
				}
				if err := c.SetBoot(ctx, uri, redfish.BootSettings{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}); err != nil {
					t.Fatal(err)
				}
				n, _ = c.GetNode(ctx, uri)
				if n.PowerState != schemas.OnPowerState || n.Boot.Target != "Pxe" || n.Boot.Enabled != "Once" || n.Boot.Mode != "UEFI" {
					t.Errorf("after Reset On and SetBoot: power %s boot %+v", n.PowerState, n.Boot.BootSettings)
				}
				if err := c.SetBoot(ctx, uri, redfish.BootSettings{Enabled: "Sometimes"}); !errors.Is(err, redfish.ErrNotAllowed) {
					t.Errorf("SetBoot(Enabled: Sometimes) = %v", err)
				}
				if err := c.Reset(ctx, uri, "Hibernate"); !errors.Is(err, redfish.ErrNotAllowed) {
					t.Errorf("Reset(Hibernate) = %v", err)
				}

				parts, err := c.NodeParts(ctx, n)
				if err != nil || len(parts.Processors) == 0 || parts.Processors[0].TotalCores == 0 || len(parts.Memory) == 0 ||
					len(parts.EthernetInterfaces) == 0 || parts.EthernetInterfaces[0].MACAddress == "" || len(parts.LocalDrives) == 0 {
					t.Errorf("NodeParts = %+v, %v", parts, err)
				}

				systems, err := c.Systems(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if i := slices.IndexFunc(systems, func(s *redfish.System) bool { return s.URI == n.Links.ComputerSystem }); i < 0 || systems[i].NodeURI != uri {
					t.Errorf("the node's system does not name the node")
				}
				if s, err := c.GetSystem(ctx, n.Links.ComputerSystem); err != nil || s.NodeURI != uri {
					t.Errorf("GetSystem of the node's system = %+v, %v; want NodeURI %q", s, err, uri)
				}
				nodes, err := c.ListNodes(ctx)
				if err != nil || len(nodes) != 1 || nodes[0].URI != uri {
					t.Errorf("ListNodes = %v, %v", nodes, err)
				}

				_, err = c.Allocate(ctx, redfish.AllocateRequest{TotalSystemCoreCount: 100000})
				var rfErr *redfish.Error
				if !redfish.IsConflict(err) || !errors.As(err, &rfErr) || rfErr.Code == "" || len(rfErr.ExtendedInfo) == 0 {
					t.Errorf("impossible Allocate = %v, want 409 with ExtendedInfo", err)
				}

				if err := c.DeleteNode(ctx, uri); err != nil {
					t.Fatal(err)
				}
				if _, err := c.GetNode(ctx, uri); !redfish.IsNotFound(err) {
					t.Errorf("GetNode after delete = %v", err)
				}
				if err := c.DeleteNode(ctx, uri); err != nil {
					t.Errorf("second DeleteNode = %v", err)
				}
			})
		}
	}
}

func TestSimStorage(t *testing.T) {
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) {
			ctx := context.Background()
			_, url := startSim(t, v, 1, rsdsim.Faults{})
			c := simClient(t, url, redfish.AuthAuto)

			services, err := c.StorageServices(ctx)
			if err != nil || len(services) == 0 {
				t.Fatalf("StorageServices = %v, %v", services, err)
			}
			before, err := c.Volumes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			vol, err := c.CreateVolume(ctx, services[0].URI, redfish.VolumeRequest{Name: "boot", CapacityGiB: 10, Bootable: true})
			if err != nil {
				t.Fatalf("CreateVolume: %v", err)
			}
			if len(before) > 0 {
				if _, err := c.CreateVolume(ctx, services[0].URI, redfish.VolumeRequest{CapacityGiB: 10, Source: before[0].URI, SourceType: "Snapshot"}); err != nil {
					t.Errorf("CreateVolume from a snapshot: %v", err)
				}
			}
			vols, err := c.Volumes(ctx)
			i := slices.IndexFunc(vols, func(x *redfish.Volume) bool { return x.URI == vol })
			if err != nil || i < 0 || vols[i].CapacityGiB != 10 || !vols[i].Bootable || vols[i].ServiceURI != services[0].URI {
				t.Fatalf("Volumes = %v, %v; want %s of 10 GiB, bootable", vols, err, vol)
			}
			if v < "2.3" && vols[i].Protocol != "iSCSI" {
				t.Errorf("RSS volume protocol = %q, want iSCSI", vols[i].Protocol)
			}

			node, err := c.Allocate(ctx, redfish.AllocateRequest{})
			if err != nil {
				t.Fatal(err)
			}
			err = c.AttachVolume(ctx, node, vol, "")
			if v < "2.3" {
				// The simulator's 2.1/2.2 nodes offer no AttachEndpoint.
				if !errors.Is(err, redfish.ErrNotSupported) {
					t.Errorf("AttachVolume on %s = %v, want ErrNotSupported", v, err)
				}
			} else {
				if err != nil {
					t.Fatalf("AttachVolume: %v", err)
				}
				vols, _ = c.Volumes(ctx)
				if i := slices.IndexFunc(vols, func(x *redfish.Volume) bool { return x.URI == vol }); vols[i].NodeURI != node {
					t.Errorf("attached volume names node %q, want %q", vols[i].NodeURI, node)
				}
				if err := c.DetachVolume(ctx, node, vol); err != nil {
					t.Fatalf("DetachVolume: %v", err)
				}
			}

			if err := c.DeleteVolume(ctx, vol); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetVolume(ctx, vol); !redfish.IsNotFound(err) {
				t.Errorf("GetVolume after delete = %v", err)
			}
		})
	}
}

func TestSimFaults(t *testing.T) {
	ctx := context.Background()
	sim, url := startSim(t, "2.3", 1, rsdsim.Faults{FailAssembly: true})
	for name, auth := range map[string]redfish.Auth{"session": redfish.AuthSession, "basic": redfish.AuthBasic} {
		if _, err := redfish.Connect(ctx, redfish.Config{Endpoint: url, Username: simUser, Password: "wrong", Auth: auth}); redfish.StatusCode(err) != 401 {
			t.Errorf("Connect (%s) with a wrong password = %v, want 401", name, err)
		}
	}

	c := simClient(t, url, redfish.AuthAuto)
	uri, err := c.Allocate(ctx, redfish.AllocateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Assemble(ctx, uri); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitAssembled(ctx, uri); !errors.Is(err, redfish.ErrAssemblyFailed) {
		t.Errorf("WaitAssembled with failing assembly = %v", err)
	}

	sim.SetFaults(rsdsim.Faults{ErrorRate: map[string]float64{rsdsim.OpAllocate: 1}, ErrorStatus: 503})
	if _, err := c.Allocate(ctx, redfish.AllocateRequest{}); redfish.StatusCode(err) != 503 || errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("Allocate with injected 503 = %v", err)
	}
	sim.SetFaults(rsdsim.Faults{Down: rsdsim.DownRefuse})
	if _, err := c.ListNodes(ctx); !errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("ListNodes on a down pod manager = %v, want ErrUnreachable", err)
	}
}
