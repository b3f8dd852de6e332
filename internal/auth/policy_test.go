package auth

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

var update = flag.Bool("update", false, "rewrite configs/policy.yaml from Rules()")

const samplePath = "../../configs/policy.yaml"

var (
	admin      = valence.Caller{UserID: "u-admin", ProjectID: "pa", Roles: []string{"admin", "member", "reader"}}
	adminOnly  = valence.Caller{UserID: "u-admin2", ProjectID: "pz", Roles: []string{"Admin"}} // http_basic style, no implied roles
	memberA    = valence.Caller{UserID: "u-ma", ProjectID: "pa", Roles: []string{"member", "reader"}}
	memberOnly = valence.Caller{UserID: "u-mo", ProjectID: "pa", Roles: []string{"member"}}
	readerA    = valence.Caller{UserID: "u-ra", ProjectID: "pa", Roles: []string{"reader"}}
	memberB    = valence.Caller{UserID: "u-mb", ProjectID: "pb", Roles: []string{"member", "reader"}}
	service    = valence.Caller{UserID: "u-s", ProjectID: "service", Roles: []string{"service"}}
	nobody     = valence.Caller{UserID: "u-n", ProjectID: "pa"}
	unscoped   = valence.Caller{UserID: "u-u", Roles: []string{"member"}}
)

// Who each kind of default lets in, for a target in project "pa".
var allowedBy = map[string][]valence.Caller{
	"admin":         {admin, adminOnly},
	"reader":        {admin, adminOnly, memberA, memberOnly, readerA, memberB, unscoped},
	"projectReader": {admin, adminOnly, memberA, memberOnly, readerA},
	"projectMember": {admin, adminOnly, memberA, memberOnly},
	// The helpers leave admins to the rules that use them.
	"projectReaderHelper": {admin, memberA, memberOnly, readerA},
	"projectMemberHelper": {admin, memberA, memberOnly},
}

var everyone = []valence.Caller{admin, adminOnly, memberA, memberOnly, readerA, memberB, service, nobody, unscoped}

var defaultKinds = map[string]string{
	RulePodManagerList: "reader", RulePodManagerGet: "reader",
	RulePodManagerCreate: "admin", RulePodManagerUpdate: "admin", RulePodManagerDelete: "admin",
	RuleFlavorList: "reader", RuleFlavorGet: "reader",
	RuleFlavorCreate: "admin", RuleFlavorUpdate: "admin", RuleFlavorDelete: "admin",
	RuleNodeList: "reader", RuleNodeListAllProjects: "admin",
	RuleNodeGet: "projectReader", RuleNodeListStorages: "projectReader",
	RuleNodeCompose: "projectMember", RuleNodeDecompose: "projectMember",
	RuleNodePower: "projectMember", RuleNodeBoot: "projectMember",
	RuleNodeAttach: "projectMember", RuleNodeDetach: "projectMember",
	RuleNodeAdopt:  "admin",
	RuleSystemList: "reader", RuleSystemGet: "reader",
	RuleSystemPower: "admin", RuleSystemBoot: "admin",
	RuleRackList: "reader", RuleRackGet: "reader",
	RuleStorageList: "reader", RuleStorageGet: "reader",
	RuleStorageCreate: "admin", RuleStorageDelete: "admin",
	RuleDebugPprof:   "admin",
	"admin_required": "admin", "reader": "reader",
	"project_reader": "projectReaderHelper", "project_member": "projectMemberHelper",
}

func TestDefaultRules(t *testing.T) {
	p := DefaultPolicy()
	target := Target{"project_id": "pa"}
	for _, d := range Rules() {
		kind, ok := defaultKinds[d.Name]
		if !ok {
			t.Errorf("rule %s has no row in this test", d.Name)
			continue
		}
		for _, c := range everyone {
			want := false
			for _, a := range allowedBy[kind] {
				if a.UserID == c.UserID {
					want = true
				}
			}
			err := p.Authorize(d.Name, c, target)
			if got := err == nil; got != want {
				t.Errorf("%s for %s %v: allowed=%v, want %v (%v)", d.Name, c.UserID, c.Roles, got, want, err)
			}
			if err != nil && !valence.IsCode(err, valence.Forbidden) {
				t.Errorf("%s: error code %s, want Forbidden", d.Name, valence.ErrorCode(err))
			}
		}
	}
	if len(defaultKinds) != len(Rules()) {
		t.Errorf("the table has %d rows for %d rules", len(defaultKinds), len(Rules()))
	}
}

