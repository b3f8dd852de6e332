package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Output formats of -f.
var formats = []string{"table", "json", "yaml", "value"}

// outputFlags are -f, -c and --noindent.
type outputFlags struct {
	format   string
	columns  []string
	noindent bool
}

// record is one object as fields in the order of its JSON form.
type record struct {
	keys []string
	vals map[string]json.RawMessage
}

// toRecord turns v (a wire type) into a record, keeping its field order.
func toRecord(v any) (record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return record{}, err
	}
	return parseRecord(b)
}

// parseRecord reads a JSON object, keeping the order of its keys.
func parseRecord(b []byte) (record, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	r := record{vals: map[string]json.RawMessage{}}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return r, fmt.Errorf("not a JSON object: %s", b)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return r, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return r, err
		}
		if _, dup := r.vals[key]; !dup {
			r.keys = append(r.keys, key)
		}
		r.vals[key] = raw
	}
	return r, nil
}

// anyRecords turns a slice of wire values into records.
func anyRecords(items any) ([]record, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, err
	}
	out := make([]record, 0, len(raws))
	for _, raw := range raws {
		r, err := parseRecord(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// pick returns the columns to show: -c's when given (each must exist in
// available), else def (or every available one when def is nil).
func (o outputFlags) pick(def, available []string) ([]string, error) {
	if len(o.columns) == 0 {
		if def == nil {
			return available, nil
		}
		return def, nil
	}
	for _, c := range o.columns {
		if !slices.Contains(available, c) {
			return nil, usageErrorf("no column %q; the columns are: %s", c, strings.Join(available, ", "))
		}
	}
	return o.columns, nil
}

// ordered is a record restricted to some keys, marshalled in their order.
type ordered struct {
	keys []string
	r    record
}

// MarshalJSON writes the keys in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		v := o.r.vals[k]
		if v == nil {
			v = json.RawMessage("null")
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// yamlNode builds the YAML mapping of the keys in order.
func (o ordered) yamlNode() (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range o.keys {
		var v any
		if raw := o.r.vals[k]; raw != nil {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
		}
		var vn yaml.Node
		if err := vn.Encode(v); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &vn)
	}
	return n, nil
}

// printer writes records in the chosen format.
type printer struct {
	w     io.Writer
	opts  outputFlags
	width int // of the terminal; 0 when unknown (no fitting)
}

// one prints a single object (show, create): a Field/Value table, an
// object, a mapping, or one value per line.
func (p printer) one(v any) error {
	r, err := toRecord(v)
	if err != nil {
		return err
	}
	cols, err := p.opts.pick(nil, r.keys)
	if err != nil {
		return err
	}
	o := ordered{keys: cols, r: r}
	switch p.opts.format {
	case "json":
		return p.json(o)
	case "yaml":
		n, err := o.yamlNode()
		if err != nil {
			return err
		}
		return p.yaml(n)
	case "value":
		for _, c := range cols {
			fmt.Fprintln(p.w, cell(r.vals[c]))
		}
		return nil
	default:
		rows := make([][]string, len(cols))
		for i, c := range cols {
			rows[i] = []string{c, cell(r.vals[c])}
		}
		writeTable(p.w, []string{"Field", "Value"}, rows, p.width)
		return nil
	}
}

// many prints a list: a table of the columns def (or -c's), an array, a
// sequence, or one line of values per item.
func (p printer) many(items []record, def []string) error {
	available := slices.Clone(def)
	for _, r := range items {
		for _, k := range r.keys {
			if !slices.Contains(available, k) {
				available = append(available, k)
			}
		}
	}
	cols, err := p.opts.pick(def, available)
	if err != nil {
		return err
	}
	switch p.opts.format {
	case "json":
		list := make([]ordered, len(items))
		for i, r := range items {
			list[i] = ordered{keys: cols, r: r}
		}
		return p.json(list)
	case "yaml":
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range items {
			n, err := ordered{keys: cols, r: r}.yamlNode()
			if err != nil {
				return err
			}
			seq.Content = append(seq.Content, n)
		}
		if len(items) == 0 {
			_, err := fmt.Fprintln(p.w, "[]")
			return err
		}
		return p.yaml(seq)
	case "value":
		for _, r := range items {
			vals := make([]string, len(cols))
			for i, c := range cols {
				vals[i] = cell(r.vals[c])
			}
			fmt.Fprintln(p.w, strings.Join(vals, " "))
		}
		return nil
	default:
		rows := make([][]string, len(items))
		for i, r := range items {
			rows[i] = make([]string, len(cols))
			for j, c := range cols {
				rows[i][j] = cell(r.vals[c])
			}
		}
		writeTable(p.w, cols, rows, p.width)
		return nil
	}
}

func (p printer) json(v any) error {
	var b []byte
	var err error
	if p.opts.noindent {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(p.w, "%s\n", b)
	return err
}

func (p printer) yaml(n *yaml.Node) error {
	enc := yaml.NewEncoder(p.w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

// cell renders a JSON value for a table or value line: strings bare, null
// empty, lists of strings joined with ", ", anything else compact JSON.
func cell(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ", ")
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}

// minColumn is the narrowest a column is squeezed to when a table must fit
// the terminal.
const minColumn = 8

// writeTable draws an OpenStack-style table (+---+ borders). With width > 0
// the widest columns are narrowed, and their cells wrapped, until the table
// fits.
func writeTable(w io.Writer, header []string, rows [][]string, width int) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			for _, line := range strings.Split(c, "\n") {
				widths[i] = max(widths[i], utf8.RuneCountInString(line))
			}
		}
	}
	if width > 0 {
		fit(widths, width)
	}
	var sep strings.Builder
	sep.WriteByte('+')
	for _, wd := range widths {
		sep.WriteString(strings.Repeat("-", wd+2))
		sep.WriteByte('+')
	}
	line := sep.String()
	fmt.Fprintln(w, line)
	writeRow(w, header, widths)
	fmt.Fprintln(w, line)
	for _, r := range rows {
		writeRow(w, r, widths)
	}
	fmt.Fprintln(w, line)
}

// fit narrows the widest column, one character at a time, until the table
// (borders and padding included) is at most width wide or every column is
// at minColumn.
func fit(widths []int, width int) {
	total := func() int {
		t := 1
		for _, w := range widths {
			t += w + 3
		}
		return t
	}
	for total() > width {
		widest := 0
		for i, w := range widths {
			if w > widths[widest] {
				widest = i
			}
		}
		if widths[widest] <= minColumn {
			return
		}
		widths[widest]--
	}
}

// writeRow writes one row, wrapping each cell to its column's width.
func writeRow(w io.Writer, cells []string, widths []int) {
	wrapped := make([][]string, len(cells))
	height := 1
	for i, c := range cells {
		wrapped[i] = wrap(c, widths[i])
		height = max(height, len(wrapped[i]))
	}
	for l := range height {
		var b strings.Builder
		b.WriteByte('|')
		for i := range cells {
			text := ""
			if l < len(wrapped[i]) {
				text = wrapped[i][l]
			}
			b.WriteByte(' ')
			b.WriteString(text)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(text)))
			b.WriteString(" |")
		}
		fmt.Fprintln(w, b.String())
	}
}

// wrap cuts s into lines of at most width runes, at its own newlines and
// then every width runes.
func wrap(s string, width int) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		runes := []rune(line)
		for len(runes) > width {
			out = append(out, string(runes[:width]))
			runes = runes[width:]
		}
		out = append(out, string(runes))
	}
	return out
}
