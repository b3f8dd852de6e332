package apidoc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/valence-rsd/valence/internal/auth"
)

// PolicyExtension is the operation field of api/openapi.yaml that names the
// policy rule an operation checks: a rule name, or a list of them when the
// request body chooses which. internal/server's tests check that the server
// checks exactly these.
const PolicyExtension = "x-policy-rule"

// methods in the order an operation's methods are listed.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// maxDepth bounds how deep field tables and examples follow nested schemas
// (the spec has no cycles today; this keeps one from hanging the generator).
const maxDepth = 8

// Generate renders the reference of the OpenAPI document spec, with the
// policy rules' defaults and descriptions from rules, as Markdown and HTML.
func Generate(spec []byte, rules []auth.RuleDoc) (markdown, html []byte, err error) {
	blocks, err := build(spec, rules)
	if err != nil {
		return nil, nil, err
	}
	return renderMarkdown(blocks), renderHTML(blocks), nil
}

// PolicyRules returns, for each "METHOD /path" of spec, the rules its
// PolicyExtension names; operations without one are public.
func PolicyRules(spec []byte) (map[string][]string, error) {
	doc, _, err := load(spec)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			rules, err := policyOf(op)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			if len(rules) > 0 {
				out[method+" "+path] = rules
			}
		}
	}
	return out, nil
}

