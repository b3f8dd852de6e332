package api

import _ "embed"

// OpenAPI is api/openapi.yaml, the OpenAPI 3 document of the v1 API, which
// the server serves at GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// ReferenceHTML is the REST API reference as one self-contained HTML page,
// generated from openapi.yaml by internal/apidoc; the server serves it at
// GET /v1/docs.
//
//go:embed reference.html
var ReferenceHTML []byte
