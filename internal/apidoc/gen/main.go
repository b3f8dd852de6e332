// Command gen writes the REST API reference from api/openapi.yaml: run by
// `go generate ./internal/apidoc` (make docs).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/valence-rsd/valence/internal/apidoc"
	"github.com/valence-rsd/valence/internal/auth"
)

func main() {
	spec := flag.String("spec", "api/openapi.yaml", "the OpenAPI document")
	md := flag.String("md", "docs/api-reference.md", "the Markdown reference to write")
	html := flag.String("html", "api/reference.html", "the HTML reference to write")
	flag.Parse()
	if err := run(*spec, *md, *html); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}

func run(spec, md, html string) error {
	data, err := os.ReadFile(spec)
	if err != nil {
		return err
	}
	m, h, err := apidoc.Generate(data, auth.Rules())
	if err != nil {
		return err
	}
	if err := os.WriteFile(md, m, 0o644); err != nil {
		return err
	}
	return os.WriteFile(html, h, 0o644)
}