// load parses and validates spec, and reads the order of its paths and
// schemas, which the parsed document forgets.
func load(spec []byte) (*openapi3.T, order, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, order{}, fmt.Errorf("openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, order{}, fmt.Errorf("openapi.yaml: %w", err)
	}
	var raw struct {
		Paths      yaml.Node `yaml:"paths"`
		Components struct {
			Schemas yaml.Node `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(spec, &raw); err != nil {
		return nil, order{}, err
	}
	return doc, order{paths: keys(&raw.Paths), schemas: keys(&raw.Components.Schemas)}, nil
}

// order is the source order of the spec's paths and schemas.
type order struct{ paths, schemas []string }

func keys(n *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// policyOf reads an operation's PolicyExtension.
func policyOf(op *openapi3.Operation) ([]string, error) {
	v, ok := op.Extensions[PolicyExtension]
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a rule name", PolicyExtension, e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: want a rule name or a list of them, not %T", PolicyExtension, v)
}

// builder accumulates the document.
type builder struct {
	doc    *openapi3.T
	rules  map[string]auth.RuleDoc
	blocks []block
}

func (b *builder) add(bl ...block) { b.blocks = append(b.blocks, bl...) }

func build(spec []byte, rules []auth.RuleDoc) ([]block, error) {
	doc, ord, err := load(spec)
	if err != nil {
		return nil, err
	}
	b := &builder{doc: doc, rules: map[string]auth.RuleDoc{}}
	for _, r := range rules {
		b.rules[r.Name] = r
	}
	b.add(heading{1, "REST API reference", "top"},
		para{"Generated from `api/openapi.yaml` by `internal/apidoc`; do not edit: run `make docs` " +
			"(`go generate ./internal/apidoc`). Every `valence-api` serves this page at `GET /v1/docs` " +
			"and the OpenAPI document at `GET /v1/openapi.yaml`. The task-oriented guide is " +
			"`docs/users-guide.md`; the policy rules and how to change them are in `docs/keystone.md`."},
		para{fmt.Sprintf("%s, version %s.", doc.Info.Title, doc.Info.Version)})
	b.add(text(doc.Info.Description)...)

	// Operations grouped by tag, in the spec's order of tags and paths.
	type opRef struct {
		method, path string
		op           *openapi3.Operation
		item         *openapi3.PathItem
	}
	byTag := map[string][]opRef{}
	var tags []string
	for _, t := range doc.Tags {
		tags = append(tags, t.Name)
	}
	for _, path := range ord.paths {
		item := doc.Paths.Value(path)
		for _, m := range methods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			if _, ok := byTag[tag]; !ok && !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
			byTag[tag] = append(byTag[tag], opRef{m, path, op, item})
		}
	}
	var toc []string
	for _, tag := range tags {
		var ops []string
		for _, o := range byTag[tag] {
			ops = append(ops, fmt.Sprintf("[%s %s](#%s)", o.method, o.path, opAnchor(o.op)))
		}
		if len(ops) > 0 {
			toc = append(toc, fmt.Sprintf("**%s**: %s", tag, strings.Join(ops, ", ")))
		}
	}
	toc = append(toc, "[Schemas](#schemas)", "[Policy rules](#policy-rules)")
	b.add(heading{2, "Contents", "contents"}, list{toc})

	for _, tag := range tags {
		if len(byTag[tag]) == 0 {
			continue
		}
		b.add(heading{2, tag, "tag-" + tag})
		for _, o := range byTag[tag] {
			if err := b.operation(o.method, o.path, o.item, o.op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", o.method, o.path, err)
			}
		}
	}
	b.schemas(ord.schemas)
	b.policyRules()
	return b.blocks, nil
}

func opAnchor(op *openapi3.Operation) string { return "op-" + strings.ToLower(op.OperationID) }

func schemaAnchor(name string) string { return "schema-" + strings.ToLower(name) }

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func (b *builder) operation(method, path string, item *openapi3.PathItem, op *openapi3.Operation) error {
	b.add(heading{3, fmt.Sprintf("`%s %s`", method, path), opAnchor(op)})
	b.add(para{op.Summary})
	b.add(text(op.Description)...)

	rules, err := policyOf(op)
	if err != nil {
		return err
	}
	public := op.Security != nil && len(*op.Security) == 0
	switch {
	case public && len(rules) > 0:
		return fmt.Errorf("public, yet %s names %v", PolicyExtension, rules)
	case public:
		b.add(para{"**Policy rule:** none; public, no credentials needed."})
	case len(rules) == 0:
		return fmt.Errorf("needs credentials but has no %s", PolicyExtension)
	default:
		var items []string
		for _, name := range rules {
			r, ok := b.rules[name]
			if !ok {
				return fmt.Errorf("%s names %q, which internal/auth/rules.go does not have", PolicyExtension, name)
			}
			items = append(items, fmt.Sprintf("[`%s`](#rule-%s), default `%s`: %s", r.Name, ruleAnchor(r.Name), r.Default, r.Description))
		}
		b.add(para{"**Policy rule** (operation id `" + op.OperationID + "`):"}, list{items})
	}

	// Parameters: the path item's, then the operation's own.
	var rows [][]string
	for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
		v := p.Value
		req := ""
		if v.Required {
			req = "yes"
		}
		rows = append(rows, []string{"`" + v.Name + "`", v.In, typeOf(v.Schema), req, inline(v.Description + constraints(v.Schema))})
	}
	if len(rows) > 0 {
		b.add(para{"**Parameters**"}, table{[]string{"name", "in", "type", "required", "description"}, rows})
	}

	var reqExample any
	if rb := op.RequestBody; rb != nil {
		for _, ct := range sortedKeys(rb.Value.Content) {
			s := rb.Value.Content[ct].Schema
			b.add(para{fmt.Sprintf("**Request body** (`%s`%s): %s", ct, requiredNote(rb.Value.Required), typeOf(s))})
			if fields := fieldRows(s, "", 0); len(fields) > 0 {
				b.add(table{[]string{"field", "type", "required", "description"}, fields})
			}
			reqExample = example(s, 0)
		}
	}

	rows = nil
	var okStatus string
	var okExample any
	for _, status := range sortedKeys(op.Responses.Map()) {
		r := op.Responses.Value(status).Value
		body := ""
		for _, ct := range sortedKeys(r.Content) {
			s := r.Content[ct].Schema
			if s == nil {
				body = "`" + ct + "`"
				continue
			}
			body = fmt.Sprintf("`%s` %s", ct, typeOf(s))
			if okStatus == "" && strings.HasPrefix(status, "2") {
				okStatus, okExample = status, example(s, 0)
			}
		}
		var headers []string
		for _, h := range sortedKeys(r.Headers) {
			if h != "X-OpenStack-Request-Id" {
				headers = append(headers, "`"+h+"`")
			}
		}
		rows = append(rows, []string{status, inline(firstLine(derefDescription(op.Responses.Value(status)))), body, strings.Join(headers, ", ")})
		// A success without a body (204) is still the example's answer.
		if okStatus == "" && strings.HasPrefix(status, "2") {
			okStatus = status
		}
	}
	b.add(para{"**Responses** (every one carries `X-OpenStack-Request-Id`; every 4xx and 5xx has the [`Error`](#schema-error) body)"},
		table{[]string{"status", "meaning", "body", "headers"}, rows})

	// The example: a curl line, and the answer.
	cmd := "curl -s"
	if method != http.MethodGet {
		cmd += " -X " + method
	}
	cmd += " \"$V" + path + "\""
	if reqExample != nil {
		js, _ := json.Marshal(reqExample)
		cmd += " -H 'Content-Type: application/json' \\\n     -d '" + string(js) + "'"
	}
	ex := cmd
	if okStatus != "" {
		ex += "\n# " + okStatus + " " + http.StatusText(atoi(okStatus))
		if okExample != nil {
			js, _ := json.MarshalIndent(okExample, "", "  ")
			ex += "\n" + string(js)
		}
	}
	b.add(para{"**Example** (`V=http://127.0.0.1:8181`, values made up from the schema)"}, code{"sh", ex})
	return nil
}

func atoi(s string) int {
	n := 0
	fmt.Sscanf(s, "%d", &n)
	return n
}

func requiredNote(required bool) string {
	if required {
		return ", required"
	}
	return ", optional"
}

func derefDescription(r *openapi3.ResponseRef) string {
	if r.Value.Description != nil {
		return *r.Value.Description
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	return strings.Join(strings.Fields(s), " ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// typeOf describes a schema in a table cell: a link to a named schema, or
// its type.
func typeOf(s *openapi3.SchemaRef) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		n := refName(s.Ref)
		return fmt.Sprintf("[`%s`](#%s)", n, schemaAnchor(n))
	}
	v := s.Value
	switch {
	case len(v.OneOf) > 0:
		var alts []string
		for _, a := range v.OneOf {
			alts = append(alts, typeOf(a))
		}
		return "one of " + strings.Join(alts, ", ")
	case len(v.AllOf) == 1:
		return typeOf(v.AllOf[0])
	case v.Type.Is("array"):
		return "array of " + typeOf(v.Items)
	}
	t := strings.Join(v.Type.Slice(), " or ")
	if t == "" {
		t = "any"
	}
	if v.Format != "" {
		t += " (" + v.Format + ")"
	}
	if v.Nullable {
		t += ", nullable"
	}
	return t
}

// constraints are a schema's limits and choices, for a description cell.
func constraints(s *openapi3.SchemaRef) string {
	if s == nil || s.Ref != "" {
		return ""
	}
	v := s.Value
	var c []string
	if len(v.Enum) > 0 {
		var e []string
		for _, x := range v.Enum {
			e = append(e, fmt.Sprintf("`%v`", x))
		}
		c = append(c, "one of "+strings.Join(e, ", "))
	}
	if v.Min != nil {
		c = append(c, fmt.Sprintf("minimum %v", *v.Min))
	}
	if v.Max != nil {
		c = append(c, fmt.Sprintf("maximum %v", *v.Max))
	}
	if v.MinLength > 0 {
		c = append(c, fmt.Sprintf("at least %d characters", v.MinLength))
	}
	if v.MaxLength != nil {
		c = append(c, fmt.Sprintf("at most %d characters", *v.MaxLength))
	}
	if v.MaxItems != nil {
		c = append(c, fmt.Sprintf("at most %d items", *v.MaxItems))
	}
	if v.Pattern != "" {
		c = append(c, "pattern `"+v.Pattern+"`")
	}
	if v.Default != nil {
		c = append(c, fmt.Sprintf("default `%v`", v.Default))
	}
	if v.ReadOnly {
		c = append(c, "read-only")
	}
	if v.WriteOnly {
		c = append(c, "write-only")
	}
	if len(c) == 0 {
		return ""
	}
	return " (" + strings.Join(c, "; ") + ")"
}

// fieldRows flattens an object schema into table rows: nested inline
// objects as a.b, arrays of inline objects as a[].b; named schemas are
// linked, not expanded.
func fieldRows(s *openapi3.SchemaRef, prefix string, depth int) [][]string {
	if s == nil || depth > maxDepth {
		return nil
	}
	v := s.Value
	if v.Type.Is("array") && v.Items != nil && v.Items.Ref == "" {
		return fieldRows(v.Items, prefix+"[]", depth+1)
	}
	var rows [][]string
	for _, name := range sortedKeys(v.Properties) {
		p := v.Properties[name]
		req := ""
		if slices.Contains(v.Required, name) {
			req = "yes"
		}
		full := name
		if prefix != "" {
			full = prefix + "." + name
		}
		desc := p.Value.Description
		if p.Ref != "" {
			desc = firstLine(desc)
		}
		rows = append(rows, []string{"`" + full + "`", typeOf(p), req, inline(strings.TrimSpace(desc) + constraints(p))})
		if p.Ref == "" {
			inner := p
			if p.Value.Type.Is("array") && p.Value.Items != nil && p.Value.Items.Ref == "" {
				inner, full = p.Value.Items, full+"[]"
			}
			if len(inner.Value.Properties) > 0 {
				rows = append(rows, fieldRows(&openapi3.SchemaRef{Value: inner.Value}, full, depth+1)...)
			}
		}
	}
	return rows
}

// example makes up a value that fits s, from its example, default or enum
// where it has one.
func example(s *openapi3.SchemaRef, depth int) any {
	if s == nil || depth > maxDepth {
		return nil
	}
	v := s.Value
	switch {
	case v.Example != nil:
		return v.Example
	case v.Default != nil:
		return v.Default
	case len(v.Enum) > 0:
		return v.Enum[0]
	case len(v.OneOf) > 0:
		return example(v.OneOf[0], depth+1)
	case len(v.AllOf) > 0:
		return example(v.AllOf[0], depth+1)
	case v.Type.Is("array"):
		if v.Items == nil {
			return []any{}
		}
		return []any{example(v.Items, depth+1)}
	case v.Type.Is("object") || len(v.Properties) > 0:
		out := map[string]any{}
		for name, p := range v.Properties {
			out[name] = example(p, depth+1)
		}
		return out
	case v.Type.Is("integer"), v.Type.Is("number"):
		if v.Min != nil {
			return *v.Min
		}
		return 1
	case v.Type.Is("boolean"):
		return true
	case v.Type.Is("string"):
		switch v.Format {
		case "uuid":
			return "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"
		case "date-time":
			return "2026-11-27T14:21:48Z"
		case "uri":
			return "https://example.com/"
		}
		return "string"
	}
	return nil
}

func (b *builder) schemas(names []string) {
	b.add(heading{2, "Schemas", "schemas"},
		para{"The bodies, as `api/openapi.yaml` names them. A field marked required is always present in an answer and must be sent in a request."})
	for _, name := range names {
		s := b.doc.Components.Schemas[name]
		if s == nil {
			continue
		}
		b.add(heading{3, "`" + name + "`", schemaAnchor(name)})
		b.add(text(s.Value.Description)...)
		rows := fieldRows(&openapi3.SchemaRef{Value: s.Value}, "", 0)
		if len(rows) > 0 {
			b.add(table{[]string{"field", "type", "required", "description"}, rows})
		} else {
			b.add(para{"Type: " + typeOf(&openapi3.SchemaRef{Value: s.Value}) + constraints(&openapi3.SchemaRef{Value: s.Value})})
		}
	}
}

func ruleAnchor(name string) string {
	return strings.NewReplacer(":", "-", "_", "-").Replace(name)
}

func (b *builder) policyRules() {
	b.add(heading{2, "Policy rules", "policy-rules"},
		para{"Every rule of `internal/auth/rules.go` with its default; `VALENCE_POLICY_FILE` overrides them (`configs/policy.yaml`, `docs/keystone.md`)."})
	var rows [][]string
	for _, name := range sortedKeys(b.rules) {
		r := b.rules[name]
		rows = append(rows, []string{fmt.Sprintf("<a id=\"rule-%s\"></a>`%s`", ruleAnchor(r.Name), r.Name), "`" + r.Default + "`", inline(r.Description)})
	}
	b.add(table{[]string{"rule", "default", "what it guards"}, rows})
}

// text splits a description into paragraphs and bullet lists.
func text(s string) []block {
	var out []block
	for _, chunk := range strings.Split(strings.TrimSpace(s), "\n\n") {
		lines := strings.Split(chunk, "\n")
		if strings.HasPrefix(strings.TrimSpace(lines[0]), "- ") {
			var items []string
			for _, l := range lines {
				t := strings.TrimSpace(l)
				if strings.HasPrefix(t, "- ") {
					items = append(items, strings.TrimPrefix(t, "- "))
				} else if len(items) > 0 {
					items[len(items)-1] += " " + t
				}
			}
			out = append(out, list{items})
			continue
		}
		if p := strings.Join(strings.Fields(chunk), " "); p != "" {
			out = append(out, para{p})
		}
	}
	return out
}

var spaces = regexp.MustCompile(`\s+`)

// inline makes a table cell of text: one line, pipes escaped.
func inline(s string) string {
	return strings.ReplaceAll(spaces.ReplaceAllString(strings.TrimSpace(s), " "), "|", `\|`)
}