func TestAuthorizeUnknownRuleIsInternal(t *testing.T) {
	err := DefaultPolicy().Authorize("valence:node:fly", admin, nil)
	if !valence.IsCode(err, valence.Internal) {
		t.Fatalf("got %v, want Internal", err)
	}
}

func TestProjectCheckNeedsBothSides(t *testing.T) {
	p := DefaultPolicy()
	// No target project and no caller project must not count as a match.
	for _, tc := range []struct {
		c valence.Caller
		t Target
	}{{unscoped, Target{"project_id": ""}}, {unscoped, nil}, {memberA, nil}} {
		if err := p.Authorize(RuleNodeCompose, tc.c, tc.t); err == nil {
			t.Errorf("%s with target %v allowed", tc.c.UserID, tc.t)
		}
	}
}

func TestExpressions(t *testing.T) {
	tgt := Target{"project_id": "pa", "owner": "u-ma"}
	cases := []struct {
		expr  string
		allow []valence.Caller
	}{
		{"@", everyone},
		{"!", nil},
		{"role:reader", []valence.Caller{admin, memberA, readerA, memberB}},
		{"role:ADMIN", []valence.Caller{admin, adminOnly}},
		{"not role:reader", []valence.Caller{adminOnly, memberOnly, service, nobody, unscoped}},
		{"not not role:service", []valence.Caller{service}},
		{"role:member and project_id:%(target.project_id)s", []valence.Caller{admin, memberA, memberOnly}},
		{"role:member and project_id:%(project_id)s", []valence.Caller{admin, memberA, memberOnly}},
		{"(role:reader and(project_id:%(target.project_id)s))", []valence.Caller{admin, memberA, readerA}},
		{"project_id:pb", []valence.Caller{memberB}},
		{"user_id:%(target.owner)s", []valence.Caller{memberA}},
		{"user_id:%(target.missing)s", nil},
		{"role:service or role:admin and project_id:pz", []valence.Caller{adminOnly, service}},
		{"(role:service or role:admin) and project_id:pz", []valence.Caller{adminOnly}},
		{"(role:service or(role:admin))and(project_id:pz)", []valence.Caller{adminOnly}},
		{"rule:admin_required or role:service", []valence.Caller{admin, adminOnly, service}},
		{"not (rule:reader)", []valence.Caller{service, nobody}},
	}
	for _, tc := range cases {
		x, _, err := parseExpr(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		for _, c := range everyone {
			want := false
			for _, a := range tc.allow {
				want = want || a.UserID == c.UserID
			}
			e := &env{rules: DefaultPolicy().rules, caller: c, target: tgt}
			if got := x.eval(e); got != want {
				t.Errorf("%q for %s: %v, want %v", tc.expr, c.UserID, got, want)
			}
		}
	}
}

func TestMalformedExpressions(t *testing.T) {
	for expr, wantErr := range map[string]string{
		"":                                "empty expression",
		"   ":                             "empty expression",
		"role:admin or":                   "unexpected end",
		"or role:admin":                   `column 1: unexpected "or"`,
		"(role:admin":                     "column 1: missing )",
		"role:admin)":                     `column 11: unexpected ")"`,
		"role:admin role:member":          `column 12: unexpected "role:member"`,
		"admin":                           `column 1: "admin" is not a check`,
		"role:":                           "is not a check",
		"tenant:x":                        `unknown check "tenant"`,
		"project_id:%(target.project_id":  "unclosed %(",
		"project_id:%(target.project_id)": "a target value is written",
		"project_id:%()s":                 "a target value is written",
		"role:admin and not":              "unexpected end",
		"role:admin and and role:member":  `column 16: unexpected "and"`,
		"()":                              `column 2: unexpected ")"`,
	} {
		_, _, err := parseExpr(expr)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: error %v, want one containing %q", expr, err, wantErr)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPolicyOverrides(t *testing.T) {
	path := writeFile(t, "policy.yaml", `# readers may not see pod managers here
"valence:podmanager:list": "rule:admin_required"
valence:node:compose: role:admin or (role:member and project_id:%(target.project_id)s)
reader: "role:reader or role:observer"
`)
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Authorize(RulePodManagerList, readerA, nil) == nil {
		t.Error("override of valence:podmanager:list not applied")
	}
	if p.Authorize(RuleNodeCompose, memberA, Target{"project_id": "pa"}) != nil {
		t.Error("valence:node:compose override denies the project's member")
	}
	observer := valence.Caller{UserID: "o", Roles: []string{"observer"}}
	if p.Authorize(RuleFlavorList, observer, nil) != nil {
		t.Error("a helper override does not reach the rules using it")
	}
	if p.Authorize(RuleFlavorCreate, admin, nil) != nil {
		t.Error("a rule not in the file lost its default")
	}
}

func TestLoadPolicyEmptyFileIsDefaults(t *testing.T) {
	for _, content := range []string{"", "# nothing but a comment\n"} {
		p, err := LoadPolicy(writeFile(t, "p.yaml", content))
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if p.Authorize(RuleFlavorList, readerA, nil) != nil {
			t.Errorf("%q: defaults not in force", content)
		}
	}
	if p, err := LoadPolicy(""); err != nil || p != DefaultPolicy() {
		t.Errorf(`LoadPolicy("") = %v, %v; want the defaults`, p, err)
	}
}

func TestLoadPolicyErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{"\n\n\"valence:node:get\": \"role:admin or\"\n", ":3: valence:node:get: unexpected end of expression"},
		{"\"valence:node:get\": \"role:admin\"\n\"valence:node:fly\": \"@\"\n", `:2: unknown rule "valence:node:fly"`},
		{"\"reader\": \"@\"\n\n\"reader\": \"!\"\n", ":3: reader: already set on line 1"},
		{"\"valence:node:get\": !\n", ":1: valence:node:get: the expression must be a string"},
		{"\"valence:node:get\": true\n", ":1: valence:node:get: the expression must be a string"},
		{"\"valence:node:get\": [role:admin]\n", ":1: valence:node:get: the expression must be a string"},
		{"\"valence:node:get\":\n", ":1: valence:node:get: the expression must be a string"},
		{"- role:admin\n", ":1: want a mapping"},
		{"a: b\n  c: d: e\n", "line 2"},
		{"\"valence:node:get\": \"role:admin\"\n\"reader\": \"rule:nope\"\n", `:2: reader: rule:nope names no rule`},
		{"\"reader\": \"rule:project_reader\"\n", ":1: reader: rules refer to each other in a loop: reader -> project_reader -> reader"},
		{"\"admin_required\": \"rule:admin_required\"\n", "loop: admin_required -> admin_required"},
		{"\"valence:node:get\": \"tenant:x\"\n", `:1: valence:node:get: column 1: unknown check "tenant"`},
	} {
		path := writeFile(t, "policy.yaml", tc.content)
		_, err := LoadPolicy(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %v, want one naming the file and containing %q", tc.content, err, tc.want)
		}
	}
	if _, err := LoadPolicy(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing policy file is not an error")
	}
}

