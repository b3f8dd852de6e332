package records

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	cases := []struct {
		name           string
		old, new       map[string]string
		claim, release []Claim
	}{
		{"unchanged", map[string]string{"name": "a"}, map[string]string{"name": "a"}, nil, nil},
		{"renamed", map[string]string{"name": "a"}, map[string]string{"name": "b"}, []Claim{{"name", "b"}}, []Claim{{"name", "a"}}},
		{"added", nil, map[string]string{"url": "u", "name": "a"}, []Claim{{"name", "a"}, {"url", "u"}}, nil},
		{"dropped", map[string]string{"name": "a"}, nil, nil, []Claim{{"name", "a"}}},
		{"emptied", map[string]string{"name": "a"}, map[string]string{"name": ""}, nil, []Claim{{"name", "a"}}},
		{"value moves index", map[string]string{"name": "x"}, map[string]string{"url": "x"}, []Claim{{"url", "x"}}, []Claim{{"name", "x"}}},
	}
	for _, c := range cases {
		claim, release := Diff(c.old, c.new)
		if !slices.Equal(claim, c.claim) || !slices.Equal(release, c.release) {
			t.Errorf("%s: claim %v release %v, want %v and %v", c.name, claim, release, c.claim, c.release)
		}
	}
}
