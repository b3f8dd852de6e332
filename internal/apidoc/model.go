// Package apidoc generates the REST API reference from api/openapi.yaml:
// docs/api-reference.md, and the same as one self-contained HTML page
// (api/reference.html) that the server embeds and serves at GET /v1/docs.
// Both are rendered from one document model, so they cannot disagree; a
// test fails when the checked-in files are older than the spec.
//
// Regenerate with `go generate ./internal/apidoc` (or `make docs`).
package apidoc

//go:generate go run ./gen -spec ../../api/openapi.yaml -md ../../docs/api-reference.md -html ../../api/reference.html

// block is one piece of the document; the Markdown and HTML renderers each
// know every kind.
type block interface{ isBlock() }

// heading is a section title with an anchor of its own.
type heading struct {
	level  int
	text   string // inline Markdown
	anchor string
}

// para is a paragraph of inline Markdown: `code`, **strong**, [text](#anchor).
type para struct{ text string }

// list is a bullet list of inline Markdown items.
type list struct{ items []string }

// table has a header row and rows of inline Markdown cells.
type table struct {
	header []string
	rows   [][]string
}

// code is a fenced block shown as is.
type code struct {
	lang string
	text string
}

func (heading) isBlock() {}
func (para) isBlock()    {}
func (list) isBlock()    {}
func (table) isBlock()   {}
func (code) isBlock()    {}
