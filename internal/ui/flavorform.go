package ui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/valence-rsd/valence/api"
)

// maxFormRows bounds the rows of each list of the flavor form (drives,
// interfaces): a POST's rows beyond it are not read. It is the most the
// API takes (maxItems in api/openapi.yaml), so an edit never drops the
// entries of a flavor the form could not show.
const maxFormRows = 64

// The prefix of the property fields' names.
const propPrefix = "properties."

// formSection is a fieldset of a form laid out in Go (the flavor form,
// whose rows vary): its legend, the name its own messages are kept under
// (a list's, whose problems the API does not pin to one entry) and its
// fields.
type formSection struct {
	Legend, Name string
	Fields       []fieldSpec
}

// fieldSpec is a field of a formSection, drawn by the "field" partial;
// Options make it a select.
type fieldSpec struct {
	Name, Label, Type string
	Options           []option
}

// rowField is a field of one row of a list property.
type rowField struct{ key, label, kind string }

// flavorList is a list property of a flavor and its row's fields.
type flavorList struct {
	key, legend, row string
	fields           []rowField
}

// triState are the choices of a requirement that may be asked for, refused
// or left to the pod manager.
var triState = []option{{"", "don't care"}, {"true", "required"}, {"false", "not wanted"}}

// The flavor form's single-valued property sections, in the order shown.
var flavorScalars = []formSection{
	{Legend: "Processor", Fields: []fieldSpec{
		{Name: "properties.processor.total_cores", Label: "Total cores", Type: "number"},
		{Name: "properties.processor.count", Label: "Processors", Type: "number"},
		{Name: "properties.processor.model", Label: "Model", Type: "text"},
		{Name: "properties.processor.instruction_set", Label: "Instruction set (e.g. x86-64)", Type: "text"},
	}},
	{Legend: "Memory", Fields: []fieldSpec{
		{Name: "properties.memory.capacity_mib", Label: "Capacity (MiB)", Type: "number"},
		{Name: "properties.memory.type", Label: "Type (e.g. DDR4)", Type: "text"},
	}},
	{Legend: "Security", Fields: []fieldSpec{
		{Name: "properties.security.tpm", Label: "TPM", Type: "select", Options: triState},
		{Name: "properties.security.txt", Label: "TXT", Type: "select", Options: triState},
	}},
	{Legend: "PCI devices", Fields: []fieldSpec{
		{Name: "properties.pci_device.type", Label: "Device types (comma-separated)", Type: "text"},
	}},
}

// The flavor form's list properties.
var flavorLists = []flavorList{
	{"local_drives", "Local drives", "Drive", []rowField{
		{"capacity_gib", "capacity (GiB)", "number"},
		{"type", "type (HDD or SSD)", "text"},
		{"interface", "interface (SAS, SATA or NVMe)", "text"},
	}},
	{"remote_drives", "Remote drives", "Remote drive", []rowField{
		{"capacity_gib", "capacity (GiB)", "number"},
		{"protocol", "protocol (iSCSI or NVMeOverFabrics)", "text"},
	}},
	{"network", "Network interfaces", "Interface", []rowField{
		{"speed_mbps", "speed (Mbit/s)", "number"},
		{"vlan", "VLAN", "number"},
	}},
}

// rowName is the field name of a row's field, e.g.
// properties.local_drives.0.capacity_gib.
func rowName(list string, i int, key string) string {
	return propPrefix + list + "." + strconv.Itoa(i) + "." + key
}

// rowsIn is the number of rows of list that p's form fills: one past the
// last row with a value.
func rowsIn(p *page, l flavorList) int {
	n := 0
	for i := range maxFormRows {
		for _, f := range l.fields {
			if strings.TrimSpace(p.Value(rowName(l.key, i, f.key))) != "" {
				n = i + 1
			}
		}
	}
	return n
}

