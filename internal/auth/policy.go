package auth

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/valence-rsd/valence/internal/valence"
)

// Target describes what an operation acts on, for checks such as
// project_id:%(target.project_id)s. Node rules expect the key "project_id".
type Target map[string]string

// Policy decides which caller may perform which operation. It is immutable
// and safe for concurrent use.
type Policy struct {
	rules map[string]expr
}

// source is one rule's expression and where it came from, for errors.
type source struct {
	expr   string
	origin string // "default" or "path:line"
}

// DefaultPolicy returns the policy made of the defaults of Rules().
func DefaultPolicy() *Policy { return defaultPolicy() }

var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := compile(defaultSources())
	if err != nil {
		panic("auth: the default policy does not compile: " + err.Error()) // a bug, caught by the tests
	}
	return p
})

func defaultSources() map[string]source {
	srcs := make(map[string]source, len(ruleDocs))
	for _, d := range ruleDocs {
		srcs[d.Name] = source{expr: d.Default, origin: "default"}
	}
	return srcs
}

// LoadPolicy returns the defaults overridden by the YAML file at path, a
// mapping of rule name to expression; "" means the defaults alone. A file
// that is malformed, names an unknown rule, or sets a rule twice is an error
// naming the line, so that a typo stops the start instead of silently
// leaving a default in force.
func LoadPolicy(path string) (*Policy, error) {
	if path == "" {
		return DefaultPolicy(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("VALENCE_POLICY_FILE: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	srcs := defaultSources()
	if len(doc.Content) == 0 { // empty, or comments only
		return compile(srcs)
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of rule name to expression", path, m.Line)
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		at := fmt.Sprintf("%s:%d", path, k.Line)
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s: a rule name must be a string", at)
		}
		if line, dup := seen[k.Value]; dup {
			return nil, fmt.Errorf("%s: %s: already set on line %d", at, k.Value, line)
		}
		seen[k.Value] = k.Line
		if _, known := srcs[k.Value]; !known {
			return nil, fmt.Errorf("%s: unknown rule %q", at, k.Value)
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
			return nil, fmt.Errorf(`%s: %s: the expression must be a string (quote it; "@" and "!" need quotes in YAML)`, at, k.Value)
		}
		srcs[k.Value] = source{expr: v.Value, origin: at}
	}
	return compile(srcs)
}

// compile parses every rule and checks that each rule it references exists
// and that no rule refers back to itself, so Authorize never meets either.
func compile(srcs map[string]source) (*Policy, error) {
	p := &Policy{rules: make(map[string]expr, len(srcs))}
	refs := make(map[string][]string, len(srcs))
	for _, d := range ruleDocs { // in a fixed order, so the first error is always the same
		s := srcs[d.Name]
		x, r, err := parseExpr(s.expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.origin, d.Name, err)
		}
		for _, ref := range r {
			if _, ok := srcs[ref]; !ok {
				return nil, fmt.Errorf("%s: %s: rule:%s names no rule", s.origin, d.Name, ref)
			}
		}
		p.rules[d.Name], refs[d.Name] = x, r
	}
	state := make(map[string]int) // 0 unvisited, 1 on the path, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("%s: %s: rules refer to each other in a loop: %s", srcs[name].origin, name, strings.Join(append(path, name), " -> "))
		case 2:
			return nil
		}
		state[name] = 1
		for _, ref := range refs[name] {
			if err := visit(ref, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		return nil
	}
	for _, d := range ruleDocs {
		if err := visit(d.Name, nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Authorize returns nil when the rule allows the caller to act on target, a
// Forbidden *valence.Error when it does not, and an Internal one for a rule
// name the policy does not know (a bug in the caller of Authorize).
func (p *Policy) Authorize(rule string, c valence.Caller, target Target) error {
	x, ok := p.rules[rule]
	if !ok {
		return valence.Errorf(valence.Internal, "unknown policy rule %q", rule)
	}
	if !x.eval(&env{rules: p.rules, caller: c, target: target}) {
		return valence.Errorf(valence.Forbidden, "Policy does not allow %s to be performed.", rule)
	}
	return nil
}
