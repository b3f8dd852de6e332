package redfish_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// patchCounter counts the PATCHes and GETs a simulator is sent for one path.
type patchCounter struct {
	next    http.Handler
	mu      sync.Mutex
	path    string
	patches int
	gets    int
}

func (p *patchCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.URL.Path == p.path {
		switch r.Method {
		case http.MethodPatch:
			p.patches++
		case http.MethodGet:
			p.gets++
		}
	}
	p.mu.Unlock()
	p.next.ServeHTTP(w, r)
}

// count starts counting the requests to path afresh.
func (p *patchCounter) count(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.path, p.patches, p.gets = path, 0, 0
}

func (p *patchCounter) counts() (patches, gets int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.patches, p.gets
}

// startCountedSim serves a simulator of cfg (with the test credentials) behind a patchCounter.
func startCountedSim(t *testing.T, cfg rsdsim.Config) (*redfish.Client, *patchCounter) {
	t.Helper()
	cfg.Racks, cfg.DrawersPerRack, cfg.SystemsPerDrawer, cfg.Seed = 1, 2, 2, 7
	cfg.Username, cfg.Password = simUser, simPass
	sim, err := rsdsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pc := &patchCounter{next: sim}
	srv := httptest.NewServer(pc)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return simClient(t, srv.URL, redfish.AuthAuto), pc
}

// Every PATCH of the client (a node's boot on RSD, a system's on plain Redfish, a composed
// system's blocks on DMTF) succeeds on a service that wants If-Match, answering 428 or 412
// without it: one PATCH where none is needed, otherwise one GET of the ETag and a second PATCH.
func TestSimPatchIfMatchRequired(t *testing.T) {
	const blocks = "/redfish/v1/CompositionService/ResourceBlocks/"
	pxe := redfish.BootSettings{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}
	for _, quirk := range []int{0, http.StatusPreconditionRequired, http.StatusPreconditionFailed} {
		wantPatches, wantGets := 1, 0
		if quirk != 0 {
			wantPatches, wantGets = 2, 1
		}
		// check checks the call's error and requests; reads is the GETs of its own.
		check := func(t *testing.T, pc *patchCounter, err error, reads int) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if patches, gets := pc.counts(); patches != wantPatches || gets != wantGets+reads {
				t.Errorf("%d PATCHes and %d GETs, want %d and %d", patches, gets, wantPatches, wantGets+reads)
			}
		}
		t.Run(fmt.Sprintf("%d/node boot", quirk), func(t *testing.T) {
			ctx := context.Background()
			c, pc := startCountedSim(t, rsdsim.Config{RSDVersion: "2.3", Quirks: rsdsim.Quirks{IfMatchRequired: quirk}})
			uri, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "boot"})
			if err != nil {
				t.Fatal(err)
			}
			pc.count(uri)
			check(t, pc, c.SetBoot(ctx, uri, pxe), 1) // SetBoot reads the node first
			if n, err := c.GetNode(ctx, uri); err != nil || n.Boot.BootSettings != pxe {
				t.Errorf("node boot %+v, %v; want %+v", n.Boot.BootSettings, err, pxe)
			}
		})
		t.Run(fmt.Sprintf("%d/system boot", quirk), func(t *testing.T) {
			ctx := context.Background()
			c, pc := startCountedSim(t, rsdsim.Config{RSDVersion: rsdsim.VersionNone, Quirks: rsdsim.Quirks{IfMatchRequired: quirk}})
			uri := c.SystemURI("System1")
			pc.count(uri)
			check(t, pc, c.SetSystemBoot(ctx, uri, pxe), 1) // SetSystemBoot reads the system first
			if s, err := c.GetComposedSystem(ctx, uri); err != nil || s.Boot != pxe {
				t.Errorf("system boot %+v, %v; want %+v", s.Boot, err, pxe)
			}
		})
		t.Run(fmt.Sprintf("%d/resource blocks", quirk), func(t *testing.T) {
			ctx := context.Background()
			c, pc := startCountedSim(t, rsdsim.Config{Model: rsdsim.ModelDMTF, Quirks: rsdsim.Quirks{IfMatchRequired: quirk}})
			sys, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "grow", Blocks: []string{blocks + "Compute1"}})
			if err != nil {
				t.Fatal(err)
			}
			pc.count(sys)
			want := []string{blocks + "Compute1", blocks + "Network1-1"}
			check(t, pc, c.SetResourceBlocks(ctx, sys, want), 0)
			if s, err := c.GetComposedSystem(ctx, sys); err != nil || !slices.Equal(s.Blocks, want) {
				t.Errorf("blocks %v, %v; want %v", s.Blocks, err, want)
			}
		})
	}
}