// flavorSections lays out the flavor form for the values of p's form: the
// name and description, the single-valued properties, then each list with
// its filled rows and one empty row more.
func flavorSections(p *page) []formSection {
	sections := append([]formSection{{Legend: "Flavor", Fields: []fieldSpec{
		{Name: "name", Label: "Name", Type: "text"},
		{Name: "description", Label: "Description", Type: "text"},
	}}}, flavorScalars...)
	for _, l := range flavorLists {
		s := formSection{Legend: l.legend, Name: propPrefix + l.key}
		for i := range min(rowsIn(p, l)+1, maxFormRows) {
			for _, f := range l.fields {
				s.Fields = append(s.Fields, fieldSpec{Name: rowName(l.key, i, f.key),
					Label: fmt.Sprintf("%s %d %s", l.row, i+1, f.label), Type: f.kind})
			}
		}
		sections = append(sections, s)
	}
	return sections
}

// showFlavor fills p's form with flavor f.
func showFlavor(p *page, f api.Flavor) {
	v := p.Form
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	num := func(name string, n int) {
		if n != 0 {
			v.Set(name, strconv.Itoa(n))
		}
	}
	set("name", f.Name)
	set("description", f.Description)
	pr := f.Properties
	if c := pr.Processor; c != nil {
		num("properties.processor.total_cores", c.TotalCores)
		num("properties.processor.count", c.Count)
		set("properties.processor.model", c.Model)
		set("properties.processor.instruction_set", c.InstructionSet)
	}
	if m := pr.Memory; m != nil {
		num("properties.memory.capacity_mib", m.CapacityMiB)
		set("properties.memory.type", m.Type)
	}
	if s := pr.Security; s != nil {
		set("properties.security.tpm", boolText(s.TPM))
		set("properties.security.txt", boolText(s.TXT))
	}
	if d := pr.PCIDevice; d != nil {
		set("properties.pci_device.type", strings.Join(d.Type, ", "))
	}
	for i, d := range pr.LocalDrives {
		num(rowName("local_drives", i, "capacity_gib"), d.CapacityGiB)
		set(rowName("local_drives", i, "type"), d.Type)
		set(rowName("local_drives", i, "interface"), d.Interface)
	}
	for i, d := range pr.RemoteDrives {
		num(rowName("remote_drives", i, "capacity_gib"), d.CapacityGiB)
		set(rowName("remote_drives", i, "protocol"), d.Protocol)
	}
	for i, n := range pr.Network {
		num(rowName("network", i, "speed_mbps"), n.SpeedMbps)
		num(rowName("network", i, "vlan"), n.VLAN)
	}
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// flexInt reads a whole number of p's form; empty is 0, which the API
// reads as not asked for.
func flexInt(p *page, name string) api.FlexInt {
	n, _ := formInt(p, name)
	return api.FlexInt(n)
}

// formText is a text field of p's form without the blanks around it.
func formText(p *page, name string) string { return strings.TrimSpace(p.Value(name)) }

// formTriState reads a tri-state choice: empty is nil (don't care).
func formTriState(p *page, name string) *bool {
	switch formText(p, name) {
	case "":
		return nil
	case "true":
		return new(true)
	case "false":
		return new(false)
	}
	p.Errors[name] = name + " must be required, not wanted or don't care"
	return nil
}

// parseFlavor reads the flavor form of p; the fields that cannot be read
// get their message in p.Errors, and the flavor is then not to be sent.
func parseFlavor(p *page) api.FlavorCreate {
	return api.FlavorCreate{Name: formText(p, "name"), Description: formText(p, "description"), Properties: parseProperties(p)}
}

// parseProperties reads the requirements of p's form (fields
// properties.*, as flavorSections lays them out): a group is asked for
// only when one of its fields is filled.
func parseProperties(p *page) api.FlavorPropertiesInput {
	var props api.FlavorPropertiesInput
	proc := api.ProcessorRequirementInput{
		TotalCores:     flexInt(p, "properties.processor.total_cores"),
		Count:          flexInt(p, "properties.processor.count"),
		Model:          formText(p, "properties.processor.model"),
		InstructionSet: formText(p, "properties.processor.instruction_set"),
	}
	if proc != (api.ProcessorRequirementInput{}) {
		props.Processor = &proc
	}
	mem := api.MemoryRequirementInput{CapacityMiB: flexInt(p, "properties.memory.capacity_mib"), Type: formText(p, "properties.memory.type")}
	if mem != (api.MemoryRequirementInput{}) {
		props.Memory = &mem
	}
	sec := api.SecurityRequirement{TPM: formTriState(p, "properties.security.tpm"), TXT: formTriState(p, "properties.security.txt")}
	if sec.TPM != nil || sec.TXT != nil {
		props.Security = &sec
	}
	if types := splitList(formText(p, "properties.pci_device.type")); len(types) > 0 {
		props.PCIDevice = &api.PCIDeviceRequirement{Type: types}
	}
	for i := range maxFormRows {
		row := func(key string) string { return rowName("local_drives", i, key) }
		d := api.LocalDriveRequirementInput{CapacityGiB: flexInt(p, row("capacity_gib")), Type: formText(p, row("type")), Interface: formText(p, row("interface"))}
		if d != (api.LocalDriveRequirementInput{}) {
			props.LocalDrives = append(props.LocalDrives, d)
		}
		rd := api.RemoteDriveRequirementInput{CapacityGiB: flexInt(p, rowName("remote_drives", i, "capacity_gib")), Protocol: formText(p, rowName("remote_drives", i, "protocol"))}
		if rd != (api.RemoteDriveRequirementInput{}) {
			props.RemoteDrives = append(props.RemoteDrives, rd)
		}
		n := api.NetworkRequirementInput{SpeedMbps: flexInt(p, rowName("network", i, "speed_mbps")), VLAN: flexInt(p, rowName("network", i, "vlan"))}
		if n != (api.NetworkRequirementInput{}) {
			props.Network = append(props.Network, n)
		}
	}
	return props
}

// splitList reads a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// checkRemovals puts an error on each property that p's edit form empties
// but an update cannot remove: the update is a merge patch into the flavor,
// where a value left out is kept (a list is replaced whole, so only
// emptying it entirely is lost).
func checkRemovals(p *page, before api.Flavor) {
	const msg = " cannot be removed by an edit (the change merges into the flavor): create a new flavor without it"
	old := &page{Form: url.Values{}}
	showFlavor(old, before)
	for _, s := range flavorScalars {
		for _, f := range s.Fields {
			if old.Value(f.Name) != "" && formText(p, f.Name) == "" {
				p.Errors[f.Name] = strings.TrimPrefix(f.Name, propPrefix) + msg
			}
		}
	}
	for _, l := range flavorLists {
		if rowsIn(old, l) > 0 && rowsIn(p, l) == 0 {
			p.Errors[propPrefix+l.key] = "the last entry of " + l.key + msg
		}
	}
}

// listErrors puts each problem of the API's detail that names a field of a
// list property (local_drives.capacity_gib must be ...) on the list's
// section, since the API does not say which entry it is about.
func listErrors(p *page, detail string) {
	for _, problem := range strings.Split(detail, "; ") {
		first, _, _ := strings.Cut(problem, " ")
		for _, l := range flavorLists {
			if first == l.key || strings.HasPrefix(first, l.key+".") {
				name := propPrefix + l.key
				if p.Errors[name] != "" {
					p.Errors[name] += "; "
				}
				p.Errors[name] += problem
			}
		}
	}
}

// formView is a form laid out in Go, as the "form" partial draws it: its
// heading (ID is the heading's element id), a note under it, where it
// posts, its sections and its submit button.
type formView struct {
	ID, Heading, Note          string
	Action, DataAction, Submit string
	Sections                   []formSection
}

// deleteArgs are what the "delete" partial draws: a form of one button
// that posts to Action (with p's CSRF token), data-action DataAction, and
// asks Question first.
type deleteArgs struct {
	Page                         *page
	Action, DataAction, Question string
}

// formArgs are what the "form" partial is given: the page (its CSRF token,
// its form's values and messages) and the form.
type formArgs struct {
	Page *page
	Form formView
}
