package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
)

// pagedFlavors serves /v1/flavors in pages of limit, linking the next.
func pagedFlavors(t *testing.T, total int) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, start := 0, 0
		fmt.Sscan(r.URL.Query().Get("limit"), &limit)
		fmt.Sscan(r.URL.Query().Get("marker"), &start)
		if limit == 0 {
			limit = total
		}
		var page []string
		for i := start; i < total && len(page) < limit; i++ {
			page = append(page, fmt.Sprintf(`{"uuid":"%d","name":"f%d"}`, i, i))
		}
		if next := start + len(page); next < total {
			w.Header().Set("Link", fmt.Sprintf(`<%s/v1/flavors?limit=%d&marker=%d>; rel="next"`, srv.URL, limit, next))
		}
		fmt.Fprintf(w, "[%s]", strings.Join(page, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestListFollowsPages(t *testing.T) {
	srv := pagedFlavors(t, 7)
	c, err := client.New(srv.URL, client.WithPageSize(3))
	if err != nil {
		t.Fatal(err)
	}
	fl, err := c.ListFlavors(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fl) != 7 || fl[6].Name != "f6" {
		t.Errorf("got %d flavors: %+v", len(fl), fl)
	}
}

// TestListRefusesForeignLink: a next page on another host is not fetched,
// so that credentials never leave for it.
func TestListRefusesForeignLink(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<http://elsewhere.example/v1/flavors?marker=1>; rel="next"`)
		io.WriteString(w, `[]`)
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL)
	if _, err := c.ListFlavors(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "is not on") {
		t.Errorf("err = %v", err)
	}
}

func TestErrorCarriesTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-OpenStack-Request-Id", "req-42")
		w.WriteHeader(http.StatusNotImplemented)
		io.WriteString(w, `{"code":"NotImplemented","title":"Not Implemented","detail":"the pod manager cannot","status":501,"request_id":"req-42","extended_info":["Base.1.0.ActionNotSupported"]}`)
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL)
	err := c.InjectNodeNMI(context.Background(), "x")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T %v", err, err)
	}
	want := client.Error{StatusCode: 501, Code: "NotImplemented", Title: "Not Implemented", Detail: "the pod manager cannot",
		ExtendedInfo: []string{"Base.1.0.ActionNotSupported"}, RequestID: "req-42"}
	if fmt.Sprint(*e) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", *e, want)
	}
	if e.Error() != "the pod manager cannot (HTTP 501 NotImplemented)" {
		t.Errorf("Error() = %q", e.Error())
	}
	if client.IsNotFound(err) || client.IsConflict(err) {
		t.Error("a 501 is neither NotFound nor Conflict")
	}
}

// renewing is an Auth whose first token the server refuses.
type renewing struct{ token atomic.Value }

func (r *renewing) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", r.token.Load().(string))
	return nil
}

func (r *renewing) Renew(context.Context) (bool, error) {
	r.token.Store("fresh")
	return true, nil
}

func TestUnauthorizedRenewsOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("X-Auth-Token") != "fresh" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"Unauthorized","detail":"token expired","status":401}`)
			return
		}
		io.WriteString(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	a := &renewing{}
	a.token.Store("stale")
	c, _ := client.New(srv.URL, client.WithAuth(a))
	h, err := c.Health(context.Background())
	if err != nil || h.Status != "ok" || calls.Load() != 2 {
		t.Errorf("health %+v, err %v, %d calls", h, err, calls.Load())
	}
	// A token that cannot be renewed fails with the 401.
	c, _ = client.New(srv.URL, client.WithAuth(client.Token("stale")))
	if _, err := c.Health(context.Background()); !strings.Contains(fmt.Sprint(err), "HTTP 401") {
		t.Errorf("err = %v", err)
	}
}

func TestWarnings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `199 valence "pod manager podm2 is unreachable; its items are missing"`)
		io.WriteString(w, `[]`)
	}))
	defer srv.Close()
	var got []string
	c, _ := client.New(srv.URL, client.WithWarnings(func(w string) { got = append(got, w) }))
	if _, err := c.ListSystems(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0], "podm2") {
		t.Errorf("warnings %q", got)
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8181", "ftp://x", "http://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
}

// Example composes a node from a flavor and powers it on.
func Example() {
	srv := fakeValence()
	defer srv.Close()

	ctx := context.Background()
	c, err := client.New(srv.URL, client.WithAuth(client.Basic{Username: "admin", Password: "secret"}))
	if err != nil {
		panic(err)
	}
	node, err := c.ComposeNode(ctx, api.NodeCompose{Name: "node1", FlavorID: "3f8b6a4e-0c2d-4b1a-9f8e-7d6c5b4a3f2e"})
	if err != nil {
		panic(err)
	}
	fmt.Println(node.Name, node.NodeState)
	if err := c.SetNodePower(ctx, node.UUID, api.PowerTargetOn); err != nil {
		panic(err)
	}
	_, err = c.GetNode(ctx, "0b6a5f4e-3c2d-4b1a-9f8e-7d6c5b4a3f2e")
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
	}
	// Output:
	// node1 Assembled
	// 404 NotFound req-1
}

// fakeValence answers the calls of Example.
func fakeValence() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/nodes":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"uuid":"c984fe85-764a-4ab3-ad0c-b28df42e0940","name":"node1","node_state":"Assembled"}`)
		case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/states/power"):
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("X-OpenStack-Request-Id", "req-1")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"code":"NotFound","title":"Not Found","detail":"no such node","status":404,"request_id":"req-1"}`)
		}
	}))
}

// ExampleNewKeystoneFromCloud reaches Valence as the OpenStack CLI does:
// the cloud of clouds.yaml that OS_CLOUD names, and the rsd endpoint of
// its catalog.
func ExampleNewKeystoneFromCloud() {
	ctx := context.Background()
	ks, eo, err := client.NewKeystoneFromCloud(ctx, "")
	if err != nil {
		panic(err)
	}
	endpoint, err := ks.Endpoint(eo)
	if err != nil {
		panic(err)
	}
	c, err := client.New(endpoint, client.WithAuth(ks))
	if err != nil {
		panic(err)
	}
	nodes, _ := c.ListNodes(ctx, client.Filters{"node_state": api.NodeAssembled})
	fmt.Println(len(nodes))
}
