package cli

import (
	"bytes"
	"strings"
	"testing"
)

type sample struct {
	UUID  string   `json:"uuid"`
	Name  string   `json:"name"`
	Cores int      `json:"cores"`
	Tags  []string `json:"tags"`
	Owner *string  `json:"owner"`
}

func print1(t *testing.T, opts outputFlags, width int, v any) (string, error) {
	t.Helper()
	var b bytes.Buffer
	err := printer{w: &b, opts: opts, width: width}.one(v)
	return b.String(), err
}

func printN(t *testing.T, opts outputFlags, width int, def []string, items ...sample) (string, error) {
	t.Helper()
	recs, err := anyRecords(items)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	err = printer{w: &b, opts: opts, width: width}.many(recs, def)
	return b.String(), err
}

var (
	s1 = sample{UUID: "u1", Name: "one", Cores: 4, Tags: []string{"a", "b"}}
	s2 = sample{UUID: "u2", Name: "two", Cores: 8}
)

func TestOutputOne(t *testing.T) {
	tests := []struct {
		opts outputFlags
		want string
	}{
		{outputFlags{format: "table"}, `+-------+-------+
| Field | Value |
+-------+-------+
| uuid  | u1    |
| name  | one   |
| cores | 4     |
| tags  | a, b  |
| owner |       |
+-------+-------+
`},
		{outputFlags{format: "json"}, "{\n  \"uuid\": \"u1\",\n  \"name\": \"one\",\n  \"cores\": 4,\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ],\n  \"owner\": null\n}\n"},
		{outputFlags{format: "json", noindent: true}, `{"uuid":"u1","name":"one","cores":4,"tags":["a","b"],"owner":null}` + "\n"},
		{outputFlags{format: "json", noindent: true, columns: []string{"name", "uuid"}}, `{"name":"one","uuid":"u1"}` + "\n"},
		{outputFlags{format: "yaml"}, "uuid: u1\nname: one\ncores: 4\ntags:\n  - a\n  - b\nowner: null\n"},
		{outputFlags{format: "value", columns: []string{"uuid", "cores"}}, "u1\n4\n"},
		{outputFlags{format: "table", columns: []string{"name"}}, "+-------+-------+\n| Field | Value |\n+-------+-------+\n| name  | one   |\n+-------+-------+\n"},
	}
	for _, tt := range tests {
		got, err := print1(t, tt.opts, 0, s1)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%+v:\n got %q\nwant %q", tt.opts, got, tt.want)
		}
	}
	if _, err := print1(t, outputFlags{format: "table", columns: []string{"colour"}}, 0, s1); err == nil {
		t.Error("-c of an unknown column: no error")
	}
}

func TestOutputMany(t *testing.T) {
	def := []string{"uuid", "name"}
	tests := []struct {
		opts outputFlags
		want string
	}{
		{outputFlags{format: "table"}, "+------+------+\n| uuid | name |\n+------+------+\n| u1   | one  |\n| u2   | two  |\n+------+------+\n"},
		{outputFlags{format: "table", columns: []string{"cores"}}, "+-------+\n| cores |\n+-------+\n| 4     |\n| 8     |\n+-------+\n"},
		{outputFlags{format: "json", noindent: true}, `[{"uuid":"u1","name":"one"},{"uuid":"u2","name":"two"}]` + "\n"},
		{outputFlags{format: "yaml"}, "- uuid: u1\n  name: one\n- uuid: u2\n  name: two\n"},
		{outputFlags{format: "value"}, "u1 one\nu2 two\n"},
	}
	for _, tt := range tests {
		got, err := printN(t, tt.opts, 0, def, s1, s2)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%+v:\n got %q\nwant %q", tt.opts, got, tt.want)
		}
	}
	for format, want := range map[string]string{"json": "[]\n", "yaml": "[]\n", "value": ""} {
		if got, _ := printN(t, outputFlags{format: format}, 0, def); got != want {
			t.Errorf("empty list as %s: %q, want %q", format, got, want)
		}
	}
}

// TestTableFitsTerminal: a table wider than the terminal has its widest
// column narrowed and wrapped; no line is wider than the terminal.
func TestTableFitsTerminal(t *testing.T) {
	long := sample{UUID: "u1", Name: strings.Repeat("x", 60)}
	got, err := printN(t, outputFlags{format: "table"}, 30, []string{"uuid", "name"}, long)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if len(line) > 30 {
			t.Errorf("line of %d > 30 characters: %q", len(line), line)
		}
	}
	if strings.Count(got, "x") != 60 {
		t.Errorf("the wrapped cell lost characters:\n%s", got)
	}
	// Without a width, nothing is wrapped.
	got, _ = printN(t, outputFlags{format: "table"}, 0, []string{"uuid", "name"}, long)
	if !strings.Contains(got, strings.Repeat("x", 60)) {
		t.Errorf("wrapped without a terminal:\n%s", got)
	}
}
