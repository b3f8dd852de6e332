package apidoc

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
)

// TestGeneratedFilesAreCurrent fails when docs/api-reference.md or
// api/reference.html is not what api/openapi.yaml gives today.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	md, html, err := Generate(api.OpenAPI, auth.Rules())
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{"../../docs/api-reference.md": md, "../../api/reference.html": html} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make docs` (go generate ./internal/apidoc)", strings.TrimPrefix(path, "../../"))
		}
	}
	if !bytes.Equal(html, api.ReferenceHTML) {
		t.Error("api.ReferenceHTML is not api/reference.html")
	}
}

// TestReferenceCoversEveryOperation checks that each operation of the spec
// is in the reference with its policy rule, and that the HTML page is
// self-contained.
func TestReferenceCoversEveryOperation(t *testing.T) {
	md, html, err := Generate(api.OpenAPI, auth.Rules())
	if err != nil {
		t.Fatal(err)
	}
	rules, err := PolicyRules(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := load(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !bytes.Contains(md, []byte("`"+method+" "+path+"`")) {
				t.Errorf("%s %s is not in the reference", method, path)
			}
			if !bytes.Contains(md, []byte(`id="`+opAnchor(op)+`"`)) || !bytes.Contains(html, []byte(`id="`+opAnchor(op)+`"`)) {
				t.Errorf("%s %s has no anchor", method, path)
			}
			for _, r := range rules[method+" "+path] {
				if !bytes.Contains(md, []byte("[`"+r+"`](#rule-")) {
					t.Errorf("%s %s: rule %s not shown", method, path, r)
				}
			}
		}
	}
	// Nothing for a browser to fetch: the server works offline.
	for _, fetch := range []string{"<script", "<link", "<img", " src=", "@import", "url("} {
		if bytes.Contains(bytes.ToLower(html), []byte(fetch)) {
			t.Errorf("the HTML page would fetch something: %q", fetch)
		}
	}
}

// TestPolicyMustBeKnown: an operation that needs credentials must name a
// rule of rules.go, and a public one none.
func TestPolicyMustBeKnown(t *testing.T) {
	good := string(api.OpenAPI)
	for name, spec := range map[string]string{
		"unknown rule": strings.Replace(good, "x-policy-rule: valence:flavor:list", "x-policy-rule: valence:flavor:lst", 1),
		"no rule":      strings.Replace(good, "x-policy-rule: valence:flavor:list\n", "", 1),
		"public rule":  strings.Replace(good, "operationId: getHealthz\n", "operationId: getHealthz\n      x-policy-rule: valence:flavor:list\n", 1),
	} {
		if spec == good {
			t.Fatalf("%s: the test's edit did not apply", name)
		}
		if _, _, err := Generate([]byte(spec), auth.Rules()); err == nil {
			t.Errorf("%s: generated without an error", name)
		}
	}
}
