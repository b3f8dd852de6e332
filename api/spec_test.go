package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/valence-rsd/valence/api"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

func TestSpecValidates(t *testing.T) {
	if err := loadSpec(t).Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
}

// TestSpecHasEveryPath checks that the document has every operation the
// server routes (internal/server checks the routes against it too), each
// answering X-OpenStack-Request-Id.
func TestSpecHasEveryPath(t *testing.T) {
	doc := loadSpec(t)
	ops := []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, "/v1"},
		{http.MethodGet, "/v1/openapi.yaml"},
		{http.MethodGet, "/v1/docs"},
		{http.MethodGet, "/healthz"},
		{http.MethodGet, "/readyz"},
		{http.MethodGet, "/metrics"},

		{http.MethodGet, "/v1/pod_managers"},
		{http.MethodPost, "/v1/pod_managers"},
		{http.MethodGet, "/v1/pod_managers/{uuid}"},
		{http.MethodGet, "/v1/pod_managers/{uuid}/capacity"},
		{http.MethodPatch, "/v1/pod_managers/{uuid}"},
		{http.MethodDelete, "/v1/pod_managers/{uuid}"},

		{http.MethodGet, "/v1/flavors"},
		{http.MethodPost, "/v1/flavors"},
		{http.MethodGet, "/v1/flavors/{uuid}"},
		{http.MethodPatch, "/v1/flavors/{uuid}"},
		{http.MethodDelete, "/v1/flavors/{uuid}"},

		{http.MethodGet, "/v1/nodes"},
		{http.MethodPost, "/v1/nodes"},
		{http.MethodPost, "/v1/nodes/manage"},
		{http.MethodGet, "/v1/nodes/{uuid}"},
		{http.MethodDelete, "/v1/nodes/{uuid}"},
		{http.MethodPost, "/v1/nodes/{uuid}/action"},
		{http.MethodGet, "/v1/nodes/{uuid}/states"},
		{http.MethodPut, "/v1/nodes/{uuid}/states/power"},
		{http.MethodPut, "/v1/nodes/{uuid}/management/inject_nmi"},
		{http.MethodGet, "/v1/nodes/{uuid}/storages"},

		{http.MethodGet, "/v1/systems"},
		{http.MethodGet, "/v1/systems/{id}"},
		{http.MethodPost, "/v1/systems/{id}/action"},
		{http.MethodPut, "/v1/systems/{id}/states/power"},
		{http.MethodPut, "/v1/systems/{id}/management/inject_nmi"},

		{http.MethodGet, "/v1/storages"},
		{http.MethodPost, "/v1/storages"},
		{http.MethodGet, "/v1/storages/{id}"},
		{http.MethodDelete, "/v1/storages/{id}"},

		{http.MethodGet, "/v1/racks"},
		{http.MethodGet, "/v1/racks/{id}"},
	}
	seen := map[string]bool{}
	for _, op := range ops {
		seen[op.method+" "+op.path] = true
		item := doc.Paths.Value(op.path)
		if item == nil {
			t.Errorf("%s %s: path missing", op.method, op.path)
			continue
		}
		o := item.GetOperation(op.method)
		if o == nil {
			t.Errorf("%s %s: operation missing", op.method, op.path)
			continue
		}
		for status, resp := range o.Responses.Map() {
			if resp.Value.Headers["X-OpenStack-Request-Id"] == nil {
				t.Errorf("%s %s %s: no X-OpenStack-Request-Id header", op.method, op.path, status)
			}
		}
	}
	// Nothing beyond them either.
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !seen[method+" "+path] {
				t.Errorf("%s %s is in openapi.yaml but not in this test's list", method, path)
			}
		}
	}
}

// TestSpecPublicEndpoints checks that exactly the service endpoints need no
// credentials.
func TestSpecPublicEndpoints(t *testing.T) {
	doc := loadSpec(t)
	public := map[string]bool{
		"/": true, "/v1": true, "/v1/openapi.yaml": true, "/v1/docs": true,
		"/healthz": true, "/readyz": true, "/metrics": true,
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			isPublic := op.Security != nil && len(*op.Security) == 0
			if isPublic != public[path] {
				t.Errorf("%s %s: public = %v, want %v", method, path, isPublic, public[path])
			}
		}
	}
}
