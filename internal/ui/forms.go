package ui

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/valence-rsd/valence/api"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"fid":    fieldID,
	"field":  newField,
	"choice": newChoice,
	"pairs":  pairs,
	// The views' own (ui-b).
	"form": func(p *page, f formView) formArgs { return formArgs{p, f} },
	"deleteButton": func(p *page, action, dataAction, question string) deleteArgs {
		return deleteArgs{p, action, dataAction, question}
	},
	"cpuText":       cpuText,
	"systemRows":    func(s []api.System, nodes map[string]string) systemRows { return systemRows{s, nodes} },
	"nodeLink":      newNodeLink,
	"mebibytes":     mebibytes,
	"memorySummary": memorySummary,
	"flavorSummary": flavorSummary,
}

// mebibytes writes a size in MiB as an operator reads it: whole GiB as GiB
// ("8 GiB"), anything else in MiB ("512 MiB").
func mebibytes(mib int) string {
	if mib >= 1024 && mib%1024 == 0 {
		return strconv.Itoa(mib/1024) + " GiB"
	}
	return strconv.Itoa(mib) + " MiB"
}

// memorySummary sums a node's memory modules: "16 GiB in 2 modules".
func memorySummary(mods []api.MemoryInfo) string {
	total := 0
	for _, m := range mods {
		total += m.TotalMemoryMB
	}
	unit := "modules"
	if len(mods) == 1 {
		unit = "module"
	}
	return mebibytes(total) + " in " + strconv.Itoa(len(mods)) + " " + unit
}

// fieldID is the id of the form field name: "f-" and the name with "."
// turned into "-" (f-properties-processor-total_cores).
func fieldID(name string) string { return "f-" + strings.ReplaceAll(name, ".", "-") }

// field is one labelled form field as the partial "field" draws it: its
// label, its value (sent, or the resource's) and its error.
type field struct {
	Name, ID, Label, Type, Value, Error string
	// Options are a select's choices (Type "select").
	Options []option
}

// option is one choice of a select.
type option struct{ Value, Label string }

// newField is the field name of p's form, labelled label, of input type typ
// (text, password, number, url, checkbox, textarea).
func newField(p *page, name, label, typ string) field {
	return field{Name: name, ID: fieldID(name), Label: label, Type: typ, Value: p.Value(name), Error: p.Errors[name]}
}

// newChoice is a select of p's form among opts; the first is the default.
func newChoice(p *page, name, label string, opts []option) field {
	f := newField(p, name, label, "select")
	f.Options = opts
	return f
}

// pairs makes the options of a fixed select from value, label, value,
// label, ...
func pairs(vl ...string) []option {
	opts := make([]option, 0, len(vl)/2)
	for i := 0; i+1 < len(vl); i += 2 {
		opts = append(opts, option{Value: vl[i], Label: vl[i+1]})
	}
	return opts
}

// formInt reads the whole number in the form field name. An empty field
// is absent; one that is not a whole number is absent too, and gets its
// error next to it.
func formInt(p *page, name string) (n int, present bool) {
	v := strings.TrimSpace(p.Value(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Errors[name] = name + " must be a whole number"
		return 0, false
	}
	return n, true
}
