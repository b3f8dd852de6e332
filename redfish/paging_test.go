package redfish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// A collection answered in pages (Members@odata.nextLink) is read whole, in
// order; pages that loop, that name a next page without members, that link
// to another host or that bring more members than Config.MaxMembers fail
// the read with an error naming the collection.

const pagedSystems = "/redfish/v1/Systems"

// pagedPodm serves a service root, the pages of its Systems collection
// (by path and query) and any system under it; it records the requests.
type pagedPodm struct {
	srv   *httptest.Server
	pages map[string]string // path?query → the page's body
	mu    sync.Mutex
	asked []string
}

func newPagedPodm(t *testing.T, pages func(url string) map[string]string) *pagedPodm {
	p := &pagedPodm{}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.pages = pages(p.srv.URL)
	return p
}

func (p *pagedPodm) serve(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") == "/redfish/v1" {
		fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"`+pagedSystems+`"}}`)
		return
	}
	p.mu.Lock()
	p.asked = append(p.asked, r.URL.RequestURI())
	p.mu.Unlock()
	if body, ok := p.pages[r.URL.RequestURI()]; ok {
		fmt.Fprint(w, body)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, pagedSystems+"/"); ok {
		fmt.Fprintf(w, `{"@odata.id":%q,"Id":%q}`, r.URL.Path, id)
		return
	}
	http.NotFound(w, r)
}

// collectionPages are the page requests the client sent, in order.
func (p *pagedPodm) collectionPages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(p.asked), func(u string) bool { return strings.HasPrefix(u, pagedSystems+"/") })
}

// page renders a page of the Systems collection with the systems ids and
// next as its next link ("" for none); the count is wrong on purpose, as
// it is not to be trusted.
func page(next string, ids ...int) string {
	members := make([]string, len(ids))
	for i, id := range ids {
		members[i] = fmt.Sprintf(`{"@odata.id":"%s/%d"}`, pagedSystems, id)
	}
	body := `{"@odata.id":"` + pagedSystems + `","Members@odata.count":1,"Members":[` + strings.Join(members, ",") + `]`
	if next != "" {
		body += `,"Members@odata.nextLink":"` + next + `"`
	}
	return body + "}"
}

// skip is the path and query of the Systems page from k.
func skip(k int) string { return fmt.Sprintf("%s?$skip=%d", pagedSystems, k) }

func connectPaged(t *testing.T, p *pagedPodm, maxMembers int) *redfish.Client {
	t.Helper()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: p.srv.URL, MaxMembers: maxMembers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// systemURIs are the URIs of the systems a walk lists.
func systemURIs(t *testing.T, c *redfish.Client) ([]string, error) {
	t.Helper()
	systems, err := c.Systems(context.Background())
	uris := make([]string, len(systems))
	for i, s := range systems {
		uris[i] = s.URI
	}
	return uris, err
}

func TestPagedCollectionReadWhole(t *testing.T) {
	for _, tc := range []struct {
		name     string
		absolute bool // the next links are absolute URLs of the service
	}{{"path links", false}, {"absolute links", true}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPagedPodm(t, func(base string) map[string]string {
				next := func(k int) string {
					if tc.absolute {
						return base + skip(k)
					}
					return skip(k)
				}
				return map[string]string{
					pagedSystems: page(next(2), 1, 2),
					skip(2):      page(next(4), 3, 4),
					skip(4):      page("", 5),
				}
			})
			got, err := systemURIs(t, connectPaged(t, p, 0))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := 1; i <= 5; i++ {
				want = append(want, fmt.Sprintf("%s/%d", pagedSystems, i))
			}
			if !slices.Equal(got, want) {
				t.Errorf("systems %v, want %v", got, want)
			}
			if asked := p.collectionPages(); !slices.Equal(asked, []string{pagedSystems, skip(2), skip(4)}) {
				t.Errorf("pages asked %v, want the three in order", asked)
			}
		})
	}
}

func TestPagedCollectionRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxMembers int
		pages      map[string]string
		want       error
		says       string   // in the error besides the collection
		asked      []string // the pages read before the refusal
	}{
		{"loop", 0, map[string]string{pagedSystems: page(skip(2), 1, 2), skip(2): page(pagedSystems, 3)},
			redfish.ErrBadPaging, "links back to " + pagedSystems, []string{pagedSystems, skip(2)}},
		{"loop to itself", 0, map[string]string{pagedSystems: page(skip(2), 1, 2), skip(2): page(skip(2), 3)},
			redfish.ErrBadPaging, "links back to " + skip(2), []string{pagedSystems, skip(2)}},
		{"empty page with a next", 0, map[string]string{pagedSystems: page(skip(2), 1, 2), skip(2): page(skip(3))},
			redfish.ErrBadPaging, "no member", []string{pagedSystems, skip(2)}},
		{"more members than the limit", 3, map[string]string{pagedSystems: page(skip(2), 1, 2), skip(2): page(skip(4), 3, 4), skip(4): page("", 5)},
			redfish.ErrTooManyMembers, "of 3", []string{pagedSystems, skip(2)}},
		{"relative link", 0, map[string]string{pagedSystems: page("Systems?$skip=2", 1, 2)},
			redfish.ErrOtherOrigin, "Systems?$skip=2", []string{pagedSystems}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPagedPodm(t, func(string) map[string]string { return tc.pages })
			_, err := systemURIs(t, connectPaged(t, p, tc.maxMembers))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "GET "+pagedSystems+":") || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Systems: %v, want %v naming %s and %q", err, tc.want, pagedSystems, tc.says)
			}
			if asked := p.collectionPages(); !slices.Equal(asked, tc.asked) {
				t.Errorf("pages asked %v, want %v", asked, tc.asked)
			}
		})
	}
}

// TestPagedCollectionOtherOrigin: a next link to another host is refused
// and nothing reaches that host.
func TestPagedCollectionOtherOrigin(t *testing.T) {
	other := newAttacker(t)
	for _, next := range []string{other.srv.URL + skip(2), "//" + other.host + skip(2), "http://user@" + strings.TrimPrefix(other.srv.URL, "http://") + skip(2)} {
		t.Run(next, func(t *testing.T) {
			p := newPagedPodm(t, func(string) map[string]string {
				return map[string]string{pagedSystems: page(next, 1, 2), skip(2): page("", 3)}
			})
			_, err := systemURIs(t, connectPaged(t, p, 0))
			if !errors.Is(err, redfish.ErrOtherOrigin) || !strings.Contains(err.Error(), pagedSystems) {
				t.Fatalf("Systems: %v, want ErrOtherOrigin naming %s", err, pagedSystems)
			}
			if seen := other.requests(); len(seen) != 0 {
				t.Errorf("the other host received %q", seen)
			}
		})
	}
}

// TestDefaultMaxMembersFitsTheBenchmark: the largest collections of the
// simulator's 10,000-system pod (the benchmark's size), in both models, are
// well within DefaultMaxMembers.
func TestDefaultMaxMembersFitsTheBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two pods of 10,000 systems")
	}
	for model, collections := range map[string][]string{
		rsdsim.ModelRSD:  {"/redfish/v1/Systems", "/redfish/v1/Chassis"},
		rsdsim.ModelDMTF: {"/redfish/v1/Chassis", "/redfish/v1/CompositionService/ResourceBlocks"},
	} {
		sim, err := rsdsim.New(rsdsim.Config{Systems: 10_000, Model: model})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range collections {
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			var coll struct {
				Count int `json:"Members@odata.count"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &coll); err != nil || coll.Count == 0 {
				t.Fatalf("%s %s: %v, %.200s", model, path, err, rec.Body)
			}
			t.Logf("%s %s: %d members", model, path, coll.Count)
			if room := coll.Count + coll.Count/2; room > redfish.DefaultMaxMembers {
				t.Errorf("%s %s: %d members, too near DefaultMaxMembers %d", model, path, coll.Count, redfish.DefaultMaxMembers)
			}
		}
	}
}
