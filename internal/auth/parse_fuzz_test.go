package auth

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/valence-rsd/valence/internal/valence"
)

// fuzzRule is the rule whose expression the fuzzer writes; no other rule
// refers to it, so any expression may stand there.
const fuzzRule = RuleRackGet

// compileWith compiles the default policy with fuzzRule set to expr.
func compileWith(expr string) (*Policy, error) {
	srcs := defaultSources()
	srcs[fuzzRule] = source{expr: expr, origin: "fuzz"}
	return compile(srcs)
}

// allowed authorizes fuzzRule and fails on any answer but yes or Forbidden.
func allowed(t *testing.T, p *Policy, c valence.Caller, target Target) bool {
	t.Helper()
	err := p.Authorize(fuzzRule, c, target)
	if err != nil && !valence.IsCode(err, valence.Forbidden) {
		t.Fatalf("Authorize: %v, want nil or Forbidden", err)
	}
	return err == nil
}

// plainWord reports whether w is one word of the language by itself: no
// space, no parenthesis, no % (which could open a target value).
func plainWord(w string) bool {
	return w != "" && utf8.ValidString(w) && !strings.ContainsFunc(w, func(r rune) bool {
		return unicode.IsSpace(r) || r == '(' || r == ')' || r == '%'
	})
}

// FuzzParseExpr checks the policy parser: it never panics; an expression
// that compiles evaluates, on any caller and target, to yes or Forbidden,
// and its negation and neutral combinations agree with it; a literal check
// matches exactly the value written.
func FuzzParseExpr(f *testing.F) {
	for _, d := range Rules() {
		f.Add(d.Default, "member", "p1", "alice", "member", "p1")
	}
	for _, s := range []string{
		"", "@", "!", "(", ")", "()", "not", "not not @", "and", "@ or", "@ @",
		"role:", ":admin", "rule:", "rule:nosuchrule", "rule:" + fuzzRule, "colour:red",
		"project_id:%(target.project_id)s", "project_id:%(project_id)s", "project_id:%(target.)s",
		"project_id:%(project_id", "user_id:%()s", "role:%(a(b)s", "role:a%(b)c",
		"role:admin or (role:member and not user_id:x)", "((((@))))", "not (@ and !) or !",
		"role:à", "role:Ädmin", "role:a\u00a0b", "role:\xc3", "role:a\x85b", "rule:reader and rule:project_member",
	} {
		f.Add(s, "à", "p1", "alice", "admin", "p1")
	}
	f.Fuzz(func(t *testing.T, expr, word, project, user, role, targetProject string) {
		c := valence.Caller{UserID: user, ProjectID: project, Roles: []string{role}}
		target := Target{"project_id": targetProject}
		if p, err := compileWith(expr); err == nil {
			got := allowed(t, p, c, target)
			for variant, want := range map[string]bool{
				"not ( " + expr + " )":   !got,
				"( " + expr + " ) and @": got,
				"( " + expr + " ) or !":  got,
				"! or ( " + expr + " )":  got,
			} {
				q, err := compileWith(variant)
				if err != nil {
					t.Fatalf("%q compiles but %q does not: %v", expr, variant, err)
				}
				if allowed(t, q, c, target) != want {
					t.Fatalf("%q is %v for %+v on %v, but %q is not %v", expr, got, c, target, variant, want)
				}
			}
		}
		if !plainWord(word) {
			return
		}
		for _, check := range []struct {
			expr   string
			caller valence.Caller
		}{
			{"role:" + word, valence.Caller{Roles: []string{word}}},
			{"user_id:" + word, valence.Caller{UserID: word}},
			{"project_id:" + word, valence.Caller{ProjectID: word}},
		} {
			p, err := compileWith(check.expr)
			if err != nil {
				t.Fatalf("%q does not compile: %v", check.expr, err)
			}
			if !allowed(t, p, check.caller, nil) {
				t.Fatalf("%q does not match %+v", check.expr, check.caller)
			}
			if allowed(t, p, valence.Caller{UserID: word + "x", ProjectID: word + "x", Roles: []string{word + "x"}}, nil) {
				t.Fatalf("%q matches a caller whose values only begin with %q", check.expr, word)
			}
		}
	})
}
