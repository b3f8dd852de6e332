package redfish_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

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
