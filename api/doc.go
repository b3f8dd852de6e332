// Package api holds the wire contract of Valence's v1 REST API: the Go types
// of every request and response body. api/openapi.yaml describes the same
// contract for other languages (OpenAPI is that document), and the functional
// tests check the server's answers against it with api/apitest.
package api
