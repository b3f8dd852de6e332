package redfish_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// answers counts the answers to the client's GETs by status.
type answers struct {
	next     http.RoundTripper
	mu       sync.Mutex
	byStatus map[int]int
}

func (a *answers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet {
		a.mu.Lock()
		a.byStatus[resp.StatusCode]++
		a.mu.Unlock()
	}
	return resp, err
}

// take returns the counts so far and starts anew.
func (a *answers) take() map[int]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.byStatus
	a.byStatus = map[int]int{}
	return out
}

// A walk asks for each system the last one read with the ETags of its
// resources and keeps its summary when the service says none changed; a
// service that sends no ETags, or ignores If-None-Match, costs the same
// requests as a walk in full; either way the walk gives the same systems,
// and a change is seen. So does a client told to ignore ETags.
func TestSystemsRevalidateWithETags(t *testing.T) {
	for _, tc := range []struct {
		mode   string // the simulator's Quirks.ETags
		ignore bool   // the client's Config.IgnoreETags
		pages  int    // the simulator's Quirks.PageSize: each page is revalidated
	}{{"", false, 0}, {rsdsim.ETagsNone, false, 0}, {rsdsim.ETagsIgnored, false, 0}, {"", true, 0}, {"", false, 1}} {
		mode := tc.mode
		revalidates := mode == "" && !tc.ignore
		t.Run(fmt.Sprintf("etags=%s,ignore=%t,pages=%d", mode, tc.ignore, tc.pages), func(t *testing.T) {
			ctx := context.Background()
			sim, err := rsdsim.New(rsdsim.Config{Racks: 2, DrawersPerRack: 2, SystemsPerDrawer: 2, Seed: 7,
				Username: simUser, Password: simPass, Quirks: rsdsim.Quirks{ETags: mode, PageSize: tc.pages}})
			if err != nil {
				t.Fatal(err)
			}
			seen := &answers{next: http.DefaultTransport.(*http.Transport).Clone(), byStatus: map[int]int{}}
			c, err := redfish.Connect(ctx, redfish.Config{Endpoint: serve(t, sim), Username: simUser, Password: simPass,
				IgnoreETags: tc.ignore, HTTPClient: &http.Client{Transport: seen}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			seen.take() // Connect's

			first, err := c.Systems(ctx)
			if err != nil || len(first) != 8 {
				t.Fatalf("first walk: %d systems, %v", len(first), err)
			}
			full := seen.take()
			again, err := c.Systems(ctx)
			if err != nil || !reflect.DeepEqual(again, first) {
				t.Fatalf("second walk: %v\n%+v\nwant %+v", err, again, first)
			}
			second := seen.take()
			// The same requests; each system's own (at least one a system)
			// answered 304 where the service honours If-None-Match.
			if revalidates {
				if second[http.StatusOK]+second[http.StatusNotModified] != full[http.StatusOK] || second[http.StatusNotModified] < len(first) {
					t.Errorf("second walk's answers %v, want the first's %v, each system's 304", second, full)
				}
			} else if !reflect.DeepEqual(second, full) {
				t.Errorf("second walk's answers %v, want the first's %v", second, full)
			}

			// A system that changes is read again, the others not.
			i := slices.IndexFunc(first, func(s *redfish.System) bool { return s.PowerState == schemas.OffPowerState })
			if i < 0 {
				t.Fatal("no system is off")
			}
			changed := first[i]
			if err := c.ResetSystem(ctx, changed.ID, schemas.OnResetType); err != nil {
				t.Fatal(err)
			}
			seen.take()
			after, err := c.Systems(ctx)
			if err != nil || len(after) != 8 {
				t.Fatalf("third walk: %d systems, %v", len(after), err)
			}
			for i, s := range after {
				want := first[i].PowerState
				if s.URI == changed.URI {
					want = schemas.OnPowerState
				}
				if s.PowerState != want {
					t.Errorf("%s: PowerState %s after the reset of %s, want %s", s.URI, s.PowerState, changed.URI, want)
				}
			}
			// Only the system reset is read in full again: its resources
			// asked for with their ETags (one answered in full), then read.
			third := seen.take()
			// Paged, the systems' parts differ in pages: only the count of
			// one is known.
			perSystem := second[http.StatusNotModified] / len(first)
			readAgain := third[http.StatusOK] - second[http.StatusOK] - 1
			if revalidates && (readAgain < 1 || (tc.pages == 0 && readAgain != perSystem) || third[http.StatusNotModified] != second[http.StatusNotModified]-1) {
				t.Errorf("third walk's answers %v after the second's %v, want one system read in full again", third, second)
			}
		})
	}
}
