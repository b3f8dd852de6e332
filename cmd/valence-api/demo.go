package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

// The demo's emulated pod manager: small enough to read, large enough to
// compose on, with assembly slow enough to be seen.
const (
	demoUser          = "admin"
	demoPassword      = "admin"
	demoAssembleDelay = time.Second
)

// startDemo serves an emulated pod manager on a free loopback port,
// registers it as pod manager "demo" and prints what to try (the dashboard
// too when ui says it is served). The returned function stops the emulator.
func startDemo(ctx context.Context, svc *valence.Service, apiURL string, ui bool, stdout io.Writer, log zerolog.Logger) (func(), error) {
	sim, err := rsdsim.New(rsdsim.Config{Username: demoUser, Password: demoPassword, AssembleDelay: demoAssembleDelay})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: readHeaderTimeout}
	go func() {
		if err := simSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("demo pod manager stopped")
		}
	}()
	stop := func() {
		simSrv.Close()
		sim.Close()
	}
	simURL := "http://" + ln.Addr().String()
	pm, err := svc.CreatePodManager(ctx, valence.PodManagerSpec{
		Name: "demo", URL: simURL, Username: demoUser, Password: demoPassword,
		TLSVerify: true, Description: "emulated RSD pod manager started by valence-api --demo",
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("registering the demo pod manager: %w", err)
	}
	log.Info().Str("url", simURL).Str("podm_id", pm.UUID).Str("status", pm.Status).Msg("demo pod manager registered")
	outside, err := composeOutside(ctx, simURL)
	if err != nil {
		stop()
		return nil, fmt.Errorf("composing the demo's node outside Valence: %w", err)
	}
	fmt.Fprintf(stdout, `Valence demo: the API is on %[1]s, with an emulated RSD %[3]s pod manager "demo" (%[2]s).
Try, from another terminal:

  curl -s %[1]s/v1/pod_managers
  curl -s %[1]s/v1/systems
  curl -s -X POST %[1]s/v1/flavors -H 'Content-Type: application/json' -d '{"name": "small", "properties": {"processor": {"total_cores": 4}, "memory": {"capacity_mib": 8192}}}'
  curl -s -X POST %[1]s/v1/nodes -H 'Content-Type: application/json' -d '{"name": "node1", "properties": {"processor": {"total_cores": 4}}}'
  curl -s %[1]s/v1/nodes
  curl -s %[1]s/v1/racks

Node %[4]s of "demo" was composed outside Valence, to be adopted (POST /v1/nodes/manage).

Or with the valence CLI:

  export VALENCE_URL=%[1]s
  valence podmanager list
  valence system list
  valence flavor create tiny --cores 2 --memory-mib 4096
  valence node compose node2 --flavor tiny
  valence node power on node2
  valence node list
  valence rack list

`, apiURL, pm.UUID, pm.RSDVersion, outside)
	if ui {
		fmt.Fprintf(stdout, "Or in a browser: the dashboard, %s/ui/\n\n", apiURL)
	}
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	return stop, nil
}

// composeOutside composes a node on the demo's pod manager behind Valence's
// back, as another tool would, so that adopting one (POST /v1/nodes/manage,
// docs/users-guide.md) can be tried. It returns the node's Redfish Id.
func composeOutside(ctx context.Context, simURL string) (string, error) {
	post := func(url, body string) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(demoUser, demoPassword)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("POST %s: %s", url, resp.Status)
		}
		return resp, nil
	}
	resp, err := post(simURL+"/redfish/v1/Nodes/Actions/Allocate", `{"Name": "outside", "Description": "composed outside Valence by valence-api --demo"}`)
	if err != nil {
		return "", err
	}
	node := resp.Header.Get("Location")
	if !strings.HasPrefix(node, simURL+"/redfish/v1/Nodes/") {
		return "", fmt.Errorf("the pod manager answered Allocate with Location %q", node)
	}
	if _, err := post(node+"/Actions/ComposedNode.Assemble", "{}"); err != nil {
		return "", err
	}
	return path.Base(node), nil
}
