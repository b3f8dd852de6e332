package api

import _ "embed"

// OpenAPI is api/openapi.yaml, the OpenAPI 3 document of the v1 API, which
// the server serves at GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