// sample renders configs/policy.yaml from Rules().
func sample() string {
	var b strings.Builder
	b.WriteString(`# The policy of valence-api: every rule with its default expression.
#
# Generated from internal/auth/rules.go; do not edit by hand, run
#   go test ./internal/auth -run TestPolicySample -update
# To override a rule, copy its line into the file named by VALENCE_POLICY_FILE,
# uncomment it and change the expression. Rules not set keep their default.
# The expression language and the rules are described in docs/keystone.md.
`)
	for _, d := range Rules() {
		fmt.Fprintf(&b, "\n# %s\n#%q: %q\n", d.Description, d.Name, d.Default)
	}
	return b.String()
}

func TestPolicySample(t *testing.T) {
	want := sample()
	if *update {
		if err := os.WriteFile(samplePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from Rules(); run: go test ./internal/auth -run TestPolicySample -update", samplePath)
	}
	// The sample, uncommented, must load and mean exactly the defaults.
	var uncommented []string
	for _, line := range strings.Split(want, "\n") {
		if strings.HasPrefix(line, `#"`) {
			uncommented = append(uncommented, line[1:])
		}
	}
	p, err := LoadPolicy(writeFile(t, "p.yaml", strings.Join(uncommented, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(uncommented) != len(Rules()) {
		t.Fatalf("%d rule lines for %d rules", len(uncommented), len(Rules()))
	}
	for _, d := range Rules() {
		for _, c := range everyone {
			tgt := Target{"project_id": "pa"}
			if (p.Authorize(d.Name, c, tgt) == nil) != (DefaultPolicy().Authorize(d.Name, c, tgt) == nil) {
				t.Errorf("%s for %s: the sample and the defaults disagree", d.Name, c.UserID)
			}
		}
	}
}
