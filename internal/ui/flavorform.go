package ui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/valence-rsd/valence/api"
)

// maxFormRows bounds the rows of each list of the flavor form (drives,
// interfaces): a POST's rows beyond it are not read. The API takes more
// (64); a flavor with more is edited with the CLI.
const maxFormRows = 16

// The prefix of the property fields' names.
const propPrefix = "properties."

// rowField is a field of one row of a list property.
type rowField struct{ key, label, kind, hint string }

// flavorList is a list property of a flavor and its row's fields.
type flavorList struct {
	key, legend, row string
	fields           []rowField
}

// The flavor form's single-valued property groups, in the order shown.
var flavorScalars = []struct {
	legend string
	fields []formField
}{
	{"Processor", []formField{
		{Name: "properties.processor.total_cores", Label: "Total cores", Type: "number"},
		{Name: "properties.processor.count", Label: "Processors", Type: "number"},
		{Name: "properties.processor.model", Label: "Model", Type: "text"},
		{Name: "properties.processor.instruction_set", Label: "Instruction set", Type: "text", Hint: "e.g. x86-64"},
	}},
	{"Memory", []formField{
		{Name: "properties.memory.capacity_mib", Label: "Capacity (MiB)", Type: "number"},
		{Name: "properties.memory.type", Label: "Type", Type: "text", Hint: "e.g. DDR4"},
	}},
	{"Security", []formField{
		{Name: "properties.security.tpm", Label: "TPM", Type: "select", Options: triState},
		{Name: "properties.security.txt", Label: "TXT", Type: "select", Options: triState},
	}},
	{"PCI devices", []formField{
		{Name: "properties.pci_device.type", Label: "Device types", Type: "text", Hint: "comma-separated"},
	}},
}

// triState are the choices of a requirement that may be asked for, refused
// or left to the pod manager.
var triState = []option{{"", "don't care"}, {"true", "required"}, {"false", "not wanted"}}

// The flavor form's list properties.
var flavorLists = []flavorList{
	{"local_drives", "Local drives", "Drive", []rowField{
		{"capacity_gib", "capacity (GiB)", "number", ""},
		{"type", "type", "text", "HDD or SSD"},
		{"interface", "interface", "text", "SAS, SATA or NVMe"},
	}},
	{"remote_drives", "Remote drives", "Remote drive", []rowField{
		{"capacity_gib", "capacity (GiB)", "number", ""},
		{"protocol", "protocol", "text", "iSCSI or NVMeOverFabrics"},
	}},
	{"network", "Network interfaces", "Interface", []rowField{
		{"speed_mbps", "speed (Mbit/s)", "number", ""},
		{"vlan", "VLAN", "number", ""},
	}},
}

// rowName is the field name of a row's field, e.g.
// properties.local_drives.0.capacity_gib.
func rowName(list string, i int, key string) string {
	return propPrefix + list + "." + strconv.Itoa(i) + "." + key
}

// rowsIn is the number of rows of list that v fills: one past the last
// row with a value.
func rowsIn(v url.Values, l flavorList) int {
	n := 0
	for i := range maxFormRows {
		for _, f := range l.fields {
			if strings.TrimSpace(v.Get(rowName(l.key, i, f.key))) != "" {
				n = i + 1
			}
		}
	}
	return n
}

// flavorGroups lays out the flavor form with the values of v: the name and
// description, the single-valued properties, then each list with its
// filled rows and one empty row more.
func flavorGroups(v url.Values) []fieldGroup {
	groups := []fieldGroup{{Legend: "Flavor", Fields: []formField{
		{Name: "name", Label: "Name", Type: "text", Required: true},
		{Name: "description", Label: "Description", Type: "text"},
	}}}
	for _, s := range flavorScalars {
		groups = append(groups, fieldGroup{Legend: s.legend, Fields: append([]formField(nil), s.fields...)})
	}
	for _, l := range flavorLists {
		g := fieldGroup{Legend: l.legend, Name: propPrefix + l.key}
		for i := range min(rowsIn(v, l)+1, maxFormRows) {
			for _, f := range l.fields {
				g.Fields = append(g.Fields, formField{Name: rowName(l.key, i, f.key),
					Label: fmt.Sprintf("%s %d %s", l.row, i+1, f.label), Type: f.kind, Hint: f.hint})
			}
		}
		groups = append(groups, g)
	}
	for gi := range groups {
		for fi := range groups[gi].Fields {
			f := &groups[gi].Fields[fi]
			f.Value = v.Get(f.Name)
		}
	}
	return groups
}

