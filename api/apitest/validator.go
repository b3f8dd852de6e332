// Package apitest checks HTTP answers and JSON bodies against the OpenAPI
// document of the v1 API (api.OpenAPI), so that tests catch any drift
// between the server and its contract. It lives apart from package api to
// keep kin-openapi out of the server's binary.
package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/valence-rsd/valence/api"
)

// uuidPattern is what the document's `format: uuid` means: a lowercase
// RFC 9562 uuid, as the server mints them.
const uuidPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`

// Validator checks answers against api/openapi.yaml. It is safe for
// concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	opts   []openapi3.SchemaValidationOption
}

// NewValidator loads and validates api.OpenAPI and builds its router.
func NewValidator() (*Validator, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("apitest: load openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("apitest: openapi.yaml: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apitest: route openapi.yaml: %w", err)
	}
	return &Validator{
		doc:    doc,
		router: router,
		opts: []openapi3.SchemaValidationOption{
			openapi3.MultiErrors(),
			openapi3.DisableSchemaErrorDetails(),
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern)),
		},
	}, nil
}

// ValidateResponse checks the answer (status, header, body) the server gave
// to req against the operation the document has for req's method and path:
// the status must be documented, the documented headers present and valid,
// and the body must match the schema of its Content-Type. A path the
// document does not have must be answered 404, and a method the path does
// not have 405, both with the document's NotFound and MethodNotAllowed
// responses. Trailing slashes are optional, as on the server. The answers to
// HEAD requests are not checked.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	r := req.Clone(req.Context())
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path, r.URL.RawPath = strings.TrimSuffix(p, "/"), ""
	}
	route, params, err := v.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		route, err = v.routeErrorRoute(http.StatusNotFound, "NotFound")
	case errors.Is(err, routers.ErrMethodNotAllowed):
		route, err = v.routeErrorRoute(http.StatusMethodNotAllowed, "MethodNotAllowed")
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			SchemaValidationOptions: v.opts,
		},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), input); err != nil {
		return fmt.Errorf("%s %s → %d: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}

// routeErrorRoute is a stand-in operation for a request the document has no
// operation for, whose only documented answer is status with the component
// response name.
func (v *Validator) routeErrorRoute(status int, name string) (*routers.Route, error) {
	resp := v.doc.Components.Responses[name]
	if resp == nil {
		return nil, fmt.Errorf("apitest: openapi.yaml has no response %s", name)
	}
	op := &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, resp))}
	return &routers.Route{Spec: v.doc, Operation: op}, nil
}

// ValidateSchema checks the JSON document body against the component schema
// name of the document (e.g. "Flavor" or "FlavorCreate").
func (v *Validator) ValidateSchema(name string, body []byte) error {
	schema := v.doc.Components.Schemas[name]
	if schema == nil {
		return fmt.Errorf("apitest: openapi.yaml has no schema %s", name)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("apitest: %s: %w", name, err)
	}
	if err := schema.Value.VisitJSON(value, v.opts...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
