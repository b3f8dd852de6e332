package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/valence-rsd/valence/internal/valence"
)

// The expression language is oslo.policy's, reduced to what Valence needs:
//
//	@                                   always
//	!                                   never
//	role:admin                          the caller holds the role (case-insensitive)
//	project_id:%(target.project_id)s    a caller attribute equals a target value
//	user_id:alice                       ... or a literal
//	rule:name                           another rule of the policy
//	not X, X and Y, X or Y, ( X )       in that order of precedence
//
// Caller attributes are role, project_id and user_id. A value written
// %(key)s or %(target.key)s is looked up in the Target; a missing key or an
// empty value on either side never matches, so an unscoped caller cannot
// satisfy a project check by accident.

// expr is a compiled policy expression.
type expr interface {
	eval(e *env) bool
}

// env is what an expression is evaluated against.
type env struct {
	rules  map[string]expr
	caller valence.Caller
	target Target
}

type constExpr bool

func (c constExpr) eval(*env) bool { return bool(c) }

type notExpr struct{ x expr }

func (n notExpr) eval(e *env) bool { return !n.x.eval(e) }

type andExpr []expr

func (a andExpr) eval(e *env) bool {
	for _, x := range a {
		if !x.eval(e) {
			return false
		}
	}
	return true
}

type orExpr []expr

func (o orExpr) eval(e *env) bool {
	for _, x := range o {
		if x.eval(e) {
			return true
		}
	}
	return false
}

type ruleRef string

func (r ruleRef) eval(e *env) bool { return e.rules[string(r)].eval(e) }

// check compares one caller attribute with a literal or a target value.
type check struct {
	field     string // role, project_id or user_id
	literal   string
	targetKey string // set when the value is %(...)s
}

func (c check) eval(e *env) bool {
	want := c.literal
	if c.targetKey != "" {
		want = e.target[c.targetKey]
	}
	if want == "" {
		return false
	}
	switch c.field {
	case "role":
		for _, r := range e.caller.Roles {
			if strings.EqualFold(r, want) {
				return true
			}
		}
		return false
	case "project_id":
		return e.caller.ProjectID == want
	default: // user_id; parseCheck admits nothing else
		return e.caller.UserID == want
	}
}

// token is one lexical element of an expression; col is 1-based, for errors.
type token struct {
	text string
	col  int
}

// lex splits an expression into parentheses and words. A word may contain
// %(...)s, whose parentheses belong to the word, not to the grouping. It
// reads runes, not bytes: a byte of a UTF-8 sequence (the 0xA0 of "à") is
// no space.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c, size := utf8.DecodeRuneInString(s[i:]); {
		case unicode.IsSpace(c):
			i += size
		case c == '(' || c == ')':
			toks = append(toks, token{string(c), i + 1})
			i++
		default:
			end, err := wordEnd(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{s[i:end], i + 1})
			i = end
		}
	}
	return toks, nil
}

// wordEnd returns where the word that starts at i ends: at a space, a
// parenthesis that no %( opened, or the end.
func wordEnd(s string, i int) (int, error) {
	for i < len(s) {
		if strings.HasPrefix(s[i:], "%(") {
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				return 0, fmt.Errorf("column %d: unclosed %%(", i+1)
			}
			i += end + 1
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(c) || c == '(' || c == ')' {
			break
		}
		i += size
	}
	return i, nil
}

// parser is a recursive-descent parser over the tokens of one expression.
type parser struct {
	toks []token
	pos  int
	refs []string // rule names referenced, checked once all rules are known
}

// parseExpr compiles one expression and returns the rules it references.
func parseExpr(s string) (expr, []string, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, nil, err
	}
	if len(toks) == 0 {
		// oslo reads "" as "always"; an empty value is more likely a mistake
		// than a wish to let everyone in, so it has to be spelled out.
		return nil, nil, fmt.Errorf("empty expression (write \"@\" to allow everyone, \"!\" to allow no one)")
	}
	p := &parser{toks: toks}
	x, err := p.or()
	if err != nil {
		return nil, nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, nil, fmt.Errorf("column %d: unexpected %q", t.col, t.text)
	}
	return x, p.refs, nil
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// accept consumes the next token when it is word.
func (p *parser) accept(word string) bool {
	if t, ok := p.peek(); ok && t.text == word {
		p.pos++
		return true
	}
	return false
}

func (p *parser) or() (expr, error) {
	return p.list("or", p.and, func(xs []expr) expr { return orExpr(xs) })
}

func (p *parser) and() (expr, error) {
	return p.list("and", p.not, func(xs []expr) expr { return andExpr(xs) })
}

// list parses operands separated by the operator op.
func (p *parser) list(op string, operand func() (expr, error), join func([]expr) expr) (expr, error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	xs := []expr{x}
	for p.accept(op) {
		if x, err = operand(); err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return join(xs), nil
}

func (p *parser) not() (expr, error) {
	if p.accept("not") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	p.pos++
	switch t.text {
	case "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.accept(")") {
			return nil, fmt.Errorf("column %d: missing ) for this (", t.col)
		}
		return x, nil
	case ")", "and", "or", "not":
		return nil, fmt.Errorf("column %d: unexpected %q", t.col, t.text)
	case "@":
		return constExpr(true), nil
	case "!":
		return constExpr(false), nil
	}
	return p.check(t)
}

// check parses kind:value.
func (p *parser) check(t token) (expr, error) {
	kind, value, ok := strings.Cut(t.text, ":")
	if !ok || value == "" {
		return nil, fmt.Errorf("column %d: %q is not a check (want kind:value, @ or !)", t.col, t.text)
	}
	switch kind {
	case "rule":
		p.refs = append(p.refs, value)
		return ruleRef(value), nil
	case "role", "project_id", "user_id":
	default:
		return nil, fmt.Errorf("column %d: unknown check %q (want role, project_id, user_id or rule)", t.col, kind)
	}
	if !strings.HasPrefix(value, "%(") {
		return check{field: kind, literal: value}, nil
	}
	key, ok := strings.CutSuffix(value[2:], ")s")
	key = strings.TrimPrefix(key, "target.")
	if !ok || key == "" || strings.ContainsAny(key, "()") {
		return nil, fmt.Errorf("column %d: %q: a target value is written %%(target.key)s", t.col, value)
	}
	return check{field: kind, targetKey: key}, nil
}