// flavorValues are the form values that show flavor f.
func flavorValues(f api.Flavor) url.Values {
	v := url.Values{}
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
	p := f.Properties
	if c := p.Processor; c != nil {
		num("properties.processor.total_cores", c.TotalCores)
		num("properties.processor.count", c.Count)
		set("properties.processor.model", c.Model)
		set("properties.processor.instruction_set", c.InstructionSet)
	}
	if m := p.Memory; m != nil {
		num("properties.memory.capacity_mib", m.CapacityMiB)
		set("properties.memory.type", m.Type)
	}
	if s := p.Security; s != nil {
		set("properties.security.tpm", boolText(s.TPM))
		set("properties.security.txt", boolText(s.TXT))
	}
	if d := p.PCIDevice; d != nil {
		set("properties.pci_device.type", strings.Join(d.Type, ", "))
	}
	for i, d := range p.LocalDrives {
		num(rowName("local_drives", i, "capacity_gib"), d.CapacityGiB)
		set(rowName("local_drives", i, "type"), d.Type)
		set(rowName("local_drives", i, "interface"), d.Interface)
	}
	for i, d := range p.RemoteDrives {
		num(rowName("remote_drives", i, "capacity_gib"), d.CapacityGiB)
		set(rowName("remote_drives", i, "protocol"), d.Protocol)
	}
	for i, n := range p.Network {
		num(rowName("network", i, "speed_mbps"), n.SpeedMbps)
		num(rowName("network", i, "vlan"), n.VLAN)
	}
	return v
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// formReader reads typed values out of a form, noting per field what could
// not be read; the API says what is wrong with what could.
type formReader struct {
	v      url.Values
	errors map[string]string
}

func (r *formReader) text(name string) string { return strings.TrimSpace(r.v.Get(name)) }

// int reads a whole number; empty is 0 (not asked for).
func (r *formReader) int(name string) api.FlexInt {
	s := r.text(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		r.errors[name] = "must be a whole number"
		return 0
	}
	return api.FlexInt(n)
}

// bool reads a tri-state choice: empty is nil (don't care).
func (r *formReader) bool(name string) *bool {
	switch r.text(name) {
	case "":
		return nil
	case "true":
		return new(true)
	case "false":
		return new(false)
	}
	r.errors[name] = "must be required, not wanted or don't care"
	return nil
}

// parseFlavor reads the flavor form. The second result holds the messages
// of the fields that could not be read, by name; when it is not empty, the
// flavor is not to be sent.
func parseFlavor(v url.Values) (api.FlavorCreate, map[string]string) {
	r := &formReader{v: v, errors: map[string]string{}}
	fc := api.FlavorCreate{Name: r.text("name"), Description: r.text("description")}
	p := &fc.Properties
	proc := api.ProcessorRequirementInput{
		TotalCores:     r.int("properties.processor.total_cores"),
		Count:          r.int("properties.processor.count"),
		Model:          r.text("properties.processor.model"),
		InstructionSet: r.text("properties.processor.instruction_set"),
	}
	if proc != (api.ProcessorRequirementInput{}) {
		p.Processor = &proc
	}
	mem := api.MemoryRequirementInput{CapacityMiB: r.int("properties.memory.capacity_mib"), Type: r.text("properties.memory.type")}
	if mem != (api.MemoryRequirementInput{}) {
		p.Memory = &mem
	}
	sec := api.SecurityRequirement{TPM: r.bool("properties.security.tpm"), TXT: r.bool("properties.security.txt")}
	if sec.TPM != nil || sec.TXT != nil {
		p.Security = &sec
	}
	if types := splitList(r.text("properties.pci_device.type")); len(types) > 0 {
		p.PCIDevice = &api.PCIDeviceRequirement{Type: types}
	}
	for i := range maxFormRows {
		row := func(key string) string { return rowName("local_drives", i, key) }
		d := api.LocalDriveRequirementInput{CapacityGiB: r.int(row("capacity_gib")), Type: r.text(row("type")), Interface: r.text(row("interface"))}
		if d != (api.LocalDriveRequirementInput{}) {
			p.LocalDrives = append(p.LocalDrives, d)
		}
	}
	for i := range maxFormRows {
		row := func(key string) string { return rowName("remote_drives", i, key) }
		d := api.RemoteDriveRequirementInput{CapacityGiB: r.int(row("capacity_gib")), Protocol: r.text(row("protocol"))}
		if d != (api.RemoteDriveRequirementInput{}) {
			p.RemoteDrives = append(p.RemoteDrives, d)
		}
	}
	for i := range maxFormRows {
		row := func(key string) string { return rowName("network", i, key) }
		n := api.NetworkRequirementInput{SpeedMbps: r.int(row("speed_mbps")), VLAN: r.int(row("vlan"))}
		if n != (api.NetworkRequirementInput{}) {
			p.Network = append(p.Network, n)
		}
	}
	return fc, r.errors
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

// unremovable names the properties an edit empties but cannot remove: an
// update is a merge patch into the flavor, where a value left out is kept
// (a list is replaced whole, so only emptying it entirely is lost).
func unremovable(before api.Flavor, after url.Values) map[string]string {
	const msg = "cannot be removed by an edit (the change merges into the flavor): create a new flavor without it"
	old := flavorValues(before)
	out := map[string]string{}
	for _, s := range flavorScalars {
		for _, f := range s.fields {
			if old.Get(f.Name) != "" && strings.TrimSpace(after.Get(f.Name)) == "" {
				out[f.Name] = msg
			}
		}
	}
	for _, l := range flavorLists {
		if rowsIn(old, l) > 0 && rowsIn(after, l) == 0 {
			out[propPrefix+l.key] = "the last entry " + msg
		}
	}
	return out
}

// flavorFieldOf maps the first word of a flavor problem the API names
// (name, processor.total_cores, local_drives.capacity_gib, ...) to the
// form's field, or to the group of a list, since the API does not say
// which entry.
func flavorFieldOf(word string) string {
	switch word {
	case "name", "description":
		return word
	}
	for _, l := range flavorLists {
		if word == l.key || strings.HasPrefix(word, l.key+".") {
			return propPrefix + l.key
		}
	}
	for _, s := range flavorScalars {
		for _, f := range s.fields {
			if f.Name == propPrefix+word {
				return f.Name
			}
		}
	}
	return ""
}
