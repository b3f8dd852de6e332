package records

import (
	"slices"
	"strings"
)

// Claim is one unique value a record holds under one index.
type Claim struct {
	Index string
	Value string
}

// Claims lists the indexed values of unique in index order; empty values are
// not indexed. A fixed order keeps conflict reports deterministic.
func Claims(unique map[string]string) []Claim {
	var out []Claim
	for index, value := range unique {
		if value != "" {
			out = append(out, Claim{Index: index, Value: value})
		}
	}
	slices.SortFunc(out, func(a, b Claim) int { return strings.Compare(a.Index, b.Index) })
	return out
}

// Diff returns what an update from old to new unique values must claim
// (values it does not hold yet) and release (values it holds no longer).
func Diff(old, new map[string]string) (claim, release []Claim) {
	for _, c := range Claims(new) {
		if old[c.Index] != c.Value {
			claim = append(claim, c)
		}
	}
	for _, c := range Claims(old) {
		if new[c.Index] != c.Value {
			release = append(release, c)
		}
	}
	return claim, release
}