// etaggedSystem is the fixtures' plain system, with its @odata.etag set when etag is not "".
func etaggedSystem(t *testing.T, etag string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "plain_system.json"))
	if err != nil {
		t.Fatal(err)
	}
	if etag == "" {
		return b
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	v["@odata.etag"] = etag
	b, _ = json.Marshal(v)
	return b
}

// A PATCH refused for want of If-Match is sent again with the ETag as the resource gives it
// (header, else @odata.etag), a 412 to that after one more read; never more than 3 PATCHes
// and 2 reads of the ETag, and the service's own error when there is no ETag or no success.
func TestPatchIfMatch(t *testing.T) {
	const uri = "/redfish/v1/Systems/437XR1138R2"
	type read struct{ header, body string } // the ETag header and @odata.etag of one GET
	for _, c := range []struct {
		name     string
		patches  []int  // the statuses of the PATCHes, in order
		reads    []read // the answers to the GETs, in order (the first is SetSystemBoot's own)
		status   int    // of the error, 0 for success
		ifMatch  []string
		wantGets int
	}{
		{"needs none", []int{200}, []read{{}}, 0, []string{""}, 1},
		{"refuses otherwise", []int{400}, []read{{}}, 400, []string{""}, 1},
		{"no ETag to send", []int{428}, []read{{}, {}}, 428, []string{""}, 2},
		{"412 without, ETag in the body", []int{412, 204}, []read{{}, {body: `"b"`}}, 0, []string{"", `"b"`}, 2},
		{"changed in between", []int{428, 412, 200}, []read{{}, {header: `W/"a"`}, {header: `W/"b"`, body: `"x"`}}, 0,
			[]string{"", `W/"a"`, `W/"b"`}, 3},
		{"refused to the end", []int{428, 412, 412}, []read{{}, {header: `W/"a"`}, {header: `W/"b"`}}, 412,
			[]string{"", `W/"a"`, `W/"b"`}, 3},
		{"a line break in the ETag", []int{428}, []read{{}, {body: "\"a\"\r\nX-Evil: 1"}}, 428, []string{""}, 2},
		{"428 with If-Match", []int{428, 428}, []read{{}, {header: `W/"a"`}}, 428, []string{"", `W/"a"`}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			patches, gets := 0, 0
			f, srv := newFixture(t, map[string]string{"/redfish/v1": "plain_root.json"}, map[string]http.HandlerFunc{
				"GET " + uri: func(w http.ResponseWriter, _ *http.Request) {
					mu.Lock()
					r := c.reads[min(gets, len(c.reads)-1)]
					gets++
					mu.Unlock()
					if r.header != "" {
						w.Header().Set("ETag", r.header)
					}
					_, _ = w.Write(etaggedSystem(t, r.body))
				},
				"PATCH " + uri: func(w http.ResponseWriter, _ *http.Request) {
					mu.Lock()
					status := c.patches[min(patches, len(c.patches)-1)]
					patches++
					mu.Unlock()
					w.WriteHeader(status)
					if status >= 400 {
						fmt.Fprintf(w, `{"error":{"code":"Test.%d","message":"refused"}}`, status)
					}
				},
			})
			cl, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = cl.SetSystemBoot(context.Background(), uri, redfish.BootSettings{Enabled: "Once", Target: "Pxe"})
			if got := redfish.StatusCode(err); got != c.status || (c.status == 0) != (err == nil) {
				t.Errorf("SetSystemBoot = %v, want status %d", err, c.status)
			}
			var ifMatch []string
			f.mu.Lock()
			for _, r := range f.seen {
				if r.Method == http.MethodPatch {
					ifMatch = append(ifMatch, r.Header.Get("If-Match"))
				}
			}
			f.mu.Unlock()
			if !slices.Equal(ifMatch, c.ifMatch) || gets != c.wantGets {
				t.Errorf("PATCHes with If-Match %q and %d GETs, want %q and %d", ifMatch, gets, c.ifMatch, c.wantGets)
			}
		})
	}
}
