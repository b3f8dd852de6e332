package ui

import (
	"slices"
	"strings"
)

// formField is one input of a form as the "field" template block renders
// it: its name follows the JSON body (properties.processor.total_cores),
// its id is fieldID(Name).
type formField struct {
	Name, Label string
	// Type is an input type (text, number), "textarea", "checkbox" or
	// "select" (then Options are the values, Labels what they show).
	Type    string
	Value   string
	Hint    string
	Error   string
	Options []option
	// List names a <datalist> of suggestions.
	List     string
	Required bool
}

// option is a choice of a select field.
type option struct{ Value, Label string }

// ID is the field's element id.
func (f formField) ID() string { return fieldID(f.Name) }

// fieldGroup is a fieldset of a form; Name keys the messages about the
// group as a whole (e.g. a list of drives), shown under its legend.
type fieldGroup struct {
	Legend, Name, Error string
	Fields              []formField
}

// ID is the group's element id.
func (g fieldGroup) ID() string { return fieldID(g.Name) }

// fieldID is the element id of a form field: "f-" and its name with dots
// made dashes.
func fieldID(name string) string { return "f-" + strings.ReplaceAll(name, ".", "-") }

// fieldErrors sorts the problems of an API answer's detail ("a is
// required; b.c must be at most 4, not 5") by field: each problem goes to
// the field that fieldOf maps its first word to, and those of no field
// are returned in order, for the page's message.
func fieldErrors(detail string, fieldOf func(word string) string) (map[string]string, []string) {
	byField := map[string]string{}
	var rest []string
	for _, problem := range strings.Split(detail, "; ") {
		problem = strings.TrimSpace(problem)
		if problem == "" {
			continue
		}
		word, _, _ := strings.Cut(problem, " ")
		name := fieldOf(word)
		if name == "" {
			rest = append(rest, problem)
			continue
		}
		if byField[name] != "" {
			byField[name] += "; "
		}
		byField[name] += problem
	}
	return byField, rest
}

// setErrors puts each message of byField on the field or group it names;
// it reports the messages that found none.
func setErrors(groups []fieldGroup, byField map[string]string) []string {
	used := map[string]bool{}
	for gi := range groups {
		g := &groups[gi]
		if msg, ok := byField[g.Name]; ok && g.Name != "" {
			g.Error, used[g.Name] = msg, true
		}
		for fi := range g.Fields {
			f := &g.Fields[fi]
			if msg, ok := byField[f.Name]; ok {
				f.Error, used[f.Name] = msg, true
			}
		}
	}
	var lost []string
	for name, msg := range byField {
		if !used[name] {
			lost = append(lost, msg)
		}
	}
	slices.Sort(lost)
	return lost
}
