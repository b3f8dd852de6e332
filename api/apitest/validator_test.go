package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valence-rsd/valence/api/apitest"
)

const (
	requestID = "req-3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"
	errorBody = `{"code":"NotFound","title":"Resource could not be found","detail":"Flavor 5ef… not found.","status":404,"request_id":"` + requestID + `"}`
)

func newValidator(t *testing.T) *apitest.Validator {
	t.Helper()
	v, err := apitest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestValidateResponse(t *testing.T) {
	v := newValidator(t)
	json := header("Content-Type", "application/json", "X-OpenStack-Request-Id", requestID)
	warned := func(w string) http.Header {
		h := json.Clone()
		h.Add("Warning", w)
		h.Add("Warning", `199 valence "pod manager podm2 is unreachable; its items are missing"`)
		return h
	}
	const flavorURL = "/v1/flavors/5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f"
	tests := []struct {
		name         string
		method, path string
		status       int
		header       http.Header
		body         string
		ok           bool
	}{
		{"error body", "GET", flavorURL, 404, json, errorBody, true},
		{"error with extended_info", "POST", "/v1/nodes", 409, json,
			`{"code":"Conflict","title":"t","detail":"d","status":409,"request_id":"` + requestID + `","extended_info":["no system"]}`, true},
		{"error without detail", "GET", flavorURL, 404, json,
			`{"code":"NotFound","title":"t","status":404,"request_id":"` + requestID + `"}`, false},
		{"error with an invented field", "GET", flavorURL, 404, json,
			`{"code":"NotFound","title":"t","detail":"d","status":404,"request_id":"` + requestID + `","trace":"x"}`, false},
		{"undocumented status", "GET", flavorURL, 418, json, errorBody, false},
		{"no request id header", "GET", flavorURL, 404, header("Content-Type", "application/json"), errorBody, false},
		{"wrong content type", "GET", flavorURL, 404, header("Content-Type", "text/html", "X-OpenStack-Request-Id", requestID), errorBody, false},
		{"status the operation lacks", "GET", "/v1/", 404, json, errorBody, false},
		{"unknown path", "GET", "/nonexistent/path", 404, json, errorBody, true},
		{"unknown path, not 404", "GET", "/nonexistent/path", 500, json, errorBody, false},
		{"wrong method with Allow", "PUT", "/v1/flavors", 405,
			header("Content-Type", "application/json", "X-OpenStack-Request-Id", requestID, "Allow", "GET, HEAD, POST"), errorBody, true},
		{"wrong method without Allow", "PUT", "/v1/flavors", 405, json, errorBody, false},
		{"action done", "POST", "/v1/nodes/5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f/action/", 204,
			header("X-OpenStack-Request-Id", requestID), "", true},
		{"created without Location", "POST", "/v1/flavors", 201, json,
			`{"uuid":"5efef849-8b1a-4c2e-9d3f-0a1b2c3d4e5f","name":"f","description":"","properties":{},"created_at":"2026-11-27T14:21:48Z","updated_at":"2026-11-27T14:21:48Z"}`, false},
		{"healthz", "GET", "/healthz", 200, json, `{"status":"ok"}`, true},
		{"metrics", "GET", "/metrics", 200,
			header("Content-Type", "text/plain; version=0.0.4; charset=utf-8", "X-OpenStack-Request-Id", requestID), "go_goroutines 7\n", true},
		{"empty list", "GET", "/v1/nodes", 200, json, `[]`, true},
		{"null instead of a list", "GET", "/v1/nodes", 200, json, `null`, false},
		{"systems with a warning", "GET", "/v1/systems", 200, warned(`199 valence "pod manager podm1 is unreachable; its items are missing"`), `[]`, true},
		{"systems with a bad warning", "GET", "/v1/systems", 200, warned("podm1 is down"), `[]`, false},
		{"bad next link", "GET", "/v1/nodes", 200,
			header("Content-Type", "application/json", "X-OpenStack-Request-Id", requestID, "Link", "next"), `[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			err := v.ValidateResponse(req, tt.status, tt.header, []byte(tt.body))
			if tt.ok && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("want an error, got none")
			}
		})
	}
}

func TestValidateSchema(t *testing.T) {
	v := newValidator(t)
	if err := v.ValidateSchema("Health", []byte(`{"status":"ok"}`)); err != nil {
		t.Errorf("valid Health: %v", err)
	}
	if err := v.ValidateSchema("Health", []byte(`{"status":"fine"}`)); err == nil {
		t.Error("bad enum: want an error")
	}
	if err := v.ValidateSchema("NoSuchSchema", []byte(`{}`)); err == nil {
		t.Error("unknown schema: want an error")
	}
	if err := v.ValidateSchema("Health", []byte(`{`)); err == nil {
		t.Error("bad JSON: want an error")
	}
}
