package redfish_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

func TestSimSetSystemBoot(t *testing.T) {
	ctx := context.Background()
	_, url := startSim(t, "2.3", 1, rsdsim.Faults{})
	c := simClient(t, url, redfish.AuthBasic)
	systems, err := c.Systems(ctx)
	if err != nil || len(systems) == 0 {
		t.Fatalf("Systems = %v, %v", systems, err)
	}
	sys := systems[0]
	if err := c.SetSystemBoot(ctx, sys.ID, redfish.BootSettings{Enabled: "Continuous", Target: "Hdd", Mode: "UEFI"}); err != nil {
		t.Fatalf("SetSystemBoot: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, url+sys.URI, nil)
	req.SetBasicAuth(simUser, simPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Boot redfish.BootSettings }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := (redfish.BootSettings{Enabled: "Continuous", Target: "Hdd", Mode: "UEFI"}); got.Boot != want {
		t.Errorf("Boot = %+v, want %+v", got.Boot, want)
	}
	if err := c.SetSystemBoot(ctx, sys.URI, redfish.BootSettings{Target: "Floppy"}); !errors.Is(err, redfish.ErrNotAllowed) {
		t.Errorf("SetSystemBoot(Floppy) = %v, want ErrNotAllowed", err)
	}
}

// A plain Redfish service (the simulator without RSD extensions) is detected as such and its
// systems are listed, reset and booted; composition is refused before any request.
func TestSimPlainRedfish(t *testing.T) {
	ctx := context.Background()
	_, url := startSim(t, rsdsim.VersionNone, 1, rsdsim.Faults{})
	c := simClient(t, url, redfish.AuthSession)
	info := c.Info()
	if info.IsRSD() || info.Has(redfish.CapCompose) || info.Has(redfish.CapStorage) || !info.Has(redfish.CapSystems) {
		t.Fatalf("detected %+v", info)
	}
	systems, err := c.Systems(ctx)
	if err != nil || len(systems) != 4 {
		t.Fatalf("Systems = %d, %v", len(systems), err)
	}
	sys := systems[0]
	if sys.NodeURI != "" || sys.ProcessorCount == 0 || sys.Location == "" {
		t.Errorf("system %+v", sys)
	}
	if err := c.ResetSystem(ctx, sys.ID, schemas.ForceOnResetType); err != nil {
		t.Fatalf("ResetSystem: %v", err)
	}
	if s, _ := c.GetSystem(ctx, sys.URI); s.PowerState != schemas.OnPowerState {
		t.Errorf("after ForceOn: %s", s.PowerState)
	}
	if err := c.SetSystemBoot(ctx, sys.ID, redfish.BootSettings{Enabled: "Once", Target: "Pxe"}); err != nil {
		t.Errorf("SetSystemBoot: %v", err)
	}
	if _, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "x"}); !errors.Is(err, redfish.ErrNotSupported) {
		t.Errorf("Allocate = %v, want ErrNotSupported", err)
	}
}
